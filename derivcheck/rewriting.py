"""Small rewrites of syntax trees, written as a person would write them: a node replaced, an index plus
one, a side scaled or negated, a linear index expression collected, a letter renamed or a fresh one."""

from __future__ import annotations

from dataclasses import fields, replace
from fractions import Fraction

from . import syntax as sx

FRESH_LETTERS = ("n", "m", "s", "r", "u", "v", "p", "q")  # a new summation index, the first unused

def correction(equation: sx.Equation) -> str | None:
    """The corrected claim as text; none when it would say nothing (both sides the same: x = x,
    x = 1 * x)."""
    return None if _plain(equation.lhs) == _plain(equation.rhs) else sx.to_text(equation)


def _plain(node: sx.Expr) -> sx.Expr:
    """A side without factors of 1 (what an edit that adds or scales a factor can leave)."""
    if isinstance(node, sx.BinOp) and node.op == "*":
        left, right = _plain(node.left), _plain(node.right)
        if isinstance(left, sx.Num) and left.text == "1":
            return right
        if isinstance(right, sx.Num) and right.text == "1":
            return left
        return replace(node, left=left, right=right)
    return node


def scaled(side: sx.Expr, factor: Fraction) -> sx.Expr:
    """factor × side, folded into a number in front: 2 * x scaled by 1/2 is x, -x by -1 is x,
    3 / sqrt(13) by 2/3 is 2 / sqrt(13)."""
    if factor == 1:
        return side
    if isinstance(side, sx.Num):
        return number(Fraction(side.text) * factor, side.loc)
    if isinstance(side, sx.Neg):
        return scaled(side.operand, -factor)
    if isinstance(side, sx.BinOp) and side.op == "*" and isinstance(side.left, sx.Num):
        return _product(number(Fraction(side.left.text) * factor, side.loc), side.right)
    if isinstance(side, sx.BinOp) and side.op in "*/" and _leads_with_number(side.left):
        return replace(side, left=scaled(side.left, factor))
    if isinstance(side, sx.BinOp) and side.op == "/" and isinstance(side.left, sx.Num):
        numerator = Fraction(side.left.text) * factor
        if numerator.denominator == 1:
            return replace(side, left=number(numerator, side.loc))
    if isinstance(side, sx.BinOp) and side.op == "/" and isinstance(side.right, sx.Num) \
            and side.right.text.isdigit() and factor == int(side.right.text):
        return side.left  # x / 2 times 2
    if factor == -1:
        return negated(side)
    return _product(number(factor, side.loc), side)


def sized(term: sx.Expr, factor: sx.Expr) -> sx.Expr:
    """term × N (factor a name) or term / N (factor 1/N), cancelling a / N or an N * that the term's
    product already has: lam / S * w times S is lam * w."""
    size = factor.right if isinstance(factor, sx.BinOp) else factor
    dividing = isinstance(factor, sx.BinOp)
    node, path = term, []
    while isinstance(node, sx.BinOp) and node.op in "*/":  # down the left of a product a * b / c * d
        if node.right == size and node.op == ("*" if dividing else "/"):
            return swap(term, node, node.left)
        path.append(node)
        node = node.left
    if node == size and dividing and path:
        return swap(term, path[-1], replace(path[-1], left=sx.Num("1", node.loc))) \
            if path[-1].op == "/" else swap(term, path[-1], path[-1].right)
    return sx.BinOp("/", term, size, term.loc) if dividing else sx.BinOp("*", size, term, term.loc)


def number(value: Fraction, loc) -> sx.Expr:
    """A rational as text: 2, -2, 1 / 2, -1 / 2."""
    numerator = sx.Num(str(abs(value.numerator)), loc)
    if value < 0:
        numerator = sx.Neg(numerator, loc)
    return numerator if value.denominator == 1 else sx.BinOp("/", numerator, sx.Num(str(value.denominator), loc), loc)


def _product(factor: sx.Expr, rest: sx.Expr) -> sx.Expr:
    if isinstance(factor, sx.Num) and factor.text == "1":
        return rest
    if isinstance(factor, sx.Neg) and isinstance(factor.operand, sx.Num) and factor.operand.text == "1":
        return sx.Neg(rest, rest.loc)
    return sx.BinOp("*", factor, rest, rest.loc)


def _leads_with_number(node: sx.Expr) -> bool:
    while isinstance(node, sx.BinOp) and node.op in "*/":
        node = node.left
    return isinstance(node, (sx.Num, sx.Neg))


def negated(node: sx.Expr) -> sx.Expr:
    """-node, written as a person would: -x for x, x for -x, -y * s for y * s, y * s for -y * s, b - a for
    a - b."""
    if isinstance(node, sx.Neg):
        return node.operand
    if isinstance(node, sx.BinOp) and node.op in "*/":
        return replace(node, left=negated(node.left))
    if isinstance(node, sx.BinOp) and node.op == "-" and isinstance(node.left, sx.Neg):
        return replace(node, op="+", left=node.left.operand)
    if isinstance(node, sx.BinOp) and node.op == "-" and not is_sum(node.left):
        return replace(node, left=node.right, right=node.left)
    return sx.Neg(node, node.loc)


def plus(index: sx.Expr, step: int) -> sx.Expr:
    """index + step, written as a person would: l+1 - 1 is l, L + -1 is L-1."""
    if isinstance(index, sx.Num) and index.text.isdigit():
        return sx.Num(str(max(int(index.text) + step, 0)), index.loc)
    if isinstance(index, sx.BinOp) and index.op in "+-" and isinstance(index.right, sx.Num) \
            and index.right.text.isdigit():
        offset = int(index.right.text) * (1 if index.op == "+" else -1) + step
        if offset == 0:
            return index.left
        return replace(index, op="+" if offset > 0 else "-", right=sx.Num(str(abs(offset)), index.loc))
    return sx.BinOp("+" if step > 0 else "-", index, sx.Num(str(abs(step)), index.loc), index.loc)


def linear_sum(terms: list[tuple[int, sx.Expr]], loc) -> sx.Expr | None:
    """Σ coefficient × index expression, collected and written plainly (1 + K - (K - k + 1) is k); None
    when a part is not a whole-number combination of names."""
    total: dict[str | None, int] = {}
    for coefficient, expr in terms:
        form = linear_form(expr)
        if form is None:
            return None
        for name, value in form.items():
            total[name] = total.get(name, 0) + coefficient * value
    parts = [(name, value) for name, value in total.items() if value and name is not None]
    constant = total.get(None, 0)
    if any(abs(value) != 1 for _, value in parts) or not parts and not constant:
        return None
    parts.sort(key=lambda part: part[1] < 0)  # the positive names first
    out: sx.Expr | None = None
    for name, value in parts:
        atom = sx.Name(name, loc)
        out = (atom if value > 0 else sx.Neg(atom, loc)) if out is None else \
            sx.BinOp("+" if value > 0 else "-", out, atom, loc)
    if constant:
        out = sx.Num(str(constant), loc) if out is None else \
            sx.BinOp("+" if constant > 0 else "-", out, sx.Num(str(abs(constant)), loc), loc)
    return out


def linear_form(node: sx.Expr) -> dict[str | None, int] | None:
    if isinstance(node, sx.Num):
        return {None: int(node.text)} if node.text.isdigit() else None
    if isinstance(node, sx.Name):
        return {node.id: 1}
    if isinstance(node, sx.Neg):
        inner = linear_form(node.operand)
        return None if inner is None else {k: -v for k, v in inner.items()}
    if isinstance(node, sx.BinOp) and node.op in "+-":
        left, right = linear_form(node.left), linear_form(node.right)
        if left is None or right is None:
            return None
        sign = 1 if node.op == "+" else -1
        return {k: left.get(k, 0) + sign * right.get(k, 0) for k in dict.fromkeys([*left, *right])}  # in order
    return None


def with_item(node: sx.Indexed, position: int, slot: int, item: sx.Expr) -> sx.Indexed:
    group = node.groups[position]
    return replace(node, groups=node.groups[:position] + (group[:slot] + (item,) + group[slot + 1:],)
                   + node.groups[position + 1:])


def used_letters(equation: sx.Equation) -> set[str]:
    return {node.id for node in sx.walk(equation) if isinstance(node, (sx.Name, sx.Indexed))} \
        | {node.var for node in sx.walk(equation) if isinstance(node, sx.Sum)}


def fresh_letter(equation: sx.Equation) -> str:
    used = used_letters(equation)
    return next(letter for letter in FRESH_LETTERS + tuple(f"k{n}" for n in range(1, 99)) if letter not in used)


def renamed(tree, old: str, new: str):
    """The tree with the free index ``old`` written ``new`` (not inside sums that bind it)."""
    if isinstance(tree, sx.Name):
        return replace(tree, id=new) if tree.id == old else tree
    if isinstance(tree, sx.Sum) and tree.var == old:
        return tree
    if not hasattr(tree, "__dataclass_fields__"):
        return tree
    changes = {item.name: _renamed_in(getattr(tree, item.name), old, new) for item in fields(tree)}
    return replace(tree, **changes)


def _renamed_in(value, old, new):
    if isinstance(value, tuple):
        return tuple(_renamed_in(item, old, new) for item in value)
    return renamed(value, old, new) if hasattr(value, "__dataclass_fields__") else value


def equal(left: sx.Expr, right: sx.Expr) -> sx.Expr:
    return sx.Iverson(sx.Compare(("==",), (left, right), left.loc), left.loc)


def is_sum(node: sx.Expr) -> bool:
    return isinstance(node, sx.BinOp) and node.op in "+-"


def has_derivative(node: sx.Expr) -> bool:
    return any(isinstance(child, sx.Derivative) for child in sx.walk(node))


def names_in(tree) -> set[str]:
    """The names a tree uses, indexed or not."""
    return {node.id for node in sx.walk(tree) if isinstance(node, (sx.Name, sx.Indexed))}


def nodes(tree, kind) -> list:
    return [node for node in sx.walk(tree) if isinstance(node, kind)]


def text(node) -> str:
    return sx.to_text(node)


def swap(tree, target, new):
    """The tree with the node ``target`` (that very node) replaced by ``new``."""
    if tree is target:
        return new
    if not hasattr(tree, "__dataclass_fields__"):
        return tree
    changes = {}
    for item in fields(tree):
        value = getattr(tree, item.name)
        updated = _swap_in(value, target, new)
        if updated is not value:
            changes[item.name] = updated
    return replace(tree, **changes) if changes else tree


def _swap_in(value, target, new):
    if isinstance(value, tuple):
        items = tuple(_swap_in(item, target, new) for item in value)
        return items if any(a is not b for a, b in zip(items, value)) else value
    return swap(value, target, new)
