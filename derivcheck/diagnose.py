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

import itertools
from collections.abc import Callable, Iterator
from dataclasses import replace
from fractions import Fraction

from . import syntax as sx
from .edits import (Edit, counts, index_shifts, negated_arguments, numbered_sums, other_quantities, reflections,
                    size_factors, term_edits, whole_factors)
from .forward_edits import ForwardFacts, derivative_edits, held_paths, transposes
from .functions import ACTIVATIONS, BUILTIN_FUNCTIONS, OUTPUT_ONLY
from .network import Network
from .network_table import PENALTY
from .results import Diagnosis
from .rewriting import correction, has_derivative, nodes, plus, scaled, swap, text
from .roles import EXAMPLES, LAYERED, Role

# the functions whose derivative a backprop formula multiplies by
_DERIVATIVE_FREE = {"identity", "linear"}
_FUNCTION_NAMES = frozenset(BUILTIN_FUNCTIONS) - {"exp", "log", "ln", "sqrt", "abs", "sin", "cos"}


class Diagnoser:
    """Edits of one false claim, tried in order until one holds."""

    def __init__(self, equation: sx.Equation, scope: sx.Scope, network: Network | None,
                 holds: Callable[[sx.Equation], bool], right_only: bool = False,
                 forward: ForwardFacts | None = None):
        self.equation = equation
        self.scope = scope
        self.network = network
        self.forward = forward
        self.holds = holds
        # the student's formula: the side without a derivative (the right side when both or neither have one)
        self.edit_left = not right_only and has_derivative(equation.rhs) and not has_derivative(equation.lhs)
        self.side = equation.lhs if self.edit_left else equation.rhs
        self.other = equation.rhs if self.edit_left else equation.lhs
        self.side_name = "left" if self.edit_left else "right"

    def with_side(self, side: sx.Expr) -> sx.Equation:
        return replace(self.equation, lhs=side) if self.edit_left else replace(self.equation, rhs=side)

    def with_truth(self, paths: sx.Paths) -> sx.Equation:
        """The claim against the truth with some paths left out (every derivative on the true side)."""
        other = self.other
        for node in nodes(self.other, sx.Derivative):
            other = swap(other, node, replace(node, paths=paths))
        return replace(self.equation, rhs=other) if self.edit_left else replace(self.equation, lhs=other)

    def constant_factor(self, ratio: float) -> Diagnosis | None:
        """The claim times a constant (the truth divided by the formula, the same at every point)."""
        factor = Fraction(ratio).limit_denominator(1000)
        if factor == 1 or factor == 0 or abs(float(factor) - ratio) > 1e-9 * max(1.0, abs(ratio)):
            return None
        edited = scaled(self.side, factor)
        if factor == -1:
            return self._confirmed(Edit("sign", "the sign is wrong", self.side, edited))
        batch = self.network.mean_over if self.network else None
        mean = batch is not None
        if mean and factor == Fraction(1, batch):
            code, message = "mean", f"the factor 1/S = 1/{batch} of the mean over the batch is missing"
        elif mean and factor == batch:
            code, message = "mean", f"the loss is a mean: divide by S = {batch} instead of multiplying"
        elif (named := self._size_of(factor)) is not None:
            size, inverse = named
            code, message = "factor", f"off by a factor {'1/' * inverse}{size} (= {factor})"
            loc = self.side.loc
            edited = sx.BinOp("/", self.side, sx.Name(size, loc), loc) if inverse else \
                sx.BinOp("*", sx.Name(size, loc), self.side, loc)
        else:
            code, message = "factor", (f"off by a constant factor: the {self.side_name} side is {1 / factor} "
                                       "times the true value")
        return self._confirmed(Edit(code, message, self.side, edited))

    def _size_of(self, factor: Fraction) -> tuple[str, bool] | None:
        """The one size of a forward file whose value, or its inverse, the factor is (N for 4 when N = 4
        and no other size is 4): (its name, whether inverted)."""
        dims = self.forward.dims if self.forward is not None else {}
        for value, inverse in ((factor, False), (1 / factor, True)):
            named = [name for name, size in dims.items() if size == value]
            if value.denominator == 1 and len(named) == 1 and value > 1:
                return named[0], inverse
        return None

    def search(self) -> Diagnosis | None:
        """The first edit, in order of how common the mistake is, under which the claim holds; then
        a path left out of the truth; then the same mistake made twice (σ'(z)(1 − σ(z)) at two layers)."""
        edits = list(self._edits())
        for edit in itertools.chain(edits, self._any_computation()):
            diagnosis = self._confirmed(edit)
            if diagnosis is not None:
                return diagnosis
        diagnosis = self._missing_path()
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
        return Diagnosis(edit.code, edit.message, correction(equation))

    def _confirmed_pair(self, first: Edit, second: Edit) -> Diagnosis | None:
        equation = self.with_side(second.apply(first.apply(self.side)))
        if not self.holds(equation):
            return None
        return Diagnosis(first.code, f"{first.message}; and {second.message}", correction(equation))

    def _missing_path(self) -> Diagnosis | None:
        """The claim is the derivative with some of the computation's paths left out (``forward_edits``;
        in a network, the path through its penalty)."""
        derivatives = nodes(self.other, sx.Derivative)
        if not derivatives or self._says_nothing():
            return None
        candidates = held_paths(self.forward, derivatives[0]) if self.forward is not None else self._penalty_path()
        for message, paths in candidates:
            if self.holds(self.with_truth(paths)):
                return Diagnosis("missing_path", message)
        return None

    def _penalty_path(self) -> Iterator[tuple[str, sx.Paths]]:
        penalty = self.network.spec.penalty if self.network is not None else None
        if penalty is not None:
            yield (f"the penalty's term is missing: the derivative of {text(penalty)} is left out",
                   sx.Paths(held=(PENALTY,)))

    def _says_nothing(self) -> bool:
        """A formula of 0, which leaving out every path would explain."""
        return isinstance(self.side, sx.Num) and self.side.text == "0"

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

    def _any_computation(self) -> Iterator[Edit]:
        """The families of any computation's mistakes (``edits``, ``forward_edits``), after a network's."""
        forward, side = self.forward, self.side
        sizes = self._sizes()
        if forward is not None:
            yield from transposes(forward, side)
            yield from derivative_edits(forward, side, self.equation, self.scope)
        yield from whole_factors(side, sizes, self.side_name)
        yield from numbered_sums(side, self.equation, forward.letters if forward else {})
        yield from term_edits(side, size_factors(sizes, side.loc))
        yield from negated_arguments(side)
        yield from index_shifts(side, lambda node, position: self.network is not None and position == 0
                                and self._layer_of(node) is not None)
        yield from reflections(side, forward.extents if forward else {}, forward.letter_extents() if forward else {})
        yield from counts(side, self.equation, self.scope, list(forward.index_data) if forward else [])
        if forward is not None:
            yield from other_quantities(side, forward.slots)

    def _sizes(self) -> list[str]:
        """The sizes and constants a factor may be: a forward file's dims and constants; a network's batch
        S and constants."""
        if self.forward is not None:
            return list(self.forward.sizes)
        if self.network is None:
            return []
        constants = [name for name, constant in self.network.spec.constants.items() if constant.domain]
        return (["S"] if len(self.network.examples) > 1 else []) + constants

    def _function_or_derivative(self) -> Iterator[Edit]:
        for call in nodes(self.side, sx.Call):
            if not self._is_activation(call.func) or len(call.args) != 1:
                continue
            if call.primes == 0:
                new = replace(call, primes=1)
                yield Edit("function_for_derivative",
                           f"{text(call)} is written where its derivative {text(new)} is meant", call, new)
            elif call.primes == 1:
                new = replace(call, primes=0)
                yield Edit("derivative_for_function",
                           f"{text(call)} is written where {text(new)} is meant", call, new)

    def _transposes(self) -> Iterator[Edit]:
        """A matrix or vector in matrix notation (w[l], delta[l]: a layer and no neuron index) transposed,
        or a transpose too many."""
        for node in nodes(self.side, sx.Transpose):
            yield Edit("transpose", f"the transpose is wrong: {text(node)} should be {text(node.operand)}",
                       node, node.operand)
        transposed = {id(node.operand) for node in nodes(self.side, sx.Transpose)}
        for node in nodes(self.side, sx.Indexed):
            if id(node) not in transposed and self._is_matrix_notation(node):
                new = sx.Transpose(node, node.loc)
                yield Edit("transpose", f"a transpose is missing: {text(node)} should be {text(new)}", node, new)
        if transposed or any(self._is_matrix_notation(node) for node in nodes(self.side, sx.Indexed)):
            whole = sx.Transpose(self.side, self.side_loc)
            yield Edit("transpose", f"the {self.side_name} side is the transpose of the truth", self.side, whole)

    def _layer_shifts(self) -> Iterator[Edit]:
        """A network's layer one or two off (elsewhere an index one off is ``edits.index_shifts``)."""
        if self.network is None:
            return
        inside_derivative = {id(node) for call in nodes(self.side, sx.Call) if call.primes
                             for node in sx.walk(call)}
        for node in nodes(self.side, sx.Indexed):
            layer = self._layer_of(node)
            if layer is None:
                continue
            for shifted in (plus(layer, -1), plus(layer, 1), plus(layer, -2), plus(layer, 2)):
                new = replace(node, groups=((shifted,),) + node.groups[1:])
                role = self._role(node)
                if id(node) in inside_derivative:
                    code, message = "derivative_wrong_layer", \
                        f"the derivative is taken at the wrong layer: {text(node)} should be {text(new)}"
                elif role is Role.A:
                    code, message = "activation_wrong_layer", \
                        f"the activation of the wrong layer: {text(node)} should be {text(new)}"
                else:
                    code, message = "wrong_layer", f"the wrong layer: {text(node)} should be {text(new)}"
                yield Edit(code, message, node, new)

    def _swapped_indices(self) -> Iterator[Edit]:
        for node in nodes(self.side, sx.Indexed):
            for position, group in enumerate(node.groups):
                if len(group) == 2 and group[0] != group[1]:
                    groups = node.groups[:position] + ((group[1], group[0]),) + node.groups[position + 1:]
                    new = replace(node, groups=groups)
                    what = "a transposed weight" if self._role(node) is Role.W else "swapped indices"
                    yield Edit("swapped_indices", f"{what}: {text(node)} should be {text(new)}",
                               node, new)

    def _missing_sums(self) -> Iterator[Edit]:
        theirs = set(sx.free_indices(self.other, self.scope))
        for letter in sx.free_indices(self.side, self.scope):
            if letter not in theirs:
                yield Edit("missing_sum", f"{letter} appears only on the {self.side_name} side: "
                                          f"the sum over {letter} is missing",
                           self.side, sx.Sum(letter, None, None, self.side, self.side_loc))

    def _removed_factors(self) -> Iterator[Edit]:
        for product in nodes(self.side, sx.BinOp):
            if product.op != "*":
                continue
            for kept, dropped in ((product.left, product.right), (product.right, product.left)):
                if isinstance(dropped, sx.Num):
                    continue
                yield Edit("extra_factor", f"the factor {text(dropped)} should not be there",
                           product, kept)

    def _missing_factors(self) -> Iterator[Edit]:
        """A derivative of the activation, times the whole side or inside one of its sums; without a
        network, a symbol (the inner derivative of a chain rule)."""
        network = self.network
        places = [self.side] + [node.body for node in nodes(self.side, sx.Sum)]
        if network is None:
            for place in places:
                for symbol in sorted(self.scope.values):
                    factor = sx.Name(symbol, self.side_loc)
                    yield Edit("missing_factor", f"the factor {symbol} is missing (an inner derivative?)",
                               place, sx.BinOp("*", place, factor, self.side_loc))
            return
        layers = {}
        for node in nodes(self.equation, sx.Indexed):
            layer = self._layer_of(node)
            if layer is not None:
                for candidate in (layer, plus(layer, -1), plus(layer, 1)):
                    layers.setdefault(sx.to_text(candidate), candidate)
        z_name = network.notation.name_of(Role.Z)
        for place in places:
            letters = sx.free_indices(self.equation, self.scope) + [node.var for node in nodes(self.side, sx.Sum)
                                                                     if any(p is place for p in sx.walk(node))]
            for layer in layers.values():
                function = self._activation_at(layer)
                if function is None:
                    continue
                vectors = any(self._is_matrix_notation(node) for node in nodes(self.equation, sx.Indexed))
                for indices in self._neuron_indices(letters) + ([()] if vectors else []):
                    groups = ((layer,),) + ((tuple(sx.Name(i, self.side_loc) for i in indices),) if indices else ())
                    factor = sx.Call(function, 1, (sx.Indexed(z_name, groups, self.side_loc),), self.side_loc)
                    yield Edit("missing_factor", f"the factor {text(factor)} is missing",
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
        letters = sorted({node.id for node in nodes(self.equation, sx.Name) if self.scope.is_index(node.id)}
                         | {node.var for node in nodes(self.equation, sx.Sum)})
        for node in nodes(self.side, sx.Indexed):
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
                        yield Edit("wrong_index", f"the wrong index: {text(node)} should be {text(new)}",
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
