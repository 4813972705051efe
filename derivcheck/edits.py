"""The edits that common mistakes make in any computation, as changes of a syntax tree.

Each family yields ``Edit``s of one side of a claim (the student's formula):
an index one off or reflected, one additive term's sign or factor, a function's
argument negated, a sum whose index was fixed at a number, a repeat counted
once. ``diagnose`` tries them, with the families of a network's mistakes, and
keeps the first under which the claim holds. The tree helpers here are shared
by every family.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, fields, replace
from fractions import Fraction

from . import syntax as sx

FRESH_LETTERS = ("n", "m", "s", "r", "u", "v", "p", "q")  # a new summation index, the first unused


@dataclass(frozen=True)
class Edit:
    code: str
    message: str
    target: sx.Expr  # the node replaced (the side itself for edits of the whole side)
    new: sx.Expr

    def apply(self, side: sx.Expr) -> sx.Expr:
        return swap(side, self.target, self.new)


# -- the families -------------------------------------------------------------------------------


def index_shifts(side: sx.Expr, layer_slot) -> Iterator[Edit]:
    """Every index slot (but a network's layer, ``layer_slot``) one off either way: h[t] for h[t-1],
    x[t+k] for x[t+k-1]; a slot that is a bare number is left alone."""
    for node in nodes(side, sx.Indexed):
        for position, group in enumerate(node.groups):
            if layer_slot(node, position):
                continue
            for slot, item in enumerate(group):
                if isinstance(item, sx.Num):
                    continue
                for step in (-1, 1):
                    new = with_item(node, position, slot, plus(item, step))
                    yield Edit("index_shift", f"an index one off: {text(node)} should be {text(new)}", node, new)


def reflections(side: sx.Expr, extents: dict[str, tuple], letters: dict[str, object]) -> Iterator[Edit]:
    """An index reflected within its range lo..hi (lo + hi − i for i): a slot of a declared quantity, or
    one letter inside a slot (k of a kernel, within 1..K): the kernel of a convolution not flipped, or
    flipped once too often."""
    for node in nodes(side, sx.Indexed):
        ranges = extents.get(node.id) or ()
        items = [(p, s, item) for p, group in enumerate(node.groups) for s, item in enumerate(group)]
        for number, (position, slot, item) in enumerate(items):
            if isinstance(item, sx.Num):
                continue
            candidates = [(ranges[number], item, 1)] if len(ranges) == len(items) and ranges[number] is not None \
                else []
            form = _linear(item) or {}
            candidates += [(letters[name.id], name, form.get(name.id, 0)) for name in dict.fromkeys(nodes(item, sx.Name))
                           if name.id in letters and name != item and form.get(name.id)]
            seen = set()
            for extent, part, times in candidates:  # item − c·part + c·(lo + hi − part)
                reflected = linear_sum([(1, item), (-2 * times, part), (times, extent.lo), (times, extent.hi)]
                                       if part is not item else [(1, extent.lo), (1, extent.hi), (-1, item)], item.loc)
                if reflected is None or reflected == item or reflected in seen:
                    continue
                seen.add(reflected)
                new = with_item(node, position, slot, reflected)
                yield Edit("index_reflection", f"an index reflected: {text(node)} should be {text(new)}", node, new)


def term_edits(side: sx.Expr, factors: list[tuple[str, sx.Expr | Fraction]]) -> Iterator[Edit]:
    """One additive term wrong: its sign, a factor (2, 1/2, a size N) on that term alone, or a term too many."""
    in_indices = {id(part) for index in nodes(side, sx.Indexed) for group in index.groups for item in group
                  for part in sx.walk(item)}  # t+k-1 is an index, not a sum of terms
    for node in nodes(side, sx.BinOp):
        if node.op not in "+-" or id(node) in in_indices:
            continue
        terms = [(node.right, True)] + ([] if _is_sum(node.left) else [(node.left, False)])
        for term, on_right in terms:
            if on_right:
                flipped = replace(node, op="+" if node.op == "-" else "-")
            else:
                flipped = replace(node, left=negated(term))
            yield Edit("term_sign", f"the sign of the term {text(term)} is wrong", node, flipped)
        for term, _ in terms:
            for words, factor in factors:
                new = scaled(term, factor) if isinstance(factor, Fraction) else sized(term, factor)
                yield Edit("term_factor", f"the term {text(term)} is off by {words}: it should be {text(new)}",
                           term, new)
        yield Edit("extra_term", f"the term {text(node.right)} should not be there", node, node.left)
        if not _is_sum(node.left):
            rest = node.right if node.op == "+" else negated(node.right)
            yield Edit("extra_term", f"the term {text(node.left)} should not be there", node, rest)


def negated_arguments(side: sx.Expr) -> Iterator[Edit]:
    """A function of one argument with the argument's sign wrong: σ(x) for σ(−x)."""
    for call in nodes(side, sx.Call):
        if len(call.args) == 1:
            new = replace(call, args=(negated(call.args[0]),))
            yield Edit("argument_negated", f"the argument's sign is wrong: {text(call)} should be {text(new)}",
                       call, new)


def numbered_sums(side: sx.Expr, equation: sx.Equation, letters: dict[str, tuple]) -> Iterator[Edit]:
    """A sum over an index written as one of its values: dy[1][f][t] where sum(n, dy[n][f][t]) is meant
    (every slot the head writes with that letter and holding that number becomes the index)."""
    groups: dict[tuple[str, str], list[tuple[sx.Indexed, int, int]]] = {}
    for node in nodes(side, sx.Indexed):
        heads = letters.get(node.id, ())
        items = [(p, s, item) for p, group in enumerate(node.groups) for s, item in enumerate(group)]
        if len(heads) != len(items):
            continue
        for (position, slot, item), letter in zip(items, heads):
            if letter is not None and isinstance(item, sx.Num):
                groups.setdefault((item.text, letter), []).append((node, position, slot))
    used = used_letters(equation)
    for (value, letter), places in groups.items():
        index = letter if letter not in used else fresh_letter(equation)
        new = side
        for node in {id(node): node for node, _, _ in places}.values():  # each node (equal ones too) once
            edited = node
            for _, position, slot in (p for p in places if p[0] is node):
                edited = with_item(edited, position, slot, sx.Name(index, node.loc))
            new = swap(new, node, edited)
        yield Edit("missing_sum", f"the sum over {index} is missing: only its term {index} = {value} is written",
                   side, sx.Sum(index, None, None, new, side.loc))


def size_factors(sizes: list[str], loc) -> list[tuple[str, sx.Expr | Fraction]]:
    """The factors a term or a side may be off by: 2 and 1/2, and each size or constant and its inverse."""
    found: list[tuple[str, sx.Expr | Fraction]] = [("a factor 2", Fraction(2)), ("a factor 1/2", Fraction(1, 2))]
    for size in sizes:
        found += [(f"a factor {size}", sx.Name(size, loc)),
                  (f"a factor 1/{size}", sx.BinOp("/", sx.Num("1", loc), sx.Name(size, loc), loc))]
    return found


def whole_factors(side: sx.Expr, sizes: list[str], side_name: str) -> Iterator[Edit]:
    """The whole side off by a size or a constant, or by its square root (1/sqrt(Dk) of attention):
    what a ratio of numbers cannot name."""
    loc = side.loc
    for size in sizes:
        name = sx.Name(size, loc)
        root = sx.Call("sqrt", 0, (name,), loc)
        for words, new in ((f"1/{size}", sx.BinOp("/", side, name, loc)), (size, sx.BinOp("*", name, side, loc)),
                           (f"1/sqrt({size})", sx.BinOp("/", side, root, loc)),
                           (f"sqrt({size})", sx.BinOp("*", root, side, loc))):
            yield Edit("factor", f"off by a factor {words}: the {side_name} side should be {text(new)}", side, new)


def counts(side: sx.Expr, equation: sx.Equation, scope: sx.Scope, index_data: list[str]) -> Iterator[Edit]:
    """A repeat counted once: the count sum(k, [neg[k] == w]) of a value in an index list left out, or
    the terms of a repeated value (ids[t] = ids[u]) not added up."""
    letter = fresh_letter(equation)
    free = sx.free_indices(equation, scope)
    for data in index_data:
        for value in free:
            count = sx.Sum(letter, None, None, _equal(sx.Indexed(data, ((sx.Name(letter, side.loc),),), side.loc),
                                                      sx.Name(value, side.loc)), side.loc)
            yield Edit("multiplicity", f"a repeat counted once: {value} occurs {text(count)} times in {data}, and "
                                       "each occurrence adds its term", side, sx.BinOp("*", count, side, side.loc))
    for node in nodes(equation, sx.Indexed):
        if node.id in index_data and len(node.groups) == 1 and len(node.groups[0]) == 1 \
                and isinstance(node.groups[0][0], sx.Name) and node.groups[0][0].id in free:
            old = node.groups[0][0].id
            other = replace(node, groups=((sx.Name(letter, node.loc),),))
            body = sx.BinOp("*", _equal(other, node), renamed(side, old, letter), side.loc)
            yield Edit("multiplicity", f"a repeat counted once: where {text(node)} repeats, the terms of every "
                                       f"{letter} with {text(other)} = {text(node)} add up", side,
                       sx.Sum(letter, None, None, body, side.loc))


# -- tree helpers ------------------------------------------------------------------------------


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
    if isinstance(node, sx.BinOp) and node.op == "-" and not _is_sum(node.left):
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
        form = _linear(expr)
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


def _linear(node: sx.Expr) -> dict[str | None, int] | None:
    if isinstance(node, sx.Num):
        return {None: int(node.text)} if node.text.isdigit() else None
    if isinstance(node, sx.Name):
        return {node.id: 1}
    if isinstance(node, sx.Neg):
        inner = _linear(node.operand)
        return None if inner is None else {k: -v for k, v in inner.items()}
    if isinstance(node, sx.BinOp) and node.op in "+-":
        left, right = _linear(node.left), _linear(node.right)
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


def _equal(left: sx.Expr, right: sx.Expr) -> sx.Expr:
    return sx.Iverson(sx.Compare(("==",), (left, right), left.loc), left.loc)


def _is_sum(node: sx.Expr) -> bool:
    return isinstance(node, sx.BinOp) and node.op in "+-"


def has_derivative(node: sx.Expr) -> bool:
    return any(isinstance(child, sx.Derivative) for child in sx.walk(node))


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
