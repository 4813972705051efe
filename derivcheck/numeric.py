"""Numeric evaluation of graph expressions: random points, float64 batches and high precision.

A point assigns a value to every leaf of the graph (and a concrete function to
every generic activation). All points are evaluated at once as numpy arrays;
a disagreement is re-evaluated at one point with mpmath at 50 and at 100
digits, and is real only if it stays the same: rounding noise shrinks as the
precision grows, a true difference does not. So float noise (or cancellation
at any scale) never becomes a counterexample. Each sub-expression is computed
once per batch (the memo is keyed by SymPy's structural hash) by walking the
tree with a table of numpy (or mpmath) functions: the many small expressions
of a network cost no compilation, where ``lambdify`` spends about half a
second compiling each one (see the README's figures).
"""

from __future__ import annotations

from functools import lru_cache

import mpmath
import numpy as np
import sympy as sp

from .functions import is_generic, relu, sigmoid, softmax, softplus
from .graph import Graph, as_expr

PRECISION_DIGITS = (50, 100)  # a difference is real if it is the same at both precisions
# Float values that differ by more than this, relative to the larger, are certified at high precision
# (a correct claim's rounding noise rarely reaches it, and is never certified when it does). There is
# no absolute tolerance: scale never hides a difference.
RTOL = 1e-12
# Below this magnitude (or beyond float's range) float cannot tell two values apart: such points are
# always decided at high precision.
TINY = 1e-280
KINK = 1e-9  # closer than this to the kink of relu, abs or the step, a point is no sample (NaN)

_U = sp.Symbol("u")
_COEFFICIENTS = sp.symbols("c1:6")
# The family of concrete functions that stands in for a generic f: smooth,
# non-linear, with non-vanishing derivatives of every order, drawn anew per point.
_TEMPLATE = (_COEFFICIENTS[0] * sp.tanh(_COEFFICIENTS[1] * _U + _COEFFICIENTS[2])
             + _COEFFICIENTS[3] * _U + _COEFFICIENTS[4] * _U ** 2)


@lru_cache(maxsize=None)
def _generic_derivative(order: int) -> sp.Expr:
    return sp.diff(_TEMPLATE, _U, order)


def _np_sigmoid(x):
    return 0.5 * (1 + np.tanh(0.5 * x))


def _np_step(x, *_):
    return np.where(np.abs(x) < KINK, np.nan, (x > 0).astype(float))


def _np_abs(x):
    return np.where(np.abs(x) < KINK, np.nan, np.abs(x))


def _np_softmax(index, *arguments):
    top = np.maximum.reduce([np.asarray(a, dtype=float) for a in arguments])
    exps = [np.exp(a - top) for a in arguments]
    return exps[int(index) - 1] / sum(exps)


def _mp_softmax(index, *arguments):
    exps = [mpmath.exp(a) for a in arguments]
    return exps[int(index) - 1] / mpmath.fsum(exps)


def _mp_step(x, *_):
    return mpmath.mpf(1) if x > 0 else mpmath.mpf(0)


NUMPY_FUNCTIONS = {
    sp.exp: np.exp, sp.log: np.log, sp.sin: np.sin, sp.cos: np.cos, sp.tanh: np.tanh,
    sp.Abs: _np_abs, sp.sign: np.sign, sp.Heaviside: _np_step, sigmoid: _np_sigmoid,
    relu: lambda x: np.where(np.abs(x) < KINK, np.nan, np.maximum(x, 0.0)),
    softplus: lambda x: np.logaddexp(0.0, x), softmax: _np_softmax,
}
MP_ARGUMENT = 1e6  # beyond this, mpmath's exp and periodic functions cost more than a point is worth


def _bounded(function):
    """The mpmath function, with no value (NaN) at arguments beyond MP_ARGUMENT."""
    def bounded(*args):
        if any(abs(arg) > MP_ARGUMENT for arg in args):
            return mpmath.mpf("nan")
        return function(*args)
    return bounded


MPMATH_FUNCTIONS = {
    sp.exp: _bounded(mpmath.exp), sp.log: mpmath.log, sp.sin: _bounded(mpmath.sin),
    sp.cos: _bounded(mpmath.cos), sp.tanh: _bounded(mpmath.tanh), sp.Abs: abs, sp.sign: mpmath.sign,
    sp.Heaviside: _mp_step, sigmoid: _bounded(lambda x: 1 / (1 + mpmath.exp(-x))),
    relu: lambda x: max(x, mpmath.mpf(0)), softplus: _bounded(lambda x: mpmath.log(1 + mpmath.exp(x))),
    softmax: _bounded(_mp_softmax),
}


class EvaluationError(Exception):
    """An expression contains something that has no numeric meaning here."""


# How each kind of leaf is sampled: values in [low, high], of either sign when `signed`; the one
# place these ranges live (the sampling and the report of where a claim was checked both read it).
SAMPLING = {
    "target": (0.1, 0.9, False),
    "positive": (0.3, 2.5, False),
    "negative": (-2.5, -0.3, False),
    "unit": (0.1, 0.9, False),  # a constant strictly between 0 and 1 (a keep probability)
}
MAGNITUDE = (0.3, 1.6, True)  # every other leaf (weights, biases, inputs, symbols)
_KIND_NAMES = {"weight": "weights", "bias": "biases", "input": "inputs", "target": "targets"}


def sampling_region(graph: Graph, leaves: set[sp.Symbol], one_hot: bool, fixed: dict) -> str:
    """Where a claim's random points lie, in words: each group of leaves with its range."""
    groups: dict[tuple, list[str]] = {}
    for symbol in sorted(leaves - set(fixed), key=str):
        kind = graph.leaves[symbol]
        name = _KIND_NAMES.get(kind, graph.quantities[symbol].name)
        names = groups.setdefault(SAMPLING.get(kind, MAGNITUDE), [])
        if name not in names:
            names.append(name)
    parts = []
    for (low, high, signed), names in groups.items():
        where = f"in ±[{low:g}, {high:g}]" if signed else f"in [{low:g}, {high:g}]"
        if one_hot and "targets" in names:
            names = [n for n in names if n != "targets"]
            parts.append("targets on the simplex (summing to 1)")
        if names:
            parts.append(f"{', '.join(names)} {where}")
    if fixed:
        parts.insert(0, "the point of `at:`" + (" for its values" if parts else ""))
    return "; ".join(parts) if parts else "no random values (the claim is made of numbers)"


def sample_point_batch(graph: Graph, groups: list[list[sp.Symbol]], generic: set[str], count: int,
                       rng: np.random.Generator, one_hot: bool) -> tuple[dict, dict]:
    """Random values for every leaf (``count`` points at once) and concrete generic functions.

    Magnitudes avoid zero (so a dropped factor cannot vanish) and stay moderate
    (so sigmoids are not saturated); targets lie in (0, 1), or on the simplex
    (sum 1 per example) when ``one_hot``.
    """
    values: dict[sp.Symbol, np.ndarray] = {}
    for symbol, kind in graph.leaves.items():
        magnitude = rng.uniform(*MAGNITUDE[:2], count)  # drawn for every leaf: the stream stays as it was
        low, high, signed = SAMPLING.get(kind, MAGNITUDE)
        if signed:
            values[symbol] = magnitude * rng.choice([-1.0, 1.0], count)
        elif low < 0:  # drawn as a magnitude and negated, as before the table: the same values
            values[symbol] = -rng.uniform(-high, -low, count)
        else:
            values[symbol] = rng.uniform(low, high, count)
    if one_hot:
        for group in groups:
            simplex = rng.dirichlet(np.ones(len(group)), count)
            for column, symbol in enumerate(group):
                values[symbol] = simplex[:, column]
    functions = {}
    for name in sorted(generic):
        sign = rng.choice([-1.0, 1.0], (2, count))
        functions[name] = (sign[0] * rng.uniform(0.5, 1.5, count), rng.uniform(0.5, 1.5, count),
                           rng.uniform(-1.0, 1.0, count), sign[1] * rng.uniform(0.2, 1.0, count),
                           rng.uniform(-0.3, 0.3, count))
    return values, functions


class _PointLeaves(dict):
    """The leaves at one point of a float batch, as mpmath numbers made when first read (a claim's
    instance reads a few of a network's thousands of parameters)."""

    def __init__(self, batch: dict, index: int):
        super().__init__()
        self.batch, self.index = batch, index

    def __contains__(self, symbol) -> bool:
        return dict.__contains__(self, symbol) or symbol in self.batch

    def __missing__(self, symbol):
        value = self[symbol] = mpmath.mpf(float(self.batch[symbol][self.index]))
        return value


class Evaluator:
    """Values of expressions over a graph at fixed leaf values (arrays, or mpmath scalars)."""

    def __init__(self, graph: Graph, leaves: dict, functions: dict, digits: int | None = None,
                 exact: dict[sp.Symbol, sp.Expr] | None = None):
        self.graph = graph
        self.leaves = leaves
        self.functions = functions
        self.digits = digits
        self.exact = exact or {}  # leaves given exactly (an `at:` point): high precision starts from these
        self.precise = digits is not None
        self.table = MPMATH_FUNCTIONS if self.precise else NUMPY_FUNCTIONS
        self._memo: dict[sp.Expr, object] = {}
        self._at_points: dict[tuple[int, int], Evaluator] = {}

    def at_point(self, index: int, digits: int) -> "Evaluator":
        """The evaluator at point ``index`` of this float batch with ``digits`` significant digits
        (kept with the batch: its values are reused)."""
        key = (index, digits)
        if key not in self._at_points:
            leaves = _PointLeaves(self.leaves, index)
            functions = {name: tuple(mpmath.mpf(float(c[index])) for c in coefficients)
                         for name, coefficients in self.functions.items()}
            precise = Evaluator(self.graph, leaves, functions, digits)
            for symbol, value in self.exact.items():  # sqrt(2) as sqrt(2), not as its nearest float
                leaves[symbol] = precise.value(value)
            precise._memo.clear()
            self._at_points[key] = precise
        return self._at_points[key]

    def value(self, expr: sp.Expr):
        if self.precise:
            with mpmath.workdps(self.digits):
                try:
                    return self._value(as_expr(expr))
                except (ArithmeticError, ValueError):  # 1/0 at an exact point, an exponent past any size
                    return mpmath.mpf("nan")
        with np.errstate(all="ignore"):
            return self._value(as_expr(expr))

    def _value(self, expr: sp.Expr):
        memo = self._memo
        if expr in memo:
            return memo[expr]
        if expr.is_Symbol:
            if expr in self.leaves:
                result = self.leaves[expr]
            elif expr in self.graph.definitions:
                self._definitions_below(expr)
                return memo[expr]
            else:
                raise EvaluationError(f"'{expr}' has no value")
        elif expr.is_Number or isinstance(expr, sp.NumberSymbol):
            result = self._number(expr)
        elif expr.is_Add:
            args = [self._value(arg) for arg in expr.args]
            result = args[0]
            for arg in args[1:]:
                result = result + arg
        elif expr.is_Mul:
            args = [self._value(arg) for arg in expr.args]
            result = args[0]
            for arg in args[1:]:
                result = result * arg
        elif expr.is_Pow:
            result = self._power(expr)
        elif isinstance(expr, sp.Function):
            result = self._function(expr)
        else:
            raise EvaluationError(f"cannot evaluate {type(expr).__name__}: {expr}")
        memo[expr] = result
        return result

    def _definitions_below(self, symbol: sp.Symbol) -> None:
        """The values of a definition and of the definitions it reaches that are not known yet, in the
        order they were defined: each body is evaluated once its own symbols are known, so the recursion
        stays inside one body (a network's depth is not the interpreter's)."""
        memo, graph, leaves = self._memo, self.graph, self.leaves
        found, stack = {symbol}, [symbol]
        while stack:
            for used in graph.uses[stack.pop()]:
                if used not in found and used not in memo and used in graph.definitions and used not in leaves:
                    found.add(used)
                    stack.append(used)
        for node in sorted(found, key=graph.rank.__getitem__):
            memo[node] = self._value(graph.definitions[node])

    def _number(self, expr):
        if self.precise:
            if expr.is_Rational:
                return mpmath.mpf(int(expr.p)) / int(expr.q)
            return mpmath.mpf(str(sp.N(expr, self.digits + 5)))
        return float(expr)

    def _power(self, expr):
        base = self._value(expr.base)
        exponent = expr.exp
        if exponent.is_Integer:
            e = int(exponent)
            if self.precise:
                return base ** e
            return np.power(base, e) if e >= 0 else 1.0 / np.power(base, -e)
        power = self._value(exponent)
        if self.precise:
            return base ** power if base >= 0 or power == int(power) else mpmath.mpf("nan")
        return np.power(base, power)

    def _function(self, expr):
        func = expr.func
        args = [self._value(arg) for arg in expr.args]
        if is_generic(func):
            leaves = dict(zip(_COEFFICIENTS, self.functions[func.generic_name]))
            leaves[_U] = args[0]
            concrete = Evaluator(self.graph, leaves, {}, self.digits)
            return concrete._value(_generic_derivative(func.order))
        if func in self.table:
            return self.table[func](*args)
        raise EvaluationError(f"no numeric value for {func}")


def undefined_part(evaluator: Evaluator, expr: sp.Expr) -> sp.Expr | None:
    """The smallest sub-expression (through the graph's definitions) that has no value at most points of
    the batch while its own arguments do: log(1 - yhat[2]) in a claim that is mostly undefined."""
    def missing(node) -> bool:
        values = np.broadcast_to(np.asarray(evaluator.value(node), dtype=float), (len(_any_leaf(evaluator)),))
        return 2 * int(np.isnan(values).sum()) > len(values)

    node = as_expr(expr)
    if not missing(node):
        return None
    for _ in range(10_000):  # each step goes one level down a finite tree
        inner = evaluator.graph.definitions.get(node) if node.is_Symbol else None
        children = [inner] if inner is not None else list(node.args)
        below = next((child for child in children if not child.is_Number and missing(child)), None)
        if below is None:
            return node
        node = below
    return node


def _any_leaf(evaluator: Evaluator) -> np.ndarray:
    return next(iter(evaluator.leaves.values()), np.zeros(1))


def _compared(lhs, rhs) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Both batches as float arrays, the larger magnitude at each point, and where they differ by more
    than RTOL of it."""
    lhs, rhs = np.broadcast_arrays(np.asarray(lhs, dtype=float), np.asarray(rhs, dtype=float))
    with np.errstate(all="ignore"):
        scale = np.maximum(np.abs(lhs), np.abs(rhs))
        return lhs, rhs, scale, np.abs(lhs - rhs) > RTOL * scale


def differ(lhs, rhs) -> np.ndarray:
    """Points where two float batches differ relatively beyond float noise (NaN and inf never differ:
    for a comparison that float alone decides, such as which name to show for a value)."""
    lhs, rhs, _, far = _compared(lhs, rhs)
    return far & np.isfinite(lhs) & np.isfinite(rhs)


def disagree(lhs, rhs) -> np.ndarray:
    """Points where float cannot say that two batches agree: a relative difference beyond float
    noise, or values too small or too large for float to resolve (NaN is no point: never here)."""
    lhs, rhs, scale, far = _compared(lhs, rhs)
    unresolved = (scale < TINY) | np.isinf(scale)
    return (far | unresolved) & ~np.isnan(lhs) & ~np.isnan(rhs)


def agree_everywhere(pairs: list[tuple], points: int) -> np.ndarray:
    """For each (lhs, rhs) pair of float batches, whether the two agree at every point (no point where
    ``disagree`` doubts them, none NaN): the instances of a claim compared all at once, each row as
    ``disagree`` compares one pair."""
    lhs, rhs = np.empty((len(pairs), points)), np.empty((len(pairs), points))
    for row, (left, right) in enumerate(pairs):
        lhs[row] = np.asarray(left, dtype=float)
        rhs[row] = np.asarray(right, dtype=float)
    return ~(disagree(lhs, rhs) | np.isnan(lhs) | np.isnan(rhs)).any(axis=1)


def certified_difference(low: tuple, high: tuple) -> bool:
    """Whether lhs - rhs is a real difference: evaluated at two precisions (``low`` and ``high``
    are (lhs, rhs) pairs), it is non-zero and the same to six digits at both."""
    with mpmath.workdps(PRECISION_DIGITS[1]):
        coarse, fine = low[0] - low[1], high[0] - high[1]
        if not all(mpmath.isfinite(v) for v in (*low, *high)) or fine == 0:
            return False
        return abs(coarse - fine) <= mpmath.mpf("1e-6") * abs(fine)
