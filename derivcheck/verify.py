"""Checking claims: every index instance, numeric spot checks, certified counterexamples, proofs.

For each claim: enumerate the values of its free indices; build both sides as
SymPy expressions over the model's graph (a derivative is the chain rule over
the forward pass, never a claimed formula); judge them at random points in one
vectorized batch, any disagreement confirmed at high precision (``judge``); for
a false claim, search for the mistake (``search``). That gives every claim its
numeric verdict quickly; then, claim by claim, a symbolic proof is tried within
the claim's budget of work (``FileChecker.numeric`` and ``FileChecker.prove``:
a supervisor can stop the slow second phase without losing the first, and the
first hands the second what it starts from, ``Checked``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

from . import syntax as sx
from .deadlines import time_limit
from .errors import DerivcheckError, OutOfTime, OutOfWork, ProofTimeout
from .instances import Instance
from .judge import Judge
from .limits import Budget
from .numeric import EvaluationError
from .options import Options
from .proof import Prover
from .results import ClaimResult, Diagnosis, StepResult, Verdict
from .search import DiagnosisSearch
from .semantics import Model
from .source import one_line
from .spec import ClaimSpec, Spec


@dataclass(frozen=True)
class Holding:
    """What a proof starts from: the instances that hold, and the exact values of the claim's `at:`."""
    instances: list[Instance]
    point: dict


@dataclass(frozen=True)
class Checked:
    """A claim's numeric result, and what the proof of each part that holds starts from (one part, or one
    per step; none where a proof must rebuild it, as after a worker's restart)."""
    result: ClaimResult
    holding: tuple[Holding | None, ...] = ()


class FileChecker:
    """The claims of one file: numeric verdicts first (fast), then proofs (slow, interruptible)."""

    def __init__(self, spec: Spec, options: Options, problem: Model | None = None):
        self.spec = spec
        self.options = options
        self.judge = Judge(spec, options, problem)
        self.model = self.judge.model
        self.search = DiagnosisSearch(self.judge, lambda edited: Judge(edited, options, self.model))
        self.prover = Prover(self.model.graph, self.model.proof_rewrites(), self.model.softmax_groups(),
                             self.model.target_groups(), self.model.one_hot)

    # -- one claim ------------------------------------------------------------------------

    def pending(self, claim: ClaimSpec, reason: str) -> ClaimResult:
        """The result of a claim that was not checked, and why."""
        return ClaimResult(**self._header(claim), verdict=Verdict.ERROR, error=f"{claim.loc}: {reason}")

    @staticmethod
    def _header(claim: ClaimSpec) -> dict:
        return dict(number=claim.number, name=claim.name, text=claim.text, location=str(claim.loc),
                    expect=claim.expect)

    def numeric(self, claim: ClaimSpec) -> Checked:
        """The claim's numeric verdict at every instance: holds, false or error (no proof yet)."""
        start = time.perf_counter()
        self.model.start_claim()
        if claim.steps and claim.error is None:
            return self._numeric_steps(claim)
        if claim.error is not None:
            return Checked(ClaimResult(**self._header(claim), verdict=Verdict.ERROR, error=str(claim.error)))
        timeout = self.options.timeout
        try:
            with time_limit(timeout, OutOfTime, f"not checked: its numeric checks took longer than {timeout:g} s "
                                                   "(--timeout raises it)"):
                instances = self.judge.instances.of(claim)
                evaluator, point = self.judge.evaluator_for(claim)
                outcome, holding, failing = self.judge.judge(claim, instances, evaluator, point)
        except (DerivcheckError, EvaluationError) as error:
            reason = _one_line(error, claim)
        except ArithmeticError as error:  # a number beyond what can be computed
            reason = f"{claim.loc}: cannot be evaluated ({type(error).__name__}: {error})"
        except RecursionError:
            reason = (f"{claim.loc}: definitions nested too deeply to evaluate: deeper than this process can "
                      f"recurse (limit let_depth = {self.spec.limits.let_depth:,})")
        else:
            reason = None
        if reason is not None:
            return Checked(ClaimResult(**self._header(claim), verdict=Verdict.ERROR, error=reason,
                                       seconds=time.perf_counter() - start))
        if failing:
            outcome["diagnosis"] = self.search.diagnose(claim, holding, failing, evaluator, point)
        result = ClaimResult(**self._header(claim), **outcome, seconds=time.perf_counter() - start)
        return Checked(result, () if failing else (Holding(holding, point),))

    def numeric_safely(self, claim: ClaimSpec) -> Checked:
        """``numeric``, with any failure (a bug, no memory left) as this claim's error: never the file's;
        an equation of a note that cannot be read or evaluated is skipped, with why (unless strict)."""
        if claim.skip is not None:
            why = f": {claim.skip}" if claim.skip else ""
            return Checked(ClaimResult(**self._header(claim), verdict=Verdict.SKIPPED,
                                       error=f"{claim.loc}: skipped: marked `derivcheck: skip`{why}"))
        checked = self._numeric_or_error(claim)
        result = checked.result
        if claim.in_note and result.verdict is Verdict.ERROR and not self.options.strict:
            return Checked(replace(result, verdict=Verdict.SKIPPED, error=f"skipped: {result.error}"))
        return checked

    def _numeric_or_error(self, claim: ClaimSpec) -> Checked:
        try:
            return self.numeric(claim)
        except MemoryError:
            return Checked(self.pending(claim, f"out of memory (limit memory_mb = {self.spec.limits.memory_mb:,})"))
        except Exception as error:  # noqa: BLE001 — one claim's failure never stops the file
            return Checked(self.pending(claim, f"internal error: {type(error).__name__}: {one_line(str(error))}"))

    def prove_safely(self, claim: ClaimSpec, checked: Checked) -> ClaimResult:
        """``prove``; if the proof fails in any way, the numeric verdict stands with a note."""
        try:
            return self.prove(claim, checked)
        except Exception as error:  # noqa: BLE001 — the numeric verdict stands
            result = checked.result
            return replace(result, notes=result.notes + (f"symbolic proof failed ({type(error).__name__}); "
                                                         "the verdict rests on the numeric checks",))

    def needs_proof(self, result: ClaimResult) -> bool:
        return self.options.prove and result.verdict is Verdict.HOLDS

    def prove(self, claim: ClaimSpec, checked: Checked) -> ClaimResult:
        """The numeric result of a claim that holds, upgraded to proved when a proof comes in time
        (for a derivation, every step; the claim's budget is shared between them)."""
        start = time.perf_counter()
        result = checked.result
        self.model.start_claim()
        parts = self._step_claims(claim) if claim.steps else [claim]
        holding = checked.holding or (None,) * len(parts)
        proofs = [self._proved(part, known, len(parts)) for part, known in zip(parts, holding)]
        seconds = result.seconds + time.perf_counter() - start
        if not claim.steps:
            ((proved, notes),) = proofs
            verdict = Verdict.PROVED if proved == result.instances else Verdict.HOLDS
            return replace(result, verdict=verdict, proved=proved, notes=tuple(notes) + result.notes,
                           seconds=seconds)
        steps, notes = [], list(result.notes)
        for (proved, part_notes), step in zip(proofs, result.steps):
            verdict = Verdict.PROVED if proved == step.instances else Verdict.HOLDS
            steps.append(replace(step, verdict=verdict, proved=proved))
            notes.extend(f"step {step.number}: {note}" for note in part_notes)
        verdict = Verdict.PROVED if all(step.verdict is Verdict.PROVED for step in steps) else Verdict.HOLDS
        return replace(result, verdict=verdict, proved=sum(step.proved for step in steps), steps=tuple(steps),
                       notes=tuple(notes), seconds=seconds)

    def _proved(self, claim: ClaimSpec, holding: Holding | None, parts: int) -> tuple[int, list[str]]:
        """Instances of the claim proved, within its share (one of ``parts``) of the claim's work and time."""
        if holding is None:  # a fresh checker (a restarted worker) rebuilds them
            holding = Holding(self.judge.instances.of(claim), self.judge.evaluator_for(claim)[1])
        return self._prove(holding.instances, holding.point, parts)

    # -- derivations in steps ---------------------------------------------------------------------

    @staticmethod
    def _step_claims(claim: ClaimSpec) -> list[ClaimSpec]:
        """Each step as a claim: the expression before it = the step."""
        return [replace(claim, equation=sx.Equation(before, after, after.loc), steps=())
                for before, after in zip(claim.steps, claim.steps[1:])]

    def _numeric_steps(self, claim: ClaimSpec) -> Checked:
        """Every step against the one before; after a broken step, whether a later one is right again."""
        start = time.perf_counter()
        checked = [self.numeric(part) for part in self._step_claims(claim)]
        parts = [part.result for part in checked]
        steps: list[StepResult] = []
        broken: int | None = None  # the first broken step
        off_track: int | None = None  # the latest broken step not yet made good
        notes: list[str] = []
        for number, (expression, part) in enumerate(zip(claim.steps[1:], parts), start=2):
            again = off_track is not None and part.verdict is not Verdict.ERROR and self.judge.agrees(
                replace(claim, equation=sx.Equation(claim.steps[0], expression, expression.loc), steps=()))
            if again:
                notes.append(f"step {number} equals step 1 again: the slip at step {off_track} was silently "
                             "corrected")
                off_track = None
            elif part.verdict is Verdict.FALSE and off_track is None:
                off_track = number
                broken = broken or number
            diagnosis = None if again else _step_diagnosis(part.diagnosis, claim.steps[number - 2])
            steps.append(StepResult(number, sx.to_text(expression), part.verdict, part.instances,
                                    counterexamples=part.counterexamples[:1], diagnosis=diagnosis,
                                    error=part.error, right_again=again))
        errors = [part.error for part in parts if part.verdict is Verdict.ERROR]
        first_broken = parts[broken - 2] if broken is not None else None
        diagnosis = None
        if broken is not None and steps[broken - 2].diagnosis is not None:
            found = steps[broken - 2].diagnosis
            texts = [sx.to_text(step) for step in claim.steps]
            if found.corrected is not None:
                texts[broken - 1] = found.corrected
            diagnosis = Diagnosis(found.code, f"step {broken}: {found.message}",
                                  " = ".join(texts) if found.corrected is not None else None)
        verdict = Verdict.ERROR if errors else (Verdict.FALSE if broken is not None else Verdict.HOLDS)
        regions = list(dict.fromkeys(part.region for part in parts if part.region))
        result = ClaimResult(**self._header(claim), verdict=verdict, instances=sum(p.instances for p in parts),
                             region="; then ".join(regions) if verdict is Verdict.HOLDS else None,
                             failed=first_broken.failed if first_broken else 0,
                             counterexamples=first_broken.counterexamples if first_broken else (),
                             diagnosis=diagnosis, error=errors[0] if errors else None, notes=tuple(notes),
                             steps=tuple(steps), seconds=time.perf_counter() - start)
        return Checked(result, tuple(part.holding[0] if part.holding else None for part in checked))

    # -- proofs --------------------------------------------------------------------------------

    def _prove(self, instances: list[Instance], point: dict, parts: int) -> tuple[int, list[str]]:
        """Proofs of the instances within a budget of work (the same on every machine); the wall clock
        (``--timeout``) is only a safety net, and says so when it is reached."""
        work = self.spec.limits.proof_work // parts
        self.prover.budget = Budget(work)
        seconds = self.options.timeout / parts
        deadline = time.perf_counter() + seconds
        proved = 0
        try:
            for instance in reversed(instances):  # deepest layer first: a recursion is proved by induction
                with time_limit(deadline - time.perf_counter(), ProofTimeout, "the proof reached its safety net"):
                    proved += self._prove_one(instance, point)
        except OutOfWork:
            return proved, [f"symbolic proof stopped after {work:,} units of work ({proved} of {len(instances)} "
                            "instances proved; --limit proof_work=N raises it); the verdict rests on the numeric "
                            "checks"]
        except ProofTimeout:
            return proved, [f"symbolic proof stopped by its safety net of {seconds:.3g} s before its work was done "
                            f"({proved} of {len(instances)} instances proved; this machine was slower or busier than "
                            "the budget of work allows for, so the count can differ on another run; --timeout raises "
                            "it); the verdict rests on the numeric checks"]
        except (RecursionError, MemoryError, ValueError, TypeError, AttributeError, NotImplementedError):
            return proved, ["symbolic proof not attempted for every instance (SymPy could not simplify it)"]
        return proved, []

    def _prove_one(self, instance: Instance, point: dict) -> bool:
        if not point:
            return self.prover.prove(instance.lhs, instance.rhs)
        graph = self.model.graph
        return self.prover.is_zero_at((graph.unfold(instance.lhs) - graph.unfold(instance.rhs)).xreplace(point))


def _step_diagnosis(diagnosis: Diagnosis | None, before: sx.Expr) -> Diagnosis | None:
    """A step's diagnosis with the corrected step alone (not the equation with the step before)."""
    if diagnosis is None or diagnosis.corrected is None:
        return diagnosis
    head = sx.to_text(before) + " = "
    if diagnosis.corrected.startswith(head):
        return replace(diagnosis, corrected=diagnosis.corrected[len(head):])
    return diagnosis


def _one_line(error: Exception, claim: ClaimSpec) -> str:
    if isinstance(error, DerivcheckError) and error.location is not None:
        return str(error)
    return f"{claim.loc}: {error}"

