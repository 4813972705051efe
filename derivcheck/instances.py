"""A claim's index instances: every combination of its free indices, each built as two SymPy sides.

The values an index takes come from the quantities it indexes (or a claim's
`for:`); an instance whose quantities are out of range carries the reason and
is false without numbers. A side that is a matrix gives one instance per entry.
Everything is counted against the `instances` limit before it is built, dead
ends (index values that lead nowhere) included.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from . import syntax as sx
from .errors import IndexRangeError, InputError, ShapeError, UndefinedError
from .indexing import span_of
from .limits import over_limit
from .matrices import is_matrix, shape_text, simplest
from .semantics import Model
from .spec import ClaimSpec, Spec


@dataclass
class Instance:
    """One index instance of a claim: its index values and its two sides (or why it is false)."""

    bindings: dict[str, int]
    lhs: sp.Expr | None = None
    rhs: sp.Expr | None = None
    reason: str | None = None  # why the instance is false without numbers (index out of range)


class Instances:
    """The instances of a file's claims over its model."""

    def __init__(self, model: Model, spec: Spec):
        self.model = model
        self.spec = spec

    def of(self, claim: ClaimSpec) -> list[Instance]:
        combinations, unresolved, undefined = self.combinations(claim)
        explicit = self.explicit(claim)
        limits = self.spec.limits
        results: list[Instance] = []
        for instance in self.selected(claim, combinations):
            results.extend([instance] if instance.reason else
                           self.build(claim.equation, instance.bindings, explicit, undefined))
            if len(results) > limits.instances:  # the entries of matrices count, one instance each
                raise over_limit("too many index instances (each entry of a matrix is one)", "instances", limits,
                                 claim.loc)
        if not results:
            if unresolved:
                raise InputError(f"cannot tell which values '{unresolved[0]}' takes", claim.loc,
                                 "a free index must index a quantity such as w, a, z, y or a data list")
            raise InputError("the claim is not defined at any layer", claim.loc,
                             undefined[0] if undefined else "check the layer indices")
        return results

    def selected(self, claim: ClaimSpec, combinations: list[Instance]) -> list[Instance]:
        """The combinations that a claim's `where:` keeps (all of them without one)."""
        if claim.where is None:
            return combinations
        kept = []
        for instance in combinations:
            try:
                value = self.model.condition(claim.where, instance.bindings, {})
            except IndexRangeError as error:
                raise InputError(f"`where`: {error.message}", claim.where.loc) from None
            if not value.is_Integer:
                raise InputError("`where` compares the claim's index letters and data", claim.where.loc,
                                 "e.g. where: w != o, or t < T and j != k")
            if value == 1:
                kept.append(instance)
        if not kept:
            raise InputError("`where` leaves no instance of the claim", claim.where.loc)
        return kept

    def explicit(self, claim: ClaimSpec) -> dict[str, range]:
        """The range a claim's `for:` gives its index."""
        if claim.for_range is None:
            return {}
        free = sx.free_indices(claim.equation, self.spec.scope)
        var = claim.for_range.var
        if var not in free:
            raise InputError(f"`for` ranges over '{var}', which the claim does not use", claim.for_range.loc)
        return {var: range(self.model.index(claim.for_range.lo, {}), self.model.index(claim.for_range.hi, {}) + 1)}

    def combinations(self, claim: ClaimSpec) -> tuple[list[Instance], list[str], list[str]]:
        """The index values of every instance, before any is built (a claim over the limit costs no
        building); an instance whose quantities are out of range carries the reason. Also the
        letters whose values could not be told and what was undefined."""
        equation = claim.equation
        model = self.model
        free = sx.free_indices(equation, self.spec.scope)
        layer_vars = [v for v in free
                      if any(o.layer_slot for o in model.ranges.occurrences(v, [equation.lhs, equation.rhs], {}))]
        explicit = self.explicit(claim)
        order = layer_vars + [v for v in free if v not in layer_vars]
        combinations: list[Instance] = []
        unresolved: list[str] = []
        undefined: list[str] = []
        tried = 0  # combinations, and dead ends where an index's values could not be told

        def count() -> None:
            nonlocal tried
            tried += 1
            if tried > self.spec.limits.instances:
                raise over_limit("too many index instances", "instances", self.spec.limits, claim.loc)

        def expand(position: int, bindings: dict[str, int]) -> None:
            if position == len(order):
                count()
                combinations.append(Instance(dict(bindings)))
                return
            var = order[position]
            if var in explicit:
                values = explicit[var]
            elif var in layer_vars:  # a layer letter indexes a, z, w or b: there is a network
                values = range(0, model.network.L + 1)
            else:
                found = model.ranges.occurrences(var, [equation.lhs, equation.rhs], bindings)
                defined = [o for o in found if o.defined]
                if not defined:
                    count()
                    missing = [o.what for o in found]
                    if missing and any(v in bindings for v in explicit):
                        combinations.append(Instance(dict(bindings), reason=missing[0]))
                    elif missing:
                        undefined.append(missing[0])
                    else:
                        unresolved.append(var)
                    return
                values = span_of(defined)
            for value in values:
                expand(position + 1, {**bindings, var: value})

        expand(0, {})
        return combinations, unresolved, undefined

    def build(self, equation: sx.Equation, bindings: dict[str, int], explicit: dict,
               undefined: list[str]) -> list[Instance]:
        """The instance at these index values; for sides that are matrices, one per entry."""
        try:
            lhs = self.model.evaluate(equation.lhs, bindings)
            rhs = self.model.evaluate(equation.rhs, bindings)
        except (IndexRangeError, ShapeError) as error:
            return [Instance(dict(bindings), reason=error.message)]
        except UndefinedError as error:
            if any(var in bindings for var in explicit):
                return [Instance(dict(bindings), reason=error.message)]
            undefined.append(error.message)
            return []
        if _infinite(lhs) or _infinite(rhs):
            raise InputError("the claim is infinite or undefined (a division by zero?)", equation.loc)
        lhs, rhs = simplest(lhs), simplest(rhs)
        if not (is_matrix(lhs) or is_matrix(rhs)):
            return [Instance(dict(bindings), lhs, rhs)]
        if not (is_matrix(lhs) and is_matrix(rhs)) or lhs.shape != rhs.shape:
            shapes = " = ".join(shape_text(side) if is_matrix(side) else "a number" for side in (lhs, rhs))
            return [Instance(dict(bindings), reason=f"the two sides have different shapes: {shapes}")]
        rows, cols = lhs.shape
        return [Instance({**bindings, **({"row": r + 1, "col": c + 1} if cols > 1 else {"entry": r + 1})},
                          lhs[r, c], rhs[r, c]) for r in range(rows) for c in range(cols)]


_INFINITIES = (sp.zoo, sp.nan, sp.oo, -sp.oo)


def _infinite(side) -> bool:
    """Whether a side holds an infinity or nan (1/0 written out); a symbol, or a sum or product of
    symbols (most sides of a wide layer's claims: delta[2][j] * a[1][k]), holds none."""
    if not is_matrix(side) and (side.is_Symbol or (side.is_Mul or side.is_Add)
                                and all(arg.is_Symbol for arg in side.args)):
        return False
    return side.has(*_INFINITIES)
