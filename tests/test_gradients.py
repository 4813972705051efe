"""The true gradients: expanded in the forward pass's quantities, or compact over dC/dz and the file's lets."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import ROOT, network_file
from derivcheck.errors import InputError
from derivcheck.gradients import true_gradients
from derivcheck.numeric import Evaluator, sample_point_batch
from derivcheck.printing import as_latex, as_text
from derivcheck.spec import load_spec

DELTAS = """
delta[L][j]: (a[L][j] - y[j]) * sigmoid'(z[L][j])
delta[l][j]: sum(k, w[l+1][k,j] * delta[l+1][k]) * sigmoid'(z[l][j])
"""


def test_the_expanded_gradient_is_written_with_activations(write):
    found = true_gradients(load_spec(write("network: {sizes: [1, 1], bias: false, loss: sse}\nclaims: []\n")), expanded=True)
    assert [g.label for g in found.gradients] == ["w[1][1,1]"]
    assert as_text(found.gradients[0].expr) == "a[1][1]*x[1]*(1 - a[1][1])*(2*a[1][1] - 2*y[1])"


def test_the_compact_gradient_is_backpropagation_written_out(write):
    found = true_gradients(load_spec(write(network_file("[]", "sizes: [2, 1]\nbias: false"))), "w[1][1,2]")
    assert [f"{as_text(s)} = {as_text(v)}" for s, v in found.adjoints] == [
        "dC/dz[1][1] = a[1][1]*(1 - a[1][1])*(a[1][1] - y[1])"]
    assert as_text(found.gradients[0].compact) == "x[2]*dC/dz[1][1]"
    assert as_latex(found.adjoints[0][0], found.graph) == r"\frac{\partial C}{\partial z^{(1)}_{1}}"


def test_a_hidden_layer_is_written_through_the_layer_above(write):
    found = true_gradients(load_spec(write(network_file("[]", "sizes: [1, 2, 1]\nbias: false"))), "w[1][2,1]")
    hidden = dict((as_text(s), as_text(v)) for s, v in found.adjoints)["dC/dz[1][2]"]
    assert hidden == "a[1][2]*w[2][1,2]*dC/dz[2][1]*(1 - a[1][2])"


def test_a_let_equal_to_an_adjoint_takes_its_place(write):
    found = true_gradients(load_spec(write(network_file("[]", "sizes: [2, 3, 2]", let=DELTAS))))
    texts = {g.label: as_text(g.compact) for g in found.gradients}
    assert texts["w[1][2,1]"] == "delta[1][2]*x[1]" and texts["b[2][1]"] == "delta[2][1]"
    assert found.adjoints == []  # every adjoint the gradients use is one of the file's lets


def test_a_wrong_let_is_not_used(write):
    wrong = DELTAS.replace("(a[L][j] - y[j])", "(y[j] - a[L][j])")
    found = true_gradients(load_spec(write(network_file("[]", "sizes: [2, 2]", let=wrong))))
    assert "delta" not in as_text(found.gradients[0].compact)


def test_compact_and_expanded_agree_numerically(write):
    spec = load_spec(write(network_file("[]", "sizes: [2, 3, 2]\nactivation: tanh\noutput: softmax")))
    found = true_gradients(spec, expanded=True)
    graph = found.graph
    leaves, functions = sample_point_batch(graph, [], set(), 5, np.random.default_rng(3), False)
    evaluator = Evaluator(graph, leaves, functions)
    for gradient in found.gradients:
        compact = evaluator.value(graph.unfold(gradient.compact))
        expanded = evaluator.value(graph.unfold(gradient.expr))
        assert np.allclose(compact, expanded, rtol=1e-10, atol=1e-14), gradient.label


# -- forward files ---------------------------------------------------------------------------------------

BATCHNORM = ROOT / "derivations" / "forward_batchnorm.yaml"


def test_a_forward_files_gradients_are_its_params_by_default():
    found = true_gradients(load_spec(str(BATCHNORM)))
    assert [g.label for g in found.gradients] == [f"{name}[{j}]" for name in ("gamma", "beta") for j in (1, 2, 3)]
    assert as_text(found.gradients[3].compact) == "dout[1,1] + dout[2,1] + dout[3,1] + dout[4,1]"


def test_an_inputs_gradient_is_the_staged_backward_pass_over_the_files_names():
    found = true_gradients(load_spec(str(BATCHNORM)), "x[1,1]", expanded=True)
    names = [as_text(symbol).split("[")[0] for symbol, _ in found.adjoints]
    assert list(dict.fromkeys(names)) == ["dL/dxhat", "dL/dvar", "dL/dmu"]  # as CS231n stages it
    assert as_text(found.gradients[0].compact) == "dL/dmu[1]/4 + dL/dvar[1]*(-mu[1]/2 + x[1,1]/2) + " \
                                                   "dL/dxhat[1,1]/sqrt(eps + var[1])"
    graph = found.graph
    leaves, functions = sample_point_batch(graph, [], set(), 5, np.random.default_rng(3), False)
    evaluator = Evaluator(graph, leaves, functions)
    staged = evaluator.value(graph.unfold(found.gradients[0].compact))
    assert np.allclose(staged, evaluator.value(graph.unfold(found.gradients[0].expr)), rtol=1e-10)


def test_param_names_a_forward_files_params_or_inputs():
    spec = load_spec(str(ROOT / "derivations" / "forward_softmax_l2.yaml"))
    assert len(true_gradients(spec, "W").gradients) == 9  # a whole matrix: every entry
    with pytest.raises(InputError, match="'reg' is not a param or an input"):
        true_gradients(spec, "reg")
