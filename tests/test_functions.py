"""The primitives' derivative rules against SymPy's own differentiation of their formulas."""

from __future__ import annotations

import sympy as sp

from derivcheck.functions import LOSSES, generic_function, prime, relu, sigmoid, softmax, softplus

x = sp.Symbol("x")


def test_sigmoid_derivative_is_that_of_its_formula():
    explicit = 1 / (1 + sp.exp(-x))
    assert sp.simplify((sp.diff(sigmoid(x), x) - sp.diff(explicit, x)).rewrite(sp.exp)) == 0
    assert sp.simplify(sigmoid(x).rewrite(sp.exp) - explicit) == 0


def test_softplus_and_relu_derivatives():
    assert sp.diff(softplus(x), x) == sigmoid(x)
    assert sp.diff(relu(x), x) == sp.Heaviside(x)


def test_softmax_jacobian_is_that_of_its_formula():
    zs = sp.symbols("z1:4")
    for i in range(1, 4):
        explicit = sp.exp(zs[i - 1]) / sum(sp.exp(z) for z in zs)
        for j in range(1, 4):
            rule = sp.diff(softmax(i, *zs), zs[j - 1]).rewrite(sp.exp)
            assert sp.simplify(rule - sp.diff(explicit, zs[j - 1])) == 0


def test_generic_function_primes():
    f = generic_function("f")
    assert sp.diff(f(x), x) == generic_function("f", 1)(x)
    assert sp.diff(f(x), x, 2) == generic_function("f", 2)(x)
    assert prime(f, 2, x) == generic_function("f", 2)(x)
    assert str(generic_function("f", 1)(x)) == "f'(x)"


def test_prime_of_a_builtin():
    assert prime(sp.tanh, 1, x) == 1 - sp.tanh(x) ** 2
    assert prime(sigmoid, 1, 2 * x) == sigmoid(2 * x) * (1 - sigmoid(2 * x))


def test_losses():
    o, t = sp.symbols("o1:3"), sp.symbols("t1:3")
    assert LOSSES["sse"](o, t) == (t[0] - o[0]) ** 2 + (t[1] - o[1]) ** 2
    assert LOSSES["half_sse"](o, t) == LOSSES["sse"](o, t) / 2
    assert LOSSES["cross_entropy"](o, t) == -(t[0] * sp.log(o[0]) + t[1] * sp.log(o[1]))
    assert sp.expand(LOSSES["binary_cross_entropy"](o[:1], t[:1]) + t[0] * sp.log(o[0])
                     + (1 - t[0]) * sp.log(1 - o[0])) == 0
