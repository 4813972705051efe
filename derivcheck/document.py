"""Reports people read: a derivation file and its results as a Markdown or a LaTeX document.

The document has the network's equations, the file's definitions, and every
claim in LaTeX math with its verdict, the diagnosis of a false one, the right
formula and a counterexample. Markdown uses ``$$…$$`` math, which GitHub and
Jupyter render; LaTeX is a complete document for ``pdflatex``.
"""

from __future__ import annotations

import re
import unicodedata

from . import syntax as sx
from .errors import InputError, Location
from .expressions import parse_chain
from .latex_tokens import is_latex
from .forward_spec import Role
from .results import ClaimResult, Counterexample, FileResult, Verdict
from .source import one_line, visible
from .network_spec import NetworkSpec
from .spec import ClaimSpec, Spec

_GREEK = {"alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa", "lambda", "mu",
          "nu", "xi", "pi", "rho", "sigma", "tau", "upsilon", "phi", "chi", "psi", "omega", "Gamma", "Delta",
          "Theta", "Lambda", "Xi", "Pi", "Sigma", "Phi", "Psi", "Omega"}
_FUNCTIONS = {"sigmoid": r"\sigma", "σ": r"\sigma", "exp": r"\exp", "log": r"\log", "ln": r"\ln", "tanh": r"\tanh",
              "sin": r"\sin", "cos": r"\cos", "relu": r"\operatorname{relu}", "softplus": r"\operatorname{softplus}",
              "abs": r"\operatorname{abs}"}
_COMPARISONS = {"==": "=", "!=": r"\neq", "<": "<", "<=": r"\le", ">": ">", ">=": r"\ge"}
_VERDICT_WORDS = {Verdict.PROVED: "proved", Verdict.HOLDS: "holds (numerically, not proved)",
                  Verdict.FALSE: "false", Verdict.ERROR: "could not be checked", Verdict.SKIPPED: "skipped"}


def render(spec: Spec, result: FileResult, form: str) -> str:
    """The document: ``form`` is ``md`` or ``tex``."""
    writer = _Markdown() if form == "md" else _Latex()
    vector = notation_of(spec)
    writer.title(spec.title)
    for warning in result.warnings:
        writer.paragraph(f"Warning: {warning}")
    if spec.network is not None:
        writer.heading("The network")
        writer.paragraph(_network_sentence(spec.network))
        writer.equations(_network_equations(spec.network))
    if spec.forward is not None:
        writer.heading("The computation")
        writer.paragraph(_forward_sentence(spec.forward))
        writer.equations([f"{latex(piece.head, vector)} = {latex(piece.body, vector)}"
                          for piece in spec.forward.pieces if piece.body is not None] + _upstream_equation(spec))
    if spec.lets:
        writer.heading("Definitions")
        writer.equations([f"{latex(let.head, vector)} = {latex(let.body, vector)}"
                          for let in spec.lets if let.body is not None])
    writer.heading("Claims")
    summary = ", ".join(f"{sum(c.verdict is v for c in result.claims)} {_VERDICT_WORDS[v].split(' ')[0]}"
                        for v in Verdict if any(c.verdict is v for c in result.claims))
    count = len(result.claims)
    writer.paragraph(f"{count} claim{'s' * (count != 1)}: {summary}." if result.claims else "No claims.")
    for claim, checked in zip(spec.claims, result.claims):
        _claim(writer, claim, checked, spec.scope, vector)
    return writer.text()


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
        writer.equations([latex(claim.equation, vector)])
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
            writer.equations([_latex_text(diagnosis.corrected, scope, vector)])
        if diagnosis.truth:
            writer.paragraph(f"The true value: {diagnosis.truth}.")
    if checked.counterexamples:
        writer.paragraph("Counterexample: " + _counterexample(checked.counterexamples[0]))
    for note in checked.notes:
        writer.paragraph(f"Note: {note}.")


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
    terms = " + ".join(rf"\sum {_name(gradient)} \odot {_name(quantity)}" for quantity, gradient in forward.upstream)
    return [f"{_name(forward.loss)} = {terms}"]


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
    w, b, z, a = (_name(names[key]) for key in ("weight", "bias", "preact", "act"))
    pair = "kj" if network.notation.from_to else "jk"
    bias = f" + {b}^{{(l)}}_{{j}}" if network.bias == "true" else ""
    start = "0" if network.bias == "folded" else ""
    total = rf"\sum_{{k{'=' + start if start else ''}}}"
    equations = [rf"{z}^{{(l)}}_{{j}} = {total} {w}^{{(l)}}_{{{pair}}} {a}^{{(l-1)}}_{{k}}{bias}"]
    hidden = set(network.activations[:-1])
    if len(hidden) == 1:
        equations.append(rf"{a}^{{(l)}}_{{j}} = {_function(hidden.pop())}\left({z}^{{(l)}}_{{j}}\right)"
                         r" \quad (l < L)")
    output = network.activations[-1]
    yhat = _name(names["output"])
    if output == "softmax":
        equations.append(rf"{yhat}_{{j}} = {a}^{{(L)}}_{{j}} = \frac{{e^{{{z}^{{(L)}}_{{j}}}}}}"
                         rf"{{\sum_{{k}} e^{{{z}^{{(L)}}_{{k}}}}}}")
    else:
        equations.append(rf"{yhat}_{{j}} = {a}^{{(L)}}_{{j}} = {_function(output)}\left({z}^{{(L)}}_{{j}}\right)")
    return equations


# -- expressions as LaTeX ------------------------------------------------------------------------------


class _Notation:
    """What the LaTeX of a file's expressions needs to know: which nodes are vectors or matrices (a product
    of two is written ⊙ when entrywise) and whether \\delta_{ij} is free to mean the Kronecker delta."""

    def __init__(self, is_vector=lambda node: False, delta_free: bool = True, names: frozenset[str] = frozenset()):
        self.is_vector = is_vector
        self.delta_free = delta_free
        self.names = names  # the file's names: x1 is x_{1} only where x is not one of them

    def name(self, name: str) -> str:
        match = re.fullmatch(r"([A-Za-z]+)(\d+)", name)
        if match and match.group(1) in self.names:
            return rf"\mathit{{{name}}}"
        return _name(name)

    def __call__(self, node) -> bool:
        return self.is_vector(node)


def latex(node, vector: _Notation | None = None) -> str:
    """A derivcheck syntax tree as LaTeX that derivcheck's LaTeX reader reads back: w[l][j,k] →
    w^{(l)}_{jk}, d(C)/d(w) → ∂C/∂w, sum(k, …) → Σ_k …, w[l].T @ delta[l] → (w^{(l)})^⊤ δ^{(l)}; an
    entrywise product of vectors is ⊙."""
    return _latex(node, 0, vector or _Notation())


def notation_of(spec: Spec) -> _Notation:
    """The file's notation: its vectors and matrices (w[l], a[l], delta[l], y, x; a forward file's tensors
    written with fewer indices than they have) and whether it names anything delta."""
    delta_free = "delta" not in spec.scope.values
    known = spec.scope.values
    if spec.forward is not None:
        return _Notation(_forward_vectors(spec), delta_free, known)
    network = spec.network
    if network is None or all(size == 1 for size in network.sizes):
        return _Notation(delta_free=delta_free, names=known)
    names = network.notation.names
    layered = {names[key] for key in ("weight", "bias", "preact", "act")} | {let.name for let in spec.lets}
    whole = {names[key] for key in ("input", "target", "output")}

    def is_vector(node) -> bool:
        if isinstance(node, sx.Indexed):
            return node.id in layered and len(node.groups) == 1 and len(node.groups[0]) == 1
        return isinstance(node, sx.Name) and node.id in whole

    return _Notation(is_vector, delta_free, known)


def _forward_vectors(spec: Spec):
    """A forward file's tensor, data or let written with fewer indices than it has is a vector or matrix."""
    slots = {piece.name: sum(len(g) for g in piece.head.groups) for piece in spec.forward.pieces
             if isinstance(piece.head, sx.Indexed)}
    slots.update({name: len(array.shape) for name, array in spec.forward.data.items()})
    for let in spec.lets:
        if isinstance(let.head, sx.Indexed):
            slots[let.name] = max(slots.get(let.name, 0), sum(len(g) for g in let.head.groups))
    quantities = dict(spec.forward.upstream)
    slots.update({gradient: slots.get(quantity, 0) for quantity, gradient in quantities.items()})

    def is_vector(node) -> bool:
        if isinstance(node, sx.Indexed):
            return sum(len(g) for g in node.groups) < slots.get(node.id, 0)
        return isinstance(node, sx.Name) and slots.get(node.id, 0) > 0

    return is_vector


def _latex(node, context: int, vector) -> str:
    if isinstance(node, sx.Equation):
        return f"{_latex(node.lhs, 0, vector)} = {_latex(node.rhs, 0, vector)}"
    if isinstance(node, sx.Num):
        return node.text
    if isinstance(node, sx.Name):
        return vector.name(node.id)
    if isinstance(node, sx.Indexed):
        return _indexed(node, vector)
    if isinstance(node, sx.Call):
        args = ", ".join(_latex(arg, 0, vector) for arg in node.args)
        return rf"{_function(node.func)}{chr(39) * node.primes}\left({args}\right)"
    if isinstance(node, sx.Kronecker):
        i, j = _latex(node.i, 0, vector), _latex(node.j, 0, vector)
        if vector.delta_free and len(i) == 1 and len(j) == 1:
            return rf"\delta_{{{i}{j}}}"
        return rf"\left[{i} = {j}\right]"
    if isinstance(node, sx.Iverson):
        return rf"\left[{_latex(node.condition, 0, vector)}\right]"
    if isinstance(node, sx.Compare):
        parts = [_latex(node.operands[0], 0, vector)]
        for op, operand in zip(node.ops, node.operands[1:]):
            parts.append(f"{_COMPARISONS[op]} {_latex(operand, 0, vector)}")
        return " ".join(parts)
    if isinstance(node, sx.Logic):
        return rf" \text{{ {node.op} }} ".join(_latex(part, 0, vector) for part in node.parts)
    if isinstance(node, sx.Sum):
        bounds = "" if node.lo is None else f"={_latex(node.lo, 0, vector)}}}^{{{_latex(node.hi, 0, vector)}"
        text = rf"\sum_{{{node.var}{bounds}}} {_latex(node.body, 2, vector)}"
        return rf"\left({text}\right)" if context > 2 else text
    if isinstance(node, sx.Derivative):
        return rf"\frac{{\partial {_latex(node.expr, 3, vector)}}}{{\partial {_latex(node.var, 3, vector)}}}"
    if isinstance(node, sx.Transpose):
        return rf"{_latex(node.operand, 5, vector)}^{{\top}}" if not isinstance(node.operand, sx.Indexed) else \
            rf"\left({_latex(node.operand, 0, vector)}\right)^{{\top}}"
    if isinstance(node, sx.Neg):
        text = "-" + _latex(node.operand, 3, vector)
        return rf"\left({text}\right)" if context > 1 else text
    if node.op == "/":
        return rf"\frac{{{_latex(node.left, 0, vector)}}}{{{_latex(node.right, 0, vector)}}}"
    if node.op == "**":
        return f"{_latex(node.left, 4, vector)}^{{{_latex(node.right, 0, vector)}}}"
    if node.op in ("*", "@"):
        left = _latex(node.left, 2, vector)
        if isinstance(node.left, sx.Sum) or (isinstance(node.left, sx.BinOp) and node.left.op in ("*", "@")
                                             and node.left.op != node.op):
            left = rf"\left({left}\right)"  # a sum's body ends where the product goes on; A b ⊙ c
        entrywise = node.op == "*" and all(any(vector(part) for part in sx.walk(side)) for side in (node.left,
                                                                                                     node.right))
        product = r"\odot" if entrywise else r"\,"
        right = _latex(node.right, 2, vector)
        if isinstance(node.right, sx.BinOp) and node.right.op in ("*", "@") and node.right.op != node.op:
            right = rf"\left({right}\right)"  # A (b ⊙ c): read left to right it would be (A b) ⊙ c
        text = rf"{left} {product} {right}"
        return rf"\left({text}\right)" if context > 2 else text
    text = f"{_latex(node.left, 1, vector)} {node.op} {_latex(node.right, 2, vector)}"
    return rf"\left({text}\right)" if context > 1 else text


def _indexed(node: sx.Indexed, vector) -> str:
    name = vector.name(node.id)
    items = [[_latex(item, 0, vector) for item in group] for group in node.groups]
    groups = [("" if all(len(item) == 1 for item in group) else ",").join(group) for group in items]
    if vector(node):  # w[l] → w^{(l)}
        return rf"{name}^{{({groups[0]})}}"
    if len(groups) >= 2 and len(node.groups[0]) == 1:
        return rf"{name}^{{({groups[0]})}}_{{{','.join(groups[1:])}}}"
    return rf"{name}_{{{','.join(groups)}}}"


def _name(name: str) -> str:
    if name == "yhat":
        return r"\hat{y}"
    if len(name) == 1 and ord(name) > 127 and _tex_character(name):
        return _tex_character(name)
    if name in _GREEK:
        return "\\" + name
    match = re.fullmatch(r"([A-Za-z]+)(\d+)", name)
    if match:
        return f"{_name(match.group(1))}_{{{match.group(2)}}}"
    return name if len(name) == 1 else rf"\mathit{{{name.replace('_', chr(92) + '_')}}}"


def _function(name: str) -> str:
    return _FUNCTIONS.get(name) or (_name(name) if len(name) == 1 or name in _GREEK else rf"\operatorname{{{name}}}")


def _latex_text(text: str, scope: sx.Scope, vector) -> str:
    """A corrected claim (derivcheck text) as LaTeX, read by the same parser and scope as the file."""
    try:
        sides = parse_chain(text, Location("<report>", 1, 1), scope)
    except InputError:
        return r"\text{" + _escape_tex(text) + "}"
    return " = ".join(latex(side, vector) for side in sides)


# -- the two forms --------------------------------------------------------------------------------------


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
        self.parts.append(rf"\section*{{{_escape_tex(one_line(text))}}}")

    def subheading(self, text: str) -> None:
        self.parts.append(rf"\subsection*{{{_escape_tex(one_line(text))}}}")

    def paragraph(self, text: str) -> None:
        self.parts.append(_escape_tex(text))

    def equations(self, lines: list[str], aligned: bool = False) -> None:
        if aligned:
            self.parts.append("\\begin{align*}\n" + _aligned(lines) + "\n\\end{align*}")
            return
        self.parts.extend(f"\\[\n{line}\n\\]" for line in lines)

    def text(self) -> str:
        head = ("\\documentclass{article}\n\\usepackage[utf8]{inputenc}\n\\usepackage{amsmath,amssymb}\n"
                "\\usepackage[margin=2.5cm]{geometry}\n"
                f"\\title{{{_escape_tex(self._title)}}}\n\\date{{}}\n\\begin{{document}}\n\\maketitle\n")
        return head + "\n\n".join(self.parts) + "\n\\end{document}\n"


def _aligned(lines: list[str]) -> str:
    """The first expression, then each step on its own line aligned at its '='."""
    first, rest = lines[0], lines[1:]
    return " \\\\\n".join([first + " &" + rest[0]] + [" &" + line for line in rest[1:]])


def _escape_md(text: str) -> str:
    return re.sub(r"([\\`*_{}\[\]<>#|$])", r"\\\1", visible(text))


_TEX_TEXT = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_", "{": r"\{",
             "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}
_TEX_SYMBOLS = {"→": r"\rightarrow", "←": r"\leftarrow", "∂": r"\partial", "·": r"\cdot", "×": r"\times",
                "−": "-", "≠": r"\neq", "≤": r"\leq", "≥": r"\geq", "∑": r"\sum", "⊙": r"\odot", "ŷ": r"\hat{y}",
                "′": "'", "²": "^2", "ᵀ": r"^{\top}", "∇": r"\nabla", "η": r"\eta", "ε": r"\varepsilon"}


def _tex_character(ch: str) -> str | None:
    """A character pdflatex cannot typeset from UTF-8 as a math command (σ → \\sigma), or None."""
    if ch in _TEX_SYMBOLS:
        return _TEX_SYMBOLS[ch]
    name = unicodedata.name(ch, "")
    if name.startswith(("GREEK SMALL LETTER ", "GREEK CAPITAL LETTER ")) and " " not in name[20:].strip():
        letter = name.rsplit(" ", 1)[1].lower()
        letter = letter.capitalize() if "CAPITAL" in name else letter
        return "\\" + letter if letter in _GREEK else None  # (no \\Alpha: it is an A)
    return None


def _escape_tex(text: str) -> str:
    parts = []
    for ch in visible(text):
        command = _tex_character(ch) if ord(ch) > 127 else None
        parts.append(rf"\ensuremath{{{command}}}" if command else _TEX_TEXT.get(ch, ch))
    return "".join(parts)
