"""Reports people read: a derivation file and its results as a Markdown or a LaTeX document.

The document has the network's equations, the file's definitions, and every
claim in LaTeX math with its verdict, the diagnosis of a false one, the right
formula and a counterexample. Markdown uses ``$$…$$`` math, which GitHub and
Jupyter render; LaTeX is a complete document for ``pdflatex``.
"""

from __future__ import annotations

import re

from . import syntax as sx
from .latex_tokens import is_latex
from .latex_writer import escape_tex, latex, latex_function, latex_name, latex_of_text, notation_of
from .roles import Role
from .results import ClaimResult, Counterexample, FileResult, Verdict
from .source import one_line, visible
from .network_spec import NetworkSpec
from .spec import ClaimSpec, Spec

_VERDICT_WORDS = {Verdict.PROVED: "proved", Verdict.HOLDS: "holds (numerically, not proved)",
                  Verdict.FALSE: "false", Verdict.ERROR: "could not be checked", Verdict.SKIPPED: "skipped"}


def render(spec: Spec, result: FileResult, form: str) -> str:
    """The document: ``form`` is ``md`` or ``tex``."""
    writer = _Markdown() if form == "md" else _Latex()
    vector = notation_of(spec)
    writer.title(spec.title)
    for warning in result.warnings:
        writer.paragraph(f"Warning: {warning}")
    _model(writer, spec, vector, writer.heading)
    writer.heading("Claims")
    summary = ", ".join(f"{sum(c.verdict is v for c in result.claims)} {_VERDICT_WORDS[v].split(' ')[0]}"
                        for v in Verdict if any(c.verdict is v for c in result.claims))
    count = len(result.claims)
    writer.paragraph(f"{count} claim{'s' * (count != 1)}: {summary}." if result.claims else "No claims.")
    section = 0
    for claim, checked in zip(spec.claims, result.claims):
        model = spec.model_of(claim)
        if claim.section != section and model is not spec:  # a note's section with a model of its own
            writer.paragraph(f"From line {claim.loc.line}, the note's equations are in a model of their own:")
            _model(writer, model, notation_of(model), writer.paragraph)
        section = claim.section
        _claim(writer, claim, checked, model.scope, notation_of(model))
    return writer.text()


def _model(writer, spec: Spec, vector, heading) -> None:
    """The network or the computation, and the definitions (each under ``heading``)."""
    if spec.network is not None:
        heading("The network")
        writer.paragraph(_network_sentence(spec.network))
        writer.equations(_network_equations(spec.network))
    if spec.forward is not None:
        heading("The computation")
        writer.paragraph(_forward_sentence(spec.forward))
        writer.equations([f"{latex(piece.head, vector)} = {latex(piece.body, vector)}"
                          for piece in spec.forward.pieces if piece.body is not None] + _upstream_equation(spec))
    if spec.lets:
        heading("Definitions")
        writer.equations([f"{latex(let.head, vector)} = {latex(let.body, vector)}"
                          for let in spec.lets if let.body is not None])


def _claim(writer, claim: ClaimSpec, checked: ClaimResult, scope: sx.Scope, vector) -> None:
    mark = "" if checked.ok else " (not as expected)"
    expected = " — a mistake kept on purpose" if checked.expect == "false" and checked.verdict is Verdict.FALSE else ""
    writer.subheading(f"{checked.number}. {checked.name}: {_VERDICT_WORDS[checked.verdict]}{expected}{mark}")
    if claim.equation is None:
        writer.paragraph(f"Error: {checked.error}")
        return
    written = _written_latex(claim)
    if written is not None:  # as the user wrote it
        writer.equations([written])
    elif claim.steps:
        writer.equations([latex(claim.steps[0], vector)] + [f"= {latex(step, vector)}" for step in claim.steps[1:]],
                         aligned=True)
    else:
        writer.equations([claim_latex(claim, vector)])
    if claim.for_range is not None:
        writer.paragraph(f"For {claim.for_range.var} from {sx.to_text(claim.for_range.lo)} to "
                         f"{sx.to_text(claim.for_range.hi)}.")
    if checked.instances:
        plural = "s" if checked.instances != 1 else ""
        writer.paragraph(f"{checked.instances} instance{plural} checked; {checked.proved} proved symbolically, "
                         f"{checked.failed} false.")
    for step in checked.steps:  # a step right again is in the notes
        if step.verdict is Verdict.FALSE and not step.right_again:
            writer.paragraph(f"Step {step.number} is false against the step before.")
    if checked.error:
        writer.paragraph(f"Error: {checked.error}")
    diagnosis = checked.diagnosis
    if diagnosis is not None:
        writer.paragraph(f"Why: {diagnosis.message}.")
        if diagnosis.corrected:
            writer.paragraph("The right formula:")
            writer.equations([latex_of_text(diagnosis.corrected, scope, vector)])
        if diagnosis.truth:
            writer.paragraph(f"The true value: {diagnosis.truth}.")
    if checked.counterexamples:
        writer.paragraph("Counterexample: " + _counterexample(checked.counterexamples[0]))
    for note in checked.notes:
        writer.paragraph(f"Note: {note}.")


def claim_latex(claim: ClaimSpec, vector) -> str:
    """A readable claim's LaTeX: as its author wrote it in LaTeX, else from its syntax tree (a chain on one
    line)."""
    written = _written_latex(claim)
    if written is not None:
        return written
    if claim.steps:
        return " = ".join(latex(step, vector) for step in claim.steps)
    return latex(claim.equation, vector)


def _written_latex(claim: ClaimSpec) -> str | None:
    """The LaTeX of a claim written in LaTeX (in a note, or between $…$), without its dollar signs."""
    if claim.in_note:
        return claim.text
    text = claim.text.strip()
    return text[1:-1].strip() if is_latex(text) else None


def _counterexample(example: Counterexample) -> str:
    where = f"at {example.instance_text()}: " if example.instance else ""
    if example.reason:
        return where + example.reason
    return f"{where}left side {example.value_text('lhs')}, right side {example.value_text('rhs')}."


def _forward_sentence(forward) -> str:
    """What a forward file declares, in one sentence."""
    parts = []
    if forward.dims:
        parts.append("sizes " + ", ".join(f"{name} = {size}" for name, size in forward.dims.items()))
    for role, word in ((Role.INPUT, "inputs"), (Role.PARAM, "parameters")):
        heads = [sx.to_text(piece.head) for piece in forward.pieces if piece.role is role]
        if heads:
            parts.append(f"{word} {', '.join(heads)}")
    if forward.constants:
        parts.append("constants " + ", ".join(f"{c.name} ({c.domain or c.value})" for c in forward.constants.values()))
    if forward.data:
        parts.append("data " + ", ".join(forward.data))
    text = "; ".join(parts)
    return text[:1].upper() + text[1:] + "." if parts else "No declarations."


def _upstream_equation(spec: Spec) -> list[str]:
    """L = Σ dout ⊙ out for a layer's backward pass stated with `upstream:`."""
    forward = spec.forward
    if not forward.upstream:
        return []
    terms = " + ".join(rf"\sum {latex_name(gradient)} \odot {latex_name(quantity)}" for quantity, gradient in forward.upstream)
    return [f"{latex_name(forward.loss)} = {terms}"]


def _network_sentence(network: NetworkSpec) -> str:
    sizes = ", ".join(str(s) for s in network.sizes)
    activations = ", ".join(network.activations)
    loss = network.loss if isinstance(network.loss, str) else sx.to_text(network.loss)
    parts = [f"Layers of {sizes} neurons (input first); activations {activations} for layers 1 to "
             f"{network.last}; loss {loss}"]
    if network.batch > 1:
        parts.append(f"a batch of {network.batch} samples ({network.reduction})")
    if network.targets == "one_hot":
        parts.append("one-hot targets")
    if network.bias != "true":
        parts.append("no separate biases" if network.bias == "false" else "biases folded in as unit 0")
    return "; ".join(parts) + "."


def _network_equations(network: NetworkSpec) -> list[str]:
    names = network.notation.names
    w, b, z, a = (latex_name(names[key]) for key in ("weight", "bias", "preact", "act"))
    pair = "kj" if network.notation.from_to else "jk"
    bias = f" + {b}^{{(l)}}_{{j}}" if network.bias == "true" else ""
    start = "0" if network.bias == "folded" else ""
    total = rf"\sum_{{k{'=' + start if start else ''}}}"
    equations = [rf"{z}^{{(l)}}_{{j}} = {total} {w}^{{(l)}}_{{{pair}}} {a}^{{(l-1)}}_{{k}}{bias}"]
    hidden = set(network.activations[:-1])
    if len(hidden) == 1:
        equations.append(rf"{a}^{{(l)}}_{{j}} = {latex_function(hidden.pop())}\left({z}^{{(l)}}_{{j}}\right)"
                         r" \quad (l < L)")
    output = network.activations[-1]
    yhat = latex_name(names["output"])
    if output == "softmax":
        equations.append(rf"{yhat}_{{j}} = {a}^{{(L)}}_{{j}} = \frac{{e^{{{z}^{{(L)}}_{{j}}}}}}"
                         rf"{{\sum_{{k}} e^{{{z}^{{(L)}}_{{k}}}}}}")
    else:
        equations.append(rf"{yhat}_{{j}} = {a}^{{(L)}}_{{j}} = {latex_function(output)}\left({z}^{{(L)}}_{{j}}\right)")
    return equations


# -- expressions as LaTeX ------------------------------------------------------------------------------


class _Markdown:
    def __init__(self):
        self.parts: list[str] = []

    def title(self, text: str) -> None:
        self.parts.append(f"# {_escape_md(one_line(text))}")

    def heading(self, text: str) -> None:
        self.parts.append(f"## {_escape_md(one_line(text))}")

    def subheading(self, text: str) -> None:
        self.parts.append(f"### {_escape_md(one_line(text))}")

    def paragraph(self, text: str) -> None:
        self.parts.append(_escape_md(text))

    def equations(self, lines: list[str], aligned: bool = False) -> None:
        if aligned:
            self.parts.append("$$\n\\begin{aligned}\n" + _aligned(lines) + "\n\\end{aligned}\n$$")
            return
        self.parts.extend(f"$$\n{line}\n$$" for line in lines)

    def text(self) -> str:
        return "\n\n".join(self.parts) + "\n"


class _Latex:
    def __init__(self):
        self.parts: list[str] = []
        self._title = ""

    def title(self, text: str) -> None:
        self._title = one_line(text)

    def heading(self, text: str) -> None:
        self.parts.append(rf"\section*{{{escape_tex(one_line(text))}}}")

    def subheading(self, text: str) -> None:
        self.parts.append(rf"\subsection*{{{escape_tex(one_line(text))}}}")

    def paragraph(self, text: str) -> None:
        self.parts.append(escape_tex(text))

    def equations(self, lines: list[str], aligned: bool = False) -> None:
        if aligned:
            self.parts.append("\\begin{align*}\n" + _aligned(lines) + "\n\\end{align*}")
            return
        self.parts.extend(f"\\[\n{line}\n\\]" for line in lines)

    def text(self) -> str:
        head = ("\\documentclass{article}\n\\usepackage[utf8]{inputenc}\n\\usepackage{amsmath,amssymb}\n"
                "\\usepackage[margin=2.5cm]{geometry}\n"
                f"\\title{{{escape_tex(self._title)}}}\n\\date{{}}\n\\begin{{document}}\n\\maketitle\n")
        return head + "\n\n".join(self.parts) + "\n\\end{document}\n"


def _aligned(lines: list[str]) -> str:
    """The first expression, then each step on its own line aligned at its '='."""
    first, rest = lines[0], lines[1:]
    return " \\\\\n".join([first + " &" + rest[0]] + [" &" + line for line in rest[1:]])


def _escape_md(text: str) -> str:
    return re.sub(r"([\\`*_{}\[\]<>#|$])", r"\\\1", visible(text))
