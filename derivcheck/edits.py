"""The edits that common mistakes make in any computation, as changes of a syntax tree.

Each family yields ``Edit``s of one side of a claim (the student's formula):
an index one off or reflected, one additive term's sign or factor, a function's
argument negated, a sum whose index was fixed at a number, a repeat counted
once. ``diagnose`` tries them, with the families of a network's mistakes, and
keeps the first under which the claim holds.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from fractions import Fraction

from . import syntax as sx
from .rewriting import (equal, fresh_letter, is_sum, linear_form, linear_sum, negated, nodes, plus, renamed, scaled,
                        sized, swap, text, used_letters, with_item)


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
    for node in nodes(side, sx.Kronecker):  # [t+k == i]: where a sum picks its terms, one off either way
        for field in ("i", "j"):
            for step in (-1, 1):
                new = replace(node, **{field: plus(getattr(node, field), step)})
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
            form = linear_form(item) or {}
            candidates += [(letters[name.id], name, form[name.id]) for name in dict.fromkeys(nodes(item, sx.Name))
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
        terms = [(node.right, True)] + ([] if is_sum(node.left) else [(node.left, False)])
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
        if not is_sum(node.left):
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
    the terms of a repeated value (ids[t] = ids[u]) not added up; and back, a count where only whether the
    value occurs belongs."""
    letter = fresh_letter(equation)
    free = sx.free_indices(equation, scope)
    for data in index_data:
        for value in free:
            count = sx.Sum(letter, None, None, equal(sx.Indexed(data, ((sx.Name(letter, side.loc),),), side.loc),
                                                      sx.Name(value, side.loc)), side.loc)
            yield Edit("multiplicity", f"a repeat counted once: {value} occurs {text(count)} times in {data}, and "
                                       "each occurrence adds its term", side, sx.BinOp("*", count, side, side.loc))
    for node in nodes(equation, sx.Indexed):
        if node.id in index_data and len(node.groups) == 1 and len(node.groups[0]) == 1 \
                and isinstance(node.groups[0][0], sx.Name) and node.groups[0][0].id in free:
            old = node.groups[0][0].id
            other = replace(node, groups=((sx.Name(letter, node.loc),),))
            body = sx.BinOp("*", equal(other, node), renamed(side, old, letter), side.loc)
            yield Edit("multiplicity", f"a repeat counted once: where {text(node)} repeats, the terms of every "
                                       f"{letter} with {text(other)} = {text(node)} add up", side,
                       sx.Sum(letter, None, None, body, side.loc))
    for count in nodes(side, sx.Sum):  # and back: a count where whether the value occurs at all is meant
        indicator = isinstance(count.body, (sx.Iverson, sx.Kronecker))
        if indicator and any(isinstance(n, sx.Indexed) and n.id in index_data for n in sx.walk(count.body)):
            once = sx.Iverson(sx.Compare((">",), (count, sx.Num("0", count.loc)), count.loc), count.loc)
            yield Edit("multiplicity", f"a value counted as often as it repeats: {text(count)} should be "
                                       f"{text(once)}, whether it occurs at all", count, once)


def other_quantities(side: sx.Expr, names: dict[str, int]) -> Iterator[Edit]:
    """One quantity written for another of as many indices (``names``: the file's lets and forward
    quantities, by their number of indices): A for G, the margins for the gradient they make."""
    for node in nodes(side, (sx.Name, sx.Indexed)):
        if node.id not in names:
            continue
        slots = names[node.id]
        written = slots if isinstance(node, sx.Name) else sum(map(len, node.groups))
        if written != slots:
            continue
        for other, count in names.items():
            if other != node.id and count == slots:
                new = replace(node, id=other)
                yield Edit("wrong_quantity", f"{text(node)} is written where {text(new)} is meant", node, new)
