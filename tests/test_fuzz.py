"""Property tests: any text gives a syntax tree or one clear InputError; any claim gives a verdict."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from derivcheck import expressions as ex
from derivcheck.errors import InputError, Location
from derivcheck.results import Verdict
from derivcheck.verify import Options, check_file

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
