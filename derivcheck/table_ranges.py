"""The values each index letter of a table's pieces takes: from a piece's shape, from the tensor an
``upstream:`` gradient belongs to, or inferred from its body (the slot the letter first fills alone in
another tensor), and the span of a tensor's slot over its pieces; and the index groups of an instance."""

from __future__ import annotations

from . import syntax as sx
from .errors import InputError
from .forward_spec import Piece
from .roles import Role


class TableRanges:
    """The ranges of a Tensors table (which gives ``pieces``, ``spec``, ``model``, and the ``_ranges`` and
    ``_resolving`` it keeps)."""

    def declared_range(self, letter: str) -> range | None:
        """The range a letter has in the declarations, when it has one (c in W[i,c]: D, K is 1..K)."""
        spans = {self.piece_ranges(piece)[letter] for pieces in self.pieces.values() for piece in pieces
                 if piece.role in (Role.INPUT, Role.PARAM) and letter in piece.letters}
        return spans.pop() if len(spans) == 1 else None

    def piece_ranges(self, piece: Piece) -> dict[str, range]:
        """The values of each letter of a piece: from its shape, the tensor it receives (upstream), or
        inferred from its body."""
        known = self._ranges.get(id(piece))
        if known is not None:
            return known
        if piece.role is Role.UPSTREAM:
            source = next(p for p in self.pieces[self._upstream_of(piece.name)] if p.head == renamed(
                piece.head, p.name) and p.role is Role.FORWARD)
            found = self._ranges[id(piece)] = dict(zip(piece.letters, self.piece_ranges(source).values()))
            return found
        if piece.extents is not None:
            found = self._ranges[id(piece)] = {letter: self._extent(extent)
                                               for letter, extent in zip(piece.letters, piece.extents)}
            return found
        self._resolving.add(id(piece))
        try:
            found = {}
            for letter in piece.letters:
                span = self.first_range(letter, [piece.body])
                if span is None:
                    raise InputError(f"cannot tell the range of '{letter}' in {sx.to_text(piece.head)}", piece.loc,
                                     f"'{letter}' never indexes a tensor alone in the body; give `shape:`")
                found[letter] = span
        finally:
            self._resolving.discard(id(piece))
        self._ranges[id(piece)] = found
        return found

    def first_range(self, letter: str, bodies) -> range | None:
        """The range of the slot ``letter`` first fills alone, reading the bodies in order."""
        for body in bodies:
            for node in sx.walk(body, unbound=letter):
                if not isinstance(node, sx.Indexed) or not (node.id in self.pieces or node.id in self.spec.data):
                    continue
                items = [item for group in node.groups for item in group]
                for slot, item in enumerate(items):
                    if isinstance(item, sx.Name) and item.id == letter:
                        span = self.slot_range(node.id, slot, ())
                        if span is not None:
                            return span
        return None

    def slot_range(self, name: str, slot: int, given: tuple[int, ...]) -> range | None:
        """The values slot ``slot`` of a tensor takes over all its pieces (that fit ``given``), as one span;
        None while the tensor's ranges are being inferred."""
        if name in self.spec.data:
            shape = self.spec.data[name].shape
            return range(1, shape[slot] + 1) if slot < len(shape) else range(0)
        low, high = None, None
        for piece in self.pieces.get(name, ()):
            if id(piece) in self._resolving:
                continue
            items = [item for group in head_groups(piece.head) for item in group]
            if slot >= len(items):
                return range(0)
            ranges = self.piece_ranges(piece)
            if not all(_fits(item, value, ranges) for item, value in zip(items, given)):
                continue
            item = items[slot]
            span = range(int(item.text), int(item.text) + 1) if isinstance(item, sx.Num) else ranges[item.id]
            if len(span):
                low = span.start if low is None else min(low, span.start)
                high = span.stop if high is None else max(high, span.stop)
        return None if low is None else range(low, high)

    def _extent(self, extent) -> range:
        lo = self.model.index(extent.lo, dict(self.spec.dims))
        hi = self.model.index(extent.hi, dict(self.spec.dims))
        return range(lo, hi + 1)

    def _upstream_of(self, gradient: str) -> str:
        return next(quantity for quantity, name in self.spec.upstream if name == gradient)


def _fits(item, value: int, ranges: dict[str, range]) -> bool:
    return int(item.text) == value if isinstance(item, sx.Num) else value in ranges[item.id]


def head_groups(head) -> tuple[tuple[sx.Expr, ...], ...]:
    """The index groups of a head (a piece's or a let's): h[t][j] has ((t,), (j,)), a name none."""
    return head.groups if isinstance(head, sx.Indexed) else ()


def head_shape(head) -> tuple[int, ...]:
    """How many indices each group of a head holds: w[l][j,k] is (1, 2)."""
    return tuple(len(group) for group in head_groups(head))


def renamed(head, name: str):
    return sx.Indexed(name, head.groups, head.loc) if isinstance(head, sx.Indexed) else sx.Name(name, head.loc)


def by_first_index(pieces: list[Piece]) -> tuple[list[Piece], dict[int, list[Piece]]]:
    """A tensor's pieces that can hold an instance, by its first index value: those whose head starts
    with a letter, and with each number the heads that start with it, in file order (a network has a
    piece per layer: w[1][j,k], w[2][j,k], … and an instance needs only its layer's)."""
    def first(piece):
        groups = head_groups(piece.head)
        item = groups[0][0] if groups and groups[0] else None
        return int(item.text) if isinstance(item, sx.Num) else None
    generic: list[Piece] = []
    numbered: dict[int, list[Piece]] = {}
    for piece in pieces:
        number = first(piece)
        if number is None:
            generic.append(piece)
            for held in numbered.values():
                held.append(piece)
        else:
            numbered.setdefault(number, list(generic)).append(piece)
    return generic, numbered


def instance_count(ranges: dict[str, range]) -> int:
    """The number of instances of a piece whose letters take these ranges."""
    count = 1
    for span in ranges.values():
        count *= len(span)
    return count


def instance_groups(piece: Piece, bound: dict[str, int]) -> tuple[tuple[int, ...], ...]:
    """The index values of the instance of a piece where its letters have these values."""
    return tuple(tuple(bound[item.id] if isinstance(item, sx.Name) else int(item.text) for item in group)
                 for group in head_groups(piece.head))


def grouped(flat: tuple[int, ...], structure: tuple[int, ...]) -> tuple[tuple[int, ...], ...]:
    """Index values in their groups: (2, 1, 3) with structure (1, 2) is ((2,), (1, 3))."""
    groups, start = [], 0
    for size in structure:
        groups.append(tuple(flat[start:start + size]))
        start += size
    return tuple(groups)
