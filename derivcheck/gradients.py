"""The true derivative of the loss, written in the network's quantities: expanded, or compact.

The compact form is what reverse-mode differentiation gives before anything is
unfolded: each derivative over the adjoints ``dC/dz[l][j]`` (and ``dC/da[l][j]``),
each adjoint defined by the next layer's — backpropagation written out. Where a
``let`` of the file equals an adjoint at every sample point (``delta[l][j]``),
its name stands in its place.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy as sp

from . import expressions as ex
from . import syntax as sx
from .deadlines import time_limit
from .errors import DerivcheckError, InputError, Location, OutOfTime
from .graph import BASE_ROLES, Graph
from .limits import Limits
from .numeric import EvaluationError, Evaluator, differ, sample_point_batch
from .printing import as_latex, as_text, name_latex
from .semantics import Model
from .spec import Spec, parse_spec

SAMPLE_POINTS = 6


@dataclass(frozen=True)
class Gradient:
    parameter: sp.Symbol
    label: str
    compact: sp.Expr  # over the adjoints (or the file's lets equal to them) and the forward pass
    expr: sp.Expr | None = None  # expanded, when asked for: over w, b, x, y and the forward pass's z and a


@dataclass(frozen=True)
class Gradients:
    graph: Graph
    gradients: list[Gradient]
    adjoints: list[tuple[sp.Symbol, sp.Expr]]  # the adjoints the compact forms use, output layer first


def true_gradients(spec: Spec, parameter: str | None = None, expanded: bool = False,
                   timeout: float | None = None) -> Gradients:
    """dC/dθ for every weight and bias (or the one named, e.g. ``w[2][1,3]``), compactly, and written
    out too when ``expanded`` (which can be far larger); each within ``timeout`` seconds."""
    if spec.network is None:
        raise InputError("`grad` needs a file with a network", Location(spec.path, 1, 1))
    model = Model(spec)
    network = model.network
    graph = model.graph
    if parameter is None:
        targets = [s for s, kind in graph.leaves.items() if kind in ("weight", "bias")]
    else:
        node = ex.parse_expression(parameter, Location("--param", 1, 1), spec.scope)
        symbol = model.evaluate(node, {})
        if graph.leaves.get(symbol) not in ("weight", "bias"):
            raise InputError(f"'{parameter}' is not a weight or a bias", Location("--param", 1, 1),
                             "e.g. --param 'w[2][1,3]' or --param 'b[1][2]'")
        targets = [symbol]
    rewrites = network.proof_rewrites()
    compact = Compactor(model, _sample_evaluator(model))
    gradients = []
    loss = spec.network.notation.names["loss"]
    for symbol in targets:
        label = graph.quantities[symbol].label()
        late = f"d{loss}/d{label} took longer than {timeout:g} s to compute (--timeout raises it)" if timeout else ""
        with time_limit(timeout, OutOfTime, late):
            derivative = graph.derivative(network.C, symbol)
            written_out = None
            if expanded:
                unfolded = graph.unfold(derivative, keep=lambda s: graph.quantities[s].role in BASE_ROLES)
                written_out = unfolded.xreplace(rewrites)
            gradients.append(Gradient(symbol, label, compact(derivative), written_out))
    return Gradients(graph, gradients, compact.definitions([g.compact for g in gradients]))


def gradient_lines(text: str, path: str, limits: Limits, parameter: str | None, expanded: bool, latex: bool,
                   timeout: float) -> list[str]:
    """What ``derivcheck grad`` prints for a derivation given as text: the backpropagation (each adjoint,
    then each gradient), or each gradient written out, as text or LaTeX."""
    spec = parse_spec(text, path, limits)
    found = true_gradients(spec, parameter, expanded, timeout)
    graph = found.graph
    loss = spec.network.notation.names["loss"]
    rows = [] if expanded else [(symbol, as_text(symbol), value) for symbol, value in found.adjoints]
    rows += [(g.parameter, f"d{loss}/d{g.label}", g.expr if expanded else g.compact) for g in found.gradients]
    parameters = {g.parameter for g in found.gradients}
    lines = []
    for symbol, label, value in rows:
        if latex:
            left = as_latex(symbol, graph)
            if symbol in parameters:
                left = r"\frac{\partial %s}{\partial %s}" % (name_latex(loss), left)
            lines.append(f"{left} = {as_latex(value, graph)}")
        else:
            lines.append(f"{label} = {as_text(value)}")
    return lines


def _sample_evaluator(model: Model) -> Evaluator:
    network = model.network
    leaves, functions = sample_point_batch(
        model.graph, network.target_groups if network else [], network.generic_functions() if network else set(),
        SAMPLE_POINTS, np.random.default_rng(7), bool(network and network.spec.targets == "one_hot"))
    return Evaluator(model.graph, leaves, functions)


class Compactor:
    """Derivatives over adjoints, with the file's lets in place of the adjoints they equal."""

    def __init__(self, model: Model, evaluator: Evaluator):
        self.model = model
        self.graph = model.graph
        self.evaluator = evaluator
        self.rewrites = model.network.proof_rewrites() if model.network else \
            model.tensors.proof_rewrites() if model.tensors else {}
        self._kept = BASE_ROLES | ({"forward"} if model.tensors else set())  # a forward file's own names
        names = model.spec.network.notation.names if model.network else {}
        self._loss = "∂" + names["loss"] + "/" if names else "\0"
        self._preact = "∂" + names["preact"] if names else "\0"
        self._names: dict[sp.Symbol, sp.Expr] = {}

    def __call__(self, expr: sp.Expr) -> sp.Expr:
        """The derivatives of the loss by pre-activations kept as dC/dz (or a let's name); any other
        derivative (dC/da, or one of an output) written out."""
        expr = self.graph.unfold(expr, keep=lambda s: self._is_adjoint(s) or self.graph.quantities[s].role in self._kept,
                                 rewrites=self.rewrites)
        adjoints = [s for s in expr.free_symbols if self._is_adjoint(s)]
        return expr.xreplace({a: self._name(a) for a in adjoints}).xreplace(self.rewrites)

    def definitions(self, exprs: list[sp.Expr]) -> list[tuple[sp.Symbol, sp.Expr]]:
        """Each adjoint the expressions use and no let names, with its compact definition; output first."""
        needed: dict[sp.Symbol, sp.Expr] = {}
        stack = [s for expr in exprs for s in expr.free_symbols if self._is_adjoint(s)]
        while stack:  # through the compact definitions: dC/dz[1] is written over dC/dz[2], which is needed too
            symbol = stack.pop()
            if symbol in needed:
                continue
            needed[symbol] = compact = self(self.graph.definitions[symbol])
            stack.extend(s for s in compact.free_symbols if self._is_adjoint(s))
        quantities = self.graph.quantities
        return sorted(needed.items(), key=lambda item: (-(quantities[item[0]].layer or 0), quantities[item[0]].indices))

    def _is_adjoint(self, symbol: sp.Symbol) -> bool:
        """An adjoint of the loss by a pre-activation: dC/dz[l][j] (δ in most notes)."""
        quantity = self.graph.quantities.get(symbol)
        return quantity is not None and quantity.role == "adjoint" and quantity.name == self._loss + self._preact

    def one_level(self, expr: sp.Expr) -> sp.Expr:
        """An adjoint alone (dC/dz[1][1]) as its definition, one layer down the backpropagation."""
        if self._is_adjoint(expr):
            return self(self.graph.definitions[expr])
        return self(expr)

    def _name(self, adjoint: sp.Symbol) -> sp.Expr:
        """A let instance equal to the adjoint at every sample point (delta[2][1] for dC/dz[2][1])."""
        if adjoint not in self._names:
            self._names[adjoint] = next((candidate for candidate in self._candidates(adjoint)
                                         if self.same(adjoint, candidate)), adjoint)
        return self._names[adjoint]

    def _candidates(self, adjoint: sp.Symbol):
        quantity = self.graph.quantities[adjoint]
        if quantity.layer is None:
            return
        here = Location("<compact>", 1, 1)
        groups = ((sx.Num(str(quantity.layer), here),), tuple(sx.Num(str(i), here) for i in quantity.indices))
        for name in self.model.lets:
            try:
                yield self.model.evaluate(sx.Indexed(name, groups, here), {})
            except DerivcheckError:
                continue

    def same(self, first: sp.Expr, second: sp.Expr) -> bool:
        """Equal at every sample point (a let for an adjoint; a compact form before it is shown)."""
        try:
            a = np.asarray(self.evaluator.value(first), dtype=float)
            b = np.asarray(self.evaluator.value(second), dtype=float)
        except EvaluationError:
            return False
        return bool(np.isfinite(a).all() and np.isfinite(b).all() and not differ(a, b).any())
