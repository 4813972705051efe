"""Why a claim is false: the common mistakes, each found by testing an edited claim, never by guessing.

A diagnosis is a small edit of the claim's syntax tree — σ written for σ',
a layer one off, a weight's indices swapped, a transpose or a sum missing, a
factor missing or extra, a constant factor — such that the edited claim holds at every
instance. The edited claim is then the right formula in the user's own
notation. The edits are tried on the side that is the student's formula (the
side without a derivative, or the right side), most common mistakes first;
the caller supplies the test (``holds``), which checks an edited claim
numerically at every instance with the same points as the claim itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields, replace
from fractions import Fraction

from . import syntax as sx
from .functions import ACTIVATIONS, BUILTIN_FUNCTIONS, OUTPUT_ONLY
from .results import Diagnosis
from .network import Network
from .roles import EXAMPLES, LAYERED, Role

# the functions whose derivative a backprop formula multiplies by
_DERIVATIVE_FREE = {"identity", "linear"}
_FUNCTION_NAMES = frozenset(BUILTIN_FUNCTIONS) - {"exp", "log", "ln", "sqrt", "abs", "sin", "cos"}


@dataclass(frozen=True)
class Edit:
    code: str
    message: str
    target: sx.Expr  # the node replaced (the side itself for edits of the whole side)
    new: sx.Expr

    def apply(self, side: sx.Expr) -> sx.Expr:
        return _swap(side, self.target, self.new)


def _correction(equation: sx.Equation) -> str | None:
    """The corrected claim as text; none when it would say nothing (both sides the same: x = x,
    x = 1 * x)."""
    return None if _plain(equation.lhs) == _plain(equation.rhs) else sx.to_text(equation)


def _plain(node: sx.Expr) -> sx.Expr:
    """A side without factors of 1 (what an edit that adds or scales a factor can leave)."""
    if isinstance(node, sx.BinOp) and node.op == "*":
        left, right = _plain(node.left), _plain(node.right)
        if isinstance(left, sx.Num) and left.text == "1":
            return right
        if isinstance(right, sx.Num) and right.text == "1":
            return left
        return replace(node, left=left, right=right)
    return node


class Diagnoser:
    """Edits of one false claim, tried in order until one holds."""

    def __init__(self, equation: sx.Equation, scope: sx.Scope, network: Network | None,
                 holds: Callable[[sx.Equation], bool], right_only: bool = False):
        self.equation = equation
        self.scope = scope
        self.network = network
        self.holds = holds
        # the student's formula: the side without a derivative (the right side when both or neither have one)
        self.edit_left = not right_only and _has_derivative(equation.rhs) and not _has_derivative(equation.lhs)
        self.side = equation.lhs if self.edit_left else equation.rhs
        self.other = equation.rhs if self.edit_left else equation.lhs
        self.side_name = "left" if self.edit_left else "right"

    def with_side(self, side: sx.Expr) -> sx.Equation:
        return replace(self.equation, lhs=side) if self.edit_left else replace(self.equation, rhs=side)

    def constant_factor(self, ratio: float) -> Diagnosis | None:
        """The claim times a constant (the truth divided by the formula, the same at every point)."""
        factor = Fraction(ratio).limit_denominator(1000)
        if factor == 1 or factor == 0 or abs(float(factor) - ratio) > 1e-9 * max(1.0, abs(ratio)):
            return None
        edited = _scaled(self.side, factor)
        if factor == -1:
            return self._confirmed(Edit("sign", "the sign is wrong", self.side, edited))
        batch = self.network.mean_over if self.network else None
        mean = batch is not None
        if mean and factor == Fraction(1, batch):
            code, message = "mean", f"the factor 1/S = 1/{batch} of the mean over the batch is missing"
        elif mean and factor == batch:
            code, message = "mean", f"the loss is a mean: divide by S = {batch} instead of multiplying"
        else:
            code, message = "factor", (f"off by a constant factor: the {self.side_name} side is {1 / factor} "
                                       "times the true value")
        return self._confirmed(Edit(code, message, self.side, edited))

    def search(self) -> Diagnosis | None:
        """The first edit, in order of how common the mistake is, under which the claim holds; then
        the same mistake made twice (σ'(z)(1 − σ(z)) at two layers)."""
        edits = list(self._edits())
        for edit in edits:
            diagnosis = self._confirmed(edit)
            if diagnosis is not None:
                return diagnosis
        for first, second in _same_mistake_twice(edits, self.side):
            diagnosis = self._confirmed_pair(first, second)
            if diagnosis is not None:
                return diagnosis
        return None

    def index_hint(self) -> Diagnosis | None:
        """When no edit explains it: an index on one side only is worth saying."""
        mine = set(sx.free_indices(self.side, self.scope))
        theirs = set(sx.free_indices(self.other, self.scope))
        for letter in sx.free_indices(self.side, self.scope):
            if letter not in theirs:
                return Diagnosis("index_on_one_side", f"{letter} appears only on the {self.side_name} side: "
                                                      f"is a sum over {letter} missing, or the wrong letter used?")
        for letter in sx.free_indices(self.other, self.scope):
            if letter not in mine:
                other = "left" if self.side_name == "right" else "right"
                return Diagnosis("index_on_one_side", f"{letter} appears only on the {other} side")
        return None

    @property
    def side_loc(self):
        return self.side.loc

    def _confirmed(self, edit: Edit) -> Diagnosis | None:
        equation = self.with_side(edit.apply(self.side))
        if not self.holds(equation):
            return None
        return Diagnosis(edit.code, edit.message, _correction(equation))

    def _confirmed_pair(self, first: Edit, second: Edit) -> Diagnosis | None:
        equation = self.with_side(second.apply(first.apply(self.side)))
        if not self.holds(equation):
            return None
        return Diagnosis(first.code, f"{first.message}; and {second.message}", _correction(equation))

    # -- the edits ---------------------------------------------------------------------------

    def _edits(self) -> Iterator[Edit]:
        yield from self._transposes()
        yield from self._function_or_derivative()
        yield from self._layer_shifts()
        yield from self._swapped_indices()
        yield from self._missing_sums()
        yield from self._removed_factors()
        yield from self._missing_factors()
        yield from self._renamed_indices()

    def _function_or_derivative(self) -> Iterator[Edit]:
        for call in _nodes(self.side, sx.Call):
            if not self._is_activation(call.func) or len(call.args) != 1:
                continue
            if call.primes == 0:
                new = replace(call, primes=1)
                yield Edit("function_for_derivative",
                           f"{_t(call)} is written where its derivative {_t(new)} is meant", call, new)
            elif call.primes == 1:
                new = replace(call, primes=0)
                yield Edit("derivative_for_function",
                           f"{_t(call)} is written where {_t(new)} is meant", call, new)

    def _transposes(self) -> Iterator[Edit]:
        """A matrix or vector in matrix notation (w[l], delta[l]: a layer and no neuron index) transposed,
        or a transpose too many."""
        for node in _nodes(self.side, sx.Transpose):
            yield Edit("transpose", f"the transpose is wrong: {_t(node)} should be {_t(node.operand)}",
                       node, node.operand)
        transposed = {id(node.operand) for node in _nodes(self.side, sx.Transpose)}
        for node in _nodes(self.side, sx.Indexed):
            if id(node) not in transposed and self._is_matrix_notation(node):
                new = sx.Transpose(node, node.loc)
                yield Edit("transpose", f"a transpose is missing: {_t(node)} should be {_t(new)}", node, new)
        if transposed or any(self._is_matrix_notation(node) for node in _nodes(self.side, sx.Indexed)):
            whole = sx.Transpose(self.side, self.side_loc)
            yield Edit("transpose", f"the {self.side_name} side is the transpose of the truth", self.side, whole)

    def _layer_shifts(self) -> Iterator[Edit]:
        inside_derivative = {id(node) for call in _nodes(self.side, sx.Call) if call.primes
                             for node in sx.walk(call)}
        for node in _nodes(self.side, sx.Indexed):
            layer = self._layer_of(node)
            if layer is None:
                continue
            for shifted in (_plus(layer, -1), _plus(layer, 1), _plus(layer, -2), _plus(layer, 2)):
                new = replace(node, groups=((shifted,),) + node.groups[1:])
                role = self._role(node)
                if id(node) in inside_derivative:
                    code, message = "derivative_wrong_layer", \
                        f"the derivative is taken at the wrong layer: {_t(node)} should be {_t(new)}"
                elif role is Role.A:
                    code, message = "activation_wrong_layer", \
                        f"the activation of the wrong layer: {_t(node)} should be {_t(new)}"
                else:
                    code, message = "wrong_layer", f"the wrong layer: {_t(node)} should be {_t(new)}"
                yield Edit(code, message, node, new)

    def _swapped_indices(self) -> Iterator[Edit]:
        for node in _nodes(self.side, sx.Indexed):
            for position, group in enumerate(node.groups):
                if len(group) == 2 and group[0] != group[1]:
                    groups = node.groups[:position] + ((group[1], group[0]),) + node.groups[position + 1:]
                    new = replace(node, groups=groups)
                    what = "a transposed weight" if self._role(node) is Role.W else "swapped indices"
                    yield Edit("swapped_indices", f"{what}: {_t(node)} should be {_t(new)}",
                               node, new)

    def _missing_sums(self) -> Iterator[Edit]:
        theirs = set(sx.free_indices(self.other, self.scope))
        for letter in sx.free_indices(self.side, self.scope):
            if letter not in theirs:
                yield Edit("missing_sum", f"{letter} appears only on the {self.side_name} side: "
                                          f"the sum over {letter} is missing",
                           self.side, sx.Sum(letter, None, None, self.side, self.side_loc))

    def _removed_factors(self) -> Iterator[Edit]:
        for product in _nodes(self.side, sx.BinOp):
            if product.op != "*":
                continue
            for kept, dropped in ((product.left, product.right), (product.right, product.left)):
                if isinstance(dropped, sx.Num):
                    continue
                yield Edit("extra_factor", f"the factor {_t(dropped)} should not be there",
                           product, kept)

    def _missing_factors(self) -> Iterator[Edit]:
        """A derivative of the activation, times the whole side or inside one of its sums; without a
        network, a symbol (the inner derivative of a chain rule)."""
        network = self.network
        places = [self.side] + [node.body for node in _nodes(self.side, sx.Sum)]
        if network is None:
            for place in places:
                for symbol in sorted(self.scope.values):
                    factor = sx.Name(symbol, self.side_loc)
                    yield Edit("missing_factor", f"the factor {symbol} is missing (an inner derivative?)",
                               place, sx.BinOp("*", place, factor, self.side_loc))
            return
        layers = {}
        for node in _nodes(self.equation, sx.Indexed):
            layer = self._layer_of(node)
            if layer is not None:
                for candidate in (layer, _plus(layer, -1), _plus(layer, 1)):
                    layers.setdefault(sx.to_text(candidate), candidate)
        z_name = network.notation.name_of(Role.Z)
        for place in places:
            letters = sx.free_indices(self.equation, self.scope) + [node.var for node in _nodes(self.side, sx.Sum)
                                                                     if any(p is place for p in sx.walk(node))]
            for layer in layers.values():
                function = self._activation_at(layer)
                if function is None:
                    continue
                vectors = any(self._is_matrix_notation(node) for node in _nodes(self.equation, sx.Indexed))
                for indices in self._neuron_indices(letters) + ([()] if vectors else []):
                    groups = ((layer,),) + ((tuple(sx.Name(i, self.side_loc) for i in indices),) if indices else ())
                    factor = sx.Call(function, 1, (sx.Indexed(z_name, groups, self.side_loc),), self.side_loc)
                    yield Edit("missing_factor", f"the factor {_t(factor)} is missing",
                               place, sx.BinOp("*", place, factor, self.side_loc))

    def _neuron_indices(self, letters: list[str]) -> list[tuple[str, ...]]:
        """The index tuples of a z: none for single neurons, then (j) or, in a batch, (j, s)."""
        network = self.network
        batch = len(network.examples) > 1
        if all(size == 1 for size in network.sizes) and not batch:
            return [()]
        if batch:
            return [(first, second) for first in letters for second in letters if first != second]
        return [(letter,) for letter in letters]

    def _renamed_indices(self) -> Iterator[Edit]:
        letters = sorted({node.id for node in _nodes(self.equation, sx.Name) if self.scope.is_index(node.id)}
                         | {node.var for node in _nodes(self.equation, sx.Sum)})
        for node in _nodes(self.side, sx.Indexed):
            layer = self._layer_of(node)
            for position, group in enumerate(node.groups):
                if position == 0 and layer is not None:
                    continue  # the layer: shifted above, not renamed
                for slot, item in enumerate(group):
                    if not isinstance(item, sx.Name) or not self.scope.is_index(item.id):
                        continue
                    for letter in letters:
                        if letter == item.id:
                            continue
                        new_group = group[:slot] + (sx.Name(letter, item.loc),) + group[slot + 1:]
                        new = replace(node, groups=node.groups[:position] + (new_group,) + node.groups[position + 1:])
                        yield Edit("wrong_index", f"the wrong index: {_t(node)} should be {_t(new)}",
                                   node, new)

    # -- the network -------------------------------------------------------------------------

    def _is_activation(self, name: str) -> bool:
        if name in _FUNCTION_NAMES:
            return True
        return self.network is not None and name in self.network.activations

    def _layer_of(self, node: sx.Indexed) -> sx.Expr | None:
        """The layer index of a layered quantity: delta[l][j] → l; z[2] in a network of single neurons."""
        if len(node.groups) >= 2 and len(node.groups[0]) == 1:
            return node.groups[0][0]
        layered = len(node.groups) == 1 and len(node.groups[0]) == 1 and self._role(node) in LAYERED
        return node.groups[0][0] if layered else None  # z[2] of one neuron, or the vector z[l]

    def _is_matrix_notation(self, node: sx.Indexed) -> bool:
        """w[l], a[l], delta[l]: a layer and no neuron index, in a network with more than one neuron."""
        return (self.network is not None and not all(size == 1 for size in self.network.sizes)
                and len(node.groups) == 1 and len(node.groups[0]) == 1 and self._role(node) not in EXAMPLES)

    def _role(self, node: sx.Indexed) -> Role | None:
        return self.network.notation.role_for(node.id, len(node.groups)) if self.network is not None else None

    def _activation_at(self, layer: sx.Expr) -> str | None:
        """The activation whose derivative multiplies at that layer, when one name serves every layer
        the expression can stand for (the output's for L)."""
        names = self.network.activations
        if isinstance(layer, sx.Name) and layer.id == "L":
            candidates = {names[-1]}
        elif isinstance(layer, sx.Num) and layer.text.isdigit() and 1 <= int(layer.text) <= len(names):
            candidates = {names[int(layer.text) - 1]}
        else:
            candidates = set(names[:-1]) or set(names)
        if len(candidates) != 1:
            return None
        (name,) = candidates
        if name in _DERIVATIVE_FREE or name in OUTPUT_ONLY:
            return None
        return name if name in ACTIVATIONS or name in BUILTIN_FUNCTIONS or name.isidentifier() else None


def _same_mistake_twice(edits: list[Edit], side: sx.Expr) -> Iterator[tuple[Edit, Edit]]:
    """Pairs of edits of one kind on separate parts of the side (at most 60 pairs)."""
    count = 0
    for n, first in enumerate(edits):
        for second in edits[n + 1:]:
            if first.code != second.code or first.target is second.target or side in (first.target, second.target):
                continue
            count += 1
            if count > 60:
                return
            yield first, second


def _scaled(side: sx.Expr, factor: Fraction) -> sx.Expr:
    """factor × side, folded into a number in front: 2 * x scaled by 1/2 is x, -x by -1 is x,
    3 / sqrt(13) by 2/3 is 2 / sqrt(13)."""
    if factor == 1:
        return side
    if isinstance(side, sx.Num):
        return _number(Fraction(side.text) * factor, side.loc)
    if isinstance(side, sx.Neg):
        return _scaled(side.operand, -factor)
    if isinstance(side, sx.BinOp) and side.op == "*" and isinstance(side.left, sx.Num):
        return _product(_number(Fraction(side.left.text) * factor, side.loc), side.right)
    if isinstance(side, sx.BinOp) and side.op in "*/" and _leads_with_number(side.left):
        return replace(side, left=_scaled(side.left, factor))
    if isinstance(side, sx.BinOp) and side.op == "/" and isinstance(side.left, sx.Num):
        numerator = Fraction(side.left.text) * factor
        if numerator.denominator == 1:
            return replace(side, left=_number(numerator, side.loc))
    if factor == -1:
        return sx.Neg(side, side.loc)
    return _product(_number(factor, side.loc), side)


def _number(value: Fraction, loc) -> sx.Expr:
    """A rational as text: 2, -2, 1 / 2, -1 / 2."""
    numerator = sx.Num(str(abs(value.numerator)), loc)
    if value < 0:
        numerator = sx.Neg(numerator, loc)
    return numerator if value.denominator == 1 else sx.BinOp("/", numerator, sx.Num(str(value.denominator), loc), loc)


def _product(number: sx.Expr, rest: sx.Expr) -> sx.Expr:
    if isinstance(number, sx.Num) and number.text == "1":
        return rest
    if isinstance(number, sx.Neg) and isinstance(number.operand, sx.Num) and number.operand.text == "1":
        return sx.Neg(rest, rest.loc)
    return sx.BinOp("*", number, rest, rest.loc)


def _leads_with_number(node: sx.Expr) -> bool:
    while isinstance(node, sx.BinOp) and node.op in "*/":
        node = node.left
    return isinstance(node, (sx.Num, sx.Neg))


def _has_derivative(node: sx.Expr) -> bool:
    return any(isinstance(child, sx.Derivative) for child in sx.walk(node))


def _nodes(tree, kind) -> list:
    return [node for node in sx.walk(tree) if isinstance(node, kind)]


def _t(node) -> str:
    return sx.to_text(node)


def _plus(layer: sx.Expr, step: int) -> sx.Expr:
    """layer + step, written as a person would: l+1 - 1 is l, L + -1 is L-1."""
    if isinstance(layer, sx.Num) and layer.text.isdigit():
        return sx.Num(str(max(int(layer.text) + step, 0)), layer.loc)
    if isinstance(layer, sx.BinOp) and layer.op in "+-" and isinstance(layer.right, sx.Num) \
            and layer.right.text.isdigit():
        offset = int(layer.right.text) * (1 if layer.op == "+" else -1) + step
        if offset == 0:
            return layer.left
        return replace(layer, op="+" if offset > 0 else "-", right=sx.Num(str(abs(offset)), layer.loc))
    return sx.BinOp("+" if step > 0 else "-", layer, sx.Num(str(abs(step)), layer.loc), layer.loc)


def _swap(tree, target, new):
    """The tree with the node ``target`` (that very node) replaced by ``new``."""
    if tree is target:
        return new
    if not hasattr(tree, "__dataclass_fields__"):
        return tree
    changes = {}
    for item in fields(tree):
        value = getattr(tree, item.name)
        updated = _swap_in(value, target, new)
        if updated is not value:
            changes[item.name] = updated
    return replace(tree, **changes) if changes else tree


def _swap_in(value, target, new):
    if isinstance(value, tuple):
        items = tuple(_swap_in(item, target, new) for item in value)
        return items if any(a is not b for a, b in zip(items, value)) else value
    return _swap(value, target, new)
