"""Limits: overrides by name, the error that names a limit, and documentation that matches the code."""

from __future__ import annotations

import re

import pytest

from conftest import ROOT, network_file
from derivcheck.errors import Location, OutOfWork
from derivcheck.limits import DEFAULT_LIMITS, DESCRIPTIONS, NAMES, Budget, Limits, over_limit, with_overrides
from derivcheck.checkers import check_file
from derivcheck.options import Options


def test_overrides_by_name():
    limits = with_overrides(["parameters=20000", "batch = 512"])
    assert (limits.parameters, limits.batch, limits.layers) == (20000, 512, DEFAULT_LIMITS.layers)


@pytest.mark.parametrize("setting, message", [("nope=1", "unknown limit 'nope'"), ("batch=0", "whole number from 1 to"),
                                              ("batch=-3", "whole number from 1 to"), ("batch=1e3", "whole number from 1 to")])
def test_bad_overrides(setting, message):
    with pytest.raises(ValueError, match=message):
        with_overrides([setting])


def test_the_error_names_the_limit_and_the_option():
    error = over_limit("network too large (6,480 weights and biases)", "parameters", Limits(), Location("f.yaml", 2, 9))
    assert str(error) == ("f.yaml:2:9: network too large (6,480 weights and biases) "
                          "(limit parameters = 5,000; --limit parameters=N raises it)")


def test_every_limit_is_described_and_documented_with_its_default():
    assert set(DESCRIPTIONS) == set(NAMES)
    for document in ("README.md", "docs/FORMAT.md"):
        text = (ROOT / document).read_text(encoding="utf-8")
        rows = dict(re.findall(r"^\| `(\w+)` \| ([\d,]+) \|", text, flags=re.MULTILINE))
        assert rows == {name: f"{getattr(DEFAULT_LIMITS, name):,}" for name in NAMES}, document


def test_a_raised_limit_lets_the_file_through(write):
    path = write(network_file("- claim: dC/db[1][j] = sum(s, dC/dz[1][j,s])", "sizes: [3, 3]\nbatch: 4"))
    refused = check_file(path, Options(limits=Limits(batch=3)))
    assert "batch too large (4 samples) (limit batch = 3" in refused.error
    assert check_file(path, Options(limits=Limits(batch=4), prove=False)).claims[0].verdict.value == "holds"


def test_limits_on_instances_and_sums_are_per_claim(check):
    result = check(network_file("""
        - claim: dC/dw[l][j,k] = dC/dw[l][j,k]
        - claim: sum(k in 1..20, x[1]) = 20 * x[1]
    """), limits=Limits(instances=11, sum_terms=19))
    assert [c.verdict.value for c in result.claims] == ["error", "error"]
    assert "too many index instances (limit instances = 11" in result.claims[0].error
    assert "sum too long (20 terms) (limit sum_terms = 19" in result.claims[1].error


def test_every_entry_of_a_matrix_claim_is_an_instance(check):
    result = check(network_file("- claim: dC/dw[1] = 2 * dC/dw[1]", "sizes: [4, 4]"), limits=with_overrides(["instances=10"]))
    assert "too many index instances (each entry of a matrix is one) (limit instances = 10" in result.claims[0].error


def test_a_budget_counts_work_and_stops_past_its_limit():
    budget = Budget(10)
    budget.charge(4)
    budget.charge(6)  # exactly the limit is still within it
    assert budget.spent == 10
    with pytest.raises(OutOfWork, match="spent its 10 units of work"):
        budget.charge(1)


def test_too_many_forward_instances_are_refused_before_anything_is_built(monkeypatch):
    from derivcheck.tensors import Tensors
    built = []
    build = Tensors._instances_of
    monkeypatch.setattr(Tensors, "_instances_of", lambda self, piece: built.append(piece.name) or build(self, piece))
    result = check_file(str(ROOT / "tests" / "hostile" / "forward_many_instances.yaml"), Options())
    assert "too many instances of forward definitions (30,000 up to here)" in result.error
    assert built == []  # not even the 10,000 entries of the declared X
