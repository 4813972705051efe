"""The declarations and forward equations of a forward file (format v2) → frozen dataclasses.

A forward file states its computation itself: named sizes (``dims``), declared
tensors (``inputs``, ``params``), ``constants`` with a domain, fixed ``data``,
and ordered ``forward`` definitions over them, then ``loss`` or ``upstream``.
This module reads and validates that part of the file; ``tensors`` builds it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import yaml

from . import expressions as ex
from . import syntax as sx
from .errors import InputError, Location
from .syntax import declared_name as _declared
from .functions import BUILTIN_FUNCTIONS, MATRIX_FUNCTIONS
from .limits import over_limit
from .roles import Role

FORWARD_KEYS = ("dims", "inputs", "params", "constants", "data", "forward", "loss", "upstream")
DOMAINS = ("positive", "negative", "real", "unit")
# what a piece's instances over its first letter form (Piece.group): one softmax; one example's targets;
# one example's targets, which are one-hot labels (they sum to 1)
SOFTMAX_GROUP, TARGETS_GROUP, ONE_HOT_GROUP = "softmax", "targets", "one_hot"


@dataclass(frozen=True)
class Extent:
    """The values of one index slot, lo..hi: whole-number expressions of dims."""

    lo: sx.Expr
    hi: sx.Expr


@dataclass(frozen=True)
class Piece:
    """One head of a tensor and what stands there: declared values (an input, a param) or a definition.
    ``extents`` has one entry per index letter of the head (None: to be inferred from the body)."""

    role: Role
    head: sx.Name | sx.Indexed
    extents: tuple[Extent, ...] | None
    body: sx.Expr | None
    loc: Location = field(compare=False)
    group: str | None = None  # SOFTMAX_GROUP (the body is the argument of the softmax), TARGETS_GROUP, ONE_HOT_GROUP

    @property
    def name(self) -> str:
        return self.head.id

    @cached_property
    def letters(self) -> tuple[str, ...]:
        return tuple(item.id for group in _groups(self.head) for item in group if isinstance(item, sx.Name))


@dataclass(frozen=True)
class Constant:
    name: str
    domain: str | None  # positive | negative | real | unit, or None for a fixed number
    value: str | None
    loc: Location = field(compare=False)


@dataclass(frozen=True)
class DataArray:
    """Fixed numbers, indexed from 1, row first: ``shape`` () for a single number."""

    name: str
    shape: tuple[int, ...]
    values: tuple[str, ...]
    loc: Location = field(compare=False)


@dataclass(frozen=True)
class ForwardSpec:
    dims: dict[str, int]
    pieces: tuple[Piece, ...]  # declarations first, then the forward definitions in file order
    constants: dict[str, Constant]
    data: dict[str, DataArray]
    upstream: tuple[tuple[str, str], ...]  # (forward quantity, the name of the gradient it receives)
    loss: str | None  # the scalar `grad` differentiates (the upstream sum L when there is one)
    symbols: dict[str, tuple[str, ...]] = field(default_factory=dict)  # plain calculus's, and a key's questions'

    def names(self) -> set[str]:
        return set(self.dims) | {p.name for p in self.pieces} | set(self.constants) | set(self.data) | set(
            self.symbols) | {
            gradient for _, gradient in self.upstream} | ({self.loss} if self.loss else set())


def _groups(head) -> tuple[tuple[sx.Expr, ...], ...]:
    return head.groups if isinstance(head, sx.Indexed) else ()


class ForwardReader:
    """Reads the forward part of a file; ``check_new_name`` and the source come from the file's reader."""

    def __init__(self, source, limits, check_new_name):
        self.src = source
        self.limits = limits
        self.check_new_name = check_new_name
        self.taken: set[str] = set()

    def read(self, top: dict[str, yaml.Node]) -> ForwardSpec:
        dims = self.dims(top["dims"]) if "dims" in top else {}
        constants = self.constants(top["constants"]) if "constants" in top else {}
        data = self.data(top["data"]) if "data" in top else {}
        declared: list[Piece] = []
        for key, role in (("inputs", Role.INPUT), ("params", Role.PARAM)):
            if key in top:
                declared.extend(self.declarations(top[key], role))
        self._declared_tensors = {p.name for p in declared}
        forward_names = self.forward_names(top["forward"])
        values = set(dims) | set(constants) | set(data) | {p.name for p in declared} | forward_names
        upstream = self.upstream(top["upstream"], forward_names) if "upstream" in top else ()
        values |= {gradient for _, gradient in upstream}
        loss = self.loss(top.get("loss"), top.get("upstream"))
        if loss is not None:
            values.add(loss)
        self.scope = sx.Scope(frozenset(values), frozenset(BUILTIN_FUNCTIONS) | MATRIX_FUNCTIONS)
        definitions = self.definitions(top["forward"])
        pieces = (*declared, *definitions)
        if loss is not None and not upstream and not any(p.name == loss and isinstance(p.head, sx.Name)
                                                         for p in definitions):
            raise InputError(f"loss '{loss}' is not a scalar forward definition", self.src.where(top["loss"]),
                             "name a definition without indices, such as J")
        if loss is None:
            scalars = [p.name for p in definitions if isinstance(p.head, sx.Name)]
            loss = scalars[-1] if scalars else None
        return ForwardSpec(dims, pieces, constants, data, upstream, loss)

    # -- names and sizes ------------------------------------------------------------------

    def new_name(self, name: str, node: yaml.Node, head: bool = False) -> str:
        """A name declared here: new, valid and not reserved (``head``: the name of a tensor's head)."""
        self.check_new_name(name, node, self.taken, name if head else None)
        self.taken.add(name)
        return name

    def dims(self, node: yaml.Node) -> dict[str, int]:
        result = {}
        for key, key_node, value in self.src.mapping(node, "dims"):
            name = self.new_name(_declared(key), key_node)
            raw = value.value if isinstance(value, yaml.ScalarNode) else ""
            if not raw.isdigit():
                raise InputError(f"dim {name} must be a whole number ≥ 1, not {raw!r}", self.src.where(value),
                                 "dims are plain numbers; write sizes derived from them in shapes (1..W-K+1)")
            size = self.src.integer(value, f"dim {name}")
            if size > self.limits.dim_size:
                raise over_limit(f"dim {name} is too large ({size:,})", "dim_size", self.limits,
                                 self.src.where(value))
            result[name] = size
        return result

    def constants(self, node: yaml.Node) -> dict[str, Constant]:
        result = {}
        for key, key_node, value in self.src.mapping(node, "constants"):
            name = self.new_name(_declared(key), key_node)
            text = self.src.text(value, f"constant {name}")
            if text in DOMAINS:
                result[name] = Constant(name, text, None, self.src.where(key_node))
            else:
                try:
                    number = self.src.number(value, f"constant {name}")
                except InputError:
                    raise InputError(f"constant {name} must be a domain or a number, not {text!r}",
                                     self.src.where(value), "expected one of: " + ", ".join(DOMAINS)
                                     + ", or a number such as 2") from None
                result[name] = Constant(name, None, number, self.src.where(key_node))
        return result

    def data(self, node: yaml.Node) -> dict[str, DataArray]:
        result = {}
        count = 0
        for key, key_node, value in self.src.mapping(node, "data"):
            name = self.new_name(_declared(key), key_node)
            shape, values = self.array(value, name)
            count += len(values)
            if count > self.limits.data_values:
                raise over_limit(f"too many data values ({count:,})", "data_values", self.limits,
                                 self.src.where(value))
            result[name] = DataArray(name, shape, tuple(values), self.src.where(key_node))
        return result

    def array(self, node: yaml.Node, name: str) -> tuple[tuple[int, ...], list[str]]:
        """A number, a list or a nested list with rows of one length: its shape and values, row first."""
        if isinstance(node, yaml.ScalarNode):
            return (), [self.src.number(node, f"data {name}")]
        items = self.src.sequence(node, f"data {name}")
        if not items:
            raise InputError(f"data {name} is empty", self.src.where(node))
        rows = [self.array(item, name) for item in items]
        if len({shape for shape, _ in rows}) > 1:
            raise InputError(f"the rows of data {name} have different lengths", self.src.where(node),
                             "every row of a nested list needs as many entries")
        return (len(rows), *rows[0][0]), [value for _, values in rows for value in values]

    # -- tensors ----------------------------------------------------------------------------

    def head(self, key: str, key_node: yaml.Node, scope_values: set[str]) -> sx.Name | sx.Indexed:
        scope = sx.Scope(frozenset(scope_values), frozenset(BUILTIN_FUNCTIONS) | MATRIX_FUNCTIONS)
        origin = self.src.text_origin(key_node)
        head = ex.parse_definition_head(key, origin, scope, self.limits)
        if isinstance(head, sx.Call):
            raise InputError(f"'{key}' cannot be a tensor", origin, "a tensor is a name with indices: X[n,i]")
        for group in _groups(head):
            for item in group:
                if not (isinstance(item, sx.Name) and scope.is_index(item.id)
                        or isinstance(item, sx.Num) and item.text.isdigit()):
                    raise InputError(f"'{sx.to_text(item)}' in '{key}' is neither an index letter nor a whole number",
                                     origin, "a head holds letters, or a number for one instance: h[0][j]")
        letters = [item.id for group in _groups(head) for item in group if isinstance(item, sx.Name)]
        repeated = [letter for letter in letters if letters.count(letter) > 1]
        if repeated:
            raise InputError(f"index letter '{repeated[0]}' appears twice in '{key}'", origin)
        return head

    def declarations(self, node: yaml.Node, role: Role) -> list[Piece]:
        pieces: list[Piece] = []
        values = set(self.taken)
        for key, key_node, value in self.src.mapping(node, role.value + "s"):
            head = self.head(key, key_node, values)
            if not any(p.name == head.id for p in pieces):
                self.new_name(head.id, key_node, head=True)
            extents = self.shape(value, head, key)
            pieces.append(Piece(role, head, extents, None, self.src.where(key_node)))
        return pieces

    def shape(self, node: yaml.Node, head, key: str) -> tuple[Extent, ...]:
        """`N, D`, `0..T`, `1..W-K+1`, a list of those, or `scalar`: one extent per index letter."""
        letters = [item for group in _groups(head) for item in group if isinstance(item, sx.Name)]
        if isinstance(node, yaml.SequenceNode):
            parts = [(self.src.text(item, "an extent"), self.src.text_origin(item)) for item in node.value]
        else:
            text = self.src.text(node, f"the shape of {key}")
            origin = self.src.text_origin(node)
            parts = [] if text.strip() == "scalar" else _split_shape(text, origin)
        if len(parts) != len(letters):
            raise InputError(f"'{key}' has {len(letters)} index letter{'s' * (len(letters) != 1)} but its shape "
                             f"gives {len(parts)} extent{'s' * (len(parts) != 1)}", self.src.where(node),
                             "one extent per letter, e.g. X[n,i]: N, D; a scalar's shape is `scalar`")
        scope = sx.Scope(frozenset(self.taken), frozenset())
        return tuple(Extent(*ex.parse_extent(text, origin, scope, self.limits)) for text, origin in parts)

    def forward_names(self, node: yaml.Node) -> set[str]:
        names = set()
        for key, key_node, _ in self.src.mapping(node, "forward"):
            name = _declared(key.split("[", 1)[0].strip())
            declared_here = name in names or name in self.taken and self._declared_piece(name)
            if not declared_here:
                self.new_name(name, key_node, head=True)
            names.add(name)
        return names

    def _declared_piece(self, name: str) -> bool:
        """A name declared as an input may also be defined (h[0][j] an input, h[t][j] defined)."""
        return name in self._declared_tensors

    def definitions(self, node: yaml.Node) -> list[Piece]:
        pieces = []
        for key, key_node, value in self.src.mapping(node, "forward"):
            head = self.head(key, key_node, set(self.scope.values))
            extents = None
            if isinstance(value, yaml.MappingNode):
                fields = {}
                for field_key, field_key_node, field_value in self.src.mapping(value, f"forward {key}"):
                    if field_key not in ("shape", "value"):
                        raise InputError(f"unknown key '{field_key}' in forward {key}",
                                         self.src.where(field_key_node), "expected shape and value")
                    fields[field_key] = field_value
                if "value" not in fields:
                    raise InputError(f"forward {key} has no `value:`", self.src.where(value))
                if "shape" in fields:
                    extents = self.shape(fields["shape"], head, key)
                value = fields["value"]
            body = ex.parse_expression(self.src.text(value, f"forward {key}"), self.src.text_origin(value),
                                       self.scope, self.limits)
            pieces.append(Piece(Role.FORWARD, head, extents, body, self.src.where(key_node)))
        return pieces

    def upstream(self, node: yaml.Node, forward_names: set[str]) -> tuple[tuple[str, str], ...]:
        pairs = []
        for key, key_node, value in self.src.mapping(node, "upstream"):
            name = _declared(key)
            if name not in forward_names:
                raise InputError(f"upstream '{name}' is not a forward definition", self.src.where(key_node),
                                 "upstream maps a forward quantity to the name of the gradient it receives")
            gradient = self.new_name(_declared(self.src.text(value, f"upstream {name}")), value)
            pairs.append((name, gradient))
        return tuple(pairs)

    def loss(self, node: yaml.Node | None, upstream: yaml.Node | None) -> str | None:
        """The name `grad` differentiates; with `upstream:`, the new scalar it defines (L unless named)."""
        if node is None:
            return self.new_name("L", upstream) if upstream is not None else None
        name = _declared(self.src.text(node, "loss"))
        return self.new_name(name, node) if upstream is not None else name


def _split_shape(text: str, origin: Location) -> list[tuple[str, Location]]:
    """`N, F, 1..W-K+1` → its comma-separated extents, each with where it starts."""
    parts, start = [], 0
    for piece in text.split(","):
        lead = len(piece) - len(piece.lstrip())
        parts.append((piece.strip(), Location(origin.path, origin.line, origin.col + start + lead)))
        start += len(piece) + 1
    return parts
