"""Numeric evaluation: float batches, high precision, tolerances, generic functions."""

from __future__ import annotations

import sys

import mpmath
import numpy as np
import pytest
import sympy as sp

from derivcheck.functions import generic_function, sigmoid, softmax
from derivcheck.graph import Graph, Quantity
from derivcheck.numeric import Evaluator, certified_difference, disagree, sample_point_batch
from derivcheck.roles import Role


def graph_with(*names):
    graph = Graph()
    symbols = [graph.leaf(sp.Symbol(n), "symbol", Quantity(Role.SYMBOL, n)) for n in names]
    return graph, symbols


def test_float_and_precise_evaluation_agree():
    graph, (x, y) = graph_with("x", "y")
    expr = sigmoid(x) * sp.log(y ** 2 + 1) + sp.sqrt(sp.exp(x) + y ** 2) / (1 + x ** 2) + sp.tanh(x * y)
    leaves = {x: np.array([0.3, -1.2]), y: np.array([2.0, 0.7])}
    batch = Evaluator(graph, leaves, {})
    values = batch.value(expr)
    for index in range(2):
        precise = batch.at_point(index, 50).value(expr)
        assert isinstance(precise, mpmath.mpf)
        assert float(precise) == np.float64(values[index]) or abs(float(precise) - values[index]) < 1e-14


def test_definitions_are_evaluated_through():
    graph, (x,) = graph_with("x")
    u = graph.define(sp.Symbol("u"), 2 * x, Quantity(Role.LET, "u"))
    assert Evaluator(graph, {x: np.array([1.5])}, {}).value(u + 1)[0] == 4.0


def test_softmax_is_stable_and_exact():
    graph, zs = graph_with("z1", "z2", "z3")
    leaves = {zs[0]: np.array([800.0]), zs[1]: np.array([799.0]), zs[2]: np.array([0.0])}
    value = Evaluator(graph, leaves, {}).value(softmax(1, *zs))[0]
    assert abs(value - 1 / (1 + np.exp(-1.0))) < 1e-12


def test_generic_functions_are_concrete_per_point_and_differentiable():
    graph, (x,) = graph_with("x")
    f = generic_function("f")
    leaves, functions = sample_point_batch(graph, [], {"f"}, 4, np.random.default_rng(0), False)
    batch = Evaluator(graph, leaves, functions)
    values = batch.value(f(x))
    assert len(set(np.round(values, 12))) == 4
    slope = batch.value(generic_function("f", 1)(x))
    h = 1e-6
    shifted = Evaluator(graph, {x: leaves[x] + h}, functions).value(f(x))
    assert np.allclose((shifted - values) / h, slope, rtol=1e-4)


def test_samples_avoid_zero():
    graph, symbols = graph_with(*[f"s{i}" for i in range(20)])
    leaves, _ = sample_point_batch(graph, [], set(), 50, np.random.default_rng(2), False)
    assert min(np.min(np.abs(v)) for v in leaves.values()) >= 0.3


def test_disagree_ignores_rounding_and_missing_points():
    a = np.array([1.0, 2.0, np.nan, 1e-20, 1e-20])
    b = np.array([1.0 + 1e-13, 2.1, 5.0, 0.0, 1e-20])
    assert list(disagree(a, b)) == [False, True, False, True, False]


def test_certified_difference_is_stable_across_precisions():
    graph, (x,) = graph_with("x")
    batch = Evaluator(graph, {x: np.array([0.7])}, {})
    low, high = (batch.at_point(0, digits) for digits in (50, 100))
    # an identity with cancellation at the scale 10^40: only rounding noise is left
    noisy = (x + sp.Integer(10) ** 40) ** 2 - sp.Integer(10) ** 80 - 2 * sp.Integer(10) ** 40 * x
    pairs = [(e.value(noisy), e.value(x ** 2)) for e in (low, high)]
    assert not certified_difference(*pairs)
    # a true difference of 10^-30, tiny but real
    tiny = x ** 2 + sp.Rational(1, 10 ** 30)
    pairs = [(e.value(tiny), e.value(x ** 2)) for e in (low, high)]
    assert certified_difference(*pairs)


def test_a_chain_of_definitions_far_deeper_than_the_interpreters_recursion_is_evaluated():
    graph = Graph()
    x = graph.leaf(sp.Symbol("x"), "input", Quantity(Role.INPUT, "x"))
    previous = x
    for step in range(1, 5001):  # h[t] = (h[t-1] + x) / 2, a recurrence of 5,000 steps
        previous = graph.define(sp.Symbol(f"h[{step}]"), (previous + x) / 2,
                                Quantity(Role.FORWARD, "h", groups=((step,),)))
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(400)
    try:
        value = Evaluator(graph, {x: np.array([3.0])}, {}).value(previous)
    finally:
        sys.setrecursionlimit(limit)
    assert float(value[0]) == pytest.approx(3.0)
