"""Expression text → a Python syntax tree, bounded: derivcheck's notation rewritten to Python's (``^``,
primes, ``..``, a single ``=``, typographic operators) with a map back to the file's positions, then
``ast.parse`` — which evaluates nothing — within the limits on length and nesting."""

from __future__ import annotations

import ast
import re
import warnings

from .errors import InputError, Location
from .limits import Limits, over_limit

PRIME = "ʹ"  # U+02B9, a letter to Python's tokenizer: `f'` becomes the identifier `fʹ`
# the prime and the typographic ones (′ U+2032, ″ U+2033, ‴ U+2034), with the derivatives each stands for
_PRIMES = {"'": 1, "′": 1, "″": 2, "‴": 3}
# a backslash command, or a braced superscript or subscript: text written in LaTeX
_LATEX = re.compile(r"\\[A-Za-z]+|[\^_]\{")
# · and ⋅ are the product of LaTeX's \cdot (of two matrices the matrix product, else times): Python's %,
# which derivcheck's syntax has no other use for (a % written as such is refused)
_REWRITTEN = {"^": "**", "∂": "d", "·": "%", "×": "*", "⋅": "%", "⊙": "*", "−": "-", "ᵀ": ".T", "\n": " "}


class PythonText:
    """Expression text rewritten to one line of Python syntax, with a map back to the original."""

    def __init__(self, text: str, origin: Location):
        self.original = text
        self.origin = origin
        out: list[str] = []
        source: list[int] = []  # for each character of the Python text, its offset in the original
        i = 0
        while i < len(text):
            ch, prev = text[i], text[i - 1] if i else ""
            width = 1
            if text.startswith("..", i):
                piece, width = ">>", 2  # a range lo..hi; read back by range_bounds
            elif ch in _PRIMES and (prev.isalnum() or prev in "_'" + PRIME + "".join(_PRIMES)):
                piece = PRIME * _PRIMES[ch]
            elif ch == "=" and prev not in "=<>!" and text[i + 1:i + 2] != "=":
                piece = "=="
            elif ch == "%":
                piece = "%%"  # no operator: Python refuses it, and the error points here
            else:
                piece = _REWRITTEN.get(ch, ch)
            out.append(piece)
            source.extend([i] * len(piece))
            i += width
        self.python = "".join(out)
        self.source = source + [len(text)]

    def location(self, node: ast.AST) -> Location:
        """Where an ast node (its column is in UTF-8 bytes) stands in the file."""
        prefix = self.python.encode("utf-8")[:getattr(node, "col_offset", 0)]
        return self.at(self.source[min(len(prefix.decode("utf-8", errors="ignore")), len(self.source) - 1)])

    def at(self, offset: int) -> Location:
        return self.origin.within(self.original, offset)


def python_tree(text: str, origin: Location, limits: Limits) -> tuple[PythonText, ast.AST]:
    if len(text) > limits.expression_chars:
        raise over_limit(f"expression too long ({len(text):,} characters)", "expression_chars", limits, origin)
    lead = text[: len(text) - len(text.lstrip())]
    if "\n" not in lead:
        origin = Location(origin.path, origin.line, origin.col + len(lead))
    rewritten = PythonText(text.strip(), origin)
    _check_brackets(rewritten, limits)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # Python's warnings ("invalid decimal literal") are errors here
            tree = ast.parse(rewritten.python, mode="eval")
    except SyntaxError as exc:
        offset = max((exc.offset or 1) - 1, 0)
        where = rewritten.at(rewritten.source[min(offset, len(rewritten.source) - 1)])
        reason = (exc.msg or "syntax error").replace("invalid syntax. ", "")
        if "string literal" in reason:
            reason = "quoted text is not part of an expression"
        hint = ("this looks like LaTeX: write it between $…$ (in YAML single quotes), or in derivcheck's own "
                "syntax: a/b for \\frac{a}{b}, x^2, w[l][j,k], dC/dz[l][j], sum(k, …)" if _LATEX.search(text) else
                "expected a Python-like expression such as (a[L][j] - y[j]) * sigmoid'(z[L][j])")
        raise InputError(f"cannot read '{text.strip()}': {reason}", where, hint) from None
    except (RecursionError, MemoryError):
        raise over_limit("expression nested too deeply", "expression_depth", limits, origin) from None
    except ValueError:
        raise InputError("expression malformed (a null character?)", origin) from None
    _check_depth(tree.body, rewritten, limits)
    return rewritten, tree.body


def _check_brackets(text: PythonText, limits: Limits) -> None:
    """Before Python's parser (which has its own, less helpful limit): brackets nest within the limit."""
    depth = 0
    for offset, ch in enumerate(text.python):
        if ch in "([{":
            depth += 1
            if depth > limits.expression_depth:
                raise over_limit("expression nested too deeply", "expression_depth", limits,
                                 text.at(text.source[offset]))
        elif ch in ")]}":
            depth -= 1


def _check_depth(root: ast.AST, text: PythonText, limits: Limits) -> None:
    """Before any recursive walk: the tree is no deeper than the limit."""
    stack = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limits.expression_depth:
            raise over_limit("expression nested too deeply", "expression_depth", limits, text.location(node))
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
