"""A network (format v1) compiled into a forward table: its declared tensors and its forward pass.

The MLP is sugar over the forward model. Each layer's weights, biases, pre-activations and activations
are pieces with that layer's own ranges (``w[2][j,k]`` with j in 1..n2 and k in 1..n1), and the forward
pass is one definition per layer, written in the file's notation and read by the evaluator that reads a
forward file's definitions::

    z[l][j] = sum(k, 1, n[l-1], w[l][j,k] * a[l-1][k]) + b[l][j]      (a[0] is the input x)
    a[l][j] = act(z[l][j])                                             (a softmax: a group over j)

With ``bias: folded`` the bias is ``w[l][j,0]`` and the unit a[l][0] = 1 is the network's constant, not a
piece; with a batch every per-example quantity has the example index last. The loss is a definition too:
C is the sum (or mean) over the examples of the loss as the file writes it (a built-in loss is written the
same way, ``functions.LOSSES``), its free indices summed over the outputs, plus the penalty, which is a
definition of its own. The table's keys are the roles' own names (``w``, ``a``, ``C``), so that the input
and the activation may share the file's name.
"""

from __future__ import annotations

from dataclasses import replace
from functools import reduce

from . import expressions as ex
from . import syntax as sx
from .forward_spec import ONE_HOT_GROUP, SOFTMAX_GROUP, TARGETS_GROUP, Extent, ForwardSpec, Piece
from .functions import BUILTIN_FUNCTIONS, LOSSES
from .limits import Limits, over_limit
from .network_spec import NetworkSpec
from .roles import LAYERED, PARAMETERS, Role

PENALTY = "the penalty"  # the table key of the penalty's definition: no name a file can write


def table_name(role: Role) -> str:
    """The key of a network role's tensor in the table: x, w, b, z, a, y (the output yhat is a[L])."""
    return Role.A.value if role is Role.YHAT else role.value


def neuron_span(spec: NetworkSpec, role: Role, layer: int, slot: int) -> range:
    """The values of neuron slot ``slot`` (0 = to, 1 = from for a weight) of role[layer], the one rule for
    them: neurons from 1, and the unit 0 of a folded bias in the inputs of a layer (x and a[l] below L)."""
    if role is Role.W and slot == 1:
        return range(0 if spec.bias == "folded" else 1, spec.sizes[layer - 1] + 1)
    zero = spec.bias == "folded" and role in (Role.A, Role.X) and layer < spec.last
    return range(0 if zero else 1, spec.sizes[layer] + 1)


def compile_network(spec: NetworkSpec, scope: sx.Scope, limits: Limits,
                    symbols: dict[str, tuple[str, ...]] | None = None) -> ForwardSpec:
    """The table of a network: x, y, per layer w, b, z and a, in that order, then the penalty and C, with
    the file's constants and any symbols (a key's questions may add some); the file's ``scope`` tells a loss
    expression's free indices from its values."""
    compiler = _Compiler(spec)
    return ForwardSpec(dims={}, pieces=tuple(compiler.pieces() + compiler.loss(scope, limits)),
                       constants=dict(spec.constants), data={}, upstream=(), loss=None, symbols=dict(symbols or {}))


class _Compiler:
    def __init__(self, spec: NetworkSpec):
        self.spec = spec
        self.loc = spec.loc
        self.batch = spec.batch > 1

    def pieces(self) -> list[Piece]:
        spec, L = self.spec, self.spec.last
        targets = ONE_HOT_GROUP if spec.targets == "one_hot" else TARGETS_GROUP
        found = [self._declared(Role.X, None), self._declared(Role.Y, None, targets)]
        for l in range(1, L + 1):
            found.append(self._declared(Role.W, l))
            if spec.bias == "true":
                found.append(self._declared(Role.B, l))
        for l in range(1, L + 1):
            found.append(self._defined(Role.Z, l, self._preactivation(l)))
            activation = spec.activations[l - 1]
            z = self._neuron(Role.Z, l, "j")
            if activation == "softmax":
                found.append(self._defined(Role.A, l, z, group=SOFTMAX_GROUP))
            elif activation in ("identity", "linear"):
                found.append(self._defined(Role.A, l, z))
            else:
                found.append(self._defined(Role.A, l, sx.Call(activation, 0, (z,), self.loc)))
        return found

    # -- heads --------------------------------------------------------------------------------

    def _head(self, role: Role, layer: int | None, letters: tuple[str, ...]) -> sx.Indexed:
        """The head in the table's own name (the table key): w[2][j,k], x[k,s]."""
        return self._indexed(table_name(role), role, layer, tuple(sx.Name(letter, self.loc) for letter in letters))

    def _letters(self, role: Role) -> tuple[str, ...]:
        if role is Role.W:
            return ("k", "j") if self.spec.notation.from_to else ("j", "k")
        return ("k",) if role is Role.X else ("j",)

    def _extents(self, role: Role, layer: int, letters: tuple[str, ...]) -> tuple[Extent, ...]:
        slots = {"j": 0, "k": 1 if role is Role.W else 0}
        spans = [neuron_span(self.spec, role, layer, slots[letter]) for letter in letters]
        spans = [range(max(span.start, 1), span.stop) if role in (Role.X, Role.A) else span for span in spans]
        if self.batch and role not in PARAMETERS:
            spans.append(range(1, self.spec.batch + 1))
        return tuple(Extent(self._num(span.start), self._num(span.stop - 1)) for span in spans)

    def _declared(self, role: Role, layer: int | None, group: str | None = None) -> Piece:
        letters = self._letters(role)
        at = {Role.X: 0, Role.Y: self.spec.last}.get(role, layer)
        return Piece(role, self._head(role, layer, letters), self._extents(role, at, letters), None, self.loc, group)

    def _defined(self, role: Role, layer: int, body: sx.Expr, group: str | None = None) -> Piece:
        letters = self._letters(role)
        return Piece(role, self._head(role, layer, letters), self._extents(role, layer, letters), body, self.loc,
                     group)

    # -- the loss ---------------------------------------------------------------------------------

    def loss(self, scope: sx.Scope, limits: Limits) -> list[Piece]:
        """The penalty (when there is one) and C = sum or mean over the examples of the per-example loss,
        plus the penalty."""
        spec, loc = self.spec, self.loc
        per_example = self._per_example(scope, limits)
        examples = [self._at_example(per_example, s) for s in range(1, spec.batch + 1)] if self.batch else \
            [per_example]
        total = reduce(lambda left, right: sx.BinOp("+", left, right, loc), examples)
        if self.batch and spec.reduction == "mean":
            total = sx.BinOp("/", total, self._num(spec.batch), loc)
        found = []
        if spec.penalty is not None:
            found.append(Piece(Role.FORWARD, sx.Name(PENALTY, spec.penalty.loc), (), spec.penalty, spec.penalty.loc))
            total = sx.BinOp("+", total, sx.Name(PENALTY, loc), loc)
        where = loc if isinstance(spec.loss, str) else spec.loss.loc
        return found + [Piece(Role.C, sx.Name(table_name(Role.C), where), (), total, where)]

    def _per_example(self, scope: sx.Scope, limits: Limits) -> sx.Expr:
        """The loss of one example as the file writes it (or the built-in one, written the same way), its
        free indices summed over the outputs."""
        spec, names = self.spec, self.spec.notation.names
        outputs = spec.sizes[spec.last]
        if isinstance(spec.loss, str):
            text = LOSSES[spec.loss].format(yhat=names["output"], y=names["target"], n=outputs)
            loss = ex.parse_expression(text, self.loc, sx.Scope(frozenset({names["output"], names["target"]}),
                                                                frozenset(BUILTIN_FUNCTIONS)), limits)
        else:
            loss = spec.loss
        free = sx.free_indices(loss, scope)
        if outputs ** len(free) > limits.sum_terms:
            raise over_limit(f"the loss sums too many terms ({outputs ** len(free):,}: {outputs} outputs for each "
                             f"of the free indices {', '.join(free)})", "sum_terms", limits, loss.loc)
        for letter in reversed(free):
            loss = sx.Sum(letter, self._num(1), self._num(outputs), loss, loss.loc)
        return loss

    def _at_example(self, loss: sx.Expr, example: int) -> sx.Expr:
        """The loss of one example of the batch: each per-example quantity written without its example
        index (yhat[j]) gets it (yhat[j,2])."""
        notation = self.spec.notation

        def with_example(node: sx.Indexed) -> sx.Indexed:
            role = notation.role_for(node.id, len(node.groups))
            neurons = node.groups[1:] if role in LAYERED else node.groups
            if role is None or role in PARAMETERS or role is Role.C or sum(map(len, neurons)) != 1:
                return node
            return replace(node, groups=node.groups[:-1] + (node.groups[-1] + (self._num(example),),))
        return sx.map_indexed(loss, with_example)

    # -- bodies, in the file's notation ---------------------------------------------------------

    def _preactivation(self, l: int) -> sx.Expr:
        """sum(k, 1, n, w[l][j,k] * a[l-1][k]) (+ w[l][j,0] when the bias is folded, + b[l][j])."""
        spec, loc = self.spec, self.loc
        below = self._neuron(Role.X, None, "k") if l == 1 else self._neuron(Role.A, l - 1, "k")
        total = sx.Sum("k", self._num(1), self._num(spec.sizes[l - 1]),
                       sx.BinOp("*", self._weight(l, sx.Name("k", loc)), below, loc), loc)
        if spec.bias == "folded":
            total = sx.BinOp("+", self._weight(l, self._num(0)), total, loc)
        if spec.bias == "true":
            total = sx.BinOp("+", total, self._neuron(Role.B, l, "j"), loc)
        return total

    def _weight(self, l: int, source: sx.Expr) -> sx.Indexed:
        to = sx.Name("j", self.loc)
        pair = (source, to) if self.spec.notation.from_to else (to, source)
        return sx.Indexed(self._name(Role.W), ((self._num(l),), pair), self.loc)

    def _neuron(self, role: Role, layer: int | None, letter: str) -> sx.Indexed:
        """role[layer][letter] in the file's name for it, with the example index in a batch."""
        return self._indexed(self._name(role), role, layer, (sx.Name(letter, self.loc),))

    def _indexed(self, name: str, role: Role, layer: int | None, items: tuple[sx.Expr, ...]) -> sx.Indexed:
        if self.batch and role not in PARAMETERS:
            items += (sx.Name("s", self.loc),)
        layer_group = () if layer is None else ((self._num(layer),),)
        return sx.Indexed(name, layer_group + (items,), self.loc)

    def _name(self, role: Role) -> str:
        return self.spec.notation.name_of(role)

    def _num(self, value: int) -> sx.Num:
        return sx.Num(str(value), self.loc)
