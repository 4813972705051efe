"""The `let` definitions of a file as the model evaluates them: each instance a node of the graph, built
once; the most specific definition first (delta[L][j] before delta[l][j]); functions expanded once per
distinct call; nesting within the limit let_depth."""

from __future__ import annotations

import sympy as sp

from . import syntax as sx
from .errors import IndexRangeError, InputError, UndefinedError
from .graph import Quantity
from .indexing import match_pattern
from .limits import over_limit
from .roles import Role
from .spec import LetSpec


class LetEvaluation:
    """The lets of a Model (which gives ``lets``, ``evaluate``, ``index``, ``graph`` and the counters)."""

    def let_instance(self, name: str, groups, bindings, node) -> sp.Expr:
        indices = tuple(tuple(self.index(item, bindings) for item in group) for group in groups or ())
        key = (name, indices)
        if key in self._let_atoms:
            return self._let_atoms[key]
        let, inner = self._match(name, indices, node)
        if let.error is not None:
            raise InputError(f"'{name}' is used here but its definition has an error ({let.error.location})",
                             node.loc)
        if key in self._in_progress:
            raise InputError(f"the definition of '{name}' never reaches a base case", let.loc,
                             "a recursive definition needs a specific instance such as delta[L][j]")
        self._check_depth(name, let.loc)
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
        """One more definition inside the ones being built: within the limit let_depth."""
        limits = self.spec.limits
        if len(self._in_progress) >= limits.let_depth:
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
            if any(let_shape(let.head) == shape for let in self.lets[name]):
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


def let_shape(head) -> tuple[int, ...]:
    return tuple(len(group) for group in head.groups) if isinstance(head, sx.Indexed) else ()


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
