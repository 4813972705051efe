"""What each quantity of a model is: the one table of roles — a network's (format v1), a forward file's
(format v2), plain calculus's, and the nodes derivcheck adds — and the sets of roles that rules name."""

from __future__ import annotations

import enum


class Role(enum.Enum):
    # a network: the input x (= a[0]), weights, biases, pre-activations, activations, output, target, loss
    X = "x"
    W = "w"
    B = "b"
    Z = "z"
    A = "a"
    YHAT = "yhat"
    Y = "y"
    C = "C"
    # a forward file: declared tensors, definitions, a gradient given by `upstream:`, scalar constants
    INPUT = "input"
    PARAM = "param"
    FORWARD = "forward"
    UPSTREAM = "upstream"
    CONSTANT = "constant"
    # plain calculus
    SYMBOL = "symbol"
    # nodes derivcheck adds: a let's instance, an adjoint dC/dz of a backward pass, a definition that applies
    # one non-rational function (a proof atom)
    LET = "let"
    ADJOINT = "adjoint"
    ATOM = "atom"


# a network's notation keys and their roles; a role's value is its default name (`notation:` renames it)
NOTATION_ROLES = {"input": Role.X, "weight": Role.W, "bias": Role.B, "preact": Role.Z, "act": Role.A,
                  "output": Role.YHAT, "target": Role.Y, "loss": Role.C}
LAYERED = frozenset({Role.A, Role.Z, Role.W, Role.B})  # a network's quantities with a layer group
EXAMPLES = frozenset({Role.X, Role.Y, Role.YHAT})  # a network's quantities without one (one per example)
PARAMETERS = frozenset({Role.W, Role.B})  # a network's quantities shared by its examples (no example index)
# what a proof or a printed gradient keeps as symbols: parameters, inputs, targets, symbols, the forward
# pass's z and a, and a forward file's definitions that apply a non-rational function (h = tanh(a));
# everything else (let instances, adjoints, the loss, rational forward definitions) is unfolded into them
BASE = frozenset({Role.W, Role.B, Role.X, Role.Y, Role.Z, Role.A, Role.SYMBOL, Role.INPUT, Role.PARAM,
                  Role.CONSTANT, Role.ATOM})
