"""The table of quantities of a forward file (or of a network, compiled into one by ``network_table``),
and its definitions as nodes of the graph.

Every declared name has a role (``roles.Role``); a tensor is one or more
pieces — heads such as ``h[0][j]`` (an input) and ``h[t][j]`` (a definition) —
each with the range of every index letter, given by its shape or inferred from
its body (the slot the letter first fills alone in another tensor). Every
instance of a definition is built once, in file order, as a node of the graph,
so a derivative is the chain rule over the file's own equations and a
recurrence over t costs one node per step. A tensor written with fewer indices
than it has is the matrix (or column) of its trailing slots. What a definition
knows of itself lives with it: one that applies a non-rational function is an
atom of proofs, and a softmax group knows its Jacobian.
"""

from __future__ import annotations

import copy
import itertools

import sympy as sp

from . import syntax as sx
from .errors import IndexRangeError, InputError, ShapeError, UndefinedError
from .forward_spec import ONE_HOT_GROUP, SOFTMAX_GROUP, TARGETS_GROUP, ForwardSpec, Piece
from .functions import softmax
from .graph import Quantity, exact
from .indexing import match_pattern
from .limits import over_limit
from .roles import EXAMPLES, LAYERED, Role
from .table_leaves import constant_value, declared_leaf, symbol_value
from .table_ranges import TableRanges, by_first_index, grouped, head_shape, instance_count, instance_groups, renamed

_NETWORK_DEFINITIONS = frozenset({Role.Z, Role.A, Role.C})  # a network's definitions keep their role
_ATOMS = frozenset({Role.ATOM, Role.A})  # definitions a proof keeps as symbols


class Tensors(TableRanges):
    """The table of a forward file's quantities (or a network's, compiled into one): look-ups by name and
    index values, views, index ranges."""

    def __init__(self, forward: ForwardSpec, model, shown: dict[Role, str] | None = None):
        self.spec = forward
        self.model = model
        self.shown = shown or {}  # a network's roles → the file's names for them (its table keys are roles)
        self.graph = model.graph
        self.limits = model.spec.limits
        self.pieces: dict[str, list[Piece]] = {}
        for piece in forward.pieces:
            self.pieces.setdefault(piece.name, []).append(piece)
        self._ranges: dict[int, dict[str, range]] = {}  # by id(piece): a piece's hash walks its whole body
        self._resolving: set[int] = set()
        self._instances: dict[tuple, sp.Expr] = {}
        self._views: dict[tuple, sp.ImmutableMatrix] = {}  # view()'s answers: built once, as instances are
        self._building: list[tuple] = []
        self.constants: dict[str, sp.Expr] = {}  # with the symbols, by define_leaves (their place among the leaves)
        self.symbols: dict[str, sp.Symbol] = {}
        self.loss: sp.Symbol | None = None
        for quantity, gradient in forward.upstream:
            self.pieces[gradient] = [Piece(Role.UPSTREAM, renamed(p.head, gradient), None, None, p.loc)
                                     for p in self.pieces[quantity] if p.role is Role.FORWARD]
        for piece in forward.pieces:
            self._check_structure(piece)
        self._by_first = {name: by_first_index(pieces) for name, pieces in self.pieces.items()}

    def rebound(self, model) -> "Tensors":
        """The same table read by another model of the file, whose lets differ: the instances, built
        once, are shared (nothing is built in a table after ``build``)."""
        twin = copy.copy(self)
        twin.model, twin.graph = model, model.graph
        return twin

    # -- names -----------------------------------------------------------------------------

    def knows(self, name: str) -> bool:
        """Whether the file reaches ``name`` through the table by its name (a network's roles are reached
        through the network's view, ``network.Network``)."""
        return self.named(name) or name in self.spec.dims or name in self.constants or name in self.symbols \
            or name == self.spec.loss and self.loss is not None

    def named(self, name: str) -> bool:
        """Whether ``name`` is data or a tensor that the file indexes by its name."""
        return name in self.spec.data or name in self.pieces and self.pieces[name][0].role not in self.shown

    def name_value(self, node: sx.Name) -> sp.Expr:
        """A name without indices: a symbol, a dim, a constant, a number of data, a scalar, or a whole tensor."""
        name = node.id
        if name in self.symbols:
            return self.symbols[name]
        if name in self.spec.dims:
            return sp.Integer(self.spec.dims[name])
        if name in self.constants:
            return self.constants[name]
        if name == self.spec.loss and name not in self.pieces:
            return self.loss
        return self.indexed(sx.Indexed(name, (), node.loc), {})

    def dim(self, name: str) -> int | None:
        return self.spec.dims.get(name)

    # -- instances -----------------------------------------------------------------------------

    def indexed(self, node: sx.Indexed, bindings: dict[str, int]) -> sp.Expr:
        """A tensor at index values, or the view of its trailing slots when indices are left out."""
        name = node.id
        if name in self.spec.data:
            values = tuple(self.model.index(item, bindings) for group in node.groups for item in group)
            shape = self.spec.data[name].shape
            if len(node.groups) <= 1 and 0 < len(shape) - len(values) <= 2:  # mask, or mask[n]: a view
                spans = [range(1, size + 1) for size in shape[len(values):]]
                if len(spans) == 1:
                    return sp.ImmutableMatrix([[self.data_value(name, (*values, i), node)] for i in spans[0]])
                return sp.ImmutableMatrix([[self.data_value(name, (*values, i, k), node) for k in spans[1]]
                                           for i in spans[0]])
            return self.data_value(name, values, node)
        if name not in self.pieces:
            raise InputError(f"'{name}' takes no indices", node.loc)
        structure = self.structure(name)
        given = tuple(self.model.index(item, bindings) for group in node.groups for item in group)
        flat = sum(structure)
        if len(given) > flat:
            raise InputError(f"'{name}' is indexed as {_shape_text(node.groups)}", node.loc,
                             f"declared as {_head_text(self.pieces[name][0].head)}")
        if len(given) == flat:  # grouped as declared (w^{(f)}_{c,k} is w[f][c][k])
            return self.instance(name, grouped(given, structure), node)
        return self.view(name, given, node)

    def instance(self, name: str, groups: tuple[tuple[int, ...], ...], node) -> sp.Expr:
        key = (name, groups)
        if key in self._instances:
            return self._instances[key]
        piece, bindings = self._piece_at(name, groups, node)
        if key in self._building:
            chain = " → ".join(_label(n, g) for n, g in self._building[self._building.index(key):] + [key])
            raise InputError(f"the forward definitions never reach a base case: {chain}", piece.loc,
                             "a recurrence needs a base case such as h[0][j], declared or defined")
        if piece.body is None:  # declared values: a leaf to sample
            quantity = self._quantity(piece.role, name, groups)
            symbol = declared_leaf(self.graph, quantity)
        else:
            symbol = self._define(piece, bindings, key)
        self._instances[key] = symbol
        if piece.group == SOFTMAX_GROUP:
            self._softmax_jacobian(piece, bindings)
        return symbol

    def _quantity(self, role: Role, name: str, groups) -> Quantity:
        """What an instance is: a network's quantity by its layer and neurons, in the file's name for it
        (w[2][1,3], x[3]); a forward file's by its groups (h[2][1])."""
        if role in LAYERED:
            return Quantity(role, self.shown[role], groups[0][0], groups[1])
        if role in EXAMPLES:
            return Quantity(role, self.shown[role], None, groups[0])
        if role is Role.C:
            return Quantity(role, self.shown[role])
        return Quantity(role, name, groups=groups)

    def _define(self, piece: Piece, bindings: dict[str, int], key: tuple) -> sp.Symbol:
        label = self._quantity(piece.role, piece.name, key[1]).label() if piece.role in _NETWORK_DEFINITIONS \
            else _label(*key)  # as the file names it (theta, e), not by the table's key
        self._building.append(key)  # (their number was checked against forward_instances before building)
        try:
            self.model.start_claim()  # each instance pays for its own sums (build_terms)
            value = self._softmax_value(piece, bindings) if piece.group == SOFTMAX_GROUP else \
                self.model.evaluate(piece.body, bindings)
        except (IndexRangeError, ShapeError, UndefinedError) as error:  # the file's error, at the definition
            raise InputError(f"in {label}, {error.message}", piece.loc) from None
        finally:
            self._building.pop()
        if isinstance(value, sp.MatrixBase):
            raise InputError(f"{label} is a matrix ({value.shape[0]}×{value.shape[1]}); a definition gives one "
                             "number per instance", piece.loc, "index the matrices in its body, or sum their entries")
        role = piece.role if piece.role in _NETWORK_DEFINITIONS else Role.ATOM if _non_rational(value) else \
            Role.FORWARD
        quantity = self._quantity(role, piece.name, key[1])
        return self.graph.define(sp.Symbol(quantity.label()), value, quantity)

    # -- softmax groups: the body is the argument, the instances over the first letter one softmax --------

    def _group(self, piece: Piece, bindings: dict[str, int]) -> list[tuple]:
        letter = piece.letters[0]
        return [(piece.name, instance_groups(piece, {**bindings, letter: value}))
                for value in self.piece_ranges(piece)[letter]]

    def _softmax_value(self, piece: Piece, bindings: dict[str, int]) -> sp.Expr:
        letter = piece.letters[0]
        span = self.piece_ranges(piece)[letter]
        arguments = [self.model.evaluate(piece.body, {**bindings, letter: value}) for value in span]
        return softmax(bindings[letter] - span.start + 1, *arguments)

    def _softmax_jacobian(self, piece: Piece, bindings: dict[str, int]) -> None:
        """Once a group is built: d(out[i])/d(arg[j]) = out[i]([i == j] - out[j]) over the outputs' own
        symbols, so that a Jacobian claim over N outputs costs N², not N³."""
        outputs = [self._instances.get(key) for key in self._group(piece, bindings)]
        if any(output is None for output in outputs):
            return
        position = {argument: j for j, argument in enumerate(self.graph.definitions[outputs[0]].args[1:])}
        for i, output in enumerate(outputs):
            self.graph.set_partial_rule(
                output, lambda z, i=i, output=output: output * (int(i == position[z]) - outputs[position[z]]))

    def _piece_at(self, name: str, groups, node) -> tuple[Piece, dict[str, int]]:
        """The most specific piece whose head and ranges hold these index values."""
        candidates = []
        generic, numbered = self._by_first.get(name, (self.pieces[name], {}))
        for piece in numbered.get(groups[0][0], generic) if groups and groups[0] else self.pieces[name]:
            matched = match_pattern(piece.head, groups, lambda letter, p=piece: letter in p.letters,
                                    lambda number: int(number.text))
            if matched is None:
                continue
            letters, bound = matched
            ranges = self.piece_ranges(piece)
            if all(bound[letter] in ranges[letter] for letter in piece.letters):
                candidates.append((letters, piece, bound))
        if not candidates:
            message = f"{_label(name, groups)} is out of range: " + "; ".join(
                f"{_head_text(p.head)} has " + ", ".join(f"{letter} in {_span(r)}" for letter, r in
                                                         self.piece_ranges(p).items()) if p.letters else
                f"{_head_text(p.head)} is one instance" for p in self.pieces[name])
            if self._building:  # a definition never reads outside a tensor: the file's error, where it reads
                raise InputError(f"in {_label(*self._building[-1])}, {message}", getattr(node, "loc", None))
            raise IndexRangeError(message)
        candidates.sort(key=lambda c: c[0])
        return candidates[0][1], candidates[0][2]

    def view(self, name: str, given: tuple[int, ...], node) -> sp.Expr:
        """name[given…] over its remaining slots: a column (one slot left) or a matrix (two)."""
        structure = self.structure(name)
        rest = range(len(given), sum(structure))
        if len(rest) > 2:
            raise InputError(f"'{sx.to_text(node)}' has {len(rest)} indices left: a view is a column or a matrix",
                             node.loc, f"give the first {len(rest) - 2} of {_head_text(self.pieces[name][0].head)}")
        if (name, given) in self._views:
            return self._views[name, given]
        spans = [self.slot_range(name, slot, given) for slot in rest]
        if any(not span for span in spans):  # no piece holds these first indices
            self._piece_at(name, grouped((*given, *(1 for _ in rest)), structure), node)
            raise IndexRangeError(f"{name}[{','.join(map(str, given))}] is out of range")
        if len(spans) == 1:
            found = sp.ImmutableMatrix([[self.instance(name, grouped((*given, i), structure), node)]
                                        for i in spans[0]])
        else:
            found = sp.ImmutableMatrix([[self.instance(name, grouped((*given, i, k), structure), node)
                                         for k in spans[1]] for i in spans[0]])
        self._views[name, given] = found
        return found

    def structure(self, name: str) -> tuple[int, ...]:
        return head_shape(self.pieces[name][0].head)

    def data_value(self, name: str, values: tuple[int, ...], node) -> sp.Expr:
        array = self.spec.data[name]
        if len(values) != len(array.shape):
            raise InputError(f"data {name} takes {len(array.shape)} ind{'ex' if len(array.shape) == 1 else 'ices'}, "
                             f"got {len(values)}", node.loc,
                             f"{name}[{','.join('ijk'[:len(array.shape)])}]" if array.shape else f"write {name}")
        position = 0
        for value, size in zip(values, array.shape):
            if not 1 <= value <= size:
                ranges = ", ".join(f"1..{size}" for size in array.shape)
                raise IndexRangeError(f"{name}[{','.join(map(str, values))}] is out of range: data {name} has "
                                      f"indices in {ranges}")
            position = position * size + value - 1
        return exact(array.values[position])

    def proof_rewrites(self) -> dict[sp.Expr, sp.Symbol]:
        """f(argument) → the definition's symbol, for the definitions a proof keeps as atoms (h = tanh(a), a
        network's a = sigmoid(z), a softmax output): so tanh'(a) = 1 - tanh(a)^2 becomes 1 - h^2. An
        activation that is the identity (a = z) goes the other way: a → z."""
        rewrites: dict[sp.Expr, sp.Symbol] = {}
        for symbol in self._instances.values():
            if symbol in self.graph.definitions and self.graph.quantities[symbol].role in _ATOMS:
                definition = self.graph.definitions[symbol]
                if definition.is_Symbol:
                    rewrites[symbol] = definition
                else:
                    rewrites[definition] = symbol
        return rewrites

    def softmax_groups(self) -> list[list[sp.Symbol]]:
        """The instances of each softmax (a network's outputs, one group per example)."""
        return self._groups(SOFTMAX_GROUP)

    def target_groups(self) -> list[list[sp.Symbol]]:
        """A network's targets, one group per example (they sum to 1 with one-hot labels)."""
        return self._groups(TARGETS_GROUP, ONE_HOT_GROUP)

    @property
    def one_hot(self) -> bool:
        """Whether the targets are one-hot labels (``targets: one_hot``): points are drawn with each group
        summing to 1, and a proof may use that."""
        return any(piece.group == ONE_HOT_GROUP for piece in self.spec.pieces)

    def _groups(self, *kinds: str) -> list[list[sp.Symbol]]:
        groups = []
        for piece in self.spec.pieces:
            if piece.group in kinds:
                ranges = self.piece_ranges(piece)
                rest = piece.letters[1:]
                for values in itertools.product(*(ranges[letter] for letter in rest)):
                    groups.append([self._instances[key] for key in self._group(piece, dict(zip(rest, values)))])
        return groups

    # -- building -------------------------------------------------------------------------------

    def _check_structure(self, piece: Piece) -> None:
        first = self.pieces[piece.name][0]
        if head_shape(piece.head) != head_shape(first.head):
            raise InputError(f"{_head_text(piece.head)} does not have the index groups of {_head_text(first.head)}",
                             piece.loc, "every head of one tensor has the same brackets")

    def define_leaves(self) -> None:
        """The symbols, then the constants (numbers, or leaves sampled in their domains): a forward file's
        first among the leaves, a network's after its inputs and targets."""
        self.symbols = {name: symbol_value(self.graph, name, assumptions)
                        for name, assumptions in self.spec.symbols.items()}
        self.constants = {name: constant_value(self.graph, c) for name, c in self.spec.constants.items()}

    def build(self) -> None:
        """The symbols and constants, every declared and defined instance, in file order, then the upstream
        sum."""
        self.define_leaves()
        for name, pieces in self.pieces.items():  # refused before anything is built, where a count passes its limit
            elements = 0
            for piece in pieces:
                elements += instance_count(self.piece_ranges(piece))
                if piece.body is None and elements > self.limits.tensor_elements:
                    raise over_limit(f"{name} has too many entries ({elements:,})", "tensor_elements", self.limits,
                                     piece.loc)
        definitions = [piece for piece in self.spec.pieces if piece.body is not None]
        planned = 0
        for piece in definitions:
            planned += instance_count(self.piece_ranges(piece))
            if planned > self.limits.forward_instances:
                raise over_limit(f"too many instances of forward definitions ({planned:,} up to here)",
                                 "forward_instances", self.limits, piece.loc)
        for pieces in self.pieces.values():
            for piece in pieces:
                if piece.body is None:
                    self._instances_of(piece)
        for piece in definitions:
            if not self._instances_of(piece) and any(self.piece_ranges(piece).values()):
                raise InputError(f"every instance of {_head_text(piece.head)} is declared or defined by a more "
                                 "specific head, so this definition is never used", piece.loc,
                                 "a definition may add instances beside declared ones: h[t][j] beside h[0][j]")
        if self.spec.upstream:
            self._define_upstream_sum()

    def _instances_of(self, piece: Piece) -> list[sp.Expr]:
        ranges = self.piece_ranges(piece)
        letters = piece.letters
        found = []
        for values in itertools.product(*(ranges[letter] for letter in letters)):
            groups = instance_groups(piece, dict(zip(letters, values)))
            if self._piece_at(piece.name, groups, piece.head)[0] is piece:  # a more specific head wins
                found.append(self.instance(piece.name, groups, piece.head))
        return found

    def _define_upstream_sum(self) -> None:
        terms = []
        for quantity, gradient in self.spec.upstream:
            for piece in self.pieces[quantity]:
                if piece.role is not Role.FORWARD:
                    continue
                outputs = self._instances_of(piece)
                upstream = self._instances_of(next(p for p in self.pieces[gradient]
                                                   if p.head == renamed(piece.head, gradient)))
                terms.extend(g * o for g, o in zip(upstream, outputs))
        name = self.spec.loss
        self.loss = self.graph.define(sp.Symbol(name), sp.Add(*terms), Quantity(Role.FORWARD, name))


def _non_rational(value: sp.Expr) -> bool:
    """A definition that applies one non-rational function (tanh(a), exp(s), sqrt(v + eps)): kept as an
    atom of proofs."""
    if isinstance(value, sp.Function):
        return True
    return value.is_Pow and not value.exp.is_Integer


def _label(name: str, groups) -> str:
    return name + "".join("[" + ",".join(str(i) for i in group) + "]" for group in groups)


def _head_text(head) -> str:
    return sx.to_text(head)


def _shape_text(groups) -> str:
    return "".join("[" + ",".join("·" for _ in group) + "]" for group in groups) or "a name without indices"


def _span(values: range) -> str:
    return f"{values.start}..{values.stop - 1}" if len(values) else "none"
