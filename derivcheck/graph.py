"""A computation graph of SymPy expressions and its reverse-mode derivative.

Every intermediate quantity (z, a, the loss, a ``let`` definition) is a Symbol
with a small defining expression, so the composed forward pass is a graph of
shared sub-expressions rather than one exponentially large tree. The derivative
of any expression with respect to any quantity is the chain rule over this
graph (reverse accumulation): each step is ``sympy.diff`` of one small
definition. The result is exact and independent of any claim being checked.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import sympy as sp


@dataclass(frozen=True)
class Quantity:
    """What a symbol of the graph stands for, for messages and printing."""

    role: str  # w b x y z a C symbol let adjoint
    name: str  # the user's name for it (w, theta, delta, …)
    layer: int | None = None
    indices: tuple[int, ...] = ()

    def label(self) -> str:
        parts = [self.name]
        if self.layer is not None:
            parts.append(f"[{self.layer}]")
        if self.indices:
            parts.append("[" + ",".join(str(i) for i in self.indices) + "]")
        return "".join(parts)


def as_expr(value) -> sp.Expr:
    """A SymPy expression from an expression or a Python number (never from text)."""
    if isinstance(value, sp.Basic):
        return value
    if isinstance(value, int):
        return sp.Integer(value)
    raise TypeError(f"not an expression: {value!r}")


def local_derivative(expr: sp.Expr, symbol: sp.Symbol) -> sp.Expr:
    """d(expr)/d(symbol) for one small definition, by the sum, product, power and chain rules.

    Each function's own derivative comes from SymPy (``fdiff``); the walk itself
    avoids the general machinery of ``sympy.diff`` (unevaluated Derivative
    objects and assumption queries), which dominates the cost on the many small
    definitions of a network. Anything unusual is handed to ``sympy.diff``.
    """
    if symbol not in expr.free_symbols:
        return sp.S.Zero
    if expr == symbol:
        return sp.S.One
    if expr.is_Add:
        return sp.Add(*[local_derivative(arg, symbol) for arg in expr.args])
    if expr.is_Mul:
        terms = []
        for position, arg in enumerate(expr.args):
            inner = local_derivative(arg, symbol)
            if inner != 0:
                terms.append(sp.Mul(*expr.args[:position], inner, *expr.args[position + 1:]))
        return sp.Add(*terms)
    if expr.is_Pow and symbol not in expr.exp.free_symbols:
        return expr.exp * expr.base ** (expr.exp - 1) * local_derivative(expr.base, symbol)
    if isinstance(expr, sp.Function) and not isinstance(expr, sp.Derivative):
        terms = []
        for position, arg in enumerate(expr.args, start=1):
            inner = local_derivative(arg, symbol)
            if inner != 0:
                terms.append(expr.fdiff(position) * inner)
        return sp.Add(*terms)
    return sp.diff(expr, symbol)


# Roles of the quantities a proof or a printed gradient keeps as symbols: parameters, inputs,
# targets, symbols and the forward pass's z and a. Everything else (let instances, adjoints,
# the loss) is unfolded into them.
BASE_ROLES = frozenset({"w", "b", "x", "y", "z", "a", "symbol"})


class Graph:
    """Leaves (parameters, inputs, targets, symbols) and defined nodes, in definition order."""

    def __init__(self) -> None:
        self.definitions: dict[sp.Symbol, sp.Expr] = {}
        self.rank: dict[sp.Symbol, int] = {}
        self.leaves: dict[sp.Symbol, str] = {}  # leaf → how to sample it
        self.quantities: dict[sp.Symbol, Quantity] = {}
        self._adjoints: dict[sp.Expr, dict[sp.Symbol, sp.Expr]] = {}
        self._partials: dict[tuple[sp.Symbol, sp.Symbol], sp.Expr] = {}
        self._terms: dict[sp.Symbol, dict[sp.Symbol, list[sp.Expr]]] = {}
        self._labels = 0

    def leaf(self, symbol: sp.Symbol, kind: str, quantity: Quantity) -> sp.Symbol:
        self.leaves[symbol] = kind
        self.quantities[symbol] = quantity
        return symbol

    def define(self, symbol: sp.Symbol, expr: sp.Expr, quantity: Quantity) -> sp.Symbol:
        self.definitions[symbol] = as_expr(expr)
        self.rank[symbol] = len(self.rank)
        self.quantities[symbol] = quantity
        return symbol

    def is_quantity(self, symbol) -> bool:
        return symbol in self.definitions or symbol in self.leaves

    # -- derivatives -------------------------------------------------------------------

    def derivative(self, expr: sp.Expr, var: sp.Symbol) -> sp.Expr:
        """d(expr)/d(var): var is held free and everything downstream depends on it."""
        return self.adjoints(expr).get(var, sp.S.Zero)

    def adjoints(self, expr: sp.Expr) -> dict[sp.Symbol, sp.Expr]:
        """d(expr)/d(q) for every quantity q that expr depends on (cached per expr)."""
        expr = as_expr(expr)
        if expr in self._adjoints:
            return self._adjoints[expr]
        label = self._label(expr)
        pending: dict[sp.Symbol, list[sp.Expr]] = defaultdict(list)
        for symbol in expr.free_symbols:
            if self.is_quantity(symbol):
                pending[symbol].append(local_derivative(expr, symbol))
        result: dict[sp.Symbol, sp.Expr] = {}
        for node in sorted(self._upstream(expr), key=self.rank.__getitem__, reverse=True):
            total = sp.Add(*pending.pop(node, []))
            if not (total.is_Number or total.is_Symbol):
                quantity = self.quantities[node]
                total = self.define(sp.Symbol(f"∂{label}/∂{quantity.label()}"), total,
                                    Quantity("adjoint", f"∂{label}/∂{quantity.name}", quantity.layer,
                                             quantity.indices))
            result[node] = total
            if total != 0:
                for symbol in self.definitions[node].free_symbols:
                    partial = self.partial(node, symbol)
                    if partial != 0:
                        pending[symbol].append(total * partial)
        for symbol, terms in pending.items():
            result[symbol] = sp.Add(*terms)
        self._adjoints[expr] = result
        return result

    def partial(self, node: sp.Symbol, symbol: sp.Symbol) -> sp.Expr:
        key = (node, symbol)
        if key not in self._partials:
            definition = self.definitions[node]
            if definition.is_Add:  # a wide sum (z of a big layer): only the terms with the symbol
                terms = self._terms_with(node).get(symbol, ())
                self._partials[key] = sp.Add(*[local_derivative(term, symbol) for term in terms])
            else:
                self._partials[key] = local_derivative(definition, symbol)
        return self._partials[key]

    def _terms_with(self, node: sp.Symbol) -> dict[sp.Symbol, list[sp.Expr]]:
        """The terms of a sum definition, by the symbols they contain (built once per node)."""
        if node not in self._terms:
            index: dict[sp.Symbol, list[sp.Expr]] = defaultdict(list)
            for term in self.definitions[node].args:
                for symbol in term.free_symbols:
                    index[symbol].append(term)
            self._terms[node] = index
        return self._terms[node]

    def _upstream(self, *exprs: sp.Expr) -> set[sp.Symbol]:
        """The defined nodes the expressions depend on (one walk for all of them)."""
        seen: set[sp.Symbol] = set()
        stack = [s for expr in exprs for s in as_expr(expr).free_symbols if s in self.definitions]
        while stack:
            node = stack.pop()
            if node in seen:
                continue
            seen.add(node)
            stack.extend(s for s in self.definitions[node].free_symbols if s in self.definitions)
        return seen

    def _label(self, expr: sp.Expr) -> str:
        if expr.is_Symbol and expr in self.quantities:
            return self.quantities[expr].label()
        self._labels += 1
        return f"E{self._labels}"

    # -- unfolding ----------------------------------------------------------------------

    def unfold(self, expr: sp.Expr, keep=lambda symbol: False) -> sp.Expr:
        """expr with every defined symbol replaced by its definition, except those ``keep`` accepts."""
        memo: dict[sp.Symbol, sp.Expr] = {}

        def value(symbol: sp.Symbol) -> sp.Expr:
            if symbol not in memo:
                definition = self.definitions[symbol]
                memo[symbol] = definition.xreplace(
                    {s: value(s) for s in definition.free_symbols if s in self.definitions and not keep(s)})
            return memo[symbol]

        expr = as_expr(expr)
        return expr.xreplace({s: value(s) for s in expr.free_symbols if s in self.definitions and not keep(s)})

    def upstream_leaves(self, *exprs: sp.Expr) -> set[sp.Symbol]:
        """The leaves (parameters, inputs, targets, symbols) the expressions depend on."""
        nodes = self._upstream(*exprs)
        found = {s for expr in exprs for s in as_expr(expr).free_symbols if s in self.leaves}
        for node in nodes:
            found.update(s for s in self.definitions[node].free_symbols if s in self.leaves)
        return found
