"""Symbolic proofs that two sides of a claim are identical, under a time budget.

Both sides are expressions over the graph. A proof keeps the network's
pre-activations and activations as independent symbols (``sigmoid(z)``
becomes the symbol ``a``, so ``sigmoid'(z)`` becomes ``a(1 - a)``) and unfolds
the other definitions — ``let`` instances and the reverse-mode adjoints — one
at a time, newest first, until both sides mention the same ones; then the
difference is expanded. An identity between independent symbols holds for
every value, so a proof is sound. Claims already proved (``dC/dz[l][j] =
delta[l][j]``) are reused, which makes the proof of a recursion one layer at a
time (induction over layers) instead of a full expansion.
"""

from __future__ import annotations

import signal
import threading
from contextlib import contextmanager

import sympy as sp

from .errors import ProofTimeout
from .graph import Graph

BASE_ROLES = ("w", "b", "x", "y", "z", "a", "symbol")


@contextmanager
def time_limit(seconds: float):
    """Raise ProofTimeout inside the block after ``seconds`` (main thread, via SIGALRM)."""
    if seconds <= 0:
        raise ProofTimeout("no time left for a proof")
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def expire(signum, frame):
        raise ProofTimeout("proof time budget exhausted")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


class Prover:
    """Proves instances of claims over one model; remembers the let instances it has identified."""

    def __init__(self, graph: Graph, rewrites: dict, softmax_groups: list[list[sp.Symbol]],
                 target_groups: list[list[sp.Symbol]], one_hot: bool):
        self.graph = graph
        self.rewrites = rewrites
        self.softmax_groups = softmax_groups
        self.target_groups = target_groups if one_hot else []
        self.known: dict[sp.Symbol, sp.Expr] = {}

    def prove(self, lhs: sp.Expr, rhs: sp.Expr) -> str | None:
        """'proved', 'proved under one_hot', or None when no proof was found."""
        sides = [self._known(sp.sympify(lhs)), self._known(sp.sympify(rhs))]
        while True:
            pending = [self._unfoldable(side) for side in sides]
            if pending[0] == pending[1] and self._is_zero(sides[0] - sides[1]):
                self._remember(lhs, rhs)
                return "proved"
            if not (pending[0] | pending[1]):
                break
            newest = max(pending[0] | pending[1], key=self.graph.rank.__getitem__)
            replacement = {newest: self.graph.definitions[newest]}
            sides = [self._known(side.xreplace(replacement)) for side in sides]
        difference = sides[0] - sides[1]
        for variant in self._variants(difference):
            if self._is_zero(variant):
                self._remember(lhs, rhs)
                return "proved"
        if self.target_groups:
            one_hot = self._one_hot(difference)
            if any(self._is_zero(variant) for variant in self._variants(one_hot)) or self._is_zero(one_hot):
                self._remember(lhs, rhs)
                return "proved under one_hot"
        return None

    def _unfoldable(self, expr: sp.Expr) -> frozenset:
        graph = self.graph
        return frozenset(s for s in expr.free_symbols
                         if s in graph.definitions and graph.quantities[s].role not in BASE_ROLES)

    def _known(self, expr: sp.Expr) -> sp.Expr:
        if not self.known:
            return expr
        hits = {s: self.known[s] for s in expr.free_symbols if s in self.known}
        return expr.xreplace(hits) if hits else expr

    def _remember(self, lhs, rhs) -> None:
        for atom, other in ((rhs, lhs), (lhs, rhs)):
            if (isinstance(atom, sp.Symbol) and atom in self.graph.quantities
                    and self.graph.quantities[atom].role == "let" and atom not in other.free_symbols):
                self.known.setdefault(atom, other)
                return

    def _is_zero(self, expr: sp.Expr) -> bool:
        expr = sp.expand(expr.xreplace(self.rewrites))
        if expr == 0:
            return True
        if any(p.exp.is_negative for p in expr.atoms(sp.Pow)):
            return sp.expand(sp.numer(sp.together(expr))) == 0
        return False

    def _variants(self, expr: sp.Expr):
        """The difference with softmax outputs written through exp: yhat[j] = e_j / sum(e)."""
        if not self.softmax_groups:
            return
        replacement = {}
        for group in self.softmax_groups:
            exps = [sp.Dummy("e", positive=True) for _ in group]
            total = sp.Add(*exps)
            for output, e in zip(group, exps):
                replacement[output] = e / total
                pre = self.graph.definitions[output].atoms(sp.exp)
                for power in pre:
                    if power.args[0] == _softmax_argument(self.graph.definitions[output]):
                        replacement[power] = e
        yield expr.xreplace(replacement)

    def _one_hot(self, expr: sp.Expr) -> sp.Expr:
        replacement = {group[-1]: 1 - sp.Add(*group[:-1]) for group in self.target_groups}
        return expr.xreplace(replacement)


def _softmax_argument(definition: sp.Expr):
    """The z of exp(z) / sum(exp(...)): the numerator's argument."""
    numerator = sp.numer(definition)
    return numerator.args[0] if isinstance(numerator, sp.exp) else None

