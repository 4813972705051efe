"""Vector and matrix notation: shapes, products, transposes, batches, entrywise verdicts."""

from __future__ import annotations

import pytest
import sympy as sp

from conftest import network_file, verdicts
from derivcheck import expressions as ex
from derivcheck import syntax as sx
from derivcheck.errors import Location, ShapeError
from derivcheck.matrices import combine, immutable

AT = Location("f.yaml", 1, 1)
DELTAS = """
delta[L][j]: (a[L][j] - y[j]) * sigmoid'(z[L][j])
delta[l][j]: sum(k, w[l+1][k,j] * delta[l+1][k]) * sigmoid'(z[l][j])
"""


def node(text: str) -> sx.BinOp:
    return ex.parse_expression(text, AT, sx.Scope(frozenset({"A", "B"}), frozenset()))


def test_products_sums_and_broadcasting():
    A, column, row = sp.ImmutableMatrix([[1, 2], [3, 4]]), sp.ImmutableMatrix([1, 1]), sp.ImmutableMatrix([[1, 1]])
    assert combine(node("A @ B"), A, column) == sp.ImmutableMatrix([3, 7])
    assert combine(node("A * B"), A, A) == sp.ImmutableMatrix([[1, 4], [9, 16]])
    assert combine(node("A + B"), A, column) == sp.ImmutableMatrix([[2, 3], [4, 5]])
    assert combine(node("A - B"), A, row) == sp.ImmutableMatrix([[0, 1], [2, 3]])
    assert combine(node("A / B"), A, sp.Integer(2)) == sp.ImmutableMatrix([[sp.S.Half, 1], [sp.Rational(3, 2), 2]])


def test_shapes_that_do_not_fit_are_named():
    A, column = sp.ImmutableMatrix([[1, 2, 3], [4, 5, 6]]), sp.ImmutableMatrix([1, 1])
    with pytest.raises(ShapeError, match=r"shapes do not fit: A @ B: \(2×3\) @ \(2×1\)"):
        combine(node("A @ B"), A, column)
    with pytest.raises(ShapeError, match=r"A @ B: \(2×3\) @ \(1×1\)"):
        combine(node("A @ B"), A, sp.Integer(2))  # a number is 1×1 for @



def test_numbers_go_to_every_entry():  # FORWARD.md: 1 - h[t]^2 is entrywise
    A = sp.ImmutableMatrix([[1, 2, 3], [4, 5, 6]])
    assert combine(node("A + B"), sp.Integer(2), A) == sp.ImmutableMatrix([[3, 4, 5], [6, 7, 8]])
    assert combine(node("A - B"), A, sp.Integer(1)) == sp.ImmutableMatrix([[0, 1, 2], [3, 4, 5]])
    assert combine(node("A / B"), sp.Integer(1), A)[1, 2] == sp.Rational(1, 6)


def test_the_backpropagation_equations_in_vector_form(check):
    result = check(network_file("""
        - claim: dC/dz[L] = (a[L] - y) ⊙ sigmoid'(z[L])
        - claim: dC/dz[l] = (w[l+1]ᵀ @ delta[l+1]) ⊙ sigmoid'(z[l])
          for: l in 1..L-1
        - claim: dC/db[l] = delta[l]
        - claim: dC/dw[l] = delta[l] @ a[l-1].T
        - claim: z[l] = w[l] @ a[l-1] + b[l]
    """, "sizes: [2, 3, 2]", let=DELTAS))
    assert verdicts(result) == ["proved"] * 5
    assert [c.instances for c in result.claims] == [2, 3, 5, 12, 5]  # every entry of every layer


def test_a_missing_transpose_is_false_with_both_shapes_and_the_fix(check):
    result = check(network_file("- claim: dC/dz[l] = (w[l+1] @ delta[l+1]) * sigmoid'(z[l])\n  for: l in 1..L-1",
                                "sizes: [2, 3, 2]", let=DELTAS))
    (claim,) = result.claims
    assert claim.verdict.value == "false"
    assert claim.counterexamples[0].reason == "shapes do not fit: w[2] @ delta[2]: (2×3) @ (2×1)"
    assert claim.diagnosis.code == "transpose"
    assert claim.diagnosis.corrected == "dC/dz[l] = (w[l+1].T @ delta[l+1]) * sigmoid'(z[l])"


def test_a_square_network_lists_the_failing_entries(check):
    result = check(network_file("- claim: dC/dw[l] = delta[l] @ a[l-1]", "sizes: [1, 1, 1]", let=DELTAS))
    assert verdicts(result) == ["proved"]  # one neuron: every quantity is a number
    result = check(network_file("- claim: dC/dw[2] = a[1] @ delta[2].T", "sizes: [2, 2, 2]", let=DELTAS))
    (claim,) = result.claims
    assert claim.verdict.value == "false" and claim.failed >= 1
    assert set(claim.counterexamples[0].instance) == {"row", "col"}
    assert claim.diagnosis.code == "transpose"


def test_batches_are_one_column_per_example(check):
    result = check(network_file("""
        - claim: a[1] = sigmoid(w[1] @ x + b[1])
        - claim: a[1].T = sigmoid(x.T @ w[1].T + b[1].T)
        - claim: dC/dw[1] = 1/S * ((a[1] - y) * sigmoid'(z[1])) @ x.T
        - claim: dC/dw[1] = ((a[1] - y) * sigmoid'(z[1])) @ x.T
          expect: false
    """, "sizes: [2, 2]\nbatch: 3\nreduction: mean"))
    assert verdicts(result) == ["proved", "proved", "proved", "false"]
    assert result.claims[3].diagnosis.code == "mean"


def test_different_shapes_and_jacobians(check):
    result = check(network_file("""
        - claim: dC/dw[l] = delta[l] @ a[l].T
        - claim: d(a[L])/d(z[L]) = sigmoid'(z[L])
    """, "sizes: [2, 3, 2]", let=DELTAS))
    first, second = result.claims
    assert first.counterexamples[0].reason == "the two sides have different shapes: (3×2) = (3×3)"
    assert first.diagnosis.code == "activation_wrong_layer"
    assert second.verdict.value == "error" and "(a Jacobian) is not supported" in second.error


def test_a_sum_of_matrices_of_different_shapes_is_false_there(check):
    result = check(network_file("- claim: sum(m in 1..2, w[m]) = w[1]", "sizes: [2, 3, 3]"))
    (claim,) = result.claims
    assert claim.verdict.value == "false"
    assert claim.counterexamples[0].reason == \
        "the terms of sum(m in 1..2, w[m]) have different shapes: (3×2), (3×3)"


def test_the_dot_is_the_matrix_product_of_matrices_and_times_otherwise(check):
    result = check(network_file("""
        - claim: w[2].T · delta[2] = w[2].T @ delta[2]
        - claim: delta[2] · 2 = 2 * delta[2]
        - claim: a[1][1] · a[1][2] = a[1][1] * a[1][2]
    """, let="delta[L][j]: a[L][j] - y[j]"))
    assert [c.verdict.value for c in result.claims] == ["proved", "proved", "proved"]


def test_immutable_keeps_an_immutable_matrix_and_freezes_a_mutable_one():
    frozen = sp.ImmutableMatrix([[1, 2]])
    assert immutable(frozen) is frozen
    thawed = sp.Matrix([[1, 2]])
    assert isinstance(immutable(thawed), sp.ImmutableMatrix) and immutable(thawed) == frozen
