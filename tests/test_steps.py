"""Derivations in steps: each step against the one before, the first broken step explained, a slip
that a later step silently corrects."""

from __future__ import annotations

from conftest import network_file, verdicts
from derivcheck.results import Verdict

DELTAS = """
delta[L][j]: (a[L][j] - y[j]) * sigmoid'(z[L][j])
delta[l][j]: sum(k, w[l+1][k,j] * delta[l+1][k]) * sigmoid'(z[l][j])
"""


def test_a_right_derivation_is_proved_step_by_step(check):
    result = check(network_file("""
        - steps:
            - dC/dw[l][j,k]
            - dC/dz[l][j] * dz[l][j]/dw[l][j,k]
            - delta[l][j] * a[l-1][k]
    """, let=DELTAS))
    (claim,) = result.claims
    assert claim.verdict is Verdict.PROVED and claim.text == \
        "dC/dw[l][j,k] = dC/dz[l][j] * dz[l][j]/dw[l][j,k] = delta[l][j] * a[l-1][k]"
    assert [(s.number, s.verdict.value) for s in claim.steps] == [(2, "proved"), (3, "proved")]


def test_a_chain_of_equals_is_a_derivation_with_a_broken_step(check):
    result = check(network_file(
        "- claim: dC/db[l][j] = dC/dz[l][j] * dz[l][j]/db[l][j] = 2 * delta[l][j] = delta[l][j]", let=DELTAS))
    (claim,) = result.claims
    assert claim.verdict is Verdict.FALSE
    broken = claim.steps[1]
    assert (broken.number, broken.verdict, broken.diagnosis.code, broken.diagnosis.corrected) == \
        (3, Verdict.FALSE, "factor", "delta[l][j]")
    assert claim.steps[2].right_again and claim.steps[2].diagnosis is None
    assert claim.diagnosis.message.startswith("step 3: off by a constant factor")
    assert claim.diagnosis.corrected == \
        "dC/db[l][j] = dC/dz[l][j] * dz[l][j]/db[l][j] = delta[l][j] = delta[l][j]"
    assert "step 4 equals step 1 again: the slip at step 3 was silently corrected" in claim.notes


def test_a_broken_last_step_is_not_right_again(check):
    result = check(network_file(
        "- claim: dC/dz[L][j] = (a[L][j] - y[j]) * sigmoid'(z[L][j]) = (a[L][j] - y[j]) * sigmoid(z[L][j])"))
    (claim,) = result.claims
    assert [s.verdict.value for s in claim.steps] == ["holds", "false"]
    assert not claim.steps[1].right_again and claim.steps[1].diagnosis.code == "function_for_derivative"


def test_a_step_that_cannot_be_read_is_an_error_at_its_line(check, write):
    result = check(network_file("""
        - steps:
            - dC/db[1][1]
            - sigma(z[1][1])
    """))
    assert result.claims[0].verdict is Verdict.ERROR and ":6:9: unknown function 'sigma'" in result.claims[0].error


def test_steps_alone_need_two_expressions_and_with_a_claim_one(check):
    one = check(network_file("- steps:\n    - dC/db[1][1]"))
    assert "steps needs at least two expressions" in one.claims[0].error
    none = check(network_file("- claim: C = C\n  steps: []"))
    assert "steps needs at least one expression" in none.claims[0].error
    both = check(network_file("- claim: dC/db[1][1] = dC/dz[1][1]\n  steps:\n    - dC/db[1][1]\n    - dC/dz[1][1]"))
    assert verdicts(both) == ["proved"]  # the claim's own sides, repeated as steps, are not counted twice


def test_the_report_shows_each_step(run, write):
    path = write(network_file("- claim: dC/db[l][j] = 2 * dC/dz[l][j] = dC/dz[l][j]"))
    output = run("check", path).stdout
    assert "step 2 ✗ false: = 2 * dC/dz[l][j]" in output
    assert "step 3 right again (equals step 1): = dC/dz[l][j]" in output
    assert "  right: = dC/dz[l][j]" in output
