"""The network as it was built before its table (format v1): parameters, the forward pass, the loss,
written straight into a graph. Kept as the old path of the parity test (test_network_table.py) until the
table has replaced it everywhere.

Conventions (format v1): layers 0..L, neurons from 1; ``w[l][j,k]`` is the
weight into neuron j of layer l from neuron k of layer l-1; ``bias: folded``
makes a[l][0] = 1 for l < L and w[l][j,0] the bias; with a batch every
per-example quantity has the example index last.
"""

from __future__ import annotations

import sympy as sp

from derivcheck.functions import ACTIVATIONS, apply_activation, softmax
from derivcheck.graph import Graph, Quantity
from derivcheck.network import Network
from derivcheck.network_spec import NetworkSpec
from derivcheck.roles import Role


# the built-in per-example losses, as the old path built them: name → builder(outputs, targets)
LOSSES = {
    "half_sse": lambda yhat, y: sp.Rational(1, 2) * sp.Add(*[(t - o) ** 2 for o, t in zip(yhat, y)]),
    "sse": lambda yhat, y: sp.Add(*[(t - o) ** 2 for o, t in zip(yhat, y)]),
    "cross_entropy": lambda yhat, y: -sp.Add(*[t * sp.log(o) for o, t in zip(yhat, y)]),
    "binary_cross_entropy": lambda yhat, y: -sp.Add(*[t * sp.log(o) + (1 - t) * sp.log(1 - o)
                                                      for o, t in zip(yhat, y)]),
}


class LegacyNetwork(Network):
    """Symbols and definitions of one network; ``quantity`` looks them up by role and indices. The look-ups
    the table left as they were (layer ranges, messages) are the Network's. ``loss`` is C of a built-in loss
    before the penalty (None for a loss expression)."""

    def __init__(self, spec: NetworkSpec):
        self.spec = spec
        self.L = spec.last
        self.sizes = spec.sizes
        self.folded = spec.bias == "folded"
        self.graph = Graph()
        self.notation = spec.notation
        self.examples = range(1, spec.batch + 1)
        self._symbols: dict[tuple, sp.Expr] = {}
        self.target_groups: list[list[sp.Symbol]] = []
        self.C: sp.Symbol | None = None
        self._build()

    # -- construction -----------------------------------------------------------------

    def _suffix(self, s: int) -> tuple[int, ...]:
        return (s,) if self.spec.batch > 1 else ()

    def _leaf(self, key: tuple, kind: str, role: Role, layer: int | None, indices: tuple[int, ...]) -> sp.Symbol:
        if role is Role.W and self.notation.from_to:
            indices = tuple(reversed(indices))  # shown as the file writes it: from, to
        quantity = Quantity(role, self.notation.name_of(role), layer, indices)
        symbol = sp.Symbol(quantity.label())
        self._symbols[key] = self.graph.leaf(symbol, kind, quantity)
        return symbol

    def _node(self, key: tuple, expr: sp.Expr, role: Role, layer: int, indices: tuple[int, ...]) -> sp.Symbol:
        quantity = Quantity(role, self.notation.name_of(role), layer, indices)
        symbol = sp.Symbol(quantity.label())
        self._symbols[key] = self.graph.define(symbol, expr, quantity)
        return symbol

    def _build(self) -> None:
        L, sizes = self.L, self.sizes
        for l in range(1, L + 1):
            for j in range(1, sizes[l] + 1):
                for k in range(0 if self.folded else 1, sizes[l - 1] + 1):
                    self._leaf((Role.W, l, j, k), "weight", Role.W, l, (j, k))
                if self.spec.bias == "true":
                    self._leaf((Role.B, l, j), "bias", Role.B, l, (j,))
        per_example = []
        for s in self.examples:
            suffix = self._suffix(s)
            for k in range(1, sizes[0] + 1):
                self._symbols[(Role.A, 0, k, s)] = self._leaf((Role.X, 0, k, s), "input", Role.X, None, (k,) + suffix)
            for l in range(0, L):
                if self.folded:
                    self._symbols[(Role.A, l, 0, s)] = sp.S.One
            for l in range(1, L + 1):
                pre = []
                for j in range(1, sizes[l] + 1):
                    total = sp.Add(*[self._symbols[(Role.W, l, j, k)] * self._symbols[(Role.A, l - 1, k, s)]
                                     for k in range(0 if self.folded else 1, sizes[l - 1] + 1)])
                    if self.spec.bias == "true":
                        total += self._symbols[(Role.B, l, j)]
                    pre.append(self._node((Role.Z, l, j, s), total, Role.Z, l, (j,) + suffix))
                activation = self.spec.activations[l - 1]
                for j in range(1, sizes[l] + 1):
                    value = (softmax(j, *pre) if activation == "softmax"
                             else apply_activation(activation, pre[j - 1]))
                    self._node((Role.A, l, j, s), value, Role.A, l, (j,) + suffix)
                if activation == "softmax":
                    self._softmax_jacobian([self._symbols[(Role.A, l, j, s)] for j in range(1, sizes[l] + 1)], pre)
            outputs = [self._symbols[(Role.A, L, j, s)] for j in range(1, sizes[L] + 1)]
            targets = [self._leaf((Role.Y, L, j, s), "target", Role.Y, None, (j,) + suffix)
                       for j in range(1, sizes[L] + 1)]
            self.target_groups.append(targets)
            if isinstance(self.spec.loss, str):
                per_example.append(LOSSES[self.spec.loss](outputs, targets))
        self.loss = None
        if per_example:
            self.loss = sp.Add(*per_example) / (self.spec.batch if self.spec.reduction == "mean" else 1)

    def _softmax_jacobian(self, outputs: list[sp.Symbol], preacts: list[sp.Symbol]) -> None:
        """d(yhat[i])/d(z[j]) = yhat[i]([i == j] - yhat[j]) over the outputs' own symbols: each
        entry small, so a Jacobian claim over N outputs costs N², not N³."""
        position = {z: j for j, z in enumerate(preacts)}
        for i, output in enumerate(outputs):
            self.graph.set_partial_rule(
                output, lambda z, i=i, output=output: output * (int(i == position[z]) - outputs[position[z]]))

    # -- lookup -------------------------------------------------------------------------

    def neuron_range(self, role: Role, layer: int, slot: int) -> range:
        """Valid values of neuron slot ``slot`` (0 = to, 1 = from for w) at ``layer``."""
        if role is Role.W and slot == 1:
            return range(0 if self.folded else 1, self.sizes[layer - 1] + 1)
        zero = self.folded and role in (Role.A, Role.X) and layer < self.L
        return range(0 if zero else 1, self.sizes[layer] + 1)

    def quantity(self, role: Role, layer: int, neurons: tuple[int, ...], example: int | None) -> sp.Expr:
        """The symbol for role[layer][neurons, example] (layer ignored for x, y, yhat)."""
        self.check_indices(role, layer, neurons, example)
        key_role = {Role.X: Role.A, Role.YHAT: Role.A, Role.Y: Role.Y}.get(role, role)
        s = example or 1
        key = (key_role, layer) + tuple(neurons) + ((s,) if role not in (Role.W, Role.B) else ())
        return self._symbols[key]

    def proof_rewrites(self) -> dict[sp.Expr, sp.Expr]:
        """act(z) → a for elementwise layers (and a → z for identity): a proof keeps them as symbols."""
        rewrites: dict[sp.Expr, sp.Expr] = {}
        for (role, layer, *rest), symbol in self._symbols.items():
            if role is not Role.A or layer == 0 or rest[0] == 0:
                continue
            z = self._symbols[(Role.Z, layer) + tuple(rest)]
            activation = self.spec.activations[layer - 1]
            if activation == "softmax":
                rewrites[self.graph.definitions[symbol]] = symbol
            elif activation in ACTIVATIONS and ACTIVATIONS[activation] is None:
                rewrites[symbol] = z
            else:
                rewrites[apply_activation(activation, z)] = symbol
        return rewrites

    def softmax_outputs(self) -> list[list[sp.Symbol]]:
        """Per example, the output symbols when the output layer is a softmax."""
        if self.spec.activations[-1] != "softmax":
            return []
        return [[self._symbols[(Role.A, self.L, j, s)] for j in range(1, self.sizes[self.L] + 1)]
                for s in self.examples]
