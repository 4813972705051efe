"""The `let` definitions of a file as the model evaluates them: each instance a node of the graph, built
once; the most specific definition first (delta[L][j] before delta[l][j]); functions expanded once per
distinct call; nesting within the limit let_depth, and never deeper in the interpreter than
BUILT_FIRST_BELOW instances (a deeper one is built first, from the top)."""

from __future__ import annotations

import sympy as sp

from . import syntax as sx
from .errors import IndexRangeError, InputError, UndefinedError
from .graph import Quantity
from .indexing import match_pattern
from .limits import over_limit
from .roles import Role
from .spec import LetSpec
from .table_ranges import grouped, head_groups, head_shape


# let instances nested this deep inside one another are built first, from the top of the stack (see
# let_instance): a recursion over 600 layers needs no more of the interpreter's recursion than over 32
BUILT_FIRST_BELOW = 32


class _BuildFirst(Exception):
    """A let instance nested BUILT_FIRST_BELOW deep, to be built before the ones waiting for it."""

    def __init__(self, name: str, indices: tuple, node, depth: int):
        super().__init__(name)
        self.name, self.indices, self.node, self.depth = name, indices, node, depth


class LetEvaluation:
    """The lets of a Model (which gives ``lets``, ``evaluate``, ``index``, ``is_pattern_letter``, ``graph``,
    ``tensors`` and the counters)."""

    def let_instance(self, name: str, groups, bindings, node) -> sp.Expr:
        indices = tuple(tuple(self.index(item, bindings) for item in group) for group in groups or ())
        key = (name, indices)
        if key in self._let_atoms:
            return self._let_atoms[key]
        if self._in_progress and not isinstance(self._in_progress[-1][1], str):
            return self._built(name, indices, node)  # inside another instance
        return self._outermost(name, indices, node)

    def _outermost(self, name: str, indices: tuple, node) -> sp.Expr:
        """An instance built where no other instance is being built (in a claim, or in a let function's
        body): one nested too deep inside it is built first, from here, then this one is tried again (the
        instances it finished are kept)."""
        while True:
            try:
                return self._built(name, indices, node)
            except _BuildFirst as deeper:
                outer, self._from_depth = self._from_depth, deeper.depth - len(self._in_progress)
                try:
                    if (deeper.name, deeper.indices) not in self._let_atoms:
                        self._outermost(deeper.name, deeper.indices, deeper.node)
                finally:
                    self._from_depth = outer

    def _built(self, name: str, indices: tuple, node) -> sp.Expr:
        """A let instance, its definition evaluated (``let_instance`` looked it up first)."""
        key = (name, indices)
        let, inner = self._match(name, indices, node)
        if let.error is not None:
            raise InputError(f"'{name}' is used here but its definition has an error ({let.error.location})",
                             node.loc)
        if key in self._in_progress:
            raise InputError(f"the definition of '{name}' never reaches a base case", let.loc,
                             "a recursive definition needs a specific instance such as delta[L][j]")
        self._check_depth(name, let.loc)
        if len(self._in_progress) >= BUILT_FIRST_BELOW:
            raise _BuildFirst(name, indices, node, self._from_depth + len(self._in_progress))
        label = name + "".join("[" + ",".join(str(i) for i in group) + "]" for group in indices)
        self._in_progress.append(key)
        enclosing, self._sum_terms = self._sum_terms, 1  # an instance is built once, on its own
        try:
            value = self.evaluate(let.body, inner)
        except IndexRangeError as error:
            if error.message.startswith("in "):
                raise
            raise IndexRangeError(f"in {label}, {error.message}") from None
        finally:
            self._in_progress.pop()
            self._sum_terms = enclosing
        layer = indices[0][0] if len(indices) > 1 and len(indices[0]) == 1 else None
        flat = tuple(i for group in (indices[1:] if layer is not None else indices) for i in group)
        symbol = self.graph.define(sp.Symbol(label), value, Quantity(Role.LET, name, layer, flat))
        self._let_atoms[key] = symbol
        return symbol

    def _check_depth(self, name: str, where) -> None:
        """One more definition inside the ones being built (counting those waiting for an instance built
        first): within the limit let_depth."""
        limits = self.spec.limits
        if self._from_depth + len(self._in_progress) >= limits.let_depth:
            raise over_limit(f"definitions nested too deeply (more than {limits.let_depth} inside one another "
                             f"at '{name}')", "let_depth", limits, where)

    def _match(self, name: str, indices, node) -> tuple[LetSpec, dict[str, int]]:
        """The most specific definition of ``name`` for these index values (delta[L][j] before delta[l][j])."""
        candidates = []
        for let in self.lets[name]:
            matched = match_pattern(let.head, indices, self.is_pattern_letter, lambda p: self.index(p, {}))
            if matched is not None:
                candidates.append((matched[0], let, matched[1]))
        if not candidates:
            shown = name + "".join("[" + ",".join(str(i) for i in g) + "]" for g in indices)
            forms = ", ".join(_head_text(let.head) for let in self.lets[name])
            shape = tuple(len(g) for g in indices)
            if any(head_shape(let.head) == shape for let in self.lets[name]):
                raise UndefinedError(f"{shown} is not defined (defined: {forms})")
            raise InputError(f"'{name}' is used with the wrong number of indices", node.loc, f"defined as {forms}")
        candidates.sort(key=lambda c: c[0])
        return candidates[0][1], candidates[0][2]

    def let_function(self, node: sx.Call, args: list[sp.Expr]) -> sp.Expr:
        let = self.lets[node.func][0]
        params = [param.id for param in let.head.args] if isinstance(let.head, sx.Call) else []
        if not isinstance(let.head, sx.Call) or len(params) != len(args):
            raise InputError(f"'{node.func}' takes {len(params)} argument(s), got {len(args)}", node.loc)
        if let.error is not None:
            raise InputError(f"'{node.func}' is used here but its definition has an error ({let.error.location})",
                             node.loc)
        if node.primes and len(params) != 1:
            raise InputError(f"a prime needs a function of one argument; '{node.func}' has {len(params)}", node.loc)
        key = ("function", node.func)
        if key in self._in_progress:
            raise InputError(f"'{node.func}' is used in its own definition", node.loc,
                             "a function defined by let cannot call itself")
        call = (node.func, node.primes, tuple(args))
        if call not in self._calls:  # functions calling each other cost one expansion per distinct call
            self._charge(1, node)
            self._check_depth(node.func, node.loc)
            self._in_progress.append(key)
            try:
                self._calls[call] = self._expand_call(let, params, args, node.primes)
            finally:
                self._in_progress.pop()
        return self._calls[call]

    def _expand_call(self, let: LetSpec, params: list[str], args: list[sp.Expr], primes: int) -> sp.Expr:
        if not primes:
            return self.evaluate(let.body, {}, dict(zip(params, args)))
        dummy = sp.Dummy(params[0], real=True)
        body = self.evaluate(let.body, {}, {params[0]: dummy})
        return sp.diff(self.graph.unfold(body), dummy, primes).xreplace({dummy: args[0]})


    # -- views of lets in a forward file: a let written with fewer indices than it has -----------------

    def let_structure(self, name: str) -> tuple[int, ...]:
        """The index groups of a let (of its most general definition); () for a scalar let."""
        heads = [let.head for let in self.lets[name] if isinstance(let.head, sx.Indexed)]
        return max((head_shape(head) for head in heads), key=sum, default=())

    def is_let_view(self, name: str, groups) -> bool:
        structure = self.let_structure(name)
        given = sum(len(group) for group in groups)
        return 0 < given < sum(structure) and all(len(g) == size for g, size in zip(groups[:-1], structure))

    def let_view(self, name: str, given: tuple[int, ...], node) -> sp.Expr:
        """The column or matrix of a let's trailing slots."""
        structure = self.let_structure(name)
        rest = range(len(given), sum(structure))
        if len(rest) > 2:
            raise InputError(f"'{sx.to_text(node)}' has {len(rest)} indices left: a view is a column or a matrix",
                             node.loc)
        spans = [self._let_slot_range(name, slot, node) for slot in rest]

        def entry(*values):
            groups = grouped((*given, *values), structure)
            return self.let_instance(name, tuple(tuple(sx.Num(str(v), node.loc) for v in group)
                                                 for group in groups), {}, node)

        if len(spans) == 1:
            return sp.ImmutableMatrix([[entry(i)] for i in spans[0]])
        return sp.ImmutableMatrix([[entry(i, k) for k in spans[1]] for i in spans[0]])

    def _let_slot_range(self, name: str, slot: int, node) -> range:
        """The values of a let's slot: where its letter first indexes a tensor alone in the body, or else
        the range that letter has in the declarations (c in W[i,c]: D, K is a class, 1..K)."""
        low, high = None, None
        for let in self.lets[name]:
            items = [item for group in head_groups(let.head) for item in group]
            if slot >= len(items) or let.body is None:
                continue
            item = items[slot]
            if isinstance(item, sx.Name) and self.is_pattern_letter(item.id):
                span = self.tensors.first_range(item.id, [let.body]) or self.tensors.declared_range(item.id)
            else:
                value = self.index(item, {})
                span = range(value, value + 1)
            if span is not None and len(span):
                low = span.start if low is None else min(low, span.start)
                high = span.stop if high is None else max(high, span.stop)
        if low is None:
            raise InputError(f"cannot tell the range of index {slot + 1} of '{name}' for its view "
                             f"'{sx.to_text(node)}'", node.loc, "index it, or use its letters in the body")
        return range(low, high)


def _head_text(head) -> str:
    if isinstance(head, sx.Indexed):
        return head.id + "".join("[" + ",".join(_index_text(i) for i in group) + "]" for group in head.groups)
    return head.id if isinstance(head, sx.Name) else head.func


def _index_text(node) -> str:
    if isinstance(node, sx.Name):
        return node.id
    if isinstance(node, sx.Num):
        return node.text
    if isinstance(node, sx.BinOp):
        return _index_text(node.left) + node.op + _index_text(node.right)
    return "?"
