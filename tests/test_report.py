"""The terminal rendering, into a fixed-width console."""

from __future__ import annotations

import io

from rich.console import Console

from derivcheck.report import RunReport
from derivcheck.results import ClaimResult, Counterexample, Diagnosis, FileResult, Verdict


def claim(**fields) -> ClaimResult:
    base = dict(number=1, name="BP4", text="dC/dw[l][j,k] = delta[l][j] * a[l-1][k]", location="f.yaml:9:5",
                expect="holds", verdict=Verdict.PROVED, instances=12, proved=12)
    base.update(fields)
    return ClaimResult(**base)


def rendered(results, quiet=False) -> str:
    buffer = io.StringIO()
    console = Console(file=buffer, width=100, color_system=None, highlight=False)
    console.print(RunReport(results, quiet, 1.25), soft_wrap=True)
    return buffer.getvalue()


FALSE = claim(number=2, name="mistake", verdict=Verdict.FALSE, proved=0, failed=2, counterexamples=(
    Counterexample({"l": 1, "j": 2}, 0.5, 0.25, {"w[1][2,1]": 1.5, "x[1]": -0.75}),
    Counterexample({"l": 2, "j": 3}, reason="a[2][3] is out of range: a[2][j] has j in 1..2"),
), diagnosis=Diagnosis("wrong_layer", "the wrong layer: a[l][j] should be a[l-1][j]", "dC/db[l][j] = a[l-1][j]"))


def test_table_and_summary():
    text = rendered([FileResult("f.yaml", "BP", (claim(), FALSE))])
    assert "f.yaml  BP" in text
    assert "│ BP4" in text and "proved" in text and "2/12 false" in text and "false ✗" in text
    assert "    at l=1, j=2: left side = 0.5, right side = 0.25" in text
    assert "      where w[1][2,1]=1.5, x[1]=-0.75" in text
    assert "    at l=2, j=3: a[2][3] is out of range: a[2][j] has j in 1..2" in text
    assert text.rstrip().endswith("1 file, 2 claims: 1 proved, 0 hold, 1 false; 1 not as expected, 0 errors in 1.2s")


def test_expected_false_shows_one_instance_without_the_point():
    expected = claim(number=2, name="kept", expect="false", verdict=Verdict.FALSE, proved=0, failed=2,
                     counterexamples=FALSE.counterexamples)
    text = rendered([FileResult("f.yaml", "BP", (expected,))])
    assert "false (expected)" in text and "… 1 more false instance" in text and "where" not in text


def test_quiet_hides_what_is_as_expected_and_errors_are_one_line():
    long_error = "f.yaml:3:7: unknown name 'sigma' (" + "x" * 200 + ")"
    results = [FileResult("good.yaml", "good", (claim(),)), FileResult("bad.yaml", "bad", error=long_error)]
    text = rendered(results, quiet=True)
    assert "good.yaml" not in text
    assert long_error in text.splitlines()[0]


def test_control_characters_in_paths_are_shown_escaped():
    text = rendered([FileResult("hw\x1b[2J.yaml", "hw", (FALSE,)),
                     FileResult("bad\u202e.yaml", "bad", error="bad\u202e.yaml:1:1: invalid YAML")])
    assert "\x1b" not in text and "\u202e" not in text
    assert "hw\\u001b[2J.yaml" in text and "bad\\u202e.yaml:1:1: invalid YAML" in text


def test_a_diagnosis_comes_first_with_the_right_formula():
    lines = rendered([FileResult("f.yaml", "BP", (FALSE,))]).splitlines()
    why = lines.index("    why: the wrong layer: a[l][j] should be a[l-1][j]")
    assert lines[why + 1] == "    right: dC/db[l][j] = a[l-1][j]"
    assert lines[why + 2].startswith("    at l=1, j=2: left side = 0.5")


def test_a_long_file_shows_what_is_not_as_expected_and_counts_the_rest():
    wrong = {7, 150, 299}
    claims = tuple(claim(number=n, name=f"claim {n}", verdict=Verdict.FALSE if n in wrong else Verdict.PROVED,
                         failed=1 if n in wrong else 0) for n in range(1, 301))
    text = rendered([FileResult("big.yaml", "big.yaml", claims)])
    rows = [line for line in text.splitlines() if "│" in line and line.split("│")[0].strip().isdigit()]
    assert len(rows) == 200
    assert all(any(line.split("│")[0].strip() == str(n) for line in rows) for n in wrong)
    assert "… 100 more claims as expected, not shown (all are in --json)" in text
    assert "1 file, 300 claims: 297 proved, 0 hold, 3 false" in text


def test_where_a_claim_that_holds_was_checked():
    text = rendered([FileResult("f.yaml", "f.yaml", (claim(verdict=Verdict.HOLDS, proved=0,
                                                           region="8 random points per instance, x in ±[0.3, 1.6]"),))])
    assert "    checked at: 8 random points per instance, x in ±[0.3, 1.6]" in text
