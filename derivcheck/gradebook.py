"""Scores of graded submissions, and what instructors import: a CSV gradebook, Gradescope's results.json,
JSON, and the terminal's tables with a summary of the class.

A score is exact: points × the share of instances right, as a fraction, rounded only when shown. What a
student is shown of each answer depends on ``--feedback``: the verdict; also the diagnosis (default); or
also the right formula and a counterexample (``full``: the right formula is the key's to give away).
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass
from fractions import Fraction

from rich.console import Group
from rich.table import Table
from rich.text import Text

from . import __version__
from .grading import Key, Question
from .report import counterexample_lines
from .results import ClaimResult, FileResult, Verdict
from .source import one_line, visible

GRADE_SCHEMA = 1  # the version of docs/grade.schema.json
_RIGHT = (Verdict.PROVED, Verdict.HOLDS)


@dataclass(frozen=True)
class Answer:
    """One question of one submission: its score and the result of its claim (None: not graded)."""

    question: Question
    score: Fraction
    result: ClaimResult | None

    @property
    def verdict(self) -> str:
        result = self.result
        if result is None or result.verdict not in (*_RIGHT, Verdict.FALSE):
            return "not graded"
        if result.verdict in _RIGHT:
            return "right"
        right = result.instances - result.failed
        return f"right at {right} of {result.instances} instances" if 0 < right else "wrong"

    def feedback(self, level: str) -> str:
        """What the student is shown of this answer, at ``level`` (one of ``results.FEEDBACK``)."""
        result = self.result
        if result is None:
            return "not graded: the submission could not be graded"
        if result.verdict not in (*_RIGHT, Verdict.FALSE):
            return f"not graded: {one_line(result.error or result.verdict.value)}"
        if result.verdict in _RIGHT:
            return "right" + (" (proved)" if result.verdict is Verdict.PROVED else
                              f" (checked numerically: {result.region})" if result.region else "")
        lines = [self.verdict]
        diagnosis = result.diagnosis
        if level in ("diagnosis", "full") and diagnosis is not None:
            lines.append(f"why: {diagnosis.message}")
        if level == "full":
            if diagnosis is not None and (diagnosis.corrected or diagnosis.truth):
                lines.append(f"right: {diagnosis.corrected}" if diagnosis.corrected else f"truth: {diagnosis.truth}")
            if result.counterexamples:
                lines.extend(counterexample_lines(result.counterexamples[0]))
        return "\n".join(lines)


@dataclass(frozen=True)
class Submission:
    path: str
    student: str
    answers: tuple[Answer, ...]
    error: str | None = None  # the submission could not be graded at all
    warnings: tuple[str, ...] = ()

    @property
    def total(self) -> Fraction:
        return sum((answer.score for answer in self.answers), Fraction(0))


def scored(key: Key, result: FileResult) -> Submission:
    """A submission's scores from the results of its graded claims (one per question, in the key's order)."""
    if result.error:
        return Submission(result.path, result.path, tuple(Answer(q, Fraction(0), None) for q in key.questions),
                          result.error, result.warnings)
    answers = tuple(Answer(question, _score(question, claim), claim)
                    for question, claim in zip(key.questions, result.claims))
    return Submission(result.path, result.title, answers, warnings=result.warnings)


def _score(question: Question, claim: ClaimResult) -> Fraction:
    if claim.verdict in _RIGHT:
        return question.points
    if claim.verdict is not Verdict.FALSE or question.credit == "all" or not claim.instances:
        return Fraction(0)
    return question.points * Fraction(claim.instances - claim.failed, claim.instances)


def shown(value: Fraction) -> str:
    """A score as a gradebook shows it: exact when it is a short decimal, else rounded to 4 places."""
    text = f"{float(value):.4f}".rstrip("0").rstrip(".")
    return text if text not in ("-0", "") else "0"


def csv_text(key: Key, submissions: list[Submission]) -> str:
    """One row per submission: submission, student, a column per question id, total, max."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["submission", "student", *(q.id for q in key.questions), "total", "max"])
    for submission in submissions:
        writer.writerow([visible(submission.path), visible(submission.student),
                         *(shown(a.score) for a in submission.answers), shown(submission.total), shown(key.points)])
    return out.getvalue()


def gradescope(key: Key, submission: Submission, level: str) -> dict:
    """Gradescope's autograder results.json for one submission: its score, one test per question."""
    tests = [{"name": answer.question.id, "score": float(answer.score), "max_score": float(answer.question.points),
              "status": "passed" if answer.score == answer.question.points else "failed",
              "output": visible(answer.feedback(level))} for answer in submission.answers]
    output = f"{key.title}: {shown(submission.total)} of {shown(key.points)} points"
    if submission.error:
        output += f"\nnot graded: {visible(submission.error)}"
    output += "".join(f"\n{visible(warning)}" for warning in submission.warnings)
    return {"score": float(submission.total), "output": output, "tests": tests}


def prairielearn(key: Key, submission: Submission, level: str) -> dict:
    """PrairieLearn's external-grader result for one submission: a score from 0 to 1, one test per question;
    a submission that cannot be read is not gradable, so a typo does not cost the student an attempt."""
    if submission.error:
        return {"gradable": False, "score": 0, "message": f"not graded: {visible(submission.error)}", "tests": []}
    tests = [{"name": answer.question.id, "points": float(answer.score), "max_points": float(answer.question.points),
              "output": visible(answer.feedback(level))} for answer in submission.answers]
    score = float(submission.total / key.points) if key.points else 1.0
    return {"gradable": True, "score": score,
            "message": f"{key.title}: {shown(submission.total)} of {shown(key.points)} points", "tests": tests}


def grade_json(key: Key, submissions: list[Submission], level: str, seconds: float) -> dict:
    """Every submission's scores (exact, as fractions, and rounded), verdicts and feedback, and the summary."""
    return {
        "schema": GRADE_SCHEMA, "derivcheck": __version__, "key": visible(key.path), "title": visible(key.title),
        "feedback": level,
        "max": shown(key.points), "seconds": round(seconds, 3),
        "questions": [{"id": q.id, "points": shown(q.points), "credit": q.credit, **_summary(q, i, submissions)}
                      for i, q in enumerate(key.questions)],
        "submissions": [{
            "path": visible(s.path), "student": visible(s.student), "error": s.error and visible(s.error),
            "warnings": [visible(w) for w in s.warnings], "total": shown(s.total), "total_exact": str(s.total),
            "answers": [{"id": a.question.id, "score": shown(a.score), "score_exact": str(a.score),
                         "verdict": a.verdict, "feedback": visible(a.feedback(level)),
                         "result": a.result.to_dict() if a.result is not None else None} for a in s.answers],
        } for s in submissions],
    }


def _summary(question: Question, index: int, submissions: list[Submission]) -> dict:
    """Per question: the mean score and the most common diagnoses (what the class got wrong)."""
    answers = [s.answers[index] for s in submissions]
    mean = sum((a.score for a in answers), Fraction(0)) / len(answers) if answers else Fraction(0)
    codes = Counter(a.result.diagnosis.code for a in answers
                    if a.result is not None and a.result.diagnosis is not None)
    return {"mean": shown(mean), "right": sum(a.verdict == "right" for a in answers),
            "diagnoses": [{"code": code, "count": count} for code, count in codes.most_common(3)]}


class GradeReport:
    """The terminal rendering: a table per submission, then the class summary (for more than one)."""

    def __init__(self, key: Key, submissions: list[Submission], level: str):
        self.key, self.submissions, self.level = key, submissions, level

    def __rich__(self) -> Group:
        parts: list = []
        for submission in self.submissions:
            table = Table(title=Text(f"{visible(submission.path)}  {visible(submission.student)}  "
                                     f"{shown(submission.total)} / {shown(self.key.points)}"), title_justify="left")
            for column in ("question", "score", "feedback"):
                table.add_column(column)
            for answer in submission.answers:
                table.add_row(answer.question.id, f"{shown(answer.score)} / {shown(answer.question.points)}",
                              Text(visible(answer.feedback(self.level))))
            parts.append(table)
            parts.extend(Text(f"{visible(line)}") for line in
                         ([f"not graded: {submission.error}"] if submission.error else []) + list(submission.warnings))
        if len(self.submissions) > 1:
            summary = Table(title=Text(f"class summary: {len(self.submissions)} submissions"), title_justify="left")
            for column in ("question", "mean", "right", "most common diagnoses"):
                summary.add_column(column)
            for index, question in enumerate(self.key.questions):
                found = _summary(question, index, self.submissions)
                summary.add_row(question.id, f"{found['mean']} / {shown(question.points)}",
                                f"{found['right']} of {len(self.submissions)}",
                                ", ".join(f"{d['code']} ({d['count']})" for d in found["diagnoses"]) or "—")
            parts.append(summary)
        return Group(*parts)
