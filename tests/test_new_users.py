"""What a new user writes is understood: the course's notation, derivations with their result, rounded
answers, the traps of YAML; and what derivcheck prints back reads as derivcheck's own syntax."""

from __future__ import annotations

import pytest

from conftest import network_file, verdicts
from derivcheck.document import render
from derivcheck.results import Verdict
from derivcheck.spec import load_spec


def test_a_capital_W_is_the_weight_matrix(check):
    result = check(network_file("""
        - claim: dC/dz[l] = (W[l+1].T @ dC/dz[l+1]) * sigmoid'(z[l])
          for: l in 1..L-1
        - claim: dC/dz[l] = (W[l+1] @ dC/dz[l+1]) * sigmoid'(z[l])
          for: l in 1..L-1
        - claim: dC/dW[l][j,k] = dC/dz[l][j] * a[l-1][k]
    """))
    assert verdicts(result) == ["proved", "false", "proved"]
    assert result.claims[1].diagnosis.corrected == "dC/dz[l] = (W[l+1].T @ dC/dz[l+1]) * sigmoid'(z[l])"


def test_a_file_that_defines_W_keeps_its_own_W(check):
    result = check(network_file("- claim: dC/db[L][j] = W[L][j]", let="W[l][j]: dC/dz[l][j]"))
    assert verdicts(result) == ["proved"]


def test_an_unknown_capital_name_is_named_with_a_suggestion(check):
    result = check("symbols: [w, x]\nclaims:\n  - claim: W[1] * x = x\n")
    assert "unknown name 'W' (did you mean 'w'? define it under `let:` or `data:` first" in result.claims[0].error


def test_a_claim_with_its_derivation_in_steps(check):
    result = check("""
        symbols: [x]
        claims:
          - claim: d(1/(1 + exp(-x)))/d(x) = sigmoid(x) * (1 - sigmoid(x))
            steps:
              - exp(-x) / (1 + exp(-x))^2
              - (1/(1 + exp(-x))) * (exp(-x)/(1 + exp(-x)))
          - claim: d(x^3)/d(x) = 3*x^2
            steps:
              - d(x^3)/d(x)
              - 3*x^3
    """)
    first, second = result.claims
    assert first.verdict is Verdict.PROVED and [s.text for s in first.steps][-1] == "sigmoid(x) * (1 - sigmoid(x))"
    assert len(first.steps) == 3  # left side, two steps, the result
    assert second.verdict is Verdict.FALSE and [s.verdict for s in second.steps] == [Verdict.FALSE, Verdict.FALSE]
    assert [s.number for s in second.steps] == [2, 3]  # the repeated left side is not a step of its own


def test_with_steps_the_claim_is_one_equation(check):
    result = check("symbols: [x]\nclaims:\n  - claim: x = x = x\n    steps: [x]\n")
    assert "with `steps:`, the claim is one equation" in result.claims[0].error


def test_a_misspelt_activation_is_warned_about(check, write):
    text = network_file("- claim: dC/db[1][j] = dC/dz[1][j]", "sizes: [1, 2, 1]\nactivation: sigmiod\noutput: identity")
    result = check(text)
    assert len(result.warnings) == 1
    assert "'sigmiod' is not an activation derivcheck knows, so it is treated as a generic function; " \
           "did you mean sigmoid?" in result.warnings[0]
    assert check(text.replace("output: identity", "output: identity\n  generic: [sigmiod]")).warnings == ()
    assert check(text.replace("sigmiod", "f")).warnings == ()
    path = write(text)
    from derivcheck.checkers import check_file
    assert "Warning: " in render(load_spec(path), check_file(path), "md")


def test_rounded_answers_are_equal_to_the_digits_written(check):
    result = check("""
        symbols: [x]
        claims:
          - claim: d(sigmoid(x))/d(x) = 0.1966
            at: {x: 1}
          - claim: d(sigmoid(x))/d(x) = 0.1967
            at: {x: 1}
          - claim: d(sigmoid(x))/d(x) = -1.966e-1
            at: {x: -1}
            expect: false
          - claim: d(sigmoid(x))/d(x) = 1.001 * sigmoid(x) * (1 - sigmoid(x))
            tolerance: 0.01
          - claim: d(sigmoid(x))/d(x) = 1.1 * sigmoid(x) * (1 - sigmoid(x))
            tolerance: 0.01
    """)
    assert verdicts(result) == ["holds", "false", "false", "holds", "false"]
    assert result.claims[0].notes[0] == ("equal to the 4 significant digits written (0.1966): "
                                         "the true value is 0.196611933241")
    assert result.claims[3].notes[0].startswith("equal within the relative tolerance 0.01")


def test_a_tolerance_is_a_relative_difference(check):
    result = check("symbols: [x]\nclaims:\n  - claim: x = x\n    tolerance: 2\n")
    assert "tolerance must be a relative difference between 0 and 1, not '2'" in result.claims[0].error


@pytest.mark.parametrize("text, hint", [
    ("symbols: [x]\nclaims:\n  - claim: [1 == 1] * x = x\n", "a value that starts with [ is a YAML list"),
    ("symbols: [x]\nclaims:\n  - claim: x = x\n    name: [a]\n", "put the whole value in quotes"),
    ("network: {sizes: [2, 2]}\nclaims:\n  - claim: w[1][1,1] = 0.5\n    at: {w[1][1,1]: 0.5}\n",
     "quote such a key ('w[2][1,1]': 0.5)"),
])
def test_yaml_traps_get_hints(check, text, hint):
    result = check(text)
    assert hint in (result.error or result.claims[0].error)


def test_truth_lines_are_derivcheck_syntax_and_corrections_never_tautologies(check):
    result = check("""
        symbols: [x]
        claims:
          - claim: d(x^3)/d(x) = x^2 + 1
          - claim: sigmoid'(x) = sigmoid(x)
          - claim: 10^-40 * x = 2 * 10^-40 * x
    """)
    assert result.claims[0].diagnosis.truth == "d(x^3)/dx = 3*x^2"
    assert all(claim.diagnosis.corrected is None for claim in result.claims[1:])
    assert result.claims[2].diagnosis.code == "factor"


def test_the_document_counts_one_claim(write):
    path = write(network_file("- claim: dC/db[1][j] = dC/dz[1][j]", "sizes: [1, 2]"))
    from derivcheck.checkers import check_file
    assert "1 claim: 1 proved." in render(load_spec(path), check_file(path), "md")
