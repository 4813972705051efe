"""Syntax trees → LaTeX that derivcheck's LaTeX reader reads back as what it says: the report's equations,
and the corrected claim offered in LaTeX to a claim written in LaTeX."""

from __future__ import annotations

import re
import unicodedata

from . import syntax as sx
from .errors import InputError, Location
from .expressions import parse_chain
from .source import visible
from .spec import Spec

_GREEK = {"alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa", "lambda", "mu",
          "nu", "xi", "pi", "rho", "sigma", "tau", "upsilon", "phi", "chi", "psi", "omega", "Gamma", "Delta",
          "Theta", "Lambda", "Xi", "Pi", "Sigma", "Phi", "Psi", "Omega"}
_FUNCTIONS = {"sigmoid": r"\sigma", "σ": r"\sigma", "exp": r"\exp", "log": r"\log", "ln": r"\ln", "tanh": r"\tanh",
              "sin": r"\sin", "cos": r"\cos", "relu": r"\operatorname{relu}", "softplus": r"\operatorname{softplus}",
              "abs": r"\operatorname{abs}"}
_COMPARISONS = {"==": "=", "!=": r"\neq", "<": "<", "<=": r"\le", ">": ">", ">=": r"\ge"}


class LatexNotation:
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
        return latex_name(name)

    def __call__(self, node) -> bool:
        return self.is_vector(node)


def latex(node, vector: LatexNotation | None = None) -> str:
    """A derivcheck syntax tree as LaTeX that derivcheck's LaTeX reader reads back: w[l][j,k] →
    w^{(l)}_{jk}, d(C)/d(w) → ∂C/∂w, sum(k, …) → Σ_k …, w[l].T @ delta[l] → (w^{(l)})^⊤ δ^{(l)}; an
    entrywise product of vectors is ⊙."""
    return _latex(node, 0, vector or LatexNotation())


def notation_of(spec: Spec) -> LatexNotation:
    """The file's notation: its vectors and matrices (w[l], a[l], delta[l], y, x; a forward file's tensors
    written with fewer indices than they have) and whether it names anything delta."""
    delta_free = "delta" not in spec.scope.values
    known = spec.scope.values
    if spec.forward is not None:
        return LatexNotation(_forward_vectors(spec), delta_free, known)
    network = spec.network
    if network is None or all(size == 1 for size in network.sizes):
        return LatexNotation(delta_free=delta_free, names=known)
    names = network.notation.names
    layered = {names[key] for key in ("weight", "bias", "preact", "act")} | {let.name for let in spec.lets}
    whole = {names[key] for key in ("input", "target", "output")}

    def is_vector(node) -> bool:
        if isinstance(node, sx.Indexed):
            return node.id in layered and len(node.groups) == 1 and len(node.groups[0]) == 1
        return isinstance(node, sx.Name) and node.id in whole

    return LatexNotation(is_vector, delta_free, known)


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
        return rf"{latex_function(node.func)}{chr(39) * node.primes}\left({args}\right)"
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
    if node.op in ("*", "@", "·"):
        left = _latex(node.left, 2, vector)
        if isinstance(node.left, sx.Sum) or (isinstance(node.left, sx.BinOp) and node.left.op in ("*", "@", "·")
                                             and node.left.op != node.op):
            left = rf"\left({left}\right)"  # a sum's body ends where the product goes on; A b ⊙ c
        entrywise = node.op == "*" and all(any(vector(part) for part in sx.walk(side)) for side in (node.left,
                                                                                                     node.right))
        product = r"\odot" if entrywise else r"\,"
        right = _latex(node.right, 2, vector)
        if isinstance(node.right, sx.BinOp) and node.right.op in ("*", "@", "·") and node.right.op != node.op:
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


def latex_name(name: str) -> str:
    accent = re.fullmatch(r"([A-Za-z]|" + "|".join(_GREEK) + r")(hat|tilde|bar)", name)
    if accent:  # yhat → \hat{y}, as the LaTeX reader reads it back
        return rf"\{accent.group(2)}{{{latex_name(accent.group(1))}}}"
    if len(name) == 1 and ord(name) > 127 and tex_character(name):
        return tex_character(name)
    if name in _GREEK:
        return "\\" + name
    match = re.fullmatch(r"([A-Za-z]+)(\d+)", name)
    if match:
        return f"{latex_name(match.group(1))}_{{{match.group(2)}}}"
    return name if len(name) == 1 else rf"\mathit{{{name.replace('_', chr(92) + '_')}}}"


def latex_function(name: str) -> str:
    return _FUNCTIONS.get(name) or (latex_name(name) if len(name) == 1 or name in _GREEK else rf"\operatorname{{{name}}}")


def latex_of_text(text: str, scope: sx.Scope, vector) -> str:
    """A corrected claim (derivcheck text) as LaTeX, read by the same parser and scope as the file."""
    try:
        sides = parse_chain(text, Location("<report>", 1, 1), scope)
    except InputError:
        return r"\text{" + escape_tex(text) + "}"
    return " = ".join(latex(side, vector) for side in sides)


# -- the two forms --------------------------------------------------------------------------------------


_TEX_SYMBOLS = {"→": r"\rightarrow", "←": r"\leftarrow", "∂": r"\partial", "·": r"\cdot", "×": r"\times",
                "−": "-", "≠": r"\neq", "≤": r"\leq", "≥": r"\geq", "∑": r"\sum", "⊙": r"\odot", "ŷ": r"\hat{y}",
                "′": "'", "²": "^2", "ᵀ": r"^{\top}", "∇": r"\nabla", "η": r"\eta", "ε": r"\varepsilon"}


def tex_character(ch: str) -> str | None:
    """A character pdflatex cannot typeset from UTF-8 as a math command (σ → \\sigma), or None."""
    if ch in _TEX_SYMBOLS:
        return _TEX_SYMBOLS[ch]
    name = unicodedata.name(ch, "")
    if name.startswith(("GREEK SMALL LETTER ", "GREEK CAPITAL LETTER ")) and " " not in name[20:].strip():
        letter = name.rsplit(" ", 1)[1].lower()
        letter = letter.capitalize() if "CAPITAL" in name else letter
        return "\\" + letter if letter in _GREEK else None  # (no \\Alpha: it is an A)
    return None


_TEX_TEXT = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_", "{": r"\{",
             "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}
def escape_tex(text: str) -> str:
    parts = []
    for ch in visible(text):
        command = tex_character(ch) if ord(ch) > 127 else None
        parts.append(rf"\ensuremath{{{command}}}" if command else _TEX_TEXT.get(ch, ch))
    return "".join(parts)
