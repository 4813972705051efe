"""The syntax tree of derivcheck expressions: frozen nodes with their file positions, the
scope of names an expression may use, and walks over trees."""

from __future__ import annotations

import difflib
import unicodedata
from dataclasses import dataclass, field, fields, replace
from typing import Union

from .errors import Location

INDEX_LETTERS = frozenset("ijkmnpqrst")


def declared_name(text: str) -> str:
    """A name as declared in YAML, normalised as Python normalises names in expressions (NFKC):
    full-width ｘ is x everywhere, so a look-alike can never be a second, different name."""
    return unicodedata.normalize("NFKC", text)

@dataclass(frozen=True)
class Num:
    text: str
    loc: Location = field(compare=False)


@dataclass(frozen=True)
class Name:
    id: str
    loc: Location = field(compare=False)


@dataclass(frozen=True)
class Indexed:
    id: str
    groups: tuple[tuple["Expr", ...], ...]
    loc: Location = field(compare=False)


@dataclass(frozen=True)
class Call:
    func: str
    primes: int
    args: tuple["Expr", ...]
    loc: Location = field(compare=False)


@dataclass(frozen=True)
class Neg:
    operand: "Expr"
    loc: Location = field(compare=False)


@dataclass(frozen=True)
class BinOp:
    op: str  # one of + - * / ** @, or · (LaTeX's product: of two matrices the matrix product, else *)
    left: "Expr"
    right: "Expr"
    loc: Location = field(compare=False)


@dataclass(frozen=True)
class Sum:
    var: str
    lo: "Expr | None"
    hi: "Expr | None"
    body: "Expr"
    loc: Location = field(compare=False)


@dataclass(frozen=True)
class Paths:
    """What a derivative leaves out, as a mistake does (a diagnosis's transformed truth; no file writes it):
    the quantities held constant, those held at every step but their last, and the quantities the
    variable's own direct uses by which are cut."""

    held: tuple[str, ...] = ()
    before_last: tuple[str, ...] = ()
    cut_into: tuple[str, ...] = ()


@dataclass(frozen=True)
class Derivative:
    expr: "Expr"
    var: "Expr"
    loc: Location = field(compare=False)
    paths: Paths | None = None


@dataclass(frozen=True)
class Kronecker:
    i: "Expr"
    j: "Expr"
    loc: Location = field(compare=False)


@dataclass(frozen=True)
class Compare:
    """A chain of comparisons, ``a < b <= c``: ops[i] between operands[i] and operands[i + 1]."""

    ops: tuple[str, ...]  # == != < <= > >=
    operands: tuple["Expr", ...]
    loc: Location = field(compare=False)


@dataclass(frozen=True)
class Logic:
    op: str  # and | or
    parts: tuple["Compare | Logic", ...]
    loc: Location = field(compare=False)


@dataclass(frozen=True)
class Iverson:
    """[condition]: 1 where the condition holds, else 0 (``[i == j]`` alone is a ``Kronecker``)."""

    condition: "Compare | Logic"
    loc: Location = field(compare=False)


@dataclass(frozen=True)
class Transpose:
    operand: "Expr"
    loc: Location = field(compare=False)


@dataclass(frozen=True)
class Equation:
    lhs: "Expr"
    rhs: "Expr"
    loc: Location = field(compare=False)


Expr = Union[Num, Name, Indexed, Call, Neg, BinOp, Sum, Derivative, Kronecker, Iverson, Transpose]
_NODES = (Num, Name, Indexed, Call, Neg, BinOp, Sum, Derivative, Kronecker, Iverson, Compare, Logic, Transpose)


@dataclass(frozen=True)
class Scope:
    """The names an expression may use: values (quantities, lets, symbols) and functions."""

    values: frozenset[str]
    functions: frozenset[str]
    layered: frozenset[str] = frozenset()  # names whose LaTeX superscript is a layer (w^l_{jk}, delta^l_j)
    uses: dict[str, frozenset[str]] = field(default_factory=dict, compare=False)  # the names each let's body uses
    examples: frozenset[str] = frozenset()  # names whose LaTeX superscript (i) is the example: y^{(i)}
    example_slot: bool = False  # whether those carry an example index (a batch of more than one)

    def let_uses(self, let: str, name: str, budget: int) -> bool:
        """Whether a let's definition uses a name, directly or through other lets (at most ``budget`` lets
        read, in a fixed order: bounded and the same on every run)."""
        seen, waiting = {let}, [let]
        while waiting and budget > 0:
            budget -= 1
            used = self.uses.get(waiting.pop(0), frozenset())
            if name in used:
                return True
            for other in sorted(used & self.uses.keys() - seen):
                seen.add(other)
                waiting.append(other)
        return False

    def is_index(self, name: str) -> bool:
        if name in self.values or name in self.functions:
            return False
        return name in INDEX_LETTERS or (len(name) == 1 and name.isalpha())

    def knows(self, name: str) -> bool:
        return name in self.values or name in self.functions or self.is_index(name)

    def suggest(self, name: str, otherwise: str = "") -> str:
        """Did you mean …? (the same name in other case first), then ``otherwise`` and the names in scope."""
        pool = sorted(self.values | self.functions)
        close = [known for known in pool if known.lower() == name.lower()] or \
            difflib.get_close_matches(name, pool, n=1, cutoff=0.6)
        shown = ", ".join(pool[:14]) + (", …" if len(pool) > 14 else "")
        did_you_mean = f"did you mean '{close[0]}'? " if close else ""
        return f"{did_you_mean}{otherwise + '; ' if otherwise else ''}names in scope: {shown}"


@dataclass(frozen=True)
class Range:
    var: str
    lo: Expr
    hi: Expr
    loc: Location = field(compare=False)


def children(node) -> list:
    """The direct sub-expressions of a node, in reading order."""
    if isinstance(node, Equation):
        return [node.lhs, node.rhs]
    if isinstance(node, Indexed):
        return [item for group in node.groups for item in group]
    if isinstance(node, Call):
        return list(node.args)
    if isinstance(node, (Neg, Transpose)):
        return [node.operand]
    if isinstance(node, BinOp):
        return [node.left, node.right]
    if isinstance(node, Sum):
        return [part for part in (node.lo, node.hi, node.body) if part is not None]
    if isinstance(node, Derivative):
        return [node.expr, node.var]
    if isinstance(node, Kronecker):
        return [node.i, node.j]
    if isinstance(node, Iverson):
        return [node.condition]
    if isinstance(node, Compare):
        return list(node.operands)
    if isinstance(node, Logic):
        return list(node.parts)
    return []


def walk(node, unbound: str | None = None):
    """Every node of a tree, parents first; with ``unbound``, not inside sums that bind that index."""
    if unbound is not None and isinstance(node, Sum) and node.var == unbound:
        return
    yield node
    for child in children(node):
        yield from walk(child, unbound)


def free_indices(node: Expr | Equation, scope: Scope) -> list[str]:
    """The free index letters of an expression or claim, in order of first appearance (sum indices are bound)."""
    found: list[str] = []

    def visit(node, bound: frozenset) -> None:
        if isinstance(node, Name):
            if scope.is_index(node.id) and node.id not in bound and node.id not in found:
                found.append(node.id)
        elif isinstance(node, Sum):
            for part in (node.lo, node.hi):
                if part is not None:
                    visit(part, bound)
            visit(node.body, bound | {node.var})
        else:
            for child in children(node):
                visit(child, bound)

    visit(node, frozenset())
    return found


_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2, "@": 2, "·": 2, "**": 4}


def _bracketed(operand, context: int) -> bool:
    """Whether ``_text`` already puts the operand in parentheses in that context."""
    return isinstance(operand, BinOp) and _PRECEDENCE[operand.op] < context


def _mixes_products(node: BinOp, operand) -> bool:
    """@ next to * or /: the same precedence in Python, easily misread on paper."""
    return isinstance(operand, BinOp) and node.op in ("*", "/", "@") and operand.op in ("*", "/", "@") \
        and (node.op == "@") != (operand.op == "@")


def _differential(node) -> str:
    """dC, dL0, dw[l][j,k] for short names; d(yhat[i]), d(x^2) otherwise."""
    if isinstance(node, (Name, Indexed)) and len(node.id) <= 2:
        return "d" + _text(node, 0)
    return f"d({_text(node, 0)})"


def to_text(node: Expr | Equation) -> str:
    """A tree as derivcheck expression text (``w[l][k,j]``, ``sigmoid'(z[l][j])``, ``x^2``)."""
    return _text(node, 0)


def _text(node, context: int) -> str:
    if isinstance(node, Equation):
        return f"{_text(node.lhs, 0)} = {_text(node.rhs, 0)}"
    if isinstance(node, Num):
        return node.text
    if isinstance(node, Name):
        return node.id
    if isinstance(node, Indexed):
        return node.id + "".join("[" + ",".join(_text(item, 0).replace(" ", "") for item in group) + "]"
                                 for group in node.groups)
    if isinstance(node, Call):
        return node.func + "'" * node.primes + "(" + ", ".join(_text(arg, 0) for arg in node.args) + ")"
    if isinstance(node, Kronecker):
        return f"[{_text(node.i, 0)} == {_text(node.j, 0)}]"
    if isinstance(node, Iverson):
        return f"[{_text(node.condition, 0)}]"
    if isinstance(node, Compare):
        parts = [_text(node.operands[0], 0)]
        for op, operand in zip(node.ops, node.operands[1:]):
            parts.append(f"{op} {_text(operand, 0)}")
        return " ".join(parts)
    if isinstance(node, Logic):
        return f" {node.op} ".join(f"({_text(part, 0)})" if isinstance(part, Logic) else _text(part, 0)
                                   for part in node.parts)
    if isinstance(node, Sum):
        bounds = "" if node.lo is None else \
            f" in {_text(node.lo, 0).replace(' ', '')}..{_text(node.hi, 0).replace(' ', '')}"
        return f"sum({node.var}{bounds}, {_text(node.body, 0)})"
    if isinstance(node, Derivative):
        return f"{_differential(node.expr)}/{_differential(node.var)}"
    if isinstance(node, Transpose):
        return _text(node.operand, 5) + ".T"
    if isinstance(node, Neg):
        text = "-" + _text(node.operand, 3)
        return f"({text})" if context > 1 else text
    precedence = _PRECEDENCE[node.op]
    right_context = precedence + (0 if node.op in ("+", "*") else 1)  # a - (b - c), a / (b * c), a^(b^c) kept
    if node.op == "**":
        left, right = _text(node.left, precedence + 1), _text(node.right, precedence)
        text = f"{left}^{right}"
    else:
        # -a * b reads as (-a) * b, as Python parses it; (A @ b) * c keeps its parentheses for people
        left_context = 1 if isinstance(node.left, Neg) and node.op in ("*", "/") else precedence
        left = _text(node.left, left_context)
        if _mixes_products(node, node.left) and not _bracketed(node.left, left_context):
            left = f"({left})"
        right = _text(node.right, right_context)
        if _mixes_products(node, node.right) and not _bracketed(node.right, right_context):
            right = f"({right})"  # a * (b @ c): without them it reads (a * b) @ c
        text = f"{left} {node.op} {right}"
    return f"({text})" if precedence < context else text


def map_indexed(node, change):
    """The tree with every indexed name replaced by ``change(it)`` (its own indices changed first)."""
    mapped = _map_children(node, lambda child: map_indexed(child, change))
    return change(mapped) if isinstance(mapped, Indexed) else mapped


def bind(node, bindings: dict[str, int]):
    """The tree with free index letters replaced by their values (w[l][j,k] at l=2, j=1, k=3 → w[2][1,3])."""
    if isinstance(node, Name):
        return Num(str(bindings[node.id]), node.loc) if node.id in bindings else node
    if isinstance(node, Sum):
        inner = {k: v for k, v in bindings.items() if k != node.var}
        return replace(node, lo=None if node.lo is None else bind(node.lo, inner),
                       hi=None if node.hi is None else bind(node.hi, inner), body=bind(node.body, inner))
    bound = _map_children(node, lambda child: bind(child, bindings))
    if isinstance(bound, BinOp) and bound.op in "+-" and all(isinstance(side, Num) and side.text.isdigit()
                                                              for side in (bound.left, bound.right)):
        value = int(bound.left.text) + (1 if bound.op == "+" else -1) * int(bound.right.text)
        return Num(str(value), bound.loc) if value >= 0 else bound  # l+1 at l=1 is 2
    return bound


def _map_children(node, visit):
    """The node with each child tree (an operand, a body, every index of its groups) replaced by visit(it)."""
    changes = {}
    for item in fields(node):
        value = getattr(node, item.name)
        if isinstance(value, tuple):
            changes[item.name] = tuple(tuple(visit(v) for v in group) if isinstance(group, tuple)
                                       else visit(group) if isinstance(group, _NODES) else group
                                       for group in value)
        elif isinstance(value, (*_NODES, Equation)):
            changes[item.name] = visit(value)
    return replace(node, **changes) if changes else node
