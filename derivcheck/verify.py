"""Checking claims: every index instance, numeric spot checks, certified counterexamples, proofs.

For each claim: enumerate the values of its free indices; build both sides as
SymPy expressions over the model's graph (a derivative is the chain rule over
the forward pass, never a claimed formula); compare them at random points in
one vectorized batch; confirm any disagreement at high precision. That gives
every claim its numeric verdict quickly; then, claim by claim, a symbolic proof
is tried within the claim's budget of work (``FileChecker.numeric`` and
``FileChecker.prove``: a supervisor can stop the slow second phase without
losing the first).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, replace

import mpmath
import numpy as np
import sympy as sp

from . import syntax as sx
from .deadlines import time_limit
from .diagnose import Diagnoser
from .errors import DerivcheckError, InputError, OutOfTime, OutOfWork, ProofTimeout
from .gradients import Compactor
from .instances import Instance, Instances
from .limits import DEFAULT_LIMITS, Budget, Limits
from .numeric import (PRECISION_DIGITS, EvaluationError, Evaluator, agree_everywhere, certified_difference,
                      disagree, sample_point_batch, sampling_region, undefined_part)
from .latex_tokens import is_latex
from .latex_writer import latex_of_text, notation_of
from .printing import as_text
from .proof import Prover
from .results import ClaimResult, Counterexample, Diagnosis, StepResult, Verdict
from .semantics import Model
from .source import one_line
from .spec import ClaimSpec, Spec

MAX_POINT_LEAVES = 24
MAX_COUNTEREXAMPLES = 3
MAX_TRUTH_CHARS = 600  # the true side of a false claim is shown up to this length


@dataclass(frozen=True)
class Options:
    seed: int = 0
    points: int = 8  # random points per instance
    timeout: float = 3.0  # seconds per phase of a claim (numeric checks, diagnosis, proof): the safety nets
    prove: bool = True
    file_timeout: float = 120.0  # seconds for a whole file (enforced by the runner's worker processes)
    strict: bool = False  # a note's equations that cannot be read or evaluated are errors, not skipped
    limits: Limits = DEFAULT_LIMITS


class FileChecker:
    """The claims of one file: numeric verdicts first (fast), then proofs (slow, interruptible)."""

    def __init__(self, spec: Spec, options: Options, problem: Model | None = None):
        self.spec = spec
        self.options = options
        self.model = Model(spec, problem)
        self.instances = Instances(self.model, spec)
        self.one_hot = self.model.one_hot
        rewrites = self.model.proof_rewrites()
        self.prover = Prover(self.model.graph, rewrites, self.model.softmax_groups(), self.model.target_groups(),
                             self.one_hot)
        self._evaluator: Evaluator | None = None
        self._other_targets: Evaluator | None = None
        self._holding: dict[tuple, tuple[list[Instance], dict]] = {}  # (number, equation) → instances to prove
        self._compactor: Compactor | None = None

    # -- sampling ------------------------------------------------------------------------

    def _batch(self, one_hot: bool, fixed: dict | None = None) -> Evaluator:
        network = self.model.network
        rng = np.random.default_rng([self.options.seed, int(one_hot)])
        leaves, functions = sample_point_batch(
            self.model.graph, self.model.target_groups(),
            network.generic_functions() if network else set(), self.options.points, rng, one_hot)
        for symbol, value in (fixed or {}).items():
            leaves[symbol] = np.full(self.options.points, float(value))
        return Evaluator(self.model.graph, leaves, functions, exact=fixed)

    @property
    def other_targets(self) -> Evaluator:
        """Points with targets off the simplex in a one-hot network, and on it otherwise."""
        if self._other_targets is None:
            self._other_targets = self._batch(not self.one_hot)
        return self._other_targets

    @property
    def evaluator(self) -> Evaluator:
        if self._evaluator is None:
            self._evaluator = self._batch(self.one_hot)
        return self._evaluator

    # -- one claim ------------------------------------------------------------------------

    def pending(self, claim: ClaimSpec, reason: str) -> ClaimResult:
        """The result of a claim that was not checked, and why."""
        return ClaimResult(**self._header(claim), verdict=Verdict.ERROR, error=f"{claim.loc}: {reason}")

    @staticmethod
    def _header(claim: ClaimSpec) -> dict:
        return dict(number=claim.number, name=claim.name, text=claim.text, location=str(claim.loc),
                    expect=claim.expect)

    def numeric(self, claim: ClaimSpec) -> ClaimResult:
        """The claim's numeric verdict at every instance: holds, false or error (no proof yet)."""
        start = time.perf_counter()
        self.model.start_claim()
        if claim.steps and claim.error is None:
            return self._numeric_steps(claim)
        if claim.error is not None:
            return ClaimResult(**self._header(claim), verdict=Verdict.ERROR, error=str(claim.error))
        timeout = self.options.timeout
        try:
            with time_limit(timeout, OutOfTime, f"not checked: its numeric checks took longer than {timeout:g} s "
                                                   "(--timeout raises it)"):
                instances = self.instances.of(claim)
                evaluator, point = self._evaluator_for(claim)
                outcome, holding, failing = self._judge(claim, instances, evaluator, point)
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
            return ClaimResult(**self._header(claim), verdict=Verdict.ERROR, error=reason,
                               seconds=time.perf_counter() - start)
        if failing:
            outcome["diagnosis"] = self._in_latex(claim, self._diagnosis_in_time(claim, holding, failing, evaluator,
                                                                                  point))
        return ClaimResult(**self._header(claim), **outcome, seconds=time.perf_counter() - start)

    def _diagnosis_in_time(self, claim: ClaimSpec, holding: list[Instance], failing: list[Instance],
                           evaluator: Evaluator, point: dict) -> Diagnosis:
        """The diagnosis of a false claim, or "unexplained" when its search overruns its safety net of
        --timeout seconds (its budget is work, ``diagnosis_work``: the clock is reached only on a machine
        far slower or busier than usual)."""
        timeout = self.options.timeout
        try:
            with time_limit(timeout, OutOfTime, "the diagnosis ran out of time"):
                return self._diagnose(claim, holding, failing, evaluator, point)
        except OutOfTime:
            return Diagnosis("unexplained", "no single common mistake explains the difference (the search stopped "
                                            f"at its safety net of {timeout:g} s before its work was done; "
                                            "another run can differ; --timeout raises it)")
        except ArithmeticError:
            return Diagnosis("unexplained", "no single common mistake explains the difference (the search met a "
                                            "number beyond what can be computed)")

    def _in_latex(self, claim: ClaimSpec, diagnosis: Diagnosis) -> Diagnosis:
        """For a claim written in LaTeX, the corrected claim in LaTeX too."""
        if diagnosis.corrected is None or not (claim.in_note or is_latex(claim.text)):
            return diagnosis
        return replace(diagnosis, corrected_latex=latex_of_text(diagnosis.corrected, self.spec.scope,
                                                                notation_of(self.spec)))

    def numeric_safely(self, claim: ClaimSpec) -> ClaimResult:
        """``numeric``, with any failure (a bug, no memory left) as this claim's error: never the file's;
        an equation of a note that cannot be read or evaluated is skipped, with why (unless strict)."""
        if claim.skip is not None:
            why = f": {claim.skip}" if claim.skip else ""
            return ClaimResult(**self._header(claim), verdict=Verdict.SKIPPED,
                               error=f"{claim.loc}: skipped: marked `derivcheck: skip`{why}")
        result = self._numeric_or_error(claim)
        if claim.in_note and result.verdict is Verdict.ERROR and not self.options.strict:
            return replace(result, verdict=Verdict.SKIPPED, error=f"skipped: {result.error}")
        return result

    def _numeric_or_error(self, claim: ClaimSpec) -> ClaimResult:
        try:
            return self.numeric(claim)
        except MemoryError:
            return self.pending(claim, f"out of memory (limit memory_mb = {self.spec.limits.memory_mb:,})")
        except Exception as error:  # noqa: BLE001 — one claim's failure never stops the file
            return self.pending(claim, f"internal error: {type(error).__name__}: {one_line(str(error))}")

    def prove_safely(self, claim: ClaimSpec, result: ClaimResult) -> ClaimResult:
        """``prove``; if the proof fails in any way, the numeric verdict stands with a note."""
        try:
            return self.prove(claim, result)
        except Exception as error:  # noqa: BLE001 — the numeric verdict stands
            return replace(result, notes=result.notes + (f"symbolic proof failed ({type(error).__name__}); "
                                                         "the verdict rests on the numeric checks",))

    def needs_proof(self, result: ClaimResult) -> bool:
        return self.options.prove and result.verdict is Verdict.HOLDS

    def prove(self, claim: ClaimSpec, result: ClaimResult) -> ClaimResult:
        """The numeric result of a claim that holds, upgraded to proved when a proof comes in time
        (for a derivation, every step; the claim's budget is shared between them)."""
        start = time.perf_counter()
        self.model.start_claim()
        if not claim.steps:
            proved, notes = self._proved(claim, 1)
            verdict = Verdict.PROVED if proved == result.instances else Verdict.HOLDS
            return replace(result, verdict=verdict, proved=proved, notes=tuple(notes) + result.notes,
                           seconds=result.seconds + time.perf_counter() - start)
        parts = self._step_claims(claim)
        steps, notes = [], list(result.notes)
        for part, step in zip(parts, result.steps):
            proved, part_notes = self._proved(part, len(parts))
            verdict = Verdict.PROVED if proved == step.instances else Verdict.HOLDS
            steps.append(replace(step, verdict=verdict, proved=proved))
            notes.extend(f"step {step.number}: {note}" for note in part_notes)
        verdict = Verdict.PROVED if all(step.verdict is Verdict.PROVED for step in steps) else Verdict.HOLDS
        return replace(result, verdict=verdict, proved=sum(step.proved for step in steps), steps=tuple(steps),
                       notes=tuple(notes), seconds=result.seconds + time.perf_counter() - start)

    def _proved(self, claim: ClaimSpec, parts: int) -> tuple[int, list[str]]:
        """Instances of the claim proved, within its share (one of ``parts``) of the claim's work and time."""
        key = (claim.number, claim.equation)
        if key not in self._holding:  # a fresh checker (a restarted worker) rebuilds them
            self._holding[key] = (self.instances.of(claim), self._evaluator_for(claim)[1])
        instances, point = self._holding.pop(key)
        return self._prove(instances, point, parts)

    # -- derivations in steps ---------------------------------------------------------------------

    @staticmethod
    def _step_claims(claim: ClaimSpec) -> list[ClaimSpec]:
        """Each step as a claim: the expression before it = the step."""
        return [replace(claim, equation=sx.Equation(before, after, after.loc), steps=())
                for before, after in zip(claim.steps, claim.steps[1:])]

    def _numeric_steps(self, claim: ClaimSpec) -> ClaimResult:
        """Every step against the one before; after a broken step, whether a later one is right again."""
        start = time.perf_counter()
        parts = [self.numeric(part) for part in self._step_claims(claim)]
        steps: list[StepResult] = []
        broken: int | None = None  # the first broken step
        off_track: int | None = None  # the latest broken step not yet made good
        notes: list[str] = []
        for number, (expression, part) in enumerate(zip(claim.steps[1:], parts), start=2):
            again = off_track is not None and part.verdict is not Verdict.ERROR and self._agrees(
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
        return ClaimResult(**self._header(claim), verdict=verdict, instances=sum(p.instances for p in parts),
                           region="; then ".join(regions) if verdict is Verdict.HOLDS else None,
                           failed=first_broken.failed if first_broken else 0,
                           counterexamples=first_broken.counterexamples if first_broken else (),
                           diagnosis=diagnosis,
                           error=errors[0] if errors else None, notes=tuple(notes), steps=tuple(steps),
                           seconds=time.perf_counter() - start)

    def _agrees(self, claim: ClaimSpec) -> bool:
        try:
            evaluator, _ = self._evaluator_for(claim)
            return self._holds_everywhere(self.instances.of(claim), evaluator)
        except (DerivcheckError, EvaluationError):
            return False

    def _evaluator_for(self, claim: ClaimSpec) -> tuple[Evaluator, dict]:
        if claim.at is None:
            return self.evaluator, {}
        point = {}
        for variable, value in claim.at:
            symbol = self.model.evaluate(variable, {})
            if symbol not in self.model.graph.leaves:
                raise InputError(f"'{symbol}' in `at` is not an input, parameter or symbol", variable.loc)
            number = self.model.evaluate(value, {})
            if not number.is_number:
                raise InputError(f"the value of '{symbol}' in `at` is not a number", value.loc)
            point[symbol] = number
        return self._batch(self.one_hot, point), point

    def _judge(self, claim: ClaimSpec, instances: list[Instance], evaluator: Evaluator,
               point: dict) -> tuple[dict, list[Instance], list[Instance]]:
        """The verdict's fields, and the instances that hold and those that fail."""
        counterexamples: list[Counterexample] = []
        holding: list[Instance] = []
        failing: list[Instance] = []
        accept, accepting = _acceptance(claim)
        accepted: list = []  # true values that differ from the claim only within its written precision
        agreeing = self._agreeing(instances, evaluator)
        for instance in instances:
            if instance.reason is not None:
                failing.append(instance)
                if len(counterexamples) < MAX_COUNTEREXAMPLES:
                    counterexamples.append(Counterexample(dict(instance.bindings), reason=instance.reason))
                continue
            found = None if id(instance) in agreeing else self._disagreement(instance, evaluator, accept, accepted)
            if found is None:
                holding.append(instance)
            else:
                failing.append(instance)
                if len(counterexamples) < MAX_COUNTEREXAMPLES:
                    index, lhs, rhs = found
                    counterexamples.append(Counterexample(
                        dict(instance.bindings), _as_float(lhs), _as_float(rhs),
                        self._point(instance, evaluator, index), lhs_text=_value_text(lhs),
                        rhs_text=_value_text(rhs)))
        notes: list[str] = []
        if accepted and not failing:
            notes.append(f"{accepting}: the true value is {mpmath.nstr(accepted[0], 12)}")
        if not failing:
            self._holding[(claim.number, claim.equation)] = (holding, point)
            if self.one_hot and not point and self._needs_one_hot(holding):
                notes.append("holds only under `targets: one_hot` (targets summing to 1): "
                             "with other targets it is false")
        region = None if failing else self._region(holding, evaluator)
        outcome = dict(verdict=Verdict.FALSE if failing else Verdict.HOLDS, instances=len(instances), region=region,
                       failed=len(failing), counterexamples=tuple(counterexamples), notes=tuple(notes))
        return outcome, holding, failing

    # -- diagnoses -----------------------------------------------------------------------------

    def _diagnose(self, claim: ClaimSpec, holding: list[Instance], failing: list[Instance],
                  evaluator: Evaluator, point: dict) -> Diagnosis:
        """Which common mistake makes the claim false (see ``diagnose``), within a budget of work: each
        edit tried and each instance it is checked at count, so the answer is the same on every machine."""
        budget = Budget(self.spec.limits.diagnosis_work)
        if not self.one_hot and not point and self.model.target_groups() \
                and self._holds_everywhere(holding + failing, self.other_targets):
            return Diagnosis("needs_one_hot", "holds only when the targets sum to 1 (one-hot labels): "
                                              "add `targets: one_hot` to the network if that is meant")
        diagnoser = Diagnoser(claim.equation, self.spec.scope, self.model.network,
                              lambda equation: self._edit_holds(claim, equation, failing, evaluator, budget))
        found, stopped = None, False
        try:
            ratio = self._constant_ratio(failing, evaluator, diagnoser.edit_left)
            found = (diagnoser.constant_factor(ratio) if ratio is not None else None) or diagnoser.search()
        except OutOfWork:
            stopped = True
        found = found or self._only_where_equal(claim, holding, failing)
        if found is None and not stopped:
            try:
                found = self._in_a_definition(claim, failing, budget)
            except OutOfWork:
                stopped = True
        found = found or diagnoser.index_hint()
        if found is None:
            found = Diagnosis("unexplained", "no single common mistake explains the difference"
                              + (f" (the search stopped after its {budget.limit:,} units of work; --limit "
                                 "diagnosis_work=N raises it)" if stopped else ""))
        if found.corrected is None:
            found = replace(found, truth=self._truth(claim, failing, evaluator, diagnoser.edit_left))
        return found

    def _truth(self, claim: ClaimSpec, failing: list[Instance], evaluator: Evaluator,
               edit_left: bool) -> str | None:
        """The true side at the first failing instance, compactly (over dC/dz or the file's lets),
        checked equal to the ground truth."""
        instance = next((i for i in failing if i.reason is None), None)
        if instance is None:
            return None
        node = claim.equation.rhs if edit_left else claim.equation.lhs
        truth = instance.rhs if edit_left else instance.lhs
        if self._compactor is None or self._compactor.evaluator is not evaluator:
            self._compactor = Compactor(self.model, evaluator)
        compact = self._compactor.one_level(truth)  # dC/dz[1][1] alone says nothing: one layer down
        if not self._compactor.same(compact, truth):
            return None
        where = ", ".join(f"{name}={value}" for name, value in instance.bindings.items())
        values = {**instance.bindings, **self.model.layer_binding()}
        text = as_text(compact)
        if len(text) > MAX_TRUTH_CHARS:  # a formula nobody reads; the values at the counterexample say it
            return None
        return f"{'at ' + where + ': ' if where else ''}{sx.to_text(sx.bind(node, values))} = {text}"

    def _in_a_definition(self, claim: ClaimSpec, failing: list[Instance], budget: Budget) -> Diagnosis | None:
        """The mistake inside a `let` the claim uses: an edit of the definition under which the claim
        holds (each edit is tried on a model of the file with the let edited, and costs the budget that
        model's quantities)."""
        used = {node.id for node in sx.walk(claim.equation) if isinstance(node, (sx.Name, sx.Indexed))}
        for let in self.spec.lets:
            if let.name not in used or let.body is None or isinstance(let.head, sx.Call):
                continue
            definition = sx.Equation(let.head, let.body, let.loc)
            diagnoser = Diagnoser(definition, self.spec.scope, self.model.network, right_only=True,
                                  holds=lambda edited, let=let: self._holds_with(claim, let, edited.rhs, failing,
                                                                                  budget))
            found = diagnoser.search()
            if found is not None:
                head = sx.to_text(let.head)
                corrected = found.corrected.replace(" = ", ": ", 1) if found.corrected else None
                return Diagnosis(found.code, f"the definition of {head} (line {let.loc.line}) is wrong: "
                                             f"{found.message}", corrected)
        return None

    def _holds_with(self, claim: ClaimSpec, let, body: sx.Expr, failing: list[Instance], budget: Budget) -> bool:
        """Whether the claim holds at every instance with the let's body replaced: on a model of the file
        with that let (its own quantities shared; each a unit of work, as when they were rebuilt), its
        failing instances first, as an edit of the claim."""
        budget.charge(len(self.model.graph.quantities))
        lets = tuple(replace(other, body=body) if other is let else other for other in self.spec.lets)
        try:
            checker = FileChecker(replace(self.spec, lets=lets), replace(self.options, prove=False), self.model)
            evaluator = checker._evaluator_for(claim)[0]
        except (DerivcheckError, EvaluationError):
            return False
        return checker._edit_holds(claim, claim.equation, failing, evaluator, budget)

    def _holds_everywhere(self, instances: list[Instance], evaluator: Evaluator) -> bool:
        try:
            return all(i.reason is None and self._disagreement(i, evaluator) is None for i in instances)
        except EvaluationError:
            return False

    def _constant_ratio(self, failing: list[Instance], evaluator: Evaluator, edit_left: bool) -> float | None:
        """truth / formula when it is the same number at every point of the failing instances."""
        ratios = []
        for instance in failing[:5]:
            if instance.reason is not None:
                return None
            formula, truth = (instance.lhs, instance.rhs) if edit_left else (instance.rhs, instance.lhs)
            with np.errstate(all="ignore"):
                ratios.append(np.asarray(evaluator.value(truth), dtype=float)
                              / np.asarray(evaluator.value(formula), dtype=float))
        values = np.concatenate([np.broadcast_to(r, (self.options.points,)) for r in ratios]) if ratios else None
        if values is None or not np.isfinite(values).all():
            return None
        middle = float(np.sort(values)[values.size // 2])  # (np.median would import numpy.ma: 16 ms)
        return middle if np.allclose(values, middle, rtol=1e-9, atol=0) else None

    def _only_where_equal(self, claim: ClaimSpec, holding, failing) -> Diagnosis | None:
        """False exactly where two indices differ: the off-diagonal terms are missing."""
        letters = sx.free_indices(claim.equation, self.spec.scope)
        softmax = self.spec.network is not None and self.spec.network.activations[-1] == "softmax"
        jacobian = ""
        if softmax:
            names = self.spec.network.notation.names
            yhat, z = names["output"], names["preact"]
            jacobian = f": d({yhat}[i])/d({z}[L][j]) = {yhat}[i] * ([i == j] - {yhat}[j])"
        for first, second in ((a, b) for n, a in enumerate(letters) for b in letters[n + 1:]):
            if not holding or any(i.reason for i in failing):
                break
            equal = [i.bindings[first] == i.bindings[second] for i in holding + failing]
            if all(equal[:len(holding)]) and not any(equal[len(holding):]):
                what = "the off-diagonal terms of the softmax Jacobian" if softmax else "the terms"
                return Diagnosis("off_diagonal", f"holds only where {first} = {second}: {what} "
                                                 f"({first} ≠ {second}) are missing{jacobian}")
            if not any(equal[:len(holding)]) and all(equal[len(holding):]):
                what = "the diagonal term of the softmax Jacobian" if softmax else "the term"
                return Diagnosis("diagonal", f"holds only where {first} ≠ {second}: {what} "
                                             f"({first} = {second}) is missing{jacobian}")
        return None

    def _edit_holds(self, claim: ClaimSpec, equation: sx.Equation, failing: list[Instance],
                    evaluator: Evaluator, budget: Budget) -> bool:
        """Whether an edited claim holds at every instance (the failing ones tried first); each edit and
        each instance checked is a unit of the diagnosis's work."""
        budget.charge(1)
        edited = replace(claim, equation=equation)
        free = sx.free_indices(equation, self.spec.scope)
        if claim.for_range is not None and claim.for_range.var not in free:
            edited = replace(edited, for_range=None)
        try:  # the instances the claim is about: its `where:` holds for the edit too
            combinations = self.instances.selected(edited, self.instances.combinations(edited)[0])
        except DerivcheckError:
            return False
        seen = [{k: v for k, v in f.bindings.items() if k in free} for f in failing[:3]]
        ordered = sorted(combinations, key=lambda c: not any(
            all(c.bindings.get(k) == v for k, v in s.items()) for s in seen))
        checked: list[dict] = []
        for combination in ordered:
            if combination.reason is not None:
                return False
            budget.charge(1)
            try:
                for instance in self.instances.build(equation, combination.bindings, {}, []):
                    if instance.reason is not None or self._disagreement(instance, evaluator) is not None:
                        return False
                    checked.append(instance.bindings)
            except (DerivcheckError, EvaluationError):
                return False
        # every failing instance is still there: an edit that leaves a quantity undefined explains nothing
        return all(any(all(done.get(k) == v for k, v in wanted.items()) for done in checked)
                   for wanted in ({k: v for k, v in f.bindings.items() if k in free} for f in failing))

    def _region(self, instances: list[Instance], evaluator: Evaluator) -> str:
        """Where the random points of these instances lie, in words (see ``numeric.SAMPLING``)."""
        graph = self.model.graph
        leaves = graph.upstream_leaves(*(side for instance in instances for side in (instance.lhs, instance.rhs)))
        region = sampling_region(graph, leaves, self.one_hot, evaluator.exact)
        if leaves - set(evaluator.exact):
            region = f"{self.options.points} random points per instance, {region}"
        if evaluator.functions:
            region += "; each generic function a random c1·tanh(c2·u + c3) + c4·u + c5·u² per point"
        return region

    def _agreeing(self, instances: list[Instance], evaluator: Evaluator) -> set[int]:
        """The instances (by id) whose sides agree in float at every point, found for all at once; only the
        others are looked at one by one (``_disagreement``), which would find nothing in these."""
        compared, pairs = [], []
        for instance in instances:
            if instance.reason is None and instance.lhs != instance.rhs:
                try:
                    pairs.append((evaluator.value(instance.lhs), evaluator.value(instance.rhs)))
                except (EvaluationError, ArithmeticError):  # said where the one-by-one look reaches it
                    break
                compared.append(instance)
        return {id(i) for i, agrees in zip(compared, agree_everywhere(pairs, self.options.points)) if agrees}

    def _disagreement(self, instance: Instance, evaluator: Evaluator, accept=None,
                      accepted: list | None = None) -> tuple[int, object, object] | None:
        """A point where the two sides certainly differ (and not within what ``accept`` allows: a claim's
        tolerance): its index and both values at high precision; None if none."""
        if instance.lhs == instance.rhs:  # the same expression (0 = 0 among them): nothing to evaluate
            return None
        lhs = np.broadcast_to(np.asarray(evaluator.value(instance.lhs), dtype=float), (self.options.points,))
        rhs = np.broadcast_to(np.asarray(evaluator.value(instance.rhs), dtype=float), (self.options.points,))
        flagged = disagree(lhs, rhs)
        usable = int((~flagged & ~np.isnan(lhs) & ~np.isnan(rhs)).sum())  # agreeing points
        for index in np.flatnonzero(flagged):
            low, high = (evaluator.at_point(int(index), digits) for digits in PRECISION_DIGITS)
            low_pair = (low.value(instance.lhs), low.value(instance.rhs))
            high_pair = (high.value(instance.lhs), high.value(instance.rhs))
            if certified_difference(low_pair, high_pair):
                if accept is None or not accept(*high_pair):
                    return int(index), low_pair[0], low_pair[1]
                accepted.append(high_pair[0] if _is_literal(instance.rhs) else high_pair[1])
            usable += all(mpmath.isfinite(value) for value in (*low_pair, *high_pair))
        if not usable:
            raise EvaluationError("both sides could not be evaluated at any sample point "
                                  "(is the claim defined for real values, and within a computable size?)")
        if 2 * usable < self.options.points:  # a verdict resting on one or two points is no verdict
            part = undefined_part(evaluator, instance.lhs) or undefined_part(evaluator, instance.rhs)
            raise EvaluationError(f"too few valid points ({usable} of {self.options.points})"
                                  + (f": {as_text(part)} is undefined at most points" if part is not None else "")
                                  + "; declare a domain (constants: positive, unit, …)")
        return None

    def _point(self, instance: Instance, evaluator: Evaluator, index: int) -> dict[str, float | str]:
        graph = self.model.graph
        leaves = graph.upstream_leaves(instance.lhs, instance.rhs)
        ordered = sorted(leaves, key=_natural_order)[:MAX_POINT_LEAVES]
        point: dict[str, float | str] = {graph.quantities[s].label(): _point_value(evaluator, s, index)
                                         for s in ordered}
        if len(leaves) > MAX_POINT_LEAVES:
            point["…"] = f"… {len(leaves) - MAX_POINT_LEAVES} more (the same --seed reproduces them)"
        for name, coefficients in evaluator.functions.items():
            c = [float(v[index]) for v in coefficients]
            point[f"{name}(u)"] = (f"{c[0]:.4g}·tanh({c[1]:.4g}·u {_signed(c[2])}) {_signed(c[3])}·u "
                                   f"{_signed(c[4])}·u²")
        return point

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

    def _needs_one_hot(self, instances: list[Instance]) -> bool:
        return any(self._disagreement(instance, self.other_targets) is not None for instance in instances)

def _step_diagnosis(diagnosis: Diagnosis | None, before: sx.Expr) -> Diagnosis | None:
    """A step's diagnosis with the corrected step alone (not the equation with the step before)."""
    if diagnosis is None or diagnosis.corrected is None:
        return diagnosis
    head = sx.to_text(before) + " = "
    if diagnosis.corrected.startswith(head):
        return replace(diagnosis, corrected=diagnosis.corrected[len(head):])
    return diagnosis


def _natural_order(symbol: sp.Symbol) -> list:
    """w[1][1,2] before w[1][1,10]: numbers in a name compare as numbers."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", str(symbol))]


def _acceptance(claim: ClaimSpec):
    """(accept(lhs, rhs), what it means) for a claim with a tolerance — given, or the precision of a
    decimal written as one side of a claim at a point (−0.1966 stands for −0.19661…) — else (None, "")."""
    if claim.tolerance is not None:
        tolerance = mpmath.mpf(claim.tolerance)
        return (lambda lhs, rhs: abs(lhs - rhs) <= tolerance * max(abs(lhs), abs(rhs)),
                f"equal within the relative tolerance {claim.tolerance}")
    if claim.at is None or claim.steps:
        return None, ""
    for side in (claim.equation.rhs, claim.equation.lhs):
        literal = side.operand if isinstance(side, sx.Neg) else side
        if isinstance(literal, sx.Num) and any(mark in literal.text for mark in ".eE"):
            mantissa, _, exponent = literal.text.lower().partition("e")
            half_unit = mpmath.mpf(10) ** (int(exponent or 0) - len(mantissa.partition(".")[2])) / 2
            digits = len(mantissa.replace(".", "").lstrip("0")) or 1
            return (lambda lhs, rhs: abs(lhs - rhs) <= half_unit,
                    f"equal to the {digits} significant digit{'s' * (digits != 1)} written ({sx.to_text(side)})")
    return None, ""


def _is_literal(expr) -> bool:
    return isinstance(expr, sp.Number)


def _as_float(value) -> float | None:
    """A high-precision value as a float, or None where float would change it (beyond its range)."""
    number = float(value)
    return number if np.isfinite(number) and (number != 0 or value == 0) else None


def _point_value(evaluator: Evaluator, symbol: sp.Symbol, index: int) -> float | str:
    """A leaf's value at a point: a float, or the text of an `at:` value beyond float's range."""
    value = float(evaluator.leaves[symbol][index])
    if np.isfinite(value) or symbol not in evaluator.exact:
        return value
    return _value_text(evaluator.at_point(index, PRECISION_DIGITS[0]).leaves[symbol])


def _value_text(value) -> str:
    """A high-precision value to 10 digits, as float would print it where float can hold it."""
    number = _as_float(value)
    return f"{number:.10g}" if number is not None else mpmath.nstr(value, 10)


def _signed(value: float) -> str:
    return f"+ {value:.4g}" if value >= 0 else f"- {-value:.4g}"


def _one_line(error: Exception, claim: ClaimSpec) -> str:
    if isinstance(error, DerivcheckError) and error.location is not None:
        return str(error)
    return f"{claim.loc}: {error}"

