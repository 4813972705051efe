"""The diagnosis of a false claim: which common mistake it is, and the right formula.

The search asks a ``judge.Judge`` whether each edit of the claim (``diagnose``)
holds at every instance, within a budget of work (``diagnosis_work``: each edit
and each instance it is checked at), so the same file and ``--seed`` give the
same diagnosis on every machine; the clock (``--timeout``) is only a safety net,
and the diagnosis says when it was reached. An edit of a `let` is judged on a
judge rebuilt for the edited file (``rebuild``), sharing the problem's model.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np

from . import syntax as sx
from .deadlines import time_limit
from .diagnose import Diagnoser
from .errors import DerivcheckError, OutOfTime, OutOfWork
from .forward_edits import ForwardFacts
from .gradients import Compactor
from .instances import Instance
from .judge import Judge
from .latex_tokens import is_latex
from .latex_writer import latex_of_text, notation_of
from .limits import Budget
from .numeric import EvaluationError, Evaluator
from .printing import as_text
from .results import Diagnosis
from .rewriting import names_in
from .spec import ClaimSpec, Spec

MAX_TRUTH_CHARS = 600  # the true side of a false claim is shown up to this length


class DiagnosisSearch:
    """The diagnoses of one model's false claims."""

    def __init__(self, judge: Judge, rebuild: Callable[[Spec], Judge]):
        self.judge = judge
        self.rebuild = rebuild
        self.spec = spec = judge.spec
        self.forward = ForwardFacts.of(spec.forward, spec.lets) if spec.forward is not None else \
            ForwardFacts.of_lets(spec.lets) if spec.network is None else None
        self._compactor: Compactor | None = None

    def diagnose(self, claim: ClaimSpec, holding: list[Instance], failing: list[Instance],
                 evaluator: Evaluator, point: dict) -> Diagnosis:
        """The diagnosis of a false claim (for a claim in LaTeX, its correction in LaTeX too), or
        "unexplained" when the search overruns its safety net of --timeout seconds."""
        timeout = self.judge.options.timeout
        try:
            with time_limit(timeout, OutOfTime, "the diagnosis ran out of time"):
                return self._in_latex(claim, self._diagnose(claim, holding, failing, evaluator, point))
        except OutOfTime:
            return Diagnosis("unexplained", "no single common mistake explains the difference (the search stopped "
                                            f"at its safety net of {timeout:g} s before its work was done; "
                                            "another run can differ; --timeout raises it)")
        except ArithmeticError:
            return Diagnosis("unexplained", "no single common mistake explains the difference (the search met a "
                                            "number beyond what can be computed)")

    def _in_latex(self, claim: ClaimSpec, diagnosis: Diagnosis) -> Diagnosis:
        if diagnosis.corrected is None or not (claim.in_note or is_latex(claim.text)):
            return diagnosis
        return replace(diagnosis, corrected_latex=latex_of_text(diagnosis.corrected, self.spec.scope,
                                                                notation_of(self.spec)))

    def _diagnose(self, claim: ClaimSpec, holding: list[Instance], failing: list[Instance],
                  evaluator: Evaluator, point: dict) -> Diagnosis:
        judge = self.judge
        budget = Budget(self.spec.limits.diagnosis_work)
        if not judge.one_hot and not point and judge.model.target_groups() \
                and judge.holds_everywhere(holding + failing, judge.other_targets):
            return Diagnosis("needs_one_hot", "holds only when the targets sum to 1 (one-hot labels): "
                                              "add `targets: one_hot` to the network if that is meant")
        diagnoser = Diagnoser(claim.equation, self.spec.scope, judge.model.network,
                              lambda equation: judge.edit_holds(claim, equation, failing, evaluator, budget),
                              forward=self.forward)
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
        model = self.judge.model
        node = claim.equation.rhs if edit_left else claim.equation.lhs
        truth = instance.rhs if edit_left else instance.lhs
        if self._compactor is None or self._compactor.evaluator is not evaluator:
            self._compactor = Compactor(model, evaluator)
        compact = self._compactor.one_level(truth)  # dC/dz[1][1] alone says nothing: one layer down
        if not self._compactor.same(compact, truth):
            return None
        where = ", ".join(f"{name}={value}" for name, value in instance.bindings.items())
        values = {**instance.bindings, **model.layer_binding()}
        text = as_text(compact)
        if len(text) > MAX_TRUTH_CHARS:  # a formula nobody reads; the values at the counterexample say it
            return None
        return f"{'at ' + where + ': ' if where else ''}{sx.to_text(sx.bind(node, values))} = {text}"

    def _in_a_definition(self, claim: ClaimSpec, failing: list[Instance], budget: Budget) -> Diagnosis | None:
        """The mistake inside a `let` the claim uses: an edit of the definition under which the claim
        holds (each edit is judged on the file with the let edited, and costs the budget that model's
        quantities)."""
        used = names_in(claim.equation)
        problem = self._problem_lets(claim.equation)
        for let in self.spec.lets:
            if let.name not in used or let.name in problem or let.body is None or isinstance(let.head, sx.Call):
                continue
            definition = sx.Equation(let.head, let.body, let.loc)
            diagnoser = Diagnoser(definition, self.spec.scope, self.judge.model.network, right_only=True,
                                  holds=lambda edited, let=let: self._holds_with(claim, let, edited.rhs, failing,
                                                                                  budget), forward=self.forward)
            found = diagnoser.search()
            if found is not None:
                head = sx.to_text(let.head)
                corrected = found.corrected.replace(" = ", ": ", 1) if found.corrected else None
                return Diagnosis(found.code, f"the definition of {head} (line {let.loc.line}) is wrong: "
                                             f"{found.message}", corrected)
        return None

    def _problem_lets(self, equation: sx.Equation) -> set[str]:
        """The lets a derivative's numerator is built from (E in d(E)/d(u), and the lets E uses): they state
        the problem, not the answer, so a diagnosis never edits them."""
        lets = {let.name: let for let in self.spec.lets}
        waiting = [name for node in sx.walk(equation) if isinstance(node, sx.Derivative)
                   for name in names_in(node.expr) if name in lets]
        found: set[str] = set()
        while waiting:
            name = waiting.pop()
            if name not in found:
                found.add(name)
                waiting.extend(n for let in self.spec.lets if let.name == name and let.body is not None
                               for n in names_in(let.body) if n in lets)
        return found

    def _holds_with(self, claim: ClaimSpec, let, body: sx.Expr, failing: list[Instance], budget: Budget) -> bool:
        """Whether the claim holds at every instance with the let's body replaced: judged on the file with
        that let (the problem's quantities shared; each a unit of work, as when they were rebuilt), its
        failing instances first, as an edit of the claim."""
        budget.charge(len(self.judge.model.graph.quantities))
        lets = tuple(replace(other, body=body) if other is let else other for other in self.spec.lets)
        try:
            judge = self.rebuild(replace(self.spec, lets=lets))
            evaluator = judge.evaluator_for(claim)[0]
        except (DerivcheckError, EvaluationError):
            return False
        return judge.edit_holds(claim, claim.equation, failing, evaluator, budget)

    def _constant_ratio(self, failing: list[Instance], evaluator: Evaluator, edit_left: bool) -> float | None:
        """truth / formula when it is the same number at every point of the failing instances where either is
        nonzero (where both are 0, as behind a dead ReLU unit, any factor fits; the edit is judged anyway)."""
        points = self.judge.options.points
        ratios = []
        for instance in failing[:5]:
            if instance.reason is not None:
                return None
            formula, truth = (instance.lhs, instance.rhs) if edit_left else (instance.rhs, instance.lhs)
            truths, formulas = (np.broadcast_to(np.asarray(evaluator.value(side), dtype=float), (points,))
                                for side in (truth, formula))
            both_zero = (truths == 0) & (formulas == 0)  # a dead ReLU unit: 0 = 0 says nothing of the ratio
            with np.errstate(all="ignore"):
                ratios.append((truths / formulas)[~both_zero])
        values = np.concatenate(ratios) if ratios else None
        if values is None or not values.size or not np.isfinite(values).all():
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
