"""The primitives' derivative rules against SymPy's own differentiation of their formulas."""

from __future__ import annotations

import pytest
import sympy as sp

from derivcheck.functions import LOSSES, generic_function, prime, relu, sigmoid, softmax, softplus
from derivcheck.roles import Role
from derivcheck.semantics import Model
from derivcheck.spec import parse_spec

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


LOSS_FORMULAS = {  # of two outputs o and targets t
    "sse": lambda o, t: (t[0] - o[0]) ** 2 + (t[1] - o[1]) ** 2,
    "half_sse": lambda o, t: ((t[0] - o[0]) ** 2 + (t[1] - o[1]) ** 2) / 2,
    "cross_entropy": lambda o, t: -(t[0] * sp.log(o[0]) + t[1] * sp.log(o[1])),
    "binary_cross_entropy": lambda o, t: -(t[0] * sp.log(o[0]) + (1 - t[0]) * sp.log(1 - o[0])
                                           + t[1] * sp.log(o[1]) + (1 - t[1]) * sp.log(1 - o[1])),
}


def test_every_built_in_loss_has_its_formula_here():
    assert set(LOSS_FORMULAS) == set(LOSSES)


@pytest.mark.parametrize("name", sorted(LOSS_FORMULAS))
def test_a_built_in_loss_is_the_formula_its_name_says(name):
    """The loss a network's table defines from LOSSES' text, in a file's own names, against the formula."""
    model = Model(parse_spec(f"network:\n  sizes: [2, 2]\n  loss: {name}\n"
                             "notation: {output: p, target: t}\nclaims: []\n", "n.yaml"))
    outputs = [model.network.quantity(Role.YHAT, 1, (j,), None) for j in (1, 2)]
    targets = [model.network.quantity(Role.Y, 1, (j,), None) for j in (1, 2)]
    assert sp.expand(model.graph.definitions[model.network.C] - LOSS_FORMULAS[name](outputs, targets)) == 0
