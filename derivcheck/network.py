"""A network of a derivation file (format v1): its quantities by role, layer and neurons, over its table.

Conventions (format v1): layers 0..L, neurons from 1; ``w[l][j,k]`` is the
weight into neuron j of layer l from neuron k of layer l-1; ``bias: folded``
makes a[l][0] = 1 for l < L and w[l][j,0] the bias; with a batch every
per-example quantity has the example index last. The forward pass is the
network's table (``network_table``), built as a forward file's is; this class
is the sugar over it: a[0] is the input, yhat is a[L], the one-neuron
shorthand, the from-to order of a weight's indices.
"""

from __future__ import annotations

from functools import cached_property

import sympy as sp

from . import syntax as sx
from .errors import IndexRangeError, UndefinedError
from .forward_spec import SOFTMAX_GROUP
from .functions import ACTIVATIONS
from .network_spec import NetworkSpec
from .network_table import compile_network, neuron_span, table_name
from .roles import EXAMPLES, LAYERED, PARAMETERS, Role
from .tensors import Tensors

# role → (first layer, last layer or None for L) of the layers where it exists
LAYERS = {Role.X: (0, 0), Role.A: (0, None), Role.Z: (1, None), Role.W: (1, None), Role.B: (1, None),
          Role.Y: (None, None), Role.YHAT: (None, None)}


class Network:
    """The quantities of one network; ``quantity`` looks them up by role and indices in its table."""

    def __init__(self, spec: NetworkSpec, model):
        self.spec = spec
        self.L = spec.last
        self.sizes = spec.sizes
        self.graph = model.graph
        self.notation = spec.notation
        self.examples = range(1, spec.batch + 1)
        self.table = Tensors(compile_network(spec, model.spec.scope, model.spec.limits, model.spec.symbols), model,
                             {role: spec.notation.name_of(role) for role in LAYERED | EXAMPLES | {Role.C}})
        self.C: sp.Symbol | None = None
        self._found: dict[tuple, sp.Expr] = {}  # quantity()'s answers, by its arguments

    def build(self) -> None:
        """The table's instances, in the order of the leaves' random draws: the parameters, then per example
        the input, the forward pass layer by layer, and the targets; then the symbols and constants, and C
        (with the penalty it adds)."""
        L, sizes = self.L, self.sizes
        for l in range(1, L + 1):
            for j in range(1, sizes[l] + 1):
                for k in self.neuron_range(Role.W, l, 1):
                    self.quantity(Role.W, l, (j, k), None)
                if self.spec.bias == "true":
                    self.quantity(Role.B, l, (j,), None)
        for s in self.examples:
            example = s if self.spec.batch > 1 else None
            for k in range(1, sizes[0] + 1):
                self.quantity(Role.X, 0, (k,), example)
            for l in range(1, L + 1):
                for role in (Role.Z, Role.A):
                    for j in range(1, sizes[l] + 1):
                        self.quantity(role, l, (j,), example)
            for j in range(1, sizes[L] + 1):
                self.quantity(Role.Y, L, (j,), example)
        self.table.define_leaves()
        self.C = self.table.instance(table_name(Role.C), (), None)

    # -- lookup -------------------------------------------------------------------------

    def layer_range(self, role: Role) -> range:
        if role is Role.B and self.spec.bias != "true":
            return range(0)
        first, last = LAYERS[role]
        first = self.L if first is None else first
        return range(first, (self.L if last is None else last) + 1)

    def neuron_range(self, role: Role, layer: int, slot: int) -> range:
        """Valid values of neuron slot ``slot`` (0 = to, 1 = from for w) at ``layer``."""
        return neuron_span(self.spec, role, layer, slot)

    def is_single(self, role: Role, layer: int) -> bool:
        """Whether role[layer] has one neuron, so that its neuron indices may be dropped."""
        if role is Role.W:
            return 1 <= layer <= self.L and self.sizes[layer] == 1 and self.sizes[layer - 1] == 1
        if role in (Role.Y, Role.YHAT):
            layer = self.L
        return 0 <= layer <= self.L and self.sizes[layer] == 1

    def neuron_slots(self, role: Role) -> int:
        return 2 if role is Role.W else 1

    def has_example_slot(self, role: Role) -> bool:
        return self.spec.batch > 1 and role not in PARAMETERS

    def quantity(self, role: Role, layer: int, neurons: tuple[int, ...], example: int | None) -> sp.Expr:
        """The symbol for role[layer][neurons, example] (layer ignored for x, y, yhat)."""
        key = (role, layer, neurons, example)
        if key in self._found:
            return self._found[key]
        self.check_indices(role, layer, neurons, example)
        if role in (Role.X, Role.A) and neurons[0] == 0:
            return sp.S.One  # the unit of a folded bias
        if role is Role.YHAT:
            role, layer = Role.A, self.L
        elif role is Role.A and layer == 0:
            role = Role.X
        if role is Role.W and self.notation.from_to:
            neurons = tuple(reversed(neurons))  # the table's weights are as the file writes them: from, to
        indices = neurons + ((example or 1,) if self.has_example_slot(role) else ())
        groups = ((layer,), indices) if role in LAYERED else (indices,)
        self._found[key] = found = self.table.instance(table_name(role), groups, None)
        return found

    def check_indices(self, role: Role, layer: int, neurons: tuple[int, ...], example: int | None) -> None:
        """UndefinedError or IndexRangeError, saying which ranges hold, unless the quantity exists."""
        if layer not in self.layer_range(role):
            raise UndefinedError(self.missing_layer(role, layer))
        for slot, index in enumerate(neurons):
            if index not in self.neuron_range(role, layer, slot):
                raise IndexRangeError(self.describe_range(role, layer, neurons, example))
        if example is not None and example not in self.examples:
            raise IndexRangeError(f"example index {example} is out of range 1..{self.spec.batch}")

    def missing_layer(self, role: Role, layer: int) -> str:
        name = self.notation.name_of(role)
        if role is Role.B and self.spec.bias != "true":
            return f"{name} does not exist: this network has no separate biases (bias: {self.spec.bias})"
        return f"{name}[{layer}] does not exist: layers {span_text(self.layer_range(role))}"

    def describe_range(self, role: Role, layer: int, neurons: tuple[int, ...], example: int | None) -> str:
        name = self.notation.name_of(role)
        layer_text = "" if role in EXAMPLES else f"[{layer}]"
        letters = ("j", "k") if role is Role.W else ("j",)
        if role is Role.W and self.notation.from_to:
            shown_indices, shown_letters = tuple(reversed(neurons)), ("k", "j")
            ranges = [self.neuron_range(role, layer, 1), self.neuron_range(role, layer, 0)]
        else:
            shown_indices, shown_letters = neurons, letters
            ranges = [self.neuron_range(role, layer, slot) for slot in range(len(neurons))]
        given = ",".join(str(i) for i in shown_indices)
        valid = ", ".join(f"{letter} in {span_text(r)}" for letter, r in zip(shown_letters, ranges))
        return (f"{name}{layer_text}[{given}] is out of range: {name}{layer_text}"
                f"[{','.join(shown_letters)}] has {valid}")

    @cached_property
    def activations(self) -> tuple[str, ...]:
        """The function each layer's definition a[l] applies, as the table defines it: its name, softmax
        for a softmax group, identity where a[l] is z[l]."""
        def applied(piece) -> str:
            if piece.group == SOFTMAX_GROUP:
                return "softmax"
            return piece.body.func if isinstance(piece.body, sx.Call) else "identity"
        return tuple(applied(piece) for piece in self.table.pieces[table_name(Role.A)])

    @property
    def mean_over(self) -> int | None:
        """S when C is the mean over a batch of S > 1 examples."""
        return self.spec.batch if self.spec.batch > 1 and self.spec.reduction == "mean" else None

    def generic_functions(self) -> set[str]:
        return {name for name in self.activations if name not in ACTIVATIONS and name != "softmax"}


def span_text(values: range) -> str:
    """A range as the user writes it: 1..3."""
    return f"{values.start}..{values.stop - 1}" if len(values) else "none"

