"""Symbolic proofs that two sides of a claim are identical, within a budget of work.

Both sides are expressions over the graph. A proof keeps the network's
pre-activations and activations as independent symbols (``sigmoid(z)``
becomes the symbol ``a``, so ``sigmoid'(z)`` becomes ``a(1 - a)``) and unfolds
the other definitions — ``let`` instances and the reverse-mode adjoints —
newest first, until both sides mention the same ones; then the difference is
tested for zero as a rational function of its atoms. An identity between
independent symbols holds for every value, so a proof is sound. Claims already proved (``dC/dz[l][j] =
delta[l][j]``) are reused, which makes the proof of a recursion one layer at a
time (induction over layers) instead of a full expansion.

Every step charges its work to the prover's ``budget`` (``limits.Budget``):
the nodes of both sides at each unfolding and of each zero test, and the
terms the polynomial arithmetic touches. A proof that spends it stops with
``OutOfWork``, after the same steps on every machine.
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from .functions import is_generic, sigmoid
from .graph import Graph, as_expr
from .limits import Budget
from .roles import BASE, Role
from .numeric import EvaluationError, Evaluator

SMALL = 400  # operations: beyond this, rewriting sigmoid through exp is not tried
STEP_WORK = 8  # units of work of one step's fixed cost (look-ups, the numeric pre-test), beside its nodes


class Prover:
    """Proves instances of claims over one model; remembers the let instances it has identified."""

    def __init__(self, graph: Graph, rewrites: dict, softmax_groups: list[list[sp.Symbol]],
                 target_groups: list[list[sp.Symbol]], one_hot: bool):
        self.graph = graph
        self.rewrites = rewrites
        self.softmax_groups = softmax_groups
        self.target_groups = target_groups if one_hot else []
        self.known: dict[sp.Symbol, sp.Expr] = {}
        self._preactivations: dict[sp.Expr, sp.Symbol] | None = None
        self.budget = Budget()  # the caller gives each claim its own

    def prove(self, lhs: sp.Expr, rhs: sp.Expr) -> bool:
        """Whether lhs = rhs was proved (with one_hot targets, using that they sum to 1)."""
        sides = [self._known(as_expr(lhs)).xreplace(self.rewrites), self._known(as_expr(rhs)).xreplace(self.rewrites)]
        while True:
            self.budget.charge(STEP_WORK + size(sides[0]) + size(sides[1]))
            pending = [self._unfoldable(side) for side in sides]
            if pending[0] == pending[1] and self._is_zero(self._one_hot(sides[0] - sides[1])):
                self._remember(lhs, rhs)
                return True
            if not (pending[0] | pending[1]):
                break
            if not (pending[0] and pending[1]):
                # one side is explicit: nothing can meet it halfway, unfold the other side at once
                sides = [self.graph.unfold(side, keep=self._is_base, rewrites=self.rewrites) for side in sides]
                continue
            replacement = {atom: self.graph.definitions[atom] for atom in self._to_unfold(*pending)}
            sides = [self._known(side.xreplace(replacement)).xreplace(self.rewrites) for side in sides]
        if any(self._is_zero(variant) for variant in self._variants(self._one_hot(sides[0] - sides[1]))):
            self._remember(lhs, rhs)
            return True
        return False

    def is_zero_at(self, difference: sp.Expr) -> bool:
        """Whether a difference of exact numbers (the sides at an `at:` point) is zero: as a rational
        function of its atoms through exp, else by SymPy's simplify while it is small."""
        through_exp = difference.rewrite(sp.exp)
        nodes = size(through_exp)
        self.budget.charge(STEP_WORK + nodes)
        return is_identically_zero(through_exp, self.budget) or (nodes <= SMALL and sp.simplify(through_exp) == 0)

    def _to_unfold(self, left: frozenset, right: frozenset) -> set:
        """The atoms to replace by their definitions next.

        A definition only mentions older symbols, so an atom on one side that is
        newer than everything on the other side can never be matched: all such
        atoms are unfolded at once. Otherwise the newest atom (on both sides) is.
        """
        rank = self.graph.rank.__getitem__
        top_left = max(map(rank, left), default=-1)
        top_right = max(map(rank, right), default=-1)
        unmatched = {a for a in left if rank(a) > top_right} | {a for a in right if rank(a) > top_left}
        return unmatched or {max(left | right, key=rank)}

    def _is_base(self, symbol: sp.Symbol) -> bool:
        return self.graph.quantities[symbol].role in BASE

    def _unfoldable(self, expr: sp.Expr) -> frozenset:
        graph = self.graph
        return frozenset(s for s in expr.free_symbols
                         if s in graph.definitions and graph.quantities[s].role not in BASE)

    def _known(self, expr: sp.Expr) -> sp.Expr:
        if not self.known:
            return expr
        hits = {s: self.known[s] for s in expr.free_symbols if s in self.known}
        return expr.xreplace(hits) if hits else expr

    def _remember(self, lhs, rhs) -> None:
        for atom, other in ((rhs, lhs), (lhs, rhs)):
            if (isinstance(atom, sp.Symbol) and atom in self.graph.quantities
                    and self.graph.quantities[atom].role is Role.LET and atom not in other.free_symbols):
                self.known.setdefault(atom, other)
                return

    def _is_zero(self, expr: sp.Expr) -> bool:
        expr = expr.xreplace(self.rewrites)
        self.budget.charge(STEP_WORK + size(expr))
        return _could_be_zero(expr) and is_identically_zero(expr, self.budget)

    def _variants(self, expr: sp.Expr):
        """Equivalent forms worth a zero test once the definitions are unfolded.

        The difference itself; with each pre-activation z written out as its
        sum (a claim may spell z out); with softmax outputs written through
        exp (yhat[j] = e_j / sum(e)); and, for small expressions, with sigmoid
        written through exp.
        """
        rewritten = self._name_preactivations(expr).xreplace(self.rewrites)
        if rewritten != expr:
            yield rewritten
        pre = {s: self.graph.definitions[s] for s in rewritten.free_symbols
               if s in self.graph.definitions and self.graph.quantities[s].role is Role.Z}
        if pre:
            yield rewritten.xreplace(pre)
        if self.softmax_groups:
            yield self._through_exp(rewritten)
            if pre:
                yield self._through_exp(rewritten.xreplace(pre))
        if rewritten.has(sigmoid) and sp.count_ops(rewritten) < SMALL:
            yield rewritten.rewrite(sp.exp)

    def _name_preactivations(self, expr: sp.Expr) -> sp.Expr:
        """act(sum_k w[l][j,k] a[l-1][k] + b[l][j]) → a[l][j], innermost first, so that a spelled-out
        forward pass is recognised."""
        if self._preactivations is None:
            self._preactivations = {sp.expand(definition): symbol
                                    for symbol, definition in self.graph.definitions.items()
                                    if self.graph.quantities[symbol].role is Role.Z}
        for _ in range(len(self.graph.definitions)):
            found = {}
            for call in expr.atoms(sp.Function):
                if len(call.args) == 1 and not call.args[0].is_Symbol:
                    symbol = self._preactivations.get(sp.expand(call.args[0]))
                    if symbol is not None:
                        found[call] = call.func(symbol)
            if not found:
                return expr
            expr = expr.xreplace(found).xreplace(self.rewrites)
        return expr

    def _through_exp(self, expr: sp.Expr) -> sp.Expr:
        """Softmax outputs as e_j / sum(e) and their pre-activations as log(e_j), e_j > 0."""
        replacement = {}
        for group in self.softmax_groups:
            exps = [sp.Dummy("e", positive=True) for _ in group]
            total = sp.Add(*exps)
            for output, e in zip(group, exps):
                definition = self.graph.definitions[output]
                replacement[output] = e / total
                replacement[definition.args[int(definition.args[0])]] = sp.log(e)
        return expr.xreplace(replacement)

    def _one_hot(self, expr: sp.Expr) -> sp.Expr:
        """With one_hot targets, the last target of each example written as 1 minus the others
        (an identity without the assumption stays one with it)."""
        if not self.target_groups:
            return expr
        return expr.xreplace({group[-1]: 1 - sp.Add(*group[:-1]) for group in self.target_groups})


def _could_be_zero(expr: sp.Expr) -> bool:
    """A cheap necessary condition for an identity: zero, within rounding, when every symbol
    (and generic function) takes independent random values. Spares the expansion of the many
    forms that are not identities."""
    if expr == 0:
        return True
    rng = np.random.default_rng(len(expr.free_symbols))
    leaves = {symbol: rng.uniform(0.3, 1.7, 2) for symbol in expr.free_symbols}
    generic = {call.func.generic_name for call in expr.atoms(sp.Function) if is_generic(call.func)}
    functions = {name: tuple(rng.uniform(0.5, 1.5, 2) for _ in range(5)) for name in generic}
    evaluator = Evaluator(Graph(), leaves, functions)
    try:
        terms = [np.asarray(evaluator.value(term), dtype=float) for term in sp.Add.make_args(expr)]
    except EvaluationError:
        return True
    total = np.abs(sum(terms))
    scale = sum(np.abs(term) for term in terms)
    return not bool(np.all(np.isfinite(total))) or bool(np.all(total <= 1e-8 * scale + 1e-12))


def size(expr: sp.Expr) -> int:
    """The number of distinct sub-expressions (the nodes a memoised walk visits)."""
    seen = set()
    stack = [expr]
    while stack:
        node = stack.pop()
        if node not in seen:
            seen.add(node)
            stack.extend(node.args)
    return len(seen)


def is_identically_zero(expr: sp.Expr, budget: Budget | None = None) -> bool:
    """Whether expr is zero as a rational function of its atoms.

    Every piece that is not a sum, product, integer power or rational number
    (a symbol, sigmoid(z), log(a), sqrt(2)) becomes an independent generator of
    a sparse polynomial ring over the rationals, and expr a numerator over a
    denominator there, without cancelling common factors (a gcd costs more
    than it saves in these sums); the arithmetic is exact and much faster than
    ``expand``. A zero numerator means zero for every value of the atoms where
    expr is defined, so the answer is sound.
    """
    atoms: set[sp.Expr] = set()
    _collect_atoms(expr, atoms)
    if not atoms:
        return expr == 0
    ordered = sorted(atoms, key=sp.default_sort_key)
    ring, *generators = sp.ring([sp.Dummy() for _ in ordered], sp.QQ)
    numerator, _ = _convert(expr, dict(zip(ordered, generators)), ring, budget or Budget())
    return numerator == 0


def _collect_atoms(expr: sp.Expr, found: set) -> None:
    if expr.is_Rational:
        return
    if expr.is_Add or expr.is_Mul:
        for arg in expr.args:
            _collect_atoms(arg, found)
    elif expr.is_Pow and expr.exp.is_Integer:
        _collect_atoms(expr.base, found)
    else:
        found.add(_as_power(expr)[0])


def _as_power(expr: sp.Expr) -> tuple[sp.Expr, int]:
    """An atom as (generator, integer power), so that related atoms share one generator: b^(3/2) is
    (b^(1/2))^3 and exp(-2u) is exp(u)^(-2). Both are identities for every value (an integer power of
    exp(x) is exp of the multiple), so a zero found over the generators is a zero."""
    if expr.is_Pow and expr.exp.is_Rational and not expr.exp.is_Integer:
        return sp.Pow(expr.base, sp.Rational(1, expr.exp.q)), int(expr.exp.p)
    if isinstance(expr, sp.exp):
        content, primitive = expr.args[0].as_content_primitive()
        power = int(content) if content.is_Integer else 1
        inner = primitive if content.is_Integer else expr.args[0]
        if inner.could_extract_minus_sign():
            inner, power = -inner, -power
        return sp.exp(inner), power
    return expr, 1


def _convert(expr: sp.Expr, generators: dict, ring, budget: Budget) -> tuple:
    """expr as (numerator, denominator) over ``ring``; each distinct sub-expression is converted once,
    each operation charged (before it is done) with the terms it touches."""
    memo: dict[sp.Expr, tuple] = {atom: (generator, ring.one) for atom, generator in generators.items()}

    def convert(node: sp.Expr) -> tuple:
        if node in memo:
            return memo[node]
        if node.is_Rational:
            value = (ring.one * sp.QQ(int(node.p), int(node.q)), ring.one)
        elif node.is_Add:
            value = (ring.zero, ring.one)
            for arg in node.args:
                value = _add(value, convert(arg), budget)
        elif node.is_Mul:
            value = (ring.one, ring.one)
            for arg in node.args:
                value = _multiply(value, convert(arg), budget)
        elif node.is_Pow and node.exp.is_Integer:
            value = _power(convert(node.base), int(node.exp), budget)
        else:
            atom, power = _as_power(node)
            value = _power(memo[atom], power, budget)
        memo[node] = value
        return value

    return convert(expr)


def _add(left: tuple, right: tuple, budget: Budget) -> tuple:
    (a, b), (c, d) = left, right
    if b == d:
        budget.charge(len(a) + len(c) + 1)
        return a + c, b
    budget.charge(len(a) * len(d) + len(c) * len(b) + len(b) * len(d))
    return a * d + c * b, b * d


def _multiply(left: tuple, right: tuple, budget: Budget) -> tuple:
    (a, b), (c, d) = left, right
    budget.charge(len(a) * len(c) + len(b) * len(d))
    return a * c, b * d


def _power(base: tuple, power: int, budget: Budget) -> tuple:
    numerator, denominator = base if power >= 0 else base[::-1]
    if not numerator:
        raise ZeroDivisionError("a power of zero in a denominator")
    budget.charge((len(numerator) + len(denominator)) ** min(abs(power), 8))
    return numerator ** abs(power), denominator ** abs(power)
