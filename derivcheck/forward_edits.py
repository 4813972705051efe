"""The mistakes that need a computation's own definitions: paths held constant, a forward quantity
written for its derivative or its derivative missing, and what the other families need to know of a
forward file (the ranges of its slots, its sizes, its lists of indices).

A path held constant is a transformation of the truth, not an edit of the claim:
the derivative with some of the file's forward quantities held constant (the
mean and the variance of a batch norm), held at every step but the last (BPTT
truncated), or with one use of the variable cut (a residual block without its
identity path). ``syntax.Paths`` carries it to the graph (``graph.Cut``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from itertools import combinations, permutations

from . import syntax as sx
from .edits import Edit
from .forward_spec import ForwardSpec
from .rewriting import names_in, nodes, swap, text
from .roles import Role

MAX_HELD_PAIRS = 45  # pairs of forward quantities held constant together, tried in file order
# a forward quantity that applies one of these to its argument, and its derivative written over itself
_OWN_DERIVATIVE = {
    "sigmoid": lambda q: sx.BinOp("*", q, sx.BinOp("-", sx.Num("1", q.loc), q, q.loc), q.loc),
    "tanh": lambda q: sx.BinOp("-", sx.Num("1", q.loc), sx.BinOp("**", q, sx.Num("2", q.loc), q.loc), q.loc),
}


@dataclass(frozen=True)
class ForwardFacts:
    """What the diagnosis needs of a forward file (an `upstream:` gradient has its quantity's slots)."""

    extents: dict[str, tuple]  # a declared or defined quantity → the range of each index slot (None: inferred)
    letters: dict[str, tuple]  # a quantity → the letter its head writes in each slot (None: not a letter)
    sizes: tuple[str, ...]  # the dims, then the constants with a domain: what a factor may be
    dims: dict[str, int]
    index_data: tuple[str, ...]  # data lists of whole numbers (indices: ids, neg)
    definitions: tuple[tuple[str, sx.Expr, sx.Expr], ...]  # (name, head, body) in file order
    activated: dict[str, str]  # a quantity defined as f(…), f with a derivative written over itself → f
    lets: frozenset[str] = frozenset()

    @classmethod
    def of(cls, forward: ForwardSpec, lets: tuple = ()) -> ForwardFacts:
        definitions = tuple((p.name, p.head, p.body) for p in forward.pieces if p.role is Role.FORWARD and p.body)
        gradients = dict(forward.upstream)
        extents = {p.name: p.extents for p in forward.pieces if p.extents is not None}
        heads = [p.head for p in forward.pieces] + [let.head for let in lets if isinstance(let.head, sx.Indexed)]
        letters = {head.id: tuple(item.id if isinstance(item, sx.Name) else None
                                  for group in getattr(head, "groups", ()) for item in group) for head in heads}
        for table in (extents, letters):
            table.update({gradient: table[name] for name, gradient in gradients.items() if name in table})
        return cls(
            extents=extents, letters=letters, dims=dict(forward.dims),
            sizes=tuple(forward.dims) + tuple(name for name, c in forward.constants.items() if c.domain),
            index_data=tuple(name for name, data in forward.data.items()
                             if data.values and all(v.lstrip("-").isdigit() for v in data.values)),
            definitions=definitions, activated=_activated(definitions),
            lets=frozenset(let.name for let in lets if isinstance(let.head, (sx.Name, sx.Indexed))))

    @classmethod
    def of_lets(cls, lets: tuple) -> ForwardFacts:
        """Plain calculus: its lets are its computation (h1, h2 of an unrolled recurrence)."""
        definitions = tuple((let.name, let.head, let.body) for let in lets
                            if let.body is not None and isinstance(let.head, (sx.Name, sx.Indexed)))
        return cls(extents={}, letters={}, sizes=(), dims={}, index_data=(), definitions=definitions,
                   activated=_activated(definitions))

    def letter_extents(self) -> dict[str, object]:
        """Each index letter a declaration writes with a range, and that range (the first declaration's)."""
        found: dict[str, object] = {}
        for name, extents in self.extents.items():
            for letter, extent in zip(self.letters.get(name, ()), extents):
                if letter is not None and extent is not None:
                    found.setdefault(letter, extent)
        return found

    @property
    def slots(self) -> dict[str, int]:
        """The lets and forward quantities (what a claim writes over), by their number of indices."""
        computed = {name for name, _, _ in self.definitions} | self.lets
        return {name: len(letters) for name, letters in self.letters.items() if name in computed}

    def head(self, name: str) -> str:
        return next(text(head) for defined, head, _ in self.definitions if defined == name)


def transposes(facts: ForwardFacts, side: sx.Expr) -> Iterator[Edit]:
    """A matrix of the file, a factor of a matrix product, transposed: one, or every one at once (U for
    U.T in each gate of an LSTM)."""
    matrices = [operand for node in nodes(side, sx.BinOp) if node.op == "@" for operand in (node.left, node.right)
                if isinstance(operand, sx.Name) and len(facts.letters.get(operand.id, ())) == 2]
    for node in matrices:
        new = sx.Transpose(node, node.loc)
        yield Edit("transpose", f"a transpose is missing: {text(node)} should be {text(new)}", node, new)
    if len(matrices) > 1:
        yield _every_transpose(side, matrices)
    for node in nodes(side, sx.BinOp):  # an outer product the wrong way round: e @ h.T for h @ e.T
        if node.op == "@":
            new = replace(node, left=_transposed(node.right), right=_transposed(node.left))
            yield Edit("transpose", f"the product is transposed: {text(node)} should be {text(new)}", node, new)


def _transposed(node: sx.Expr) -> sx.Expr:
    return node.operand if isinstance(node, sx.Transpose) else sx.Transpose(node, node.loc)


def _every_transpose(side: sx.Expr, matrices: list[sx.Expr]) -> Edit:
    new = side
    for node in matrices:
        new = swap(new, node, sx.Transpose(node, node.loc))
    names = ", ".join(dict.fromkeys(text(node) for node in matrices))
    return Edit("transpose", f"the transposes are missing: {names} should each be transposed", side, new)


def held_paths(facts: ForwardFacts, derivative: sx.Derivative) -> Iterator[tuple[str, sx.Paths]]:
    """The paths a derivative of E by v can leave out, cheapest first: one use of v cut, one forward
    quantity between them held constant, one held at every step but its last, two held together."""
    var, of = _name(derivative.var), _name(derivative.expr)
    if var is None:
        return
    users = list(dict.fromkeys(name for name, _, body in facts.definitions if var in names_in(body)))
    downstream = _downstream(facts, var) - {of}
    between = [name for name, _, _ in facts.definitions if name in downstream]
    shown = text(derivative.var)
    for name in users:
        yield (f"the path from {shown} through {name} is missing (its use in the definition of {name})",
               sx.Paths(cut_into=(name,)))
    for name in between:
        yield (f"{facts.head(name)} is treated as a constant: the paths through it are missing",
               sx.Paths(held=(name,)))
    for name in between:
        head = next(h for n, h, _ in facts.definitions if n == name)
        if isinstance(head, sx.Indexed) and len(head.groups) > 1:
            yield (f"only the last step of {name} is kept: {text(head)} at the earlier steps is treated as a "
                   "constant (backpropagation through time truncated)", sx.Paths(before_last=(name,)))
    for first, second in list(combinations(between, 2))[:MAX_HELD_PAIRS]:
        yield (f"{facts.head(first)} and {facts.head(second)} are treated as constants: the paths through them "
               "are missing", sx.Paths(held=(first, second)))


def derivative_edits(facts: ForwardFacts, side: sx.Expr, equation: sx.Equation,
                     scope: sx.Scope) -> Iterator[Edit]:
    """h written where its derivative 1 - h^2 is meant (h = tanh(…)), or that derivative missing as a factor
    (of the whole side, of a sum's body, or of an operand of a matrix product)."""
    for node in nodes(side, (sx.Indexed, sx.Name)):
        function = facts.activated.get(node.id)
        if function is not None:
            new = _OWN_DERIVATIVE[function](node)
            yield Edit("function_for_derivative", f"{text(node)} is written where its derivative {text(new)} is "
                                                  f"meant ({node.id} = {function}(…))", node, new)
    matrices = any(isinstance(node, sx.Transpose) or isinstance(node, sx.BinOp) and node.op == "@"
                   for node in sx.walk(side))
    places = [side] + [node.body for node in nodes(side, sx.Sum)] + [
        operand for node in nodes(side, sx.BinOp) if node.op == "@" for operand in (node.left, node.right)]
    free = sx.free_indices(equation, scope)
    for place in places:
        letters = free + [node.var for node in nodes(side, sx.Sum) if any(p is place for p in sx.walk(node))]
        for name, function in facts.activated.items():
            arity = len(facts.letters.get(name, ()))
            forms = [sx.Name(name, side.loc)] if matrices or not arity else [
                sx.Indexed(name, (tuple(sx.Name(letter, side.loc) for letter in chosen),), side.loc)
                for chosen in permutations(dict.fromkeys(letters), arity)]
            for form in forms:
                factor = _OWN_DERIVATIVE[function](form)
                yield Edit("missing_factor", f"the factor {text(factor)} is missing (the derivative of {name} = "
                                             f"{function}(…))", place, sx.BinOp("*", factor, place, place.loc))


def _activated(definitions) -> dict[str, str]:
    return {name: body.func for name, _, body in definitions
            if isinstance(body, sx.Call) and body.func in _OWN_DERIVATIVE and body.primes == 0 and len(body.args) == 1}


def _downstream(facts: ForwardFacts, var: str) -> set[str]:
    """The forward quantities computed from var, directly or not."""
    found: set[str] = set()
    for name, _, body in facts.definitions:  # in file order: a definition uses those before it
        if names_in(body) & (found | {var}):
            found.add(name)
    return found


def _name(node: sx.Expr) -> str | None:
    return node.id if isinstance(node, (sx.Name, sx.Indexed)) else None
