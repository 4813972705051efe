"""The true derivative of the loss for every weight and bias, written in the network's quantities."""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from . import expressions as ex
from .errors import InputError, Location
from .graph import BASE_ROLES, Graph
from .semantics import Model
from .spec import Spec

@dataclass(frozen=True)
class Gradient:
    parameter: sp.Symbol
    label: str
    expr: sp.Expr  # over w, b, x, y and the forward pass's z and a


def true_gradients(spec: Spec, parameter: str | None = None) -> tuple[Graph, list[Gradient]]:
    """dC/dθ for every weight and bias (or the one named, e.g. ``w[2][1,3]``)."""
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
    gradients = []
    for symbol in targets:
        derivative = graph.derivative(network.C, symbol)
        unfolded = graph.unfold(derivative, keep=lambda s: graph.quantities[s].role in BASE_ROLES)
        gradients.append(Gradient(symbol, graph.quantities[symbol].label(), unfolded.xreplace(rewrites)))
    return graph, gradients
