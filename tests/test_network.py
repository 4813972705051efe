"""The network's true gradients against an independent route: a plain numpy forward pass
differentiated by the complex step and by central differences."""

from __future__ import annotations

import numpy as np
import pytest

from derivcheck.numeric import Evaluator, sample_point_batch
from derivcheck.semantics import Model
from derivcheck.spec import load_spec
from derivcheck.roles import Role

ACTIVATIONS = {
    "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
    "tanh": np.tanh,
    "relu": lambda z: np.maximum(z, 0),
    "identity": lambda z: z,
    "softplus": lambda z: np.log(1 + np.exp(z)),
}
LOSSES = {
    "half_sse": lambda o, t: 0.5 * np.sum((t - o) ** 2),
    "sse": lambda o, t: np.sum((t - o) ** 2),
    "cross_entropy": lambda o, t: -np.sum(t * np.log(o)),
    "binary_cross_entropy": lambda o, t: -np.sum(t * np.log(o) + (1 - t) * np.log(1 - o)),
}


def reference_loss(values: dict, spec) -> complex:
    """The loss from the file's conventions alone (numpy, complex-safe): no SymPy involved."""
    net = spec.network
    sizes, L, folded = net.sizes, len(net.sizes) - 1, net.bias == "folded"
    total = 0
    for s in range(1, net.batch + 1):
        suffix = f",{s}" if net.batch > 1 else ""
        a = np.array([values[f"x[{k}{suffix}]"] for k in range(1, sizes[0] + 1)])
        for l in range(1, L + 1):
            inputs = np.concatenate([[1.0], a]) if folded else a
            first = 0 if folded else 1
            W = np.array([[values[f"w[{l}][{j},{k}]"] for k in range(first, sizes[l - 1] + 1)]
                          for j in range(1, sizes[l] + 1)])
            z = W @ inputs
            if net.bias == "true":
                z = z + np.array([values[f"b[{l}][{j}]"] for j in range(1, sizes[l] + 1)])
            name = net.activations[l - 1]
            a = np.exp(z) / np.sum(np.exp(z)) if name == "softmax" else ACTIVATIONS[name](z)
        y = np.array([values[f"y[{j}{suffix}]"] for j in range(1, sizes[L] + 1)])
        total = total + LOSSES[net.loss](a, y)
    return total / net.batch if net.reduction == "mean" else total


NETWORKS = {
    "sigmoid half_sse": "sizes: [2, 3, 2]\nactivation: sigmoid\nloss: half_sse",
    "tanh sse": "sizes: [3, 2, 2]\nactivation: tanh\noutput: identity\nloss: sse",
    "softmax cross_entropy folded": "sizes: [2, 3, 3]\noutput: softmax\nloss: cross_entropy\nbias: folded",
    "sigmoid binary_cross_entropy": "sizes: [2, 2, 2]\nloss: binary_cross_entropy\nbias: false",
    "softplus batch mean": "sizes: [2, 2, 1]\nactivation: softplus\noutput: identity\nbatch: 3\nreduction: mean",
    "three layers": "sizes: [2, 3, 2, 2]\nactivation: [tanh, sigmoid, identity]",
}


@pytest.mark.parametrize("name", NETWORKS)
def test_true_gradients_match_complex_step_and_central_differences(write, name):
    body = "\n".join("  " + line for line in NETWORKS[name].splitlines())
    spec = load_spec(write(f"network:\n{body}\nclaims: []\n"))
    model = Model(spec)
    graph, network = model.graph, model.network
    leaves, functions = sample_point_batch(graph, model.target_groups(), set(), 1, np.random.default_rng(7), False)
    evaluator = Evaluator(graph, leaves, functions)
    values = {graph.quantities[s].label(): float(v[0]) for s, v in leaves.items()}
    parameters = [s for s, kind in graph.leaves.items() if kind in ("weight", "bias", "input")]
    assert parameters
    for symbol in parameters:
        label = graph.quantities[symbol].label()
        truth = float(np.asarray(evaluator.value(graph.derivative(network.C, symbol)))[0])
        step = 1e-30
        shifted = dict(values)
        shifted[label] = values[label] + 1j * step
        complex_step = np.imag(reference_loss(shifted, spec)) / step
        h = 1e-6
        up, down = dict(values), dict(values)
        up[label] += h
        down[label] -= h
        central = (reference_loss(up, spec) - reference_loss(down, spec)) / (2 * h)
        assert truth == pytest.approx(complex_step, rel=1e-9, abs=1e-12), label
        assert truth == pytest.approx(central, rel=1e-5, abs=1e-8), label


def test_loss_value_matches_the_reference(write):
    spec = load_spec(write("network:\n  sizes: [2, 3, 3]\n  output: softmax\n  batch: 2\nclaims: []\n"))
    model = Model(spec)
    graph = model.graph
    leaves, _ = sample_point_batch(graph, model.target_groups(), set(), 1, np.random.default_rng(3), True)
    values = {graph.quantities[s].label(): float(v[0]) for s, v in leaves.items()}
    assert float(Evaluator(graph, leaves, {}).value(model.network.C)[0]) == pytest.approx(
        float(reference_loss(values, spec)), rel=1e-12)


def test_one_hot_targets_lie_on_the_simplex(write):
    spec = load_spec(write("network:\n  sizes: [2, 4]\n  output: softmax\n  targets: one_hot\n  batch: 2\nclaims: []\n"))
    model = Model(spec)
    leaves, _ = sample_point_batch(model.graph, model.target_groups(), set(), 5, np.random.default_rng(1), True)
    for group in model.target_groups():
        assert np.allclose(sum(leaves[s] for s in group), 1.0)
        assert all((leaves[s] > 0).all() for s in group)


def test_quantity_lookup_conventions(write):
    spec = load_spec(write("network:\n  sizes: [2, 3, 1]\n  bias: folded\nnotation: {order: from_to}\nclaims: []\n"))
    model = Model(spec)
    network = model.network
    # from_to: the file's w[2][k,j] is the weight from k to j
    from derivcheck.expressions import parse_expression
    from derivcheck.errors import Location
    here = Location("t", 1, 1)
    weight = model.evaluate(parse_expression("w[2][3,1]", here, spec.scope), {})
    assert weight == network.quantity(Role.W, 2, (1, 3), None)
    assert model.evaluate(parse_expression("a[1][0]", here, spec.scope), {}) == 1
    assert model.evaluate(parse_expression("yhat", here, spec.scope), {}) == network.quantity(Role.A, 2, (1,), None)
