"""Symbolic proofs: identities are proved, non-identities are not, and the budget holds."""

from __future__ import annotations

import sympy as sp

import pytest

from derivcheck.errors import OutOfWork
from derivcheck.graph import Graph, Quantity
from derivcheck.limits import Budget
from derivcheck.proof import Prover, is_identically_zero, size
from derivcheck.roles import Role


def prover_with(*names):
    graph = Graph()
    symbols = [graph.leaf(sp.Symbol(n), "symbol", Quantity(Role.SYMBOL, n)) for n in names]
    return Prover(graph, {}, [], [], False), graph, symbols


def test_polynomial_identity_is_proved():
    prover, _, (x, y) = prover_with("x", "y")
    assert prover.prove((x + y) ** 2, x ** 2 + 2 * x * y + y ** 2)


def test_rational_identity_is_proved():
    prover, _, (x, y) = prover_with("x", "y")
    assert prover.prove(1 / x + 1 / y, (x + y) / (x * y))


def test_non_identity_is_not_proved():
    prover, _, (x, y) = prover_with("x", "y")
    assert not prover.prove((x + y) ** 2, x ** 2 + y ** 2)


def test_definitions_are_unfolded():
    prover, graph, (x,) = prover_with("x")
    u = graph.define(sp.Symbol("u"), x ** 2, Quantity(Role.LET, "u"))
    v = graph.define(sp.Symbol("v"), u + 1, Quantity(Role.LET, "v"))
    assert prover.prove(v, x ** 2 + 1)
    assert not prover.prove(v, x ** 2)


def test_one_hot_assumption_is_used_only_when_given():
    graph = Graph()
    y1, y2, o = (graph.leaf(sp.Symbol(n), "target", Quantity(Role.Y, n)) for n in ("y1", "y2", "o"))
    plain = Prover(graph, {}, [], [[y1, y2]], one_hot=False)
    assumed = Prover(graph, {}, [], [[y1, y2]], one_hot=True)
    assert not plain.prove(o * (y1 + y2) - y1, o - y1)
    assert assumed.prove(o * (y1 + y2) - y1, o - y1)




def test_fractions_with_different_denominators_are_compared_without_cancelling():
    x, y, z = sp.symbols("x y z")
    assert is_identically_zero(1 / (x * y) + 1 / (x * z) - (y + z) / (x * y * z))
    assert is_identically_zero(x / (1 + x) + 1 / (1 + x) - 1)
    assert not is_identically_zero(1 / (x * y) + 1 / (x * z) - (y + z) / (x * y))
    assert is_identically_zero(sp.sqrt(z) ** 3 / z - sp.sqrt(z))  # z^(3/2) / z as powers of one generator


def test_work_is_charged_before_it_is_done():
    x, y = sp.symbols("x y")
    with pytest.raises(OutOfWork):
        is_identically_zero(sp.expand((x + y + 1) ** 6) - (x + y + 1) ** 6, Budget(50))
    spent = Budget()
    assert is_identically_zero(sp.expand((x + y + 1) ** 6) - (x + y + 1) ** 6, spent) and spent.spent > 50


def test_a_prover_spends_its_budget_and_counts_nodes():
    prover, graph, (x, y) = prover_with("x", "y")
    assert size(x * y + x) == 4  # the sum, the product, x and y: x is counted once
    prover.budget = Budget(5)
    with pytest.raises(OutOfWork):
        prover.prove((x + y) ** 6, sp.expand((x + y) ** 6))
