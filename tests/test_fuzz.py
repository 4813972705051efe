"""Property tests: any text gives a syntax tree or one clear InputError; any claim gives a verdict;
any mutated derivation file gives verdicts or clear errors, never a crash or a hang."""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ROOT
from derivcheck import expressions as ex
from derivcheck.errors import InputError, Location
from derivcheck.results import Verdict
from derivcheck.runner import check_files
from derivcheck.checkers import check_file
from derivcheck.options import Options
from generators import GENERATORS
from mutations import mutate

SCOPE = ex.Scope(frozenset({"w", "b", "z", "a", "x", "y", "yhat", "C", "L", "delta"}),
                 frozenset({"sigmoid", "exp", "log", "tanh"}))
PIECES = ["w[l][j,k]", "a[l-1][k]", "z[L][j]", "y[j]", "yhat[j]", "dC/dw[1][1,1]", "d(a[1][j])/d(z[1][j])",
          "sigmoid'(z[l][j])", "sum(k, w[2][k,j])", "[i == j]", "x[k]", "2", "0.5", "C", "exp(", ")", "(",
          "+", "-", "*", "/", "^", "**", "=", "..", "'", "[", "]", ",", "__import__", ".", "lambda", ":",
          "∂", "·", "\n", " ", "1e400", "9**9**9", "f'", "sum(k in 1..L, ", "diff(", "KroneckerDelta(i, j)"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=12) | st.text(max_size=40))
def test_any_text_parses_or_fails_cleanly(pieces):
    text = pieces if isinstance(pieces, str) else " ".join(pieces)
    try:
        ex.parse_expression(text, Location("f.yaml", 1, 1), SCOPE)
    except InputError as error:
        message = str(error)
        assert message.startswith("f.yaml:") and "Traceback" not in message


CLAIM_PIECES = ["dC/dw[l][j,k]", "dC/dz[l][j]", "dC/db[l][j]", "a[l-1][k]", "delta[l][j]", "sigmoid'(z[l][j])",
                "w[l+1][k,j]", "sum(k, w[l+1][k,j] * delta[l+1][k])", "y[j]", "a[L][j]", "2", "x[k]", "yhat[j]",
                "(a[L][j] - y[j])", "z[l][k]", "w[l][j,k]", "b[l][j]", "1/2"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(CLAIM_PIECES), min_size=1, max_size=4),
       st.lists(st.sampled_from(CLAIM_PIECES), min_size=1, max_size=4),
       st.sampled_from(["*", "+", "-", "/"]))
def test_any_claim_gets_a_verdict(tmp_path_factory, left, right, op):
    claim = f"{f' {op} '.join(left)} = {f' {op} '.join(right)}"
    path = tmp_path_factory.mktemp("fuzz") / "f.yaml"
    path.write_text(f"""network: {{sizes: [2, 3, 2]}}
let:
  delta[L][j]: (a[L][j] - y[j]) * sigmoid'(z[L][j])
  delta[l][j]: sum(k, w[l+1][k,j] * delta[l+1][k]) * sigmoid'(z[l][j])
claims:
  - claim: "{claim}"
""", encoding="utf-8")
    result = check_file(str(path), Options(timeout=0.5, points=4))
    assert result.error is None
    (checked,) = result.claims
    assert checked.verdict in Verdict
    if checked.verdict is Verdict.ERROR:
        assert checked.error.startswith(str(path) + ":")


SEEDS = sorted((ROOT / "derivations").glob("*.yaml")) + sorted((ROOT / "tests" / "hostile").glob("*.yaml"))


def assert_clear(path: str, result) -> None:
    lines = [result.error] if result.error else [c.error for c in result.claims if c.error]
    for line in lines:
        assert line.startswith(path + ":") and "\n" not in line, line
        assert "internal error" not in line and "time limit" not in line and "process ended" not in line, line


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(SEEDS), st.randoms(use_true_random=False))
def test_mutated_derivation_files_get_verdicts_or_clear_errors(tmp_path_factory, seed, rng):
    path = tmp_path_factory.mktemp("mutant") / "m.yaml"
    path.write_text(mutate(seed.read_text(encoding="utf-8"), rng), encoding="utf-8")
    (result,) = check_files([str(path)], Options(timeout=0.5, points=3, file_timeout=60))
    assert_clear(str(path), result)


@pytest.mark.parametrize("generator", GENERATORS, ids=lambda g: g.__name__)
def test_generated_shapes_get_their_verdicts_in_bounded_time(tmp_path, generator):
    """The shapes that once gave wrong verdicts or hung (tests/generators.py), a few of each."""
    rng = random.Random(generator.__name__)
    cases = [generator(rng) for _ in range(3)]
    paths = []
    for number, (text, _) in enumerate(cases):
        paths.append(tmp_path / f"{number}.yaml")
        paths[-1].write_text(text, encoding="utf-8")
    results = check_files([str(p) for p in paths], Options(points=4, timeout=1.0, file_timeout=30))
    for result, (_, allowed) in zip(results, cases):
        assert result.error is None, result.error
        got = [claim.verdict.value for claim in result.claims]
        assert all(verdict in ok for verdict, ok in zip(got, allowed)), (result.path, got)
        assert result.seconds < 20
