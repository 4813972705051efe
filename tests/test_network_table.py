"""A network compiled into its table (network_table) and built as a forward file is: the table's pieces,
its loss and penalty, its view's answers, and its loss against an independent numpy forward pass over a
grid of networks."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import sympy as sp

from derivcheck import syntax as sx
from derivcheck.errors import InputError
from derivcheck.network_table import PENALTY, compile_network
from derivcheck.numeric import Evaluator, sample_point_batch
from derivcheck.roles import Role
from derivcheck.semantics import Model
from derivcheck.spec import parse_spec
from test_network import reference_loss


def _grid() -> list[str]:
    """Networks over sizes, activations, biases, batches and notations whose loss the numpy reference
    computes (built-in losses, weights to-from as it reads them)."""
    texts = []
    for sizes, activation, bias, batch, shared in itertools.product(
            ("[2, 3, 1]", "[3, 2, 4]", "[1, 1]"), ("sigmoid", "[tanh, softmax]", "[relu, identity]"),
            ("true", "false", "folded"), (1, 3), (False, True)):
        if activation.startswith("[") and sizes.count(",") != 2:
            continue
        loss = "cross_entropy" if "softmax" in activation else "half_sse"
        lines = ["network:", f"  sizes: {sizes}", f"  activation: {activation}", f"  bias: {bias}",
                 f"  batch: {batch}", f"  loss: {loss}", "  reduction: mean" if batch > 1 else ""]
        if shared:
            lines += ["notation:", "  input: x", "  act: x", "  preact: s"]
        texts.append("\n".join(lines) + "\nclaims: []\n")
    return texts


@pytest.mark.parametrize("text", _grid())
def test_the_tables_loss_is_the_reference_forward_pass_over_a_grid_of_networks(text):
    spec = parse_spec(text, "grid.yaml")
    model = Model(spec)
    graph = model.graph
    leaves, _ = sample_point_batch(graph, model.target_groups(), set(), 3, np.random.default_rng(5), False)
    computed = Evaluator(graph, leaves, {}).value(model.network.C)
    for point in range(3):
        values = {graph.quantities[s].label(): float(v[point]) for s, v in leaves.items()}
        assert float(computed[point]) == pytest.approx(float(reference_loss(values, spec)), rel=1e-12)


def test_a_loss_expression_in_a_batch_is_summed_over_its_free_indices_for_each_example():
    model = Model(parse_spec("network:\n  sizes: [2, 2]\n  loss: 'sum(j, (yhat[j] - y[j])^4)'\n  batch: 2\n"
                             "claims: []\n", "n.yaml"))
    network = model.network
    expected = sp.Add(*[(network.quantity(Role.YHAT, 1, (j,), s) - network.quantity(Role.Y, 1, (j,), s)) ** 4
                        for s in (1, 2) for j in (1, 2)])
    assert model.graph.definitions[network.C] == expected


def test_a_networks_table_states_its_forward_pass_in_the_files_notation():
    spec = parse_spec("network:\n  sizes: [2, 3, 2]\n  activation: [tanh, softmax]\n  bias: folded\n"
                      "notation:\n  weight: theta\nclaims: []\n", "n.yaml")
    pieces = {sx.to_text(piece.head): piece for piece in compile_network(spec.network, spec.scope, spec.limits).pieces}
    assert list(pieces) == ["x[k]", "y[j]", "w[1][j,k]", "w[2][j,k]", "z[1][j]", "a[1][j]", "z[2][j]", "a[2][j]", "C"]
    assert sx.to_text(pieces["z[2][j]"].body) == "theta[2][j,0] + sum(k in 1..3, theta[2][j,k] * a[1][k])"
    assert sx.to_text(pieces["a[1][j]"].body) == "tanh(z[1][j])"
    assert pieces["a[2][j]"].group == "softmax" and sx.to_text(pieces["a[2][j]"].body) == "z[2][j]"
    spans = [(sx.to_text(e.lo), sx.to_text(e.hi)) for e in pieces["w[2][j,k]"].extents]
    assert spans == [("1", "2"), ("0", "3")]  # into 2 outputs, from the bias unit 0 and 3 hidden units
    assert [(sx.to_text(e.lo), sx.to_text(e.hi)) for e in pieces["x[k]"].extents] == [("1", "2")]


def test_a_batch_puts_the_example_last_and_a_weight_has_none():
    spec = parse_spec("network:\n  sizes: [2, 1]\n  batch: 3\n  notation: {order: from_to}\nclaims: []\n", "n.yaml")
    heads = [sx.to_text(piece.head) for piece in compile_network(spec.network, spec.scope, spec.limits).pieces]
    assert heads == ["x[k,s]", "y[j,s]", "w[1][k,j]", "b[1][j]", "z[1][j,s]", "a[1][j,s]", "C"]



def _build_error(text: str) -> str:
    with pytest.raises(InputError) as caught:
        Model(parse_spec(text, "n.yaml"))
    return str(caught.value)


def test_the_loss_and_the_penalty_are_definitions_of_the_table():
    spec = parse_spec("network:\n  sizes: [2, 1]\n  batch: 2\n  reduction: mean\n  penalty: lam * w[1][1,1]^2\n"
                      "constants: {lam: positive}\nnotation: {loss: e}\nclaims: []\n", "n.yaml")
    pieces = {sx.to_text(piece.head): piece for piece in compile_network(spec.network, spec.scope, spec.limits).pieces}
    assert sx.to_text(pieces["C"].body) == ("(1 / 2 * sum(j in 1..1, (y[j,1] - yhat[j,1])^2) + 1 / 2 * sum(j in 1..1, "
                                            "(y[j,2] - yhat[j,2])^2)) / 2 + the penalty")
    assert sx.to_text(pieces["the penalty"].body) == "lam * w[1][1,1]^2"
    model = Model(spec)
    assert model.graph.quantities[model.network.C].label() == "e"
    penalty = model.table.instance(PENALTY, (), None)
    assert model.graph.definitions[penalty] == model.table.constants["lam"] * sp.Symbol("w[1][1,1]") ** 2


@pytest.mark.parametrize("penalty, message", [
    ("lam * w[3][1,1]", "n.yaml:3:12: in the penalty, w[3] does not exist: layers 1..1"),
    ("lam * w[1][5,1]", "n.yaml:3:12: in the penalty, w[1][5,1] is out of range: w[1][j,k] has j in 1..2, k in 1..2"),
    ("lam * w[1]", "n.yaml:3:12: the penalty is a matrix (2×2); a definition gives one number per instance"),
])
def test_an_error_in_the_penalty_is_said_there(penalty, message):
    text = f"network:\n  sizes: [2, 2]\n  penalty: {penalty}\nconstants:\n  lam: positive\nclaims: []\n"
    assert _build_error(text).startswith(message)


def test_an_error_in_a_loss_expression_names_the_files_loss_where_it_is_written():
    text = ("network:\n  sizes: [2, 2]\n  loss: 'sum(j, (yhat[j] - y[j, 3])^2)'\n  batch: 2\nnotation: {loss: e}\n"
            "claims: []\n")
    assert _build_error(text) == "n.yaml:3:10: in e, example index 3 is out of range 1..2"


@pytest.mark.parametrize("activation, applied", [
    ("[tanh, softmax]", ("tanh", "softmax")), ("[f, linear]", ("f", "identity")), ("relu", ("relu", "relu"))])
def test_the_networks_view_reads_each_layers_activation_from_its_definition(activation, applied):
    generic = "  generic: [f]\n" if "f," in activation else ""
    spec = parse_spec(f"network:\n  sizes: [2, 3, 2]\n  activation: {activation}\n{generic}  batch: 3\n"
                      "  reduction: mean\nclaims: []\n", "n.yaml")
    network = Model(spec).network
    assert network.activations == applied and network.mean_over == 3
    summed = parse_spec("network:\n  sizes: [2, 2]\n  batch: 3\nclaims: []\n", "n.yaml")
    assert Model(summed).network.mean_over is None
