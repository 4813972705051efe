"""Diagnoses: a true claim mutated in one known way is found false, and the diagnosis names the
mutation and gives back a claim that holds."""

from __future__ import annotations

import pytest

from conftest import ROOT, network_file
from derivcheck.results import Verdict

DELTAS = """
delta[L][j]: (a[L][j] - y[j]) * sigmoid'(z[L][j])
delta[l][j]: sum(k, w[l+1][k,j] * delta[l+1][k]) * sigmoid'(z[l][j])
"""

# (name, mutated claim, `for` range or None, expected code, the corrected claim)
MUTANTS = [
    ("activation of the wrong layer", "dC/dw[l][j,k] = delta[l][j] * a[l][k]", None, "activation_wrong_layer",
     "dC/dw[l][j,k] = delta[l][j] * a[l-1][k]"),
    ("a factor of 2", "dC/db[l][j] = 2 * delta[l][j]", None, "factor", "dC/db[l][j] = delta[l][j]"),
    ("half", "dC/db[l][j] = delta[l][j] / 2", None, "factor", "dC/db[l][j] = delta[l][j]"),
    ("sign", "dC/db[l][j] = -delta[l][j]", None, "sign", "dC/db[l][j] = delta[l][j]"),
    ("σ for σ'", "dC/dz[L][j] = (a[L][j] - y[j]) * sigmoid(z[L][j])", None, "function_for_derivative",
     "dC/dz[L][j] = (a[L][j] - y[j]) * sigmoid'(z[L][j])"),
    ("missing σ'", "dC/dz[L][j] = a[L][j] - y[j]", None, "missing_factor",
     "dC/dz[L][j] = (a[L][j] - y[j]) * sigmoid'(z[L][j])"),
    ("extra σ'", "dC/db[l][j] = delta[l][j] * sigmoid'(z[l][j])", None, "extra_factor", "dC/db[l][j] = delta[l][j]"),
    ("σ' at the wrong layer", "dC/dz[l][j] = sum(k, w[l+1][k,j] * delta[l+1][k]) * sigmoid'(z[l+1][j])",
     "l in 1..L-1", "derivative_wrong_layer",
     "dC/dz[l][j] = sum(k, w[l+1][k,j] * delta[l+1][k]) * sigmoid'(z[l][j])"),
    ("transposed weight", "dC/dz[l][j] = sum(k, w[l+1][j,k] * delta[l+1][k]) * sigmoid'(z[l][j])", "l in 1..L-1",
     "swapped_indices", "dC/dz[l][j] = sum(k, w[l+1][k,j] * delta[l+1][k]) * sigmoid'(z[l][j])"),
    ("missing sum", "dC/dz[l][j] = w[l+1][k,j] * delta[l+1][k] * sigmoid'(z[l][j])", "l in 1..L-1", "missing_sum",
     "dC/dz[l][j] = sum(k, w[l+1][k,j] * delta[l+1][k] * sigmoid'(z[l][j]))"),
    ("wrong index", "dC/dw[l][j,k] = delta[l][k] * a[l-1][k]", None, "wrong_index",
     "dC/dw[l][j,k] = delta[l][j] * a[l-1][k]"),
]


@pytest.mark.parametrize("name, mutant, for_range, code, corrected", MUTANTS, ids=[m[0] for m in MUTANTS])
def test_a_mutation_is_named_and_corrected(check, name, mutant, for_range, code, corrected):
    claim = f"- claim: \"{mutant}\"" + (f"\n  for: {for_range}" if for_range else "")
    result = check(network_file(claim, "sizes: [2, 3, 2]", let=DELTAS))
    (checked,) = result.claims
    assert checked.verdict is Verdict.FALSE
    assert (checked.diagnosis.code, checked.diagnosis.corrected) == (code, corrected)
    fixed = check(network_file(f"- claim: \"{corrected}\"" + (f"\n  for: {for_range}" if for_range else ""),
                               "sizes: [2, 3, 2]", let=DELTAS))
    assert fixed.claims[0].verdict is Verdict.PROVED  # the corrected claim is right


def test_the_mean_over_a_batch(check):
    result = check(network_file("- claim: dC/db[1][j] = sum(s, dC/dz[1][j,s]) * 2",
                                "sizes: [2, 2]\nbatch: 3\nreduction: mean"))
    assert result.claims[0].diagnosis.code == "factor"
    result = check(network_file("- claim: dC/db[1][1] = sum(s, (a[1][1,s] - y[1,s]) * sigmoid'(z[1][1,s]))",
                                "sizes: [2, 2]\nbatch: 3\nreduction: mean"))
    assert result.claims[0].diagnosis.code == "mean"
    assert result.claims[0].diagnosis.corrected.startswith("dC/db[1][1] = 1 / 3 * sum(s, ")


def test_needs_one_hot_targets(check):
    result = check(network_file("- claim: dC/dz[L][j] = yhat[j] - y[j]", "sizes: [2, 3]\noutput: softmax"))
    assert result.claims[0].diagnosis.code == "needs_one_hot"


def test_softmax_jacobian_without_its_diagonal_or_off_diagonal(check):
    result = check(network_file("""
        - claim: d(yhat[i])/d(z[L][j]) = -yhat[i] * yhat[j]
        - claim: d(yhat[i])/d(z[L][j]) = yhat[i] * (1 - yhat[j])
    """, "sizes: [2, 3]\noutput: softmax"))
    assert [c.diagnosis.code for c in result.claims] == ["diagonal", "off_diagonal"]
    assert "yhat[i] * ([i == j] - yhat[j])" in result.claims[0].diagnosis.message


def test_the_same_mistake_twice(check):
    result = check(network_file(
        "- claim: dC/dw[1][1,1] = (a[2][1] - y[1]) * sigmoid'(z[2][1]) * (1 - a[2][1]) * w[2][1,1]"
        " * sigmoid'(z[1][1]) * (1 - a[1][1]) * x[1]", "sizes: [1, 1, 1]"))
    diagnosis = result.claims[0].diagnosis
    assert diagnosis.code == "derivative_for_function" and "; and " in diagnosis.message


def test_an_index_on_one_side_is_pointed_out_when_nothing_fixes_it(check):
    result = check(network_file("- claim: dC/dz[l][j] = dC/dz[l+1][j] * w[l+1][j,k]\n  for: l in 1..L-1",
                                "sizes: [2, 2, 2]"))
    assert result.claims[0].diagnosis.code == "index_on_one_side"
    assert result.claims[0].diagnosis.message.startswith("k appears only on the right side")


def test_nothing_common_explains_it(check):
    result = check(network_file("- claim: dC/db[l][j] = (dC/dz[l][j])^3", "sizes: [2, 2]"))
    assert result.claims[0].diagnosis.code == "unexplained" and result.claims[0].diagnosis.corrected is None


def test_a_term_too_many(check):
    result = check(network_file("- claim: dC/db[l][j] = dC/dz[l][j] + 1", "sizes: [2, 2]"))
    diagnosis = result.claims[0].diagnosis
    assert (diagnosis.code, diagnosis.corrected) == ("extra_term", "dC/db[l][j] = dC/dz[l][j]")


def test_true_claims_have_no_diagnosis(check):
    result = check(network_file("- claim: dC/db[l][j] = delta[l][j]", "sizes: [2, 3, 2]", let=DELTAS))
    assert result.claims[0].verdict is Verdict.PROVED and result.claims[0].diagnosis is None


def test_plain_calculus_mistakes(check):
    result = check("""
        symbols: [x, y]
        claims:
          - claim: d(x^2 * y)/d(x) = x * y
          - claim: d(sigmoid(x))/d(x) = sigmoid(x)
    """)
    assert [(c.diagnosis.code, c.diagnosis.corrected) for c in result.claims] == [
        ("factor", "d(x^2 * y)/dx = 2 * x * y"),
        ("function_for_derivative", "d(sigmoid(x))/dx = sigmoid'(x)")]


def test_a_mistake_inside_a_definition_is_found_there(check):
    wrong = DELTAS.replace("w[l+1][k,j]", "w[l+1][j,k]")
    result = check(network_file("- claim: dC/dz[l][j] = delta[l][j]", "sizes: [2, 2, 2]", let=wrong))
    diagnosis = result.claims[0].diagnosis
    # w[l+2] would also "fix" it by leaving delta[1] undefined: an edit must keep every failing instance
    assert (diagnosis.code, diagnosis.corrected) == (
        "swapped_indices", "delta[l][j]: sum(k, w[l+1][k,j] * delta[l+1][k]) * sigmoid'(z[l][j])")
    assert diagnosis.message.startswith("the definition of delta[l][j] (line 5) is wrong: a transposed weight")


def test_an_edit_is_tried_where_the_claim_is_meant(check):
    # dJ/dU[m,w] = yhat[w] vc[m] only for w != o: the sign edit holds there, not at w = o
    model = (ROOT / "derivations" / "forward_word2vec.yaml").read_text(encoding="utf-8").split("claims:")[0]
    result = check(model + "claims:\n  - claim: dJ/dU[m,w] = -yhat[w] * vc[m]\n    where: w != o\n")
    diagnosis = result.claims[0].diagnosis
    assert (diagnosis.code, diagnosis.corrected) == ("sign", "dJ/dU[m,w] = yhat[w] * vc[m]")
