"""The mathematical primitives: SymPy functions and activations, and the built-in losses, as tables.

Each activation is one row: the SymPy function applied to a pre-activation.
Derivatives come from each function's ``fdiff``; ``sigmoid`` and ``relu`` are
kept opaque (not rewritten through ``exp``), so that expressions stay small
and a proof can treat ``sigmoid(z)`` as one symbol.
"""

from __future__ import annotations

from functools import lru_cache

import sympy as sp


class sigmoid(sp.Function):
    """The logistic function 1 / (1 + exp(-x)), with derivative sigmoid(x)(1 - sigmoid(x))."""

    nargs = 1

    def fdiff(self, argindex=1):
        return sigmoid(self.args[0]) * (1 - sigmoid(self.args[0]))

    def _eval_rewrite_as_exp(self, arg, **kwargs):
        return 1 / (1 + sp.exp(-arg))


class relu(sp.Function):
    """max(x, 0); its derivative is the Heaviside step (undefined at 0, never sampled there)."""

    nargs = 1

    def fdiff(self, argindex=1):
        return sp.Heaviside(self.args[0])


class softplus(sp.Function):
    """log(1 + exp(x)), whose derivative is sigmoid(x)."""

    nargs = 1

    def fdiff(self, argindex=1):
        return sigmoid(self.args[0])


@lru_cache(maxsize=None)
def generic_function(name: str, order: int = 0) -> type[sp.Function]:
    """An unknown differentiable function of one argument (``f``), or its ``order``-th derivative.

    Claims about it must hold for every such function: the numeric checks put
    several concrete functions in its place.
    """

    def fdiff(self, argindex=1):
        return generic_function(name, order + 1)(self.args[0])

    return type(name + "'" * order, (sp.Function,),
                {"nargs": 1, "fdiff": fdiff, "generic_name": name, "order": order})


def is_generic(func) -> bool:
    return hasattr(func, "generic_name")


# Functions an expression may call by name: name → SymPy function of one argument.
BUILTIN_FUNCTIONS: dict[str, sp.FunctionClass] = {
    "exp": sp.exp,
    "log": sp.log,
    "ln": sp.log,
    "sqrt": sp.sqrt,
    "abs": sp.Abs,
    "sin": sp.sin,
    "cos": sp.cos,
    "tanh": sp.tanh,
    "sigmoid": sigmoid,
    "σ": sigmoid,
    "relu": relu,
    "softplus": softplus,
}

# Functions of a matrix, evaluated by the model (diag(v): the square matrix with v on its diagonal).
MATRIX_FUNCTIONS = frozenset({"diag"})

# Elementwise activations: name → function applied to z.
ACTIVATIONS: dict[str, sp.FunctionClass | None] = {
    "sigmoid": sigmoid,
    "tanh": sp.tanh,
    "relu": relu,
    "softplus": softplus,
    "identity": None,
    "linear": None,
}
OUTPUT_ONLY = frozenset({"softmax"})


def apply_activation(name: str, argument: sp.Expr) -> sp.Expr:
    """act(z) for an elementwise activation (or a generic one named by the user)."""
    if name in ACTIVATIONS:
        function = ACTIVATIONS[name]
        return argument if function is None else function(argument)
    return generic_function(name)(argument)


class softmax(sp.Function):
    """softmax(i, z_1, …, z_m) = exp(z_i) / sum_k exp(z_k), with derivative softmax_i (δ_ik - softmax_k)."""

    def fdiff(self, argindex=1):
        if argindex == 1:
            raise sp.ArgumentIndexError(self, argindex)
        index, arguments = self.args[0], self.args[1:]
        k = argindex - 1
        return self * (sp.KroneckerDelta(index, k) - softmax(k, *arguments))

    def _eval_rewrite_as_exp(self, index, *arguments, **kwargs):
        return sp.exp(arguments[int(index) - 1]) / sp.Add(*[sp.exp(argument) for argument in arguments])


# Per-example losses: name → the loss as a file writes it, over the output {yhat}[j] and the target {y}[j]
# of one example (in the file's names for them) and the number of outputs {n}; a network's table defines C from it.
LOSSES = {
    "half_sse": "1/2 * sum(j in 1..{n}, ({y}[j] - {yhat}[j])**2)",
    "sse": "sum(j in 1..{n}, ({y}[j] - {yhat}[j])**2)",
    "cross_entropy": "-sum(j in 1..{n}, {y}[j] * log({yhat}[j]))",
    "binary_cross_entropy": "-sum(j in 1..{n}, {y}[j] * log({yhat}[j]) + (1 - {y}[j]) * log(1 - {yhat}[j]))",
}


def prime(function, order: int, argument: sp.Expr) -> sp.Expr:
    """The ``order``-th derivative of a one-argument function, evaluated at ``argument``."""
    if is_generic(function):
        return generic_function(function.generic_name, function.order + order)(argument)
    dummy, derivative = _derivative(function, order)
    return derivative.xreplace({dummy: argument})


def has_derivative(function, order: int) -> bool:
    """Whether the ``order``-th derivative is a function derivcheck can evaluate (abs'' is sign': not)."""
    return is_generic(function) or not _derivative(function, order)[1].has(sp.Derivative)


@lru_cache(maxsize=None)
def _derivative(function, order: int) -> tuple[sp.Dummy, sp.Expr]:
    dummy = sp.Dummy("u")
    return dummy, sp.diff(function(dummy), dummy, order)
