"""Judging one equation at its instances: does it hold at every one, and if not, where certainly not?

A judge holds one model's sample points (``numeric.sample_point_batch``): the
points of the file, and for a one-hot network the same with targets off the
simplex. It compares both sides of every instance in one vectorized batch and
confirms each disagreement at high precision (``numeric.certified_difference``),
so a claim that holds is never called false. The checker's numeric phase and
the diagnosis search both ask it.
"""

from __future__ import annotations

import re
from dataclasses import replace

import mpmath
import numpy as np
import sympy as sp

from . import syntax as sx
from .errors import DerivcheckError, InputError
from .instances import Instance, Instances
from .limits import Budget
from .numeric import (PRECISION_DIGITS, EvaluationError, Evaluator, agree_everywhere, certified_difference,
                      disagree, sample_point_batch, sampling_region, undefined_part)
from .options import Options
from .printing import as_text
from .results import Counterexample, Verdict
from .semantics import Model
from .spec import ClaimSpec, Spec

MAX_POINT_LEAVES = 24
MAX_COUNTEREXAMPLES = 3


class Judge:
    """One model's instances and sample points, and the test of an equation at them."""

    def __init__(self, spec: Spec, options: Options, problem: Model | None = None):
        self.spec = spec
        self.options = options
        self.model = Model(spec, problem)
        self.instances = Instances(self.model, spec)
        self.one_hot = self.model.one_hot
        self._evaluator: Evaluator | None = None
        self._other_targets: Evaluator | None = None

    @property
    def other_targets(self) -> Evaluator:
        """Points with targets off the simplex in a one-hot network, and on it otherwise."""
        if self._other_targets is None:
            self._other_targets = self.batch(not self.one_hot)
        return self._other_targets

    @property
    def evaluator(self) -> Evaluator:
        if self._evaluator is None:
            self._evaluator = self.batch(self.one_hot)
        return self._evaluator

    def batch(self, one_hot: bool, fixed: dict | None = None) -> Evaluator:
        """The sample points (``--seed``), on or off the simplex of targets, with the leaves in ``fixed`` set."""
        network = self.model.network
        rng = np.random.default_rng([self.options.seed, int(one_hot)])
        leaves, functions = sample_point_batch(
            self.model.graph, self.model.target_groups(),
            network.generic_functions() if network else set(), self.options.points, rng, one_hot)
        for symbol, value in (fixed or {}).items():
            leaves[symbol] = np.full(self.options.points, float(value))
        return Evaluator(self.model.graph, leaves, functions, exact=fixed)

    def evaluator_for(self, claim: ClaimSpec) -> tuple[Evaluator, dict]:
        """The points of a claim, and the exact values its `at:` fixes (none without one)."""
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
        return self.batch(self.one_hot, point), point

    def judge(self, claim: ClaimSpec, instances: list[Instance], evaluator: Evaluator,
              point: dict) -> tuple[dict, list[Instance], list[Instance]]:
        """The verdict's fields, and the instances that hold and those that fail."""
        counterexamples: list[Counterexample] = []
        holding: list[Instance] = []
        failing: list[Instance] = []
        accept, accepting = _acceptance(claim)
        accepted: list = []  # true values that differ from the claim only within its written precision
        agreeing = self.agreeing(instances, evaluator)
        for instance in instances:
            if instance.reason is not None:
                failing.append(instance)
                if len(counterexamples) < MAX_COUNTEREXAMPLES:
                    counterexamples.append(Counterexample(dict(instance.bindings), reason=instance.reason))
                continue
            found = None if id(instance) in agreeing else self.disagreement(instance, evaluator, accept, accepted)
            if found is None:
                holding.append(instance)
            else:
                failing.append(instance)
                if len(counterexamples) < MAX_COUNTEREXAMPLES:
                    index, lhs, rhs = found
                    counterexamples.append(Counterexample(
                        dict(instance.bindings), _as_float(lhs), _as_float(rhs),
                        self.point_values(instance, evaluator, index), lhs_text=_value_text(lhs),
                        rhs_text=_value_text(rhs)))
        notes: list[str] = []
        if accepted and not failing:
            notes.append(f"{accepting}: the true value is {mpmath.nstr(accepted[0], 12)}")
        if not failing and self.one_hot and not point and self.needs_one_hot(holding):
            notes.append("holds only under `targets: one_hot` (targets summing to 1): with other targets it is false")
        region = None if failing else self.region(holding, evaluator)
        outcome = dict(verdict=Verdict.FALSE if failing else Verdict.HOLDS, instances=len(instances), region=region,
                       failed=len(failing), counterexamples=tuple(counterexamples), notes=tuple(notes))
        return outcome, holding, failing

    def agrees(self, claim: ClaimSpec) -> bool:
        """Whether a claim holds at every instance (false also when it cannot be evaluated)."""
        try:
            evaluator, _ = self.evaluator_for(claim)
            return self.holds_everywhere(self.instances.of(claim), evaluator)
        except (DerivcheckError, EvaluationError):
            return False

    def holds_everywhere(self, instances: list[Instance], evaluator: Evaluator) -> bool:
        try:
            return all(i.reason is None and self.disagreement(i, evaluator) is None for i in instances)
        except EvaluationError:
            return False

    def edit_holds(self, claim: ClaimSpec, equation: sx.Equation, failing: list[Instance],
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
                    if instance.reason is not None or self.disagreement(instance, evaluator) is not None:
                        return False
                    checked.append(instance.bindings)
            except (DerivcheckError, EvaluationError):
                return False
        # every failing instance is still there: an edit that leaves a quantity undefined explains nothing
        return all(any(all(done.get(k) == v for k, v in wanted.items()) for done in checked)
                   for wanted in ({k: v for k, v in f.bindings.items() if k in free} for f in failing))

    def agreeing(self, instances: list[Instance], evaluator: Evaluator) -> set[int]:
        """The instances (by id) whose sides agree in float at every point, found for all at once; only the
        others are looked at one by one (``disagreement``), which would find nothing in these."""
        compared, pairs = [], []
        for instance in instances:
            if instance.reason is None and instance.lhs != instance.rhs:
                try:
                    pairs.append((evaluator.value(instance.lhs), evaluator.value(instance.rhs)))
                except (EvaluationError, ArithmeticError):  # said where the one-by-one look reaches it
                    break
                compared.append(instance)
        return {id(i) for i, agrees in zip(compared, agree_everywhere(pairs, self.options.points)) if agrees}

    def disagreement(self, instance: Instance, evaluator: Evaluator, accept=None,
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

    def region(self, instances: list[Instance], evaluator: Evaluator) -> str:
        """Where the random points of these instances lie, in words (see ``numeric.SAMPLING``)."""
        graph = self.model.graph
        leaves = graph.upstream_leaves(*(side for instance in instances for side in (instance.lhs, instance.rhs)))
        region = sampling_region(graph, leaves, self.one_hot, evaluator.exact)
        if leaves - set(evaluator.exact):
            region = f"{self.options.points} random points per instance, {region}"
        if evaluator.functions:
            region += "; each generic function a random c1·tanh(c2·u + c3) + c4·u + c5·u² per point"
        return region

    def point_values(self, instance: Instance, evaluator: Evaluator, index: int) -> dict[str, float | str]:
        """The values of the leaves at one point (the first ``MAX_POINT_LEAVES``), and its generic functions."""
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

    def needs_one_hot(self, instances: list[Instance]) -> bool:
        """Whether instances that hold on the simplex of targets fail off it."""
        return any(self.disagreement(instance, self.other_targets) is not None for instance in instances)


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

