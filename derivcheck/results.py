"""Results as data: what was checked, the verdicts, counterexamples and timings.

Renderers (terminal, JSON) only read these objects.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import Enum


FEEDBACK = ("verdict", "diagnosis", "full")  # what a graded student is shown: see gradebook.Answer.feedback


class Verdict(str, Enum):
    PROVED = "proved"  # symbolically identical for every instance
    HOLDS = "holds"  # every numeric spot check agrees; no proof within the budget
    FALSE = "false"  # some instance disagrees (certified at high precision)
    ERROR = "error"  # the claim could not be read or evaluated
    SKIPPED = "skipped"  # an equation of a note that could not be read or evaluated, or marked skip


@dataclass(frozen=True)
class Counterexample:
    """One failing instance: the index values, both sides at a point, or why it is out of range."""

    instance: dict[str, int]
    lhs: float | None = None
    rhs: float | None = None
    point: dict[str, float | str] = field(default_factory=dict)
    reason: str | None = None
    lhs_text: str | None = None  # both sides to 10 digits at high precision (also beyond float's range)
    rhs_text: str | None = None

    def value_text(self, side: str) -> str:
        """The value of side ``lhs`` or ``rhs`` to 10 digits (beyond float's range too)."""
        text, value = getattr(self, side + "_text"), getattr(self, side)
        if text is not None:
            return text
        return "—" if value is None else f"{value:.10g}"

    def instance_text(self) -> str:
        return ", ".join(f"{name}={value}" for name, value in self.instance.items()) or "—"


@dataclass(frozen=True)
class Diagnosis:
    """Why a claim is false: a stable code, a sentence, the corrected claim when an edit explains it,
    and otherwise the true value at a failing instance."""

    code: str
    message: str
    corrected: str | None = None
    truth: str | None = None  # when nothing corrects it: the true value at a failing instance, compactly
    corrected_latex: str | None = None  # the corrected claim in LaTeX, for a claim written in LaTeX


@dataclass(frozen=True)
class StepResult:
    """One step of a derivation: its expression checked against the one before."""

    number: int  # the expression's position, from 2 (the first expression is step 1)
    text: str
    verdict: Verdict
    instances: int = 0
    proved: int = 0
    counterexamples: tuple[Counterexample, ...] = ()
    diagnosis: Diagnosis | None = None
    error: str | None = None
    right_again: bool = False  # after a broken step: equal to the first expression again


@dataclass(frozen=True)
class ClaimResult:
    number: int
    name: str
    text: str
    location: str
    expect: str
    verdict: Verdict
    instances: int = 0
    proved: int = 0
    failed: int = 0
    region: str | None = None  # where the random points of a claim that holds lay
    counterexamples: tuple[Counterexample, ...] = ()
    error: str | None = None
    notes: tuple[str, ...] = ()
    diagnosis: Diagnosis | None = None
    steps: tuple[StepResult, ...] = ()
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        if self.verdict is Verdict.ERROR:
            return False
        if self.verdict is Verdict.SKIPPED:  # reported, and no change to the exit status
            return True
        return (self.verdict is Verdict.FALSE) == (self.expect == "false")

    def to_dict(self) -> dict:
        data = asdict(self)
        data["verdict"] = self.verdict.value
        data["ok"] = self.ok
        return data


@dataclass(frozen=True)
class FileResult:
    path: str
    title: str
    claims: tuple[ClaimResult, ...] = ()
    error: str | None = None
    seconds: float = 0.0
    warnings: tuple[str, ...] = ()  # what the file probably does not mean; the verdicts stand

    @property
    def status(self) -> int:
        """0: every verdict as expected; 1: some claim is not; 2: something could not be read."""
        if self.error or any(c.verdict is Verdict.ERROR for c in self.claims):
            return 2
        return 0 if all(c.ok for c in self.claims) else 1

    def to_dict(self) -> dict:
        return {"path": self.path, "title": self.title, "status": self.status, "error": self.error,
                "warnings": list(self.warnings), "seconds": round(self.seconds, 4),
                "claims": [c.to_dict() for c in self.claims]}
