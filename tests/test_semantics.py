"""Expressions over a model: quantities by role, shorthand, let matching, index ranges, results."""

from __future__ import annotations

import sys
from dataclasses import replace

import numpy as np
import pytest

from derivcheck import expressions as ex
from derivcheck.errors import IndexRangeError, InputError, Location, UndefinedError
from derivcheck.indexing import Occurrence, match_pattern, span_of
from derivcheck.limits import Limits
from derivcheck.numeric import Evaluator, sample_point_batch
from derivcheck.results import ClaimResult, FileResult, Verdict
from derivcheck.semantics import Model
from derivcheck.spec import load_spec
from derivcheck.roles import Role

HERE = Location("t.yaml", 1, 1)


@pytest.fixture
def model(write):
    def build(text: str) -> Model:
        return Model(load_spec(write(text)))
    return build


def value(model: Model, text: str, **bindings):
    return model.evaluate(ex.parse_expression(text, HERE, model.spec.scope), bindings)


def test_one_neuron_shorthand_and_batch(model):
    m = model("network: {sizes: [1, 1, 2], batch: 2}\nclaims: []\n")
    assert value(m, "a[1][s]", s=2) == value(m, "a[1][1,s]", s=2)
    assert value(m, "x[s]", s=1) == m.network.quantity(Role.X, 0, (1,), 1)
    with pytest.raises(InputError, match="takes 2 indices after its layer, got 1"):
        value(m, "a[2][j]", j=1)


def test_specific_let_wins_over_generic(model):
    m = model("network: {sizes: [1, 1, 1]}\nlet:\n  g[l]: 1\n  g[L]: 2\nclaims: []\n")
    assert m.graph.unfold(value(m, "g[2]")) == 2 and m.graph.unfold(value(m, "g[1]")) == 1


def test_let_instances_are_graph_nodes_computed_once(model):
    m = model("network: {sizes: [1, 2]}\nlet:\n  h[j]: 2*z[1][j]\nclaims: []\n")
    first, again = value(m, "h[1]"), value(m, "h[1]")
    assert first is again and first in m.graph.definitions


def test_out_of_range_and_undefined(model):
    m = model("network: {sizes: [2, 3]}\nclaims: []\n")
    with pytest.raises(IndexRangeError, match=r"w\[1\]\[1,3\] is out of range: w\[1\]\[j,k\] has j in 1..3, k in 1..2"):
        value(m, "w[1][1,3]")
    with pytest.raises(UndefinedError, match=r"z\[2\] does not exist: layers 1..1"):
        value(m, "z[2][1]")


def test_sum_range_comes_from_what_it_indexes(model):
    m = model("network: {sizes: [3, 2], bias: folded}\nclaims: []\n")
    # with a folded bias, x[0] = 1 and w[1][1,0] is the bias: the sum is exactly z[1][1]
    assert value(m, "sum(k, w[1][1,k] * x[k])") == m.graph.definitions[value(m, "z[1][1]")]
    assert value(m, "sum(k in 0..0, w[1][1,k])") == m.network.quantity(Role.W, 1, (1, 0), None)


def test_match_pattern():
    head = ex.parse_definition_head("delta[L][j]", HERE, load_scope())
    specific = match_pattern(head, ((2,), (3,)), lambda n: n == "j", lambda p: 2)
    assert specific == (1, {"j": 3})
    assert match_pattern(head, ((1,), (3,)), lambda n: n == "j", lambda p: 2) is None
    assert match_pattern(head, ((None,), (None,)), lambda n: n == "j", lambda p: 2) == (1, {})


def load_scope():
    from derivcheck.syntax import Scope
    return Scope(frozenset({"delta", "L"}), frozenset())


def test_span_of_keeps_index_0_only_if_every_use_has_it():
    with_zero = Occurrence(range(0, 4), "a", False)
    without = Occurrence(range(1, 3), "b", False)
    assert span_of([with_zero, without]) == range(1, 4)
    assert span_of([with_zero]) == range(0, 4)


def test_result_status_and_ok():
    def claim(verdict, expect="holds"):
        return ClaimResult(1, "c", "x = x", "f:1:1", expect, verdict)
    assert claim(Verdict.FALSE, "false").ok and not claim(Verdict.PROVED, "false").ok
    assert FileResult("f", "t", (claim(Verdict.HOLDS),)).status == 0
    assert FileResult("f", "t", (claim(Verdict.FALSE),)).status == 1
    assert FileResult("f", "t", (claim(Verdict.FALSE), claim(Verdict.ERROR))).status == 2
    assert FileResult("f", "t", error="f:1:1: bad").status == 2


def test_a_let_function_of_one_number_applies_entry_by_entry_to_a_vector(model):
    m = model("network: {sizes: [2, 3]}\nlet:\n  f(u): u^2 + 1\n  g(u, v): u*v\nclaims: []\n")
    vector = m.graph.unfold(value(m, "f(z[1])"))
    assert vector.shape == (3, 1) and vector[1] == m.graph.unfold(value(m, "z[1][2]^2 + 1"))
    with pytest.raises(InputError, match="several arguments is defined for numbers"):
        value(m, "g(z[1], z[1])")


def test_a_derivative_by_a_let_goes_through_it_or_through_the_quantity_it_names(check):
    result = check("""
        network:
          sizes: [2, 3, 2]
          activation: sigmoid
          loss: half_sse
        notation: {weight: W}
        let:
          w[l][j,k]: W[l][j,k]
          u[j]: sum(k, W[2][j,k] * a[1][k])
        claims:
          - claim: d(yhat[j])/d(w[2][j,k]) = d(yhat[j])/d(W[2][j,k])
          - claim: d(yhat[j])/d(w[2][j,k]) = 0
            expect: false
          - claim: dC/du[j] = (a[2][j] - y[j]) * sigmoid'(z[2][j])
          - claim: dC/dw[2] = dC/dW[2]
    """)
    assert [c.verdict for c in result.claims] == [Verdict.PROVED, Verdict.FALSE, Verdict.ERROR, Verdict.ERROR]
    assert "cannot differentiate by the let u[j]: what is differentiated is not computed from it" in \
        result.claims[2].error  # C is built from z, never from u: a 0 there would be a false alarm
    # no 2×1 column of w[2][j,1] read as the 2×3 matrix: without a batch such a let has no matrix view
    assert "'w' has two indices after its layer: as a matrix it is read only in a batch" in result.claims[3].error


def test_the_loss_may_be_called_l_and_otherwise_dl_is_no_derivative_of_the_layer_index(check):
    text = """
        network:
          sizes: [2, 2]
          activation: sigmoid
          loss: half_sse
        notation: {loss: LOSS}
        let:
          M: 2
        claims:
          - claim: dL/dw[L][j,k] = (a[L][j] - y[j]) * sigmoid'(z[L][j]) * a[L-1][k]
          - claim: dL/db[L][j] = sum(m in 1..M, [m == j] * (a[L][m] - y[m]) * sigmoid'(z[L][m]))
    """
    refused = check(text)
    assert all("L is the index of the output layer here, not a loss" in c.error for c in refused.claims)
    named = check(text.replace("{loss: LOSS}", "{loss: L}"))
    assert [c.verdict for c in named.claims] == [Verdict.PROVED, Verdict.PROVED]  # M, a whole-number let: a range



def test_a_model_with_other_lets_shares_the_files_own_quantities(model):
    base = model("network: {sizes: [2, 2]}\nlet:\n  d[j]: a[1][j] - y[j]\nclaims: []\n")
    before = dict(base.graph.definitions)
    assert base.graph.unfold(value(base, "d[1]")) == base.graph.unfold(value(base, "a[1][1] - y[1]"))
    let = base.spec.lets[0]
    edited = replace(let, body=ex.parse_expression("2*a[1][j]", HERE, base.spec.scope))
    twin = Model(replace(base.spec, lets=(edited,)), base)
    assert twin.network is base.network and twin.graph is not base.graph
    assert twin.graph.unfold(value(twin, "d[1]")) == 2 * twin.graph.unfold(value(twin, "a[1][1]"))
    assert base.graph.unfold(value(base, "d[1]")) == base.graph.unfold(value(base, "a[1][1] - y[1]"))
    assert all(base.graph.definitions[s] == e for s, e in before.items())
    other = model("network: {sizes: [2, 3]}\nclaims: []\n").spec
    with pytest.raises(ValueError, match="same file"):
        Model(other, base)


def test_a_forward_files_let_views_read_the_twins_lets(model):
    base = model("dims: {N: 2}\ninputs:\n  x[n]: N\nforward:\n  J: sum(n, x[n]^2)\n"
                 "let:\n  g[n]: 2*x[n]\nclaims: []\n")
    edited = replace(base.spec.lets[0], body=ex.parse_expression("3*x[n]", HERE, base.spec.scope))
    twin = Model(replace(base.spec, lets=(edited,)), base)
    x1 = value(base, "x[1]")
    assert twin.graph.unfold(value(twin, "g")[0]) == 3 * x1  # the column g over n, with the edited body
    assert base.graph.unfold(value(base, "g")[0]) == 2 * x1


def test_a_plain_calculus_file_is_a_table_of_its_symbols_and_data(model):
    plain = model("symbols: {w: positive, b: real}\ndata: {x: [1, 2, 3], k: [2, 1]}\n"
                  "let:\n  E: sum(i, (w*x[i] + b)^2)\nclaims: []\n")
    table = plain.table
    assert set(table.symbols) == {"w", "b"} and table.symbols["w"].is_positive
    assert table.pieces == {} and set(table.spec.data) == {"x", "k"}
    assert value(plain, "x[k[1]]") == 2  # whole-number data as an index, as in a forward file
    assert value(plain, "x").shape == (3, 1)  # a list of data is its column
    assert plain.graph.unfold(value(plain, "E")) == sum((table.symbols["w"] * i + table.symbols["b"]) ** 2
                                                        for i in (1, 2, 3))
    with pytest.raises(IndexRangeError, match=r"x\[4\] is out of range: data x has indices in 1..3"):
        value(plain, "x[4]")
    with pytest.raises(InputError, match="'w' takes no indices"):
        value(plain, "w[1]")


def test_a_keys_symbols_join_the_table_of_any_file(model):
    network = Model(replace(model("network: {sizes: [1, 1]}\nclaims: []\n").spec, symbols={"c": ("positive",)}))
    forward = Model(replace(model("inputs: {x: scalar}\nforward: {J: x^2}\nclaims: []\n").spec, symbols={"c": ()}))
    for built in (network, forward):
        assert built.table.knows("c") and value(built, "c") == built.table.symbols["c"]
    assert not network.table.knows("w")  # a network's own quantities are reached through its roles


DEEP = ("network:\n  sizes: [{sizes}]\n  activation: tanh\nlet:\n"
        "  delta[L][j]: (a[L][j] - y[j]) * (1 - a[L][j]^2)\n"
        "  delta[l][j]: sum(k, w[l+1][k,j] * delta[l+1][k]) * (1 - a[l][j]^2)\nclaims: []\n")


def _deep_model(write, layers: int, let_depth: int) -> Model:
    limits = Limits(layers=layers, let_depth=let_depth)
    return Model(load_spec(write(DEEP.format(sizes=", ".join(["1"] * (layers + 1)))), limits))


def test_a_recursion_of_lets_far_deeper_than_the_interpreters_is_built(write):
    model = _deep_model(write, 300, 1_000)
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(1_000)  # the interpreter's default: 300 nested instances take some 3,000 frames
    try:
        delta = value(model, "delta[1][1]")
    finally:
        sys.setrecursionlimit(limit)
    leaves, _ = sample_point_batch(model.graph, model.target_groups(), set(), 2, np.random.default_rng(3), False)
    evaluator = Evaluator(model.graph, leaves, {})
    truth = evaluator.value(model.graph.derivative(model.network.C, value(model, "b[1]")))
    assert np.allclose(evaluator.value(delta), truth, rtol=1e-12, atol=0)


def test_the_nesting_limit_counts_the_instances_built_first(write):
    with pytest.raises(InputError, match=r"definitions nested too deeply \(more than 150 inside one another at "
                                         r"'delta'\) \(limit let_depth = 150"):
        value(_deep_model(write, 200, 150), "delta[1][1]")
