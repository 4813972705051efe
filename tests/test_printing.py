"""Printers: LaTeX in the network notation and pasteable text, as exact strings."""

from __future__ import annotations

import sympy as sp

from derivcheck.functions import generic_function, sigmoid
from derivcheck.graph import Graph, Quantity
from derivcheck.printing import as_latex, as_text, name_latex
from derivcheck.roles import Role


def test_symbols_in_network_notation():
    graph = Graph()
    w = graph.leaf(sp.Symbol("w[2][1,3]"), "weight", Quantity(Role.W, "w", 2, (1, 3)))
    a = graph.leaf(sp.Symbol("a[1][3]"), "input", Quantity(Role.A, "a", 1, (3,)))
    big = graph.leaf(sp.Symbol("w[1][12,3]"), "weight", Quantity(Role.W, "theta", 1, (12, 3)))
    yhat = graph.leaf(sp.Symbol("yhat[2]"), "input", Quantity(Role.A, "yhat", None, (2,)))
    assert as_latex(w * a, graph) == r"a^{(1)}_{3} w^{(2)}_{13}"
    assert as_latex(big, graph) == r"\theta^{(1)}_{12,3}"
    assert as_latex(yhat, graph) == r"\hat{y}_{2}"


def test_functions_in_latex():
    graph = Graph()
    x = graph.leaf(sp.Symbol("x[1]"), "input", Quantity(Role.X, "x", None, (1,)))
    assert as_latex(sigmoid(x), graph) == r"\sigma\left(x_{1}\right)"
    assert as_latex(generic_function("f", 1)(x), graph) == r"f'\left(x_{1}\right)"
    assert as_latex(sp.Heaviside(x), graph) == r"\operatorname{relu}'\left(x_{1}\right)"


def test_text_is_the_file_syntax():
    x = sp.Symbol("x[1]")
    assert as_text(x ** 2 * sigmoid(x)) == "x[1]^2*sigmoid(x[1])"
    assert as_text(sp.Heaviside(x)) == "relu'(x[1])"
    assert name_latex("delta") == r"\delta"
