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
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

import sympy as sp
from sympy.core.mul import _mulsort

from .roles import Role


@dataclass(frozen=True)
class Cut:
    """Paths a derivative leaves out, as a mistake does (a diagnosis's truth transformed, never the ground
    truth): the nodes held constant, which pass nothing to what they are computed from, and single uses
    (node, consumer) cut."""

    held: frozenset = frozenset()
    uses: frozenset = frozenset()

    def blocks(self, node: sp.Symbol, consumer: sp.Symbol) -> bool:
        return consumer in self.held or (node, consumer) in self.uses


@dataclass(frozen=True)
class Quantity:
    """What a symbol of the graph stands for, for messages and printing."""

    role: Role
    name: str  # the user's name for it (w, theta, delta, …)
    layer: int | None = None
    indices: tuple[int, ...] = ()
    groups: tuple[tuple[int, ...], ...] | None = None  # a forward file's instance as written: h[2][1]

    def __post_init__(self) -> None:
        if not isinstance(self.role, Role):  # a role is one of the table's, never a string
            raise TypeError(f"a quantity's role is a Role, not {self.role!r}")

    def label(self) -> str:
        if self.groups is not None:
            return self.name + "".join("[" + ",".join(str(i) for i in group) + "]" for group in self.groups)
        parts = [self.name]
        if self.layer is not None:
            parts.append(f"[{self.layer}]")
        if self.indices:
            parts.append("[" + ",".join(str(i) for i in self.indices) + "]")
        return "".join(parts)


def exact(literal: str) -> sp.Rational:
    """A number literal, already checked by Python's tokenizer or YAML's, as an exact rational."""
    fraction = Fraction(literal)
    return sp.Rational(fraction.numerator, fraction.denominator)


def as_expr(value) -> sp.Expr:
    """A SymPy expression from an expression or a Python number (never from text)."""
    if isinstance(value, sp.Basic):
        return value
    if isinstance(value, int):
        return sp.Integer(value)
    raise TypeError(f"not an expression: {value!r}")


def times(left: sp.Expr, right: sp.Expr) -> sp.Expr:
    """left * right; of two different symbols (w[2][j,k] * a[1][k], the terms of every wide layer) the
    product SymPy would build, put together directly in its canonical order, without its general
    flattening (which costs some 15 times more)."""
    if left.is_Symbol and right.is_Symbol and left != right and left.is_commutative and right.is_commutative:
        factors = [left, right]
        _mulsort(factors)
        return sp.Mul._from_args(tuple(factors), True)
    return left * right


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
        return _sum([local_derivative(arg, symbol) for arg in expr.args])
    if expr.is_Mul:
        terms = []
        for position, arg in enumerate(expr.args):
            inner = local_derivative(arg, symbol)
            if inner != 0:
                rest = expr.args[:position] + expr.args[position + 1:]
                if inner is sp.S.One and len(rest) == 1:  # d(w*a)/dw = a, the term of every weight
                    terms.append(rest[0])
                else:
                    terms.append(sp.Mul(*rest[:position], inner, *rest[position:]))
        return _sum(terms)
    if expr.is_Pow and symbol not in expr.exp.free_symbols:
        return expr.exp * expr.base ** (expr.exp - 1) * local_derivative(expr.base, symbol)
    if isinstance(expr, sp.Heaviside):  # a step ([u > 0], relu'): flat away from its jump, never sampled
        return sp.S.Zero
    if isinstance(expr, sp.Function) and not isinstance(expr, sp.Derivative):
        terms = []
        for position, arg in enumerate(expr.args, start=1):
            inner = local_derivative(arg, symbol)
            if inner != 0:
                terms.append(expr.fdiff(position) * inner)
        return _sum(terms)
    return sp.diff(expr, symbol)


def _sum(terms: list[sp.Expr]) -> sp.Expr:
    """sp.Add(*terms), without building a sum of one term (the derivative of most definitions by one
    of their symbols, and most adjoints, have a single term)."""
    return terms[0] if len(terms) == 1 else sp.Add(*terms)


class Graph:
    """Leaves (parameters, inputs, targets, symbols) and defined nodes, in definition order."""

    def __init__(self) -> None:
        self.definitions: dict[sp.Symbol, sp.Expr] = {}
        self.rank: dict[sp.Symbol, int] = {}
        self.leaves: dict[sp.Symbol, str] = {}  # leaf → how to sample it
        self.quantities: dict[sp.Symbol, Quantity] = {}
        self._sweeps: dict[tuple[sp.Expr, Cut | None], _Sweep] = {}
        self.consumers: dict[sp.Symbol, list[sp.Symbol]] = defaultdict(list)  # the definitions using each
        self.uses: dict[sp.Symbol, frozenset[sp.Symbol]] = {}  # the symbols each definition uses
        self._partials: dict[tuple[sp.Symbol, sp.Symbol], sp.Expr] = {}
        self._rules: dict[sp.Symbol, Callable[[sp.Symbol], sp.Expr]] = {}
        self._terms: dict[sp.Symbol, dict[sp.Symbol, list[sp.Expr]]] = {}
        self._labels = 0
        self._cuts = 0  # sweeps with a cut, each with adjoints of its own names

    def fork(self) -> "Graph":
        """A copy to grow apart: what is defined in it from now on stays in it (a let edited by a
        diagnosis, over the file's own model built once)."""
        twin = Graph()
        twin.definitions, twin.rank = dict(self.definitions), dict(self.rank)
        twin.leaves, twin.quantities = dict(self.leaves), dict(self.quantities)
        twin.consumers = defaultdict(list, {symbol: list(users) for symbol, users in self.consumers.items()})
        twin.uses = dict(self.uses)
        twin._partials, twin._rules, twin._terms = dict(self._partials), dict(self._rules), dict(self._terms)
        twin._labels, twin._cuts = self._labels, self._cuts
        return twin

    def leaf(self, symbol: sp.Symbol, kind: str, quantity: Quantity) -> sp.Symbol:
        self.leaves[symbol] = kind
        self.quantities[symbol] = quantity
        return symbol

    def define(self, symbol: sp.Symbol, expr: sp.Expr, quantity: Quantity) -> sp.Symbol:
        self.definitions[symbol] = as_expr(expr)
        self.rank[symbol] = len(self.rank)
        self.quantities[symbol] = quantity
        self.uses[symbol] = uses = frozenset(self.definitions[symbol].free_symbols)
        for used in uses:
            self.consumers[used].append(symbol)
        return symbol

    def is_quantity(self, symbol) -> bool:
        return symbol in self.definitions or symbol in self.leaves

    def let_variable(self, var: sp.Symbol, expr: sp.Expr) -> sp.Symbol | None:
        """A let as the variable of d(expr)/d(var): itself when expr is computed from it, the quantity it names
        when its definition is one quantity (w[l][j,k]: W[l][j,k], followed through lets), else None."""
        while var in self.definitions and self.quantities[var].role is Role.LET:
            value = self.definitions[var]
            if var in self._upstream(expr):
                return var
            if not (value.is_Symbol and self.is_quantity(value)):
                return None
            var = value
        return var

    # -- derivatives -------------------------------------------------------------------

    def derivative(self, expr: sp.Expr, var: sp.Symbol, cut: Cut | None = None) -> sp.Expr:
        """d(expr)/d(var): var is held free and everything downstream depends on it (but the paths ``cut``
        leaves out)."""
        return self._sweep(expr, cut).down_to(var)

    def _sweep(self, expr: sp.Expr, cut: Cut | None) -> _Sweep:
        key = (as_expr(expr), cut)
        if key not in self._sweeps:
            self._sweeps[key] = _Sweep(self, key[0], cut)
        return self._sweeps[key]

    def cut(self, held: tuple[str, ...], before_last: tuple[str, ...], cut_into: tuple[str, ...],
            variables: list[sp.Symbol]) -> Cut:
        """The nodes of the quantities named ``held`` (every instance), those named ``before_last`` at
        every step but their last (the first index below its largest), and the uses of the variables by
        the quantities named ``cut_into``."""
        nodes = {name: [s for s, q in self.quantities.items() if q.name == name and s in self.definitions
                        and q.role is not Role.ADJOINT] for name in held + before_last}
        chosen = {s for name in held for s in nodes[name]}
        for name in before_last:
            steps = {s: self.quantities[s].groups[0][0] for s in nodes[name] if self.quantities[s].groups}
            last = max(steps.values(), default=None)
            chosen.update(s for s, step in steps.items() if step != last)
        uses = {(v, c) for v in variables for c in self.consumers.get(v, ()) if self.quantities[c].name in cut_into}
        return Cut(frozenset(chosen), frozenset(uses))

    def set_partial_rule(self, node: sp.Symbol, rule: Callable[[sp.Symbol], sp.Expr]) -> None:
        """The local derivative of a node by each symbol it uses, given by the definition that knows it
        in the graph's own symbols (a softmax output's, yhat[i]([i == j] - yhat[j]): small, where
        differentiating the softmax function gives expressions that carry all its arguments)."""
        self._rules[node] = rule

    def partial(self, node: sp.Symbol, symbol: sp.Symbol) -> sp.Expr:
        key = (node, symbol)
        if key not in self._partials:
            definition = self.definitions[node]
            if node in self._rules:
                self._partials[key] = self._rules[node](symbol)
            elif definition.is_Add:  # a wide sum (z of a big layer): only the terms with the symbol
                terms = self._terms_with(node).get(symbol, ())
                self._partials[key] = _sum([local_derivative(term, symbol) for term in terms])
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
        return self._above(set().union(*(as_expr(expr).free_symbols for expr in exprs)))

    def _above(self, symbols: set[sp.Symbol]) -> set[sp.Symbol]:
        seen: set[sp.Symbol] = set()
        stack = [s for s in symbols if s in self.definitions]
        while stack:
            node = stack.pop()
            if node in seen:
                continue
            seen.add(node)
            stack.extend(s for s in self.uses[node] if s in self.definitions)
        return seen

    def _label(self, expr: sp.Expr) -> str:
        if expr.is_Symbol and expr in self.quantities:
            return self.quantities[expr].label()
        self._labels += 1
        return f"E{self._labels}"

    # -- unfolding ----------------------------------------------------------------------

    def unfold(self, expr: sp.Expr, keep=lambda symbol: False, rewrites: dict | None = None) -> sp.Expr:
        """expr with every defined symbol replaced by its definition, except those ``keep`` accepts
        (each definition first rewritten by ``rewrites``: tanh(a) → h keeps h where it is kept)."""
        memo: dict[sp.Symbol, sp.Expr] = {}

        def value(symbol: sp.Symbol) -> sp.Expr:
            if symbol not in memo:
                definition = self.definitions[symbol]
                if rewrites:
                    definition = definition.xreplace(rewrites)
                memo[symbol] = definition.xreplace(
                    {s: value(s) for s in definition.free_symbols if s in self.definitions and not keep(s)})
            return memo[symbol]

        expr = as_expr(expr)
        return expr.xreplace({s: value(s) for s in expr.free_symbols if s in self.definitions and not keep(s)})

    def upstream_leaves(self, *exprs: sp.Expr) -> set[sp.Symbol]:
        """The leaves (parameters, inputs, targets, symbols) the expressions depend on."""
        symbols = set().union(*(as_expr(expr).free_symbols for expr in exprs))
        found = {s for s in symbols if s in self.leaves}
        for node in self._above(symbols):
            found.update(s for s in self.uses[node] if s in self.leaves)
        return found


class _Sweep:
    """d(expr)/d(q) by reverse accumulation, pulled from q: the adjoint of q is the sum, over the
    definitions that use q and that expr depends on, of their adjoints times their local derivative
    by q. Each adjoint is computed once, and only those asked for (and the ones above them): a
    derivative by z[L][j] never touches the layers below, and a derivative of the loss by every
    parameter costs one reverse sweep."""

    def __init__(self, graph: Graph, expr: sp.Expr, cut: Cut | None = None):
        self.graph = graph
        self.cut = cut
        self.label = graph._label(expr)
        if cut is not None:
            graph._cuts += 1
            self.label += f"⊘{graph._cuts}"
        self.seeds = {s: local_derivative(expr, s) for s in expr.free_symbols if graph.is_quantity(s)}
        self.upstream = graph._upstream(expr)
        self.result: dict[sp.Symbol, sp.Expr] = {}

    def down_to(self, var: sp.Symbol) -> sp.Expr:
        """The adjoint of var, after those of the definitions above it, depth first in the order of their
        use (a stack, not recursion: a network's depth is not the interpreter's)."""
        users = self._consumers(var)
        stack = [(var, users, iter(users))]
        while stack and var not in self.result:
            node, users, pending = stack[-1]
            below = next((c for c in pending if c not in self.result), None)
            if below is not None:
                above = self._consumers(below)
                stack.append((below, above, iter(above)))
            else:
                stack.pop()
                self.result[node] = self._adjoint(node, users)
        return self.result[var]

    def _consumers(self, var: sp.Symbol) -> list[sp.Symbol]:
        cut = self.cut
        return [consumer for consumer in self.graph.consumers.get(var, ())
                if consumer in self.upstream and not (cut is not None and cut.blocks(var, consumer))]

    def _adjoint(self, var: sp.Symbol, users: list[sp.Symbol]) -> sp.Expr:
        """Once the adjoints of the definitions that use var (``users``) are known."""
        graph = self.graph
        terms = [self.seeds[var]] if var in self.seeds else []
        for consumer in users:
            total = self.result[consumer]
            if total != 0:
                partial = graph.partial(consumer, var)
                if partial != 0:
                    terms.append(partial if total is sp.S.One else times(total, partial))
        total = _sum(terms)
        if var in graph.definitions and not (total.is_Number or total.is_Symbol):
            quantity = graph.quantities[var]
            total = graph.define(sp.Symbol(f"∂{self.label}/∂{quantity.label()}"), total,
                                 Quantity(Role.ADJOINT, f"∂{self.label}/∂{quantity.name}", quantity.layer,
                                          quantity.indices, quantity.groups))
        return total
