"""How a table's declared values become leaves of the graph: the kind each role's leaves are drawn as
(``numeric.SAMPLING``'s kinds), a symbol with its SymPy assumptions, a constant in its domain."""

from __future__ import annotations

import sympy as sp

from .graph import Quantity, exact
from .roles import Role

# how each declared role's leaves are drawn
_LEAF_KINDS = {Role.INPUT: "input", Role.PARAM: "param", Role.UPSTREAM: "input", Role.W: "weight",
               Role.B: "bias", Role.X: "input", Role.Y: "target"}
_CONSTANT_KINDS = {"positive": "positive", "negative": "negative", "unit": "unit", "real": "symbol"}


def declared_leaf(graph, quantity: Quantity) -> sp.Symbol:
    """An instance of an input, a param, an upstream gradient or a network's weight, bias, input or target."""
    return graph.leaf(sp.Symbol(quantity.label()), _LEAF_KINDS[quantity.role], quantity)


def symbol_value(graph, name: str, assumptions: tuple[str, ...]) -> sp.Symbol:
    """A symbol of plain calculus: real, with its SymPy assumptions, sampled by its sign."""
    symbol = sp.Symbol(name, **{**{a: True for a in assumptions}, "real": True})
    kind = "positive" if {"positive", "nonnegative"} & set(assumptions) else (
        "negative" if {"negative", "nonpositive"} & set(assumptions) else "symbol")
    return graph.leaf(symbol, kind, Quantity(Role.SYMBOL, name))


def constant_value(graph, constant) -> sp.Expr:
    """A constant: its number, or a symbol with its domain, sampled there and never differentiated."""
    if constant.value is not None:
        return exact(constant.value)
    assumptions = {"positive": {"positive": True}, "negative": {"negative": True},
                   "unit": {"positive": True}, "real": {}}[constant.domain]
    symbol = sp.Symbol(constant.name, real=True, **assumptions)
    return graph.leaf(symbol, _CONSTANT_KINDS[constant.domain], Quantity(Role.CONSTANT, constant.name))
