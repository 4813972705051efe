"""No false claim holds and no true claim is false, whatever the scale of the values or the point."""

from __future__ import annotations

import pytest

from conftest import network_file, verdicts
from derivcheck.numeric import disagree
from derivcheck.report import FileReport
from derivcheck.results import Verdict

# (a true claim, its slightly wrong partner): the difference is tiny in absolute terms, never relatively
TINY_PAIRS = {
    "a tiny number": ("10^-40 = 10^-40", "10^-40 = 0"),
    "both sides scaled": ("10^-40 * x * 2 = 2 * 10^-40 * x", "10^-40 * x = 2 * 10^-40 * x"),
    "below float's range": ("exp(-1000*x^2) = exp(-1000*x^2)", "exp(-1000*x^2) = 0"),
    "beyond float's range": ("exp(1000*x^2) = exp(500*x^2)^2", "exp(1000*x^2) = 2 * exp(500*x^2)^2"),
    "a derivative at scale": ("d(10^-40 * x^3)/d(x) = 3 * 10^-40 * x^2", "d(10^-40 * x^3)/d(x) = 3 * 10^-40 * x"),
    "a difference in the 11th digit": ("x * (1 + 10^-11) = x + 10^-11 * x", "x * (1 + 10^-11) = x"),
}


@pytest.mark.parametrize("true, wrong", TINY_PAIRS.values(), ids=TINY_PAIRS)
def test_scale_never_hides_a_difference(check, true, wrong):
    result = check(f"symbols: [x]\nclaims:\n  - claim: {true}\n  - claim: {wrong}\n")
    assert verdicts(result)[0] in ("proved", "holds")
    assert verdicts(result)[1] == "false"


def test_a_network_claim_scaled_down_is_still_caught(check):
    result = check(network_file("""
        - claim: 10^-40 * dC/dw[l][j,k] = 10^-40 * dC/dz[l][j] * a[l-1][k]
        - claim: 10^-40 * dC/dw[l][j,k] = 10^-40 * 2 * dC/dz[l][j] * a[l-1][k]
    """))
    assert verdicts(result) == ["proved", "false"]
    assert result.claims[1].diagnosis.code in ("factor", "constant_factor")  # the 2 is found, at any scale


def test_values_beyond_floats_range_are_shown_at_high_precision(check):
    result = check("symbols: [x]\nclaims:\n  - claim: exp(-1000*x^2) = 0\n")
    example = result.claims[0].counterexamples[0]
    assert example.lhs is None and example.lhs_text.endswith(tuple(f"e-{n}" for n in range(300, 3000)))
    assert example.rhs == 0 and example.rhs_text == "0"


def test_disagree_is_relative_and_leaves_undecidable_points_to_high_precision():
    assert disagree([1e-40], [2e-40]).all()  # relative: scale does not matter
    assert not disagree([1.0], [1.0 + 1e-14]).any()  # float noise
    assert disagree([1.0], [1.0 + 1e-11]).all()  # a difference float resolves: certified at high precision
    assert disagree([0.0], [0.0]).all() and disagree([float("inf")], [1.0]).all()  # float cannot tell
    assert not disagree([float("nan")], [1.0]).any()  # no point


def test_exact_points_are_evaluated_exactly(check):
    result = check("""
        symbols: [x]
        claims:
          - claim: x^2 - 2 = 0
            at: {x: sqrt(2)}
          - claim: x^2 - 2 = 10^-30
            at: {x: sqrt(2)}
          - claim: d(x^3)/d(x) = 6
            at: {x: sqrt(2)}
    """)
    assert verdicts(result)[:2] == ["proved", "false"]
    assert verdicts(result)[2] in ("proved", "holds")


def test_each_point_claim_reports_its_own_values(check):
    claims = "\n".join(f"  - claim: x^2 = 1000\n    at: {{x: {n}}}" for n in range(2, 12))
    result = check(f"symbols: [x]\nclaims:\n{claims}\n")
    assert [c.counterexamples[0].lhs for c in result.claims] == [float(n * n) for n in range(2, 12)]


def test_look_alike_declared_names_are_one_name(check):
    result = check("symbols: [x, ｘ]\nclaims:\n  - claim: ｘ = x\n")
    assert "'ｘ' is already defined ('ｘ' is read as 'x', as in expressions)" in result.error
    result = check("symbols: [ｘ]\nclaims:\n  - claim: d(x^2)/d(ｘ) = 2*x\n")
    assert verdicts(result) == ["proved"]


def test_real_is_a_documented_assumption(check):
    assert verdicts(check("symbols: {x: real, y: [real, positive]}\nclaims:\n  - claim: x + y = y + x\n")) == ["proved"]


def test_holds_says_where_it_was_checked(check, tmp_path):
    result = check("""
        symbols: {x: [], p: positive}
        claims:
          - claim: relu(x - 2) = 0
          - claim: relu(x - 2) = 0
            at: {x: 1}
    """, prove=False)
    first, second = result.claims
    assert first.verdict is Verdict.HOLDS
    assert first.region == "8 random points per instance, x in ±[0.3, 1.6]"
    assert second.region == "the point of `at:`"
    from rich.console import Console
    console = Console(width=200, record=True, file=open(tmp_path / "out.txt", "w"))
    console.print(FileReport(result), soft_wrap=True)
    assert "checked at: 8 random points per instance, x in ±[0.3, 1.6]" in console.export_text()
    assert first.to_dict()["region"] == first.region


def test_the_region_names_each_kind_of_value(check):
    result = check(network_file("- claim: dC/db[L][j] = (a[L][j] - y[j]) * a[L][j] * (1 - a[L][j])"),
                   prove=False)
    assert result.claims[0].region == ("8 random points per instance, biases, weights, inputs in ±[0.3, 1.6]; "
                                       "targets in [0.1, 0.9]")


def test_a_point_beyond_floats_range_is_checked_and_shown_exactly(check):
    huge = " * ".join(["10^30"] * 11)
    result = check(f"symbols: [x]\nclaims:\n  - claim: x / 10 = {huge}\n    at: {{x: 10 * {huge}}}\n"
                   f"  - claim: x = 1\n    at: {{x: 10 * {huge}}}\n")
    assert verdicts(result) == ["proved", "false"]
    example = result.claims[1].counterexamples[0]
    assert example.lhs is None and example.lhs_text == "1.0e+331" and example.point == {"x": "1.0e+331"}
    assert result.claims[1].diagnosis.corrected is None  # "x = 1 * x" says nothing
