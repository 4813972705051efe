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
from .graph import Graph
from .limits import Limits
from .numeric import EvaluationError, Evaluator, differ, sample_point_batch
from .printing import as_latex, as_text, name_latex
from .roles import BASE, Role
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
    if spec.network is None and spec.forward is None:
        raise InputError("`grad` needs a file with a network or forward equations", Location(spec.path, 1, 1))
    model = Model(spec)
    graph = model.graph
    loss, loss_symbol = loss_of(model)
    kinds = ("weight", "bias") if spec.network is not None else ("param",)
    if parameter is None:
        targets = [s for s, kind in graph.leaves.items() if kind in kinds]
    else:
        node = ex.parse_expression(parameter, Location("--param", 1, 1), spec.scope)
        value = model.evaluate(node, {})
        targets = list(value) if isinstance(value, sp.MatrixBase) else [value]  # --param W: every entry
        kinds = kinds if spec.network is not None else ("param", "input")  # dL/dx of a layer's backward pass
        if not targets or any(graph.leaves.get(symbol) not in kinds for symbol in targets):
            what = "a weight or a bias" if spec.network is not None else "a param or an input"
            raise InputError(f"'{parameter}' is not {what}", Location("--param", 1, 1),
                             "e.g. --param 'w[2][1,3]' or --param 'b[1][2]'" if spec.network is not None else
                             "name one of the file's params, e.g. --param W or --param 'W[1,2]'")
    rewrites = model.proof_rewrites()
    compact = Compactor(model, _sample_evaluator(model))
    gradients = []
    for symbol in targets:
        label = graph.quantities[symbol].label()
        late = f"d{loss}/d{label} took longer than {timeout:g} s to compute (--timeout raises it)" if timeout else ""
        with time_limit(timeout, OutOfTime, late):
            derivative = graph.derivative(loss_symbol, symbol)
            written_out = None
            if expanded:
                unfolded = graph.unfold(derivative, keep=lambda s: graph.quantities[s].role in BASE)
                written_out = unfolded.xreplace(rewrites)
            gradients.append(Gradient(symbol, label, compact(derivative), written_out))
    return Gradients(graph, gradients, compact.definitions([g.compact for g in gradients]))


def loss_of(model: Model) -> tuple[str, sp.Symbol]:
    """The name and the symbol of what `grad` differentiates: C, or a forward file's loss."""
    if model.network is not None:
        return model.spec.network.notation.names["loss"], model.network.C
    name = model.spec.forward.loss
    if name is None:
        raise InputError("`grad` needs a loss: a scalar forward definition, `loss:` or `upstream:`",
                         Location(model.spec.path, 1, 1))
    return name, model.tensors.name_value(sx.Name(name, Location(model.spec.path, 1, 1)))


def gradient_lines(text: str, path: str, limits: Limits, parameter: str | None, expanded: bool, latex: bool,
                   timeout: float) -> list[str]:
    """What ``derivcheck grad`` prints for a derivation given as text: the backpropagation (each adjoint,
    then each gradient), or each gradient written out, as text or LaTeX."""
    spec = parse_spec(text, path, limits)
    found = true_gradients(spec, parameter, expanded, timeout)
    graph = found.graph
    loss = spec.network.notation.names["loss"] if spec.network is not None else spec.forward.loss
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
        model.graph, model.target_groups(), network.generic_functions() if network else set(),
        SAMPLE_POINTS, np.random.default_rng(7), model.one_hot)
    return Evaluator(model.graph, leaves, functions)


class Compactor:
    """Derivatives over adjoints, with the file's lets in place of the adjoints they equal."""

    def __init__(self, model: Model, evaluator: Evaluator):
        self.model = model
        self.graph = model.graph
        self.evaluator = evaluator
        self.rewrites = model.proof_rewrites()
        self._kept = BASE | ({Role.FORWARD} if model.tensors else set())  # a forward file's own names
        names = model.spec.network.notation.names if model.network else {}
        self._loss = "∂" + names["loss"] + "/" if names else \
            "∂" + model.spec.forward.loss + "/" if model.tensors and model.spec.forward.loss else "\0"
        self._preact = "∂" + names["preact"] if names else ""  # a forward file: every adjoint of its loss
        self._names: dict[sp.Symbol, sp.Expr] = {}
        self._folds: dict[sp.Expr, sp.Symbol] | None = None

    def __call__(self, expr: sp.Expr) -> sp.Expr:
        """The derivatives of the loss by pre-activations kept as dC/dz (or a let's name); any other
        derivative (dC/da, or one of an output) written out."""
        expr = self.graph.unfold(expr, keep=lambda s: self._is_adjoint(s) or self.graph.quantities[s].role in self._kept,
                                 rewrites=self.rewrites)
        adjoints = [s for s in expr.free_symbols if self._is_adjoint(s)]
        return self._folded(expr.xreplace({a: self._name(a) for a in adjoints}).xreplace(self.rewrites))

    def _folded(self, expr: sp.Expr) -> sp.Expr:
        """In plain calculus, each let's value written as the let (tanh(h0*w + x1) as h1), innermost first."""
        if self.model.network is not None or self.model.tensors:
            return expr
        if self._folds is None:
            lets = [s for s in sorted(self.graph.definitions, key=self.graph.rank.__getitem__)
                    if self.graph.quantities[s].role is Role.LET]
            self._folds = {}
            for symbol in lets:  # each value over the lets before it: tanh(h1*w + x2) for h2
                value = self.graph.unfold(symbol)
                for inner, name in self._folds.items():
                    value = value.xreplace({inner: name})
                if not (value.is_Symbol or value.is_Number):
                    self._folds[value] = symbol
        for value, symbol in self._folds.items():
            expr = expr.xreplace({value: symbol})
        return expr

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
        if self.model.tensors is not None:  # a forward file: in the order backpropagation reaches each name
            first: dict[str, int] = {}
            for symbol in sorted(needed, key=self.graph.rank.__getitem__):
                first.setdefault(quantities[symbol].name, len(first))
            return sorted(needed.items(), key=lambda item: (first[quantities[item[0]].name],
                                                            quantities[item[0]].groups or ()))
        return sorted(needed.items(), key=lambda item: (-(quantities[item[0]].layer or 0), quantities[item[0]].indices))

    def _is_adjoint(self, symbol: sp.Symbol) -> bool:
        """An adjoint of the loss by a pre-activation: dC/dz[l][j] (δ in most notes)."""
        quantity = self.graph.quantities.get(symbol)
        if quantity is None or quantity.role is not Role.ADJOINT:
            return False
        return quantity.name == self._loss + self._preact if self._preact else quantity.name.startswith(self._loss)

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
        """The file's lets at the adjoint's indices: delta[2][1] for dC/dz[2][1]; in a forward file, each
        let written with as many indices, grouped as its head groups them (gh[2][1] for dL/dh[2][1])."""
        quantity = self.graph.quantities[adjoint]
        here = Location("<compact>", 1, 1)
        if quantity.layer is not None:
            layer = (sx.Num(str(quantity.layer), here),)
            shapes = {name: (layer, tuple(sx.Num(str(i), here) for i in quantity.indices)) for name in self.model.lets}
        elif quantity.groups:
            values = [sx.Num(str(i), here) for group in quantity.groups for i in group]
            shapes = {let.name: _grouped(values, let.head.groups) for let in self.model.spec.lets
                      if isinstance(let.head, sx.Indexed) and sum(map(len, let.head.groups)) == len(values)}
        else:
            return
        for name, groups in shapes.items():
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


def _grouped(values: list, groups: tuple) -> tuple:
    """The values in the shape of a head's groups: [2, 1] as ((2,), (1,)) for gh[t][j]."""
    shaped, start = [], 0
    for group in groups:
        shaped.append(tuple(values[start:start + len(group)]))
        start += len(group)
    return tuple(shaped)
