"""A forward file's model: ranges, instances, base cases, views, data as indices, comparisons, limits."""

from __future__ import annotations

import textwrap

import pytest
import sympy as sp

from derivcheck.errors import IndexRangeError, InputError, Location
from derivcheck.expressions import parse_expression
from derivcheck.limits import Limits
from derivcheck.roles import Role
from derivcheck.semantics import Model
from derivcheck.spec import parse_spec

RNN = """
dims: {T: 3, D: 2, H: 3}
inputs:
  x[t][k]: T, D
  h[0][j]: H
params:
  U[j,k]: H, D
  W[j,i]: H, H
  b[j]: H
constants: {p: unit}
data:
  y: [2, 1, 3]
  r: [1.5]
forward:
  a[t][j]: b[j] + sum(i, W[j,i] * h[t-1][i]) + sum(k, U[j,k] * x[t][k])
  h[t][j]: tanh(a[t][j])
  J: sum(t, h[t][y[t]])
let:
  G[t,j]: '[j == y[t]]'
claims:
  - claim: dJ/db[j] = dJ/db[j]
"""


def model(text: str, limits: Limits = Limits()) -> Model:
    return Model(parse_spec(textwrap.dedent(text).lstrip("\n"), "f.yaml", limits))


def value(m: Model, text: str, bindings: dict | None = None):
    node = parse_expression(text, Location("f.yaml", 1, 1), m.spec.scope)
    return m.evaluate(node, bindings or {})


def error(text: str, limits: Limits = Limits()) -> str:
    with pytest.raises(InputError) as caught:
        model(text, limits)
    return str(caught.value)


def test_ranges_come_from_shapes_and_from_the_slots_letters_fill_alone():
    m = model(RNN)
    pieces = {(p.name, p.role.value): p for p in m.spec.forward.pieces}
    assert m.tensors.piece_ranges(pieces[("a", "forward")]) == {"t": range(1, 4), "j": range(1, 4)}
    assert m.tensors.slot_range("h", 0, ()) == range(0, 4)  # h[0] declared, h[1..3] defined
    assert str(value(m, "h[0][2]")) == "h[0][2]" and m.graph.leaves[value(m, "h[0][2]")] == "input"
    assert m.graph.definitions[value(m, "h[2][1]")] == sp.tanh(value(m, "a[2][1]"))
    assert m.graph.quantities[value(m, "h[2][1]")].role is Role.ATOM  # a non-rational definition: a proof atom
    assert m.graph.quantities[value(m, "a[2][1]")].role is Role.FORWARD
    assert m.graph.definitions[value(m, "J")] == sum(value(m, f"h[{t}][{j}]") for t, j in ((1, 2), (2, 1), (3, 3)))


def test_views_have_the_shapes_of_their_trailing_slots():
    m = model(RNN)
    assert value(m, "W").shape == (3, 3) and value(m, "U").shape == (3, 2)
    assert value(m, "b").shape == (3, 1) and value(m, "h[t]", {"t": 0}).shape == (3, 1)
    assert value(m, "x[t]", {"t": 2}).shape == (2, 1)
    assert value(m, "G").shape == (3, 3)  # a let's view: t from y (data), j from the declarations (H)
    assert m.graph.unfold(value(m, "G")[0, 1]) == 1 and m.graph.unfold(value(m, "G")[0, 0]) == 0
    assert value(m, "1 - h[t]^2", {"t": 1})[2, 0] == 1 - value(m, "h[1][3]") ** 2
    assert value(m, "diag(b)") == sp.diag(*[value(m, f"b[{j}]") for j in (1, 2, 3)])
    assert value(m, "b.T @ b") == sum(value(m, f"b[{j}]") ** 2 for j in (1, 2, 3))  # 1×1 is a number


def test_data_indices_and_comparisons():
    m = model(RNN)
    assert value(m, "h[t][y[t]]", {"t": 2}) == value(m, "h[2][1]")
    assert value(m, "[t != y[t]]", {"t": 2}) == 1 and value(m, "[1 <= t-1 <= 2]", {"t": 1}) == 0
    assert value(m, "[t > 1 and t < 3]", {"t": 2}) == 1 and value(m, "[t < 2 or t > 2]", {"t": 2}) == 0
    assert value(m, "[b[1] > p]") == sp.Heaviside(value(m, "b[1]") - value(m, "p"))
    with pytest.raises(InputError, match="'==' between real values holds almost nowhere"):
        value(m, "[b[1] == p]")
    with pytest.raises(InputError, match="r\\[1\\] = 3/2 is not a whole number, so it cannot be an index"):
        value(m, "b[r[1]]")
    with pytest.raises(IndexRangeError, match=r"b\[4\] is out of range: b\[j\] has j in 1..3"):
        value(m, "b[4]")


def test_a_definition_never_reads_outside_a_tensor():
    assert "f.yaml:6:29: in y[2], x[3] is out of range: x[i] has i in 1..2" in error("""
        dims: {W: 2}
        inputs:
          x[i]: W
        forward:
          y[t]:
            {shape: '1..2', value: 'x[t+1]'}
        claims:
          - dy[1]/dx[2] = 1
    """)


def test_a_recurrence_without_a_base_case_is_named():
    message = error("""
        dims: {T: 2}
        inputs:
          x[t]: T
        forward:
          h[t]: x[t] * g[t]
          g[t]: h[t]
        claims:
          - dh[1]/dx[1] = 1
    """)
    assert "the forward definitions never reach a base case: h[1] → g[1] → h[1]" in message


def test_a_letter_only_in_offsets_needs_a_shape():
    assert "cannot tell the range of 't' in y[t]" in error("""
        dims: {W: 3}
        inputs:
          x[i]: W
        forward:
          y[t]: x[t+1]
        claims:
          - dy[1]/dx[2] = 1
    """)


def test_limits_bound_tensors_and_forward_instances():
    text = """
        dims: {N: 40, D: 30}
        inputs:
          X[n,i]: N, D
        forward:
          s[n,i]: X[n,i]^2
        claims:
          - ds[1,1]/dX[1,1] = 2*X[1,1]
    """
    assert "X has too many entries (1,200) (limit tensor_elements = 1,000" in error(text, Limits(tensor_elements=1000))
    assert "too many instances of forward definitions (1,200 up to here)" in error(text, Limits(forward_instances=1000))


def test_constants_are_never_differentiated(check):
    result = check("""
        dims: {K: 2}
        params:
          w[k]: K
        constants: {lam: positive}
        forward:
          J: lam * sum(k, w[k]^2)
        claims:
          - claim: dJ/dlam = sum(k, w[k]^2)
    """)
    assert "lam is a constant: constants are never differentiated" in result.claims[0].error


def test_where_keeps_the_instances_it_names(check):
    result = check("""
        dims: {V: 4}
        params:
          theta[w]: V
        data: {o: 2}
        forward:
          J: sum(w, theta[w]^2) - theta[o]
        claims:
          - claim: dJ/dtheta[w] = 2*theta[w]
            where: w != o
          - claim: dJ/dtheta[w] = 2*theta[w]
            expect: false
    """)
    assert [c.instances for c in result.claims] == [3, 4]
    assert [c.verdict.value for c in result.claims] == ["proved", "false"]
    assert result.claims[1].failed == 1 and result.claims[1].counterexamples[0].instance == {"w": 2}


def test_constants_are_sampled_in_their_domain(check):
    result = check("""
        dims: {K: 2}
        params:
          w[k]: K
        constants: {q: unit, eps: positive}
        forward:
          J: sum(k, w[k]^2) / (q * (1 - q)) + eps
        claims:
          - claim: dJ/dw[k] = 2 * w[k] / (q - q^2)
    """)
    assert result.claims[0].verdict.value == "proved"
    assert "q in [0.1, 0.9]" in result.claims[0].region and "eps" not in result.claims[0].region


def test_a_claim_mostly_undefined_is_an_error_naming_what_is_undefined(check):
    result = check("""
        dims: {K: 2}
        params:
          w[k]: K
        forward:
          J: sum(k, log(w[k]))
        claims:
          - claim: J = log(w[1]) + log(w[2])
    """)
    assert result.claims[0].verdict.value == "error"
    assert "too few valid points (2 of 8): log(w[2]) is undefined at most points; declare a domain" in \
        result.claims[0].error


def test_a_definition_that_only_repeats_declared_instances_is_refused():
    assert "every instance of w[k] is declared or defined by a more specific head" in error("""
        dims: {K: 2}
        params:
          w[k]: K
        forward:
          w[k]: {shape: K, value: '2'}
          J: sum(k, w[k]^2)
        claims:
          - dJ/dw[k] = 2*w[k]
    """)


def test_a_view_is_built_once_and_its_matrix_arithmetic_is_not_copied_again():
    m = model(RNN)
    first = value(m, "W")
    assert value(m, "W") is first and value(m, "h[1]") is value(m, "h[1]")
    assert first.shape == (3, 3) and isinstance(first, sp.ImmutableMatrix)
    product = value(m, "W @ h[1]")
    assert product.shape == (3, 1) and isinstance(product, sp.ImmutableMatrix)
    assert list(product) == [sum(value(m, f"W[{j},{i}]") * value(m, f"h[1][{i}]") for i in (1, 2, 3))
                             for j in (1, 2, 3)]
