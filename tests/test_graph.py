"""Reverse-mode differentiation over the graph against SymPy's diff of the composed expression."""

from __future__ import annotations

import sympy as sp

from derivcheck.functions import sigmoid
from derivcheck.graph import Graph, Quantity, times
from derivcheck.roles import Role


def small_graph():
    graph = Graph()
    x, w, v = (graph.leaf(sp.Symbol(n), "symbol", Quantity(Role.SYMBOL, n)) for n in "xwv")
    u = graph.define(sp.Symbol("u"), w * x, Quantity(Role.LET, "u"))
    h = graph.define(sp.Symbol("h"), sigmoid(u) + u ** 2, Quantity(Role.LET, "h"))
    out = graph.define(sp.Symbol("out"), v * h * u, Quantity(Role.LET, "out"))
    return graph, (x, w, v, u, h, out)


def test_derivative_equals_diff_of_composition():
    graph, (x, w, v, u, h, out) = small_graph()
    composed = graph.unfold(out)
    for leaf in (x, w, v):
        by_graph = graph.unfold(graph.derivative(out, leaf))
        assert sp.simplify(by_graph - sp.diff(composed, leaf)) == 0


def test_derivative_with_respect_to_an_intermediate_holds_it_free():
    graph, (x, w, v, u, h, out) = small_graph()
    free = sp.Symbol("U")
    expected = sp.diff(v * (sigmoid(free) + free ** 2) * free, free).subs(free, graph.unfold(u))
    assert sp.simplify(graph.unfold(graph.derivative(out, u)) - expected) == 0


def test_derivative_of_an_unrelated_quantity_is_zero():
    graph, (x, w, v, u, h, out) = small_graph()
    assert graph.derivative(u, v) == 0


def test_adjoints_are_cached_shared_and_computed_only_as_far_as_asked():
    graph, (x, w, v, u, h, out) = small_graph()
    graph.derivative(out, h)
    above = len(graph.definitions)  # d(out)/d(h) needs nothing below h
    first = graph.derivative(out, x)
    count = len(graph.definitions)
    assert count > above
    assert graph.derivative(out, x) is first and graph.derivative(out, w) is not None
    assert len(graph.definitions) == count  # the adjoints of h and u are shared, not made again


def test_a_rule_gives_a_nodes_local_derivatives():
    graph = Graph()
    a, b = (graph.leaf(sp.Symbol(n), "symbol", Quantity(Role.SYMBOL, n)) for n in "ab")
    y = graph.define(sp.Symbol("y"), sp.exp(a) * b, Quantity(Role.LET, "y"))
    graph.set_partial_rule(y, lambda symbol: y if symbol == a else sp.exp(a))
    assert graph.derivative(y, a) == y and graph.derivative(y, b) == sp.exp(a)


def test_unfold_keeps_what_is_asked():
    graph, (x, w, v, u, h, out) = small_graph()
    kept = graph.unfold(out, keep=lambda s: s == u)
    assert u in kept.free_symbols and h not in kept.free_symbols
    assert graph.upstream_leaves(out) == {x, w, v}


def test_local_derivative_agrees_with_sympy_diff():
    from derivcheck.functions import generic_function, relu, softmax
    from derivcheck.graph import local_derivative

    x, y, z = sp.symbols("x y z")
    f = generic_function("f")
    cases = [x * y * sigmoid(x * z) + x ** 3, sp.log(softmax(2, x, y, z)) * y, f(x * y) ** 2 / (1 + x),
             sp.sqrt(x ** 2 + y ** 2), relu(x - y) * x, sp.exp(-x) / (1 + sp.exp(-x)) ** 2, x ** y, sp.tanh(x) * 3]
    for expr in cases:
        for symbol in (x, y, z):
            assert sp.simplify((local_derivative(expr, symbol) - sp.diff(expr, symbol)).rewrite(sp.exp)) == 0


def test_times_builds_the_product_sympy_builds():
    w, a, z = sp.Symbol("w[2][1,3]"), sp.Symbol("a[1][3]"), sp.Symbol("z")
    pairs = ((w, a), (a, w), (z, w), (w, w), (w, sp.Integer(3)), (w + a, z), (sp.Symbol("p", positive=True), z))
    for left, right in pairs:
        product = times(left, right)
        assert product == left * right and product.args == (left * right).args
        assert hash(product) == hash(left * right)
    assert times(w, w) == w ** 2


def test_a_sweep_down_a_chain_deeper_than_the_interpreter_recurses():
    graph = Graph()
    chain = [graph.leaf(sp.Symbol("u0"), "symbol", Quantity(Role.SYMBOL, "u0"))]
    for i in range(1, 3001):  # three times Python's default recursion limit
        chain.append(graph.define(sp.Symbol(f"u{i}"), 2 * chain[-1], Quantity(Role.LET, f"u{i}")))
    assert graph.derivative(chain[-1], chain[0]) == sp.Integer(2) ** 3000
    assert graph.derivative(chain[-1], chain[1500]) == sp.Integer(2) ** 1500
