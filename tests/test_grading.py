"""Grading against an answer key (GRADING.md): the contract's key and submission, scores, guards, outputs."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
import textwrap
from fractions import Fraction
from pathlib import Path

import jsonschema
import pytest

from conftest import ROOT
from derivcheck.errors import InputError
from derivcheck.gradebook import csv_text, gradescope, prairielearn, scored
from derivcheck.grading import graded_spec, load_key
from derivcheck.checkers import check_spec
from derivcheck.options import Options

EXAMPLES = ROOT / "examples" / "grading"
KEY = (EXAMPLES / "hw3.key.yaml").read_text(encoding="utf-8")
SCHEMAS = Path(__file__).parent / "schemas"


def grade(submission: str, key: str = KEY, name: str = "s.yaml"):
    """A submission (text) graded against a key (text): its Submission of scores."""
    text = textwrap.dedent(submission).lstrip("\n")
    spec = graded_spec(key, "key.yaml", text, name)
    return scored(load_key(key, "key.yaml"), check_spec(spec, Options()))


def scores(submission) -> dict[str, Fraction]:
    return {answer.question.id: answer.score for answer in submission.answers}


def feedback(submission, question: str, level: str = "diagnosis") -> str:
    return next(a for a in submission.answers if a.question.id == question).feedback(level)


def test_the_contracts_key_and_submission_score_full_marks():
    ada = grade((EXAMPLES / "ada.yaml").read_text(encoding="utf-8"))
    assert scores(ada) == {"bp1": 2, "bp2": 3, "bp4": 3, "sigma_prime": 1} and ada.total == 9
    assert ada.student == "ada" and all(a.result.verdict.value == "proved" for a in ada.answers)


def test_a_slightly_wrong_partner_loses_exactly_its_points():
    # sigma for sigma' in the last layer's delta: bp1 and everything built on it is wrong
    bob = grade("""
        let:
          delta[L][j]: (a[L][j] - y[j]) * sigmoid(z[L][j])
          delta[l][j]: sum(k, w[l+1][k,j] * delta[l+1][k]) * sigmoid'(z[l][j])
        answers:
          bp1: delta[L][j]
          bp2: delta[l][j]
          bp4: delta[l][j] * a[l-1][k]
          sigma_prime: sigmoid(u) * (1 - sigmoid(u))
    """)
    assert scores(bob) == {"bp1": 0, "bp2": 0, "bp4": 0, "sigma_prime": 1}
    assert bob.answers[0].result.diagnosis.code == "function_for_derivative"
    assert "the definition of delta[L][j] (line 2) is wrong" in feedback(bob, "bp1")


def test_credit_by_instances_is_an_exact_share_of_the_points():
    # right for the last layer's 6 weights, wrong for the first layer's 6: 3 points × 6/12
    cy = grade("""
        answers:
          bp4: (a[L][j] - y[j]) * sigmoid'(z[L][j]) * a[l-1][k]
    """)
    assert cy.answers[2].score == Fraction(3, 2) and cy.answers[2].verdict == "right at 6 of 12 instances"
    thirds = KEY.replace("points: 3\n    ask: dC/dw", "points: 1\n    ask: dC/dw")
    assert grade("answers:\n  bp4: (a[L][j] - y[j]) * sigmoid'(z[L][j]) * a[l-1][k]\n", thirds).answers[2].score \
        == Fraction(1, 2)
    # with credit: all (the default) the same answer, right at half its instances, gives nothing
    everything = KEY.replace("credit: instances", "credit: all")
    assert grade("answers:\n  bp4: (a[L][j] - y[j]) * sigmoid'(z[L][j]) * a[l-1][k]\n", everything).answers[2] \
        .score == 0


def test_the_markdown_submission_answers_by_marker(write):
    cy = grade((EXAMPLES / "cy.md").read_text(encoding="utf-8"), name="cy.md")
    assert scores(cy) == {"bp1": 2, "bp2": 0, "bp4": Fraction(3, 2), "sigma_prime": 1}
    assert cy.student == "cy" and feedback(cy, "bp2") == "not graded: no answer"
    wrong_side = grade("<!-- derivcheck: answer bp1 -->\n$$\\frac{\\partial C}{\\partial z^1_j} = 0$$\n",
                       name="n.md")
    assert "does not start with the question's left side dC/dz[L][j]" in feedback(wrong_side, "bp1")


@pytest.mark.parametrize("answer, message", [
    ("dC/dz[L][j]", "the answer contains a derivative: question bp1 asks for it written out"),
    ("g[j]", "g (its definition at line 2) contains a derivative"),
    ("(a[L][j] - y[j]) * (", "s.yaml:4:28: cannot read '(a[L][j] - y[j]) * ('"),
])
def test_an_answer_that_breaks_a_rule_scores_zero_with_the_reason(answer, message):
    result = grade(f"""
        let:
          g[j]: dC/da[L][j] * sigmoid'(z[L][j])
        answers:
          bp1: '{answer}'
    """)
    assert result.answers[0].score == 0 and message in feedback(result, "bp1")
    assert result.answers[0].verdict == "not graded"


def test_forbidden_names_and_the_keys_own_definitions():
    forbidden = grade("answers:\n  sigma_prime: \"sigmoid'(u)\"\n")
    assert "the answer uses sigmoid', which question sigma_prime forbids" in feedback(forbidden, "sigma_prime")
    key = KEY.replace("network:", "let:\n  d2[j]: (a[L][j] - y[j]) * sigmoid'(z[L][j])\nnetwork:")
    borrowed = grade("answers:\n  bp1: d2[j]\n", key)
    assert "uses d2, a definition of the key that question bp1 does not allow" in feedback(borrowed, "bp1")
    allowed = key.replace("ask: dC/dz[L][j]", "ask: dC/dz[L][j]\n    allow: [d2]")
    assert grade("answers:\n  bp1: d2[j]\n", allowed).answers[0].score == 2


def test_a_submission_may_not_bring_a_model_and_unknown_ids_are_ignored():
    with pytest.raises(InputError, match="a submission may not bring `network:`"):
        grade("network: {sizes: [1, 1]}\nanswers:\n  bp1: 0\n")
    with pytest.raises(InputError, match="a submission may not bring `claims:`"):
        grade("claims:\n  - claim: x = x\n")
    with pytest.raises(InputError, match="s.md:4:1: a submission may not bring a model of its own"):
        grade("---\nstudent: ada\n---\n<!-- derivcheck: model\nsymbols: [x]\n-->\n$$x = x$$\n", name="s.md")
    extra = grade("answers:\n  bp1: (a[L][j] - y[j]) * sigmoid'(z[L][j])\n  bp9: 0\n")
    assert extra.total == 2 and "s.yaml:3:3: answer 'bp9' is not a question of the key" in extra.warnings[0]


@pytest.mark.parametrize("change, message", [
    (("questions:", "claims:\n  - claim: x = x\nquestions:"), "a key asks `questions:`"),
    (("credit: instances", "credit: most"), "credit must be all or instances, not 'most'"),
    (("id: bp2", "id: bp1"), "question id 'bp1' is used twice"),
    (("ask: dC/dz[l][j]", "ask: dC/dq[l][j]"), "unknown name 'q'"),
    (("points: 2", "points: -2"), "points must be ≥ 0"),
    (("symbols: [u]", "symbols: [u]\n    allow: [delta]"), "allow names 'delta', which is not a `let` of the key"),
])
def test_a_key_that_cannot_be_used_is_one_line(change, message):
    with pytest.raises(InputError, match=message.replace("[", r"\[").replace("(", r"\(")):
        load_key(KEY.replace(*change), "key.yaml")


def test_the_csv_gradebook_has_a_row_per_submission():
    key = load_key(KEY, "key.yaml")
    rows = list(csv.reader(io.StringIO(csv_text(key, [grade((EXAMPLES / "ada.yaml").read_text()),
                                                      grade("answers:\n  sigma_prime: sigmoid(u)*(1-sigmoid(u))\n")]))))
    assert rows == [["submission", "student", "bp1", "bp2", "bp4", "sigma_prime", "total", "max"],
                    ["s.yaml", "ada", "2", "3", "3", "1", "9", "9"],
                    ["s.yaml", "s.yaml", "0", "0", "0", "1", "1", "9"]]


def test_gradescope_results_follow_its_format_at_every_feedback_level():
    schema = json.loads((SCHEMAS / "gradescope_results.json").read_text(encoding="utf-8"))
    key = load_key(KEY, "key.yaml")
    bob = grade((EXAMPLES / "bob.yaml").read_text(encoding="utf-8"))
    for level in ("verdict", "diagnosis", "full"):
        document = gradescope(key, bob, level)
        jsonschema.validate(document, schema)
        assert document["score"] == 0 and [t["name"] for t in document["tests"]] == ["bp1", "bp2", "bp4",
                                                                                      "sigma_prime"]
    assert gradescope(key, bob, "verdict")["tests"][0]["output"] == "wrong"
    assert "why: the definition of delta[L][j]" in gradescope(key, bob, "diagnosis")["tests"][0]["output"]
    assert "right: delta[L][j]: (a[L][j] - y[j]) * sigmoid'(z[L][j])" in gradescope(key, bob, "full")["tests"][0][
        "output"]
    assert "right:" not in gradescope(key, bob, "diagnosis")["tests"][0]["output"]
    # no one edit explains bp4: full feedback gives the true value where it first fails instead
    assert "truth: at l=1, j=1, k=1: dC/dw[1][1,1] = x[1]*dC/dz[1][1]" in gradescope(key, bob, "full")["tests"][2][
        "output"]
    assert "truth:" not in gradescope(key, bob, "diagnosis")["tests"][2]["output"]


def test_prairielearn_does_not_charge_an_attempt_for_an_unreadable_submission(write):
    key = load_key(KEY, "key.yaml")
    ada = prairielearn(key, grade((EXAMPLES / "ada.yaml").read_text()), "diagnosis")
    assert ada["gradable"] is True and ada["score"] == 1.0 and len(ada["tests"]) == 4
    unreadable = scored(key, _unreadable_result())
    assert prairielearn(key, unreadable, "diagnosis")["gradable"] is False


def _unreadable_result():
    from derivcheck.results import FileResult
    return FileResult("s.yaml", "s.yaml", error="s.yaml:1:5: the submission must be a mapping")


def test_grade_through_the_console_script(run, tmp_path):
    results = tmp_path / "results.json"
    table = tmp_path / "grades.csv"
    done = run("grade", "--key", "examples/grading/hw3.key.yaml", "examples/grading", "--csv", str(table),
               "--jobs", "2")
    assert done.returncode == 0, done.stderr
    assert "class summary: 3 submissions" in done.stdout and "4.5 / 9" in done.stdout
    assert table.read_text().splitlines()[3] == "examples/grading/cy.md,cy,2,0,1.5,1,4.5,9"
    done = run("grade", "--key", "examples/grading/hw3.key.yaml", "examples/grading/bob.yaml", "--gradescope",
               str(results), "--json")
    assert done.returncode == 0 and json.loads(done.stdout)["schema"] == 1
    assert json.loads(results.read_text())["tests"][1]["output"].startswith("not graded:")
    bad = tmp_path / "eve.yaml"
    bad.write_text("network: {sizes: [1, 1]}\n")
    done = run("grade", "--key", "examples/grading/hw3.key.yaml", str(bad))
    assert done.returncode == 2 and "a submission may not bring `network:`" in done.stdout
    done = run("grade", "--key", "examples/grading/hw3.key.yaml", "examples/grading", "--gradescope", str(results))
    assert done.returncode == 2 and done.stderr.strip() == \
        "derivcheck: --gradescope writes the results of one submission, not 3"
    done = run("grade", "--key", str(bad), "examples/grading/ada.yaml")
    assert done.returncode == 2 and "the key has no `questions:`" in done.stderr


@pytest.mark.parametrize("submission, reason", [
    ("answers:\n  bp1: '" + "a[L][j] + " * 600 + "0'\n", "expression too long"),
    ("answers:\n  bp1: !!python/object:os.system echo\n", "s.yaml:2:8:"),
    ("answers: &a [*a]\n", "too many YAML values (aliases expanded)"),
    ("answers: [bp1, bp2]\n", "answers must be a mapping"),
])
def test_a_hostile_submission_costs_only_itself(submission, reason):
    try:
        result = grade(submission)
    except InputError as error:  # the whole submission: not graded, one line
        assert reason in str(error) and "\n" not in str(error)
        return
    assert result.total == 0 and reason in feedback(result, "bp1")


def test_the_json_follows_its_schema_and_questions_at_a_point_or_where():
    key = """
        network: {sizes: [2, 3, 2], activation: sigmoid, loss: half_sse}
        questions:
          - id: at_zero
            points: 1
            ask: sigmoid'(u)
            symbols: [u]
            at: {u: 0}
          - id: off_diagonal
            points: 3
            ask: dC/dw[l][j,k]
            where: j != k
            credit: instances
    """
    key = textwrap.dedent(key).lstrip()
    # right for the 4 off-diagonal weights of the last layer, wrong for the 4 of the first: 3 × 4/8
    submission = grade("answers:\n  at_zero: 1/4\n  off_diagonal: (a[L][j] - y[j]) * sigmoid'(z[L][j]) * a[l-1][k]\n",
                       key)
    assert scores(submission) == {"at_zero": 1, "off_diagonal": Fraction(3, 2)}
    assert submission.answers[1].result.instances == 8
    from derivcheck.gradebook import grade_json

    schema = json.loads((ROOT / "docs" / "grade.schema.json").read_text(encoding="utf-8"))
    document = grade_json(load_key(key, "key.yaml"), [submission, grade("answers: {}\n", key)], "full", 0.5)
    jsonschema.validate(document, schema)
    assert document["submissions"][0]["total_exact"] == "5/2" and document["submissions"][0]["total"] == "2.5"
    assert document["questions"][1]["mean"] == "0.75"


@pytest.mark.console
@pytest.mark.parametrize("answers, name, score", [("cy.md", "answers.md", 4.5), (None, None, 0)])
def test_the_gradescope_script_grades_a_fake_autograder_tree(tmp_path, answers, name, score):
    root = tmp_path / "autograder"
    (root / "source").mkdir(parents=True)
    (root / "submission").mkdir()
    shutil.copy(EXAMPLES / "hw3.key.yaml", root / "source" / "key.yaml")
    if answers:
        shutil.copy(EXAMPLES / answers, root / "submission" / name)
    scripts = Path(sys.executable).parent
    env = dict(os.environ, AUTOGRADER_ROOT=str(root), PATH=f"{scripts}{os.pathsep}{os.environ['PATH']}")
    subprocess.run(["bash", str(EXAMPLES / "gradescope" / "run_autograder")], env=env, check=True, timeout=300,
                   capture_output=True)
    results = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    jsonschema.validate(results, json.loads((SCHEMAS / "gradescope_results.json").read_text(encoding="utf-8")))
    assert results["score"] == score
    if answers is None:
        assert "No answers.yaml or answers.md" in results["output"]
    else:
        assert [test["score"] for test in results["tests"]] == [2, 0, 1.5, 1]


def test_the_command_line_offers_the_feedback_levels_the_gradebook_has():
    from derivcheck import cli, results

    grade_command = next(action for action in cli.build_parser()._subparsers._group_actions[0].choices["grade"]._actions
                         if action.dest == "feedback")
    assert tuple(grade_command.choices) == results.FEEDBACK
