"""A network compiled into its table (network_table) and built as a forward file is: the table's pieces,
and parity with the old path (legacy_network), which wrote the network straight into a graph — the same
leaves in the same order (so the same random points), the same definitions, quantities, softmax Jacobian
rules, proof rewrites and look-ups, for every network file of derivations/ and a grid of networks."""

from __future__ import annotations

import itertools

import pytest
import sympy as sp

from conftest import ROOT
from derivcheck import syntax as sx
from derivcheck.errors import DerivcheckError, InputError
from derivcheck.network_table import compile_network
from derivcheck.roles import Role
from derivcheck.semantics import Model
from derivcheck.spec import load_spec, parse_spec
from legacy_network import LegacyNetwork

NETWORK_FILES = sorted(path for path in (ROOT / "derivations").glob("*.yaml") if "network:" in path.read_text())


def _grid() -> list[str]:
    texts = []
    for sizes, activation, bias, batch, notation in itertools.product(
            ("[2, 3, 1]", "[3, 2, 4]", "[1, 1]"), ("sigmoid", "[tanh, softmax]", "[relu, identity]", "f"),
            ("true", "false", "folded"), (1, 3), ("", "from_to", "shared")):
        layers = sizes.count(",")
        if activation.startswith("[") and layers != 2:
            continue
        loss = "cross_entropy" if "softmax" in activation else "half_sse"
        lines = ["network:", f"  sizes: {sizes}", f"  activation: {activation}", f"  bias: {bias}",
                 f"  batch: {batch}", f"  loss: {loss}", "  reduction: mean" if batch > 1 else ""]
        if activation == "f":
            lines.append("  generic: [f]")
        if notation == "from_to":
            lines += ["notation:", "  order: from_to", "  weight: theta"]
        elif notation == "shared":
            lines += ["notation:", "  input: x", "  act: x", "  preact: s"]
        texts.append("\n".join(lines) + "\nclaims: []\n")
    texts.append("network:\n  sizes: [2, 2]\n  loss: 'sum(j, (yhat[j] - y[j])^4)'\n  batch: 2\nclaims: []\n")
    texts.append("network:\n  sizes: [2, 3]\n  activation: softmax\n  targets: one_hot\n  batch: 3\nclaims: []\n")
    texts.append("network:\n  sizes: [2, 3, 2]\n  penalty: lam/2 * sum(l, sum(j, sum(k, w[l][j,k]^2)))\n"
                 "constants:\n  lam: positive\nclaims: []\n")
    return texts


SPECS = [pytest.param(path, id=path.name) for path in NETWORK_FILES] + [
    pytest.param(text, id=f"grid{number}") for number, text in enumerate(_grid())]


def _spec(source):
    return load_spec(str(source)) if not isinstance(source, str) else parse_spec(source, "grid.yaml")


@pytest.mark.parametrize("source", SPECS)
def test_the_table_builds_the_graph_the_old_path_built(source):
    spec = _spec(source)
    new, old = Model(spec), LegacyNetwork(spec.network)
    new_graph, old_graph = new.graph, old.graph
    assert list(new_graph.leaves.items())[:len(old_graph.leaves)] == list(old_graph.leaves.items())
    forward = [symbol for symbol in old_graph.definitions if symbol != old.C]
    assert list(new_graph.definitions)[:len(forward)] == forward
    for symbol in old_graph.definitions:
        assert new_graph.definitions[symbol] == old_graph.definitions[symbol], symbol
        assert new_graph.quantities[symbol] == old_graph.quantities[symbol], symbol
    for symbol in old_graph.leaves:
        assert new_graph.quantities[symbol] == old_graph.quantities[symbol], symbol
    assert new_graph._rules.keys() == old_graph._rules.keys()
    for output, rule in old_graph._rules.items():
        for argument in old_graph.definitions[output].args[1:]:
            assert new_graph._rules[output](argument) == rule(argument)
    network = new.network
    assert _loss_unfolded(new) == _old_loss(spec, new, old)
    assert new.proof_rewrites() == old.proof_rewrites()
    assert new.softmax_groups() == old.softmax_outputs()
    assert new.target_groups() == old.target_groups and new.one_hot == (spec.network.targets == "one_hot")
    for role in (Role.X, Role.W, Role.B, Role.Z, Role.A, Role.YHAT, Role.Y):
        for layer in range(-1, network.L + 2):
            for neurons in itertools.product(range(-1, max(network.sizes) + 2), repeat=network.neuron_slots(role)):
                for example in ([None] if spec.network.batch == 1 or role in (Role.W, Role.B)
                                else range(0, spec.network.batch + 2)):
                    assert _looked_up(network, role, layer, neurons, example) == \
                        _looked_up(old, role, layer, neurons, example)


def _loss_unfolded(model):
    """C's definition in the table, with the penalty's definition put in its place."""
    graph, network = model.graph, model.network
    penalty = network.penalty()
    value = graph.definitions[network.C]
    return value.xreplace({penalty: graph.definitions[penalty]}) if penalty is not None else value


def _old_loss(spec, new, old):
    """C by the old route: the per-example losses of the old build (a loss expression written out here, for
    the grid's), plus the penalty, which the old path evaluated as the file writes it."""
    if old.loss is not None:
        loss = old.loss
    else:
        assert sx.to_text(spec.network.loss) == "sum(j, (yhat[j] - y[j])^4)" and spec.network.batch == 2
        loss = sp.Add(*[(old.quantity(Role.YHAT, old.L, (j,), s) - old.quantity(Role.Y, old.L, (j,), s)) ** 4
                        for s in (1, 2) for j in (1, 2)])
    if spec.network.penalty is not None:
        loss += new.evaluate(spec.network.penalty, {})
    return loss


def _looked_up(network, role, layer, neurons, example):
    try:
        return network.quantity(role, layer, neurons, example)
    except DerivcheckError as error:
        return type(error).__name__, error.message


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
    assert model.graph.definitions[model.network.penalty()] == model.table.constants["lam"] * sp.Symbol("w[1][1,1]") ** 2


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
