"""Which values an index takes: from the quantities it indexes, and how let patterns match.

A free index (or a sum's index) gets its range from where it is used: in
``w[l][j,k]``, j runs over the neurons of layer l and k over those of layer
l-1; in ``delta[l+1][k]`` from where the matching ``let`` definition uses its
own pattern letter. Layer letters are recognised here too.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import syntax as sx
from .errors import InputError, UndefinedError
from .roles import LAYERED, Role

MAX_LET_NESTING = 3


@dataclass(frozen=True)
class Occurrence:
    """A place where an index is used: the values valid there, and what it indexes."""

    values: range
    what: str
    layer_slot: bool
    defined: bool = True  # False: the quantity does not exist at this layer (``what`` says so)


def span_of(occurrences: list[Occurrence]) -> range:
    """The values an index takes: up to the end of its first use; from 0 only if every use has a
    folded-bias unit 0 (so a wrong index still runs off the end and is caught)."""
    start = max(o.values.start for o in occurrences)
    return range(start, occurrences[0].values.stop)


def match_pattern(head: sx.Indexed | sx.Name, values, is_variable, index_of) -> tuple[int, dict] | None:
    """Match a let key such as ``delta[l][j]`` or ``delta[L][j]`` against index values.

    ``values`` has the shape of the key's groups; None stands for a value not known yet.
    Returns how many pattern letters the key has (fewer is more specific) and their values,
    or None when the key does not apply.
    """
    groups = head.groups if isinstance(head, sx.Indexed) else ()
    if tuple(len(g) for g in groups) != tuple(len(g) for g in values):
        return None
    bound: dict[str, int] = {}
    letters = 0
    for pattern_group, group in zip(groups, values):
        for pattern, value in zip(pattern_group, group):
            if isinstance(pattern, sx.Name) and is_variable(pattern.id):
                letters += 1
                if value is not None and bound.setdefault(pattern.id, value) != value:
                    return None
            elif value is not None and index_of(pattern) != value:
                return None
    return letters, bound


_INDEXED_KEPT = 4096  # trees remembered by IndexRanges (a diagnosis tries many edits of one claim)
_OCCURRENCES_KEPT = 16384  # indexed quantities remembered with where a letter indexes them


class IndexRanges:
    """Finds where an index is used in expressions of a model, and the values valid there."""

    def __init__(self, model):
        self.model = model
        self._indexed: dict[tuple[int, str], tuple[sx.Expr, list[sx.Indexed]]] = {}
        self._found: dict[tuple, tuple[sx.Indexed, list[Occurrence]]] = {}

    def occurrences(self, var: str, nodes, bindings: dict[str, int], depth: int = 0) -> list[Occurrence]:
        found: list[Occurrence] = []
        for root in nodes:
            for node in self._indexed_in(root, var):
                found.extend(self._in_node(var, node, bindings, depth))
        return found

    def _in_node(self, var: str, node: sx.Indexed, bindings: dict[str, int], depth: int) -> list[Occurrence]:
        """Where ``var`` indexes one quantity, found once per node: the nodes an edit leaves alone are the
        same objects in every edit of a claim (kept with their answer, so that the identity stays theirs)."""
        key = (id(node), var, tuple(bindings.items()), depth)
        if key not in self._found:
            if len(self._found) >= _OCCURRENCES_KEPT:
                self._found.clear()
            self._found[key] = (node, self._in_indexed(var, node, bindings, depth))
        return self._found[key][1]

    def _indexed_in(self, root: sx.Expr, var: str) -> list[sx.Indexed]:
        """The indexed quantities of a tree where ``var`` is free, walked once per tree and letter (a
        claim's instances ask again for every value of the letters before it). Kept by the tree's identity,
        with the tree, so that the identity stays its own."""
        key = (id(root), var)
        if key not in self._indexed:
            if len(self._indexed) >= _INDEXED_KEPT:
                self._indexed.clear()
            self._indexed[key] = (root, [node for node in sx.walk(root, unbound=var) if isinstance(node, sx.Indexed)])
        return self._indexed[key][1]

    def infer(self, var: str, nodes, bindings: dict[str, int], where: sx.Expr) -> range:
        """The range of a sum's index; UndefinedError where its quantities do not exist."""
        found = self.occurrences(var, nodes, bindings)
        defined = [o for o in found if o.defined]
        if defined:
            return span_of(defined)
        if found:
            raise UndefinedError(found[0].what)
        raise InputError(f"cannot tell which values '{var}' takes", where.loc,
                         f"it takes them where it indexes a quantity alone, or write them: sum({var} in 1..n, …)")

    def _in_indexed(self, var: str, node: sx.Indexed, bindings, depth) -> list[Occurrence]:
        model = self.model
        hits = [(g, i) for g, group in enumerate(node.groups) for i, item in enumerate(group)
                if isinstance(item, sx.Name) and item.id == var]
        if hits and node.id not in model.lets and model.table.named(node.id):
            return self._in_tensor(var, node, hits, bindings)
        role = model.role(node.id, len(node.groups))
        if role in LAYERED and not hits and any(isinstance(n, sx.Name) and n.id == var
                                                    for item in node.groups[0] for n in sx.walk(item)):
            return [Occurrence(model.network.layer_range(role), f"{node.id}[…{var}…]", True)]
        if not hits:
            return []
        if node.id in model.lets:
            return self._in_let(var, node, hits, bindings, depth)
        if role is None or role is Role.C:
            return []
        found = (self._in_quantity(var, node, role, g, i, bindings) for g, i in hits)
        return [occurrence for occurrence in found if occurrence is not None]

    def _in_tensor(self, var: str, node: sx.Indexed, hits, bindings) -> list[Occurrence]:
        """An index of a table's tensor or data: the values of its slot (given the slots before it)."""
        items = [item for group in node.groups for item in group]
        found = []
        for g, i in hits:
            slot = sum(len(group) for group in node.groups[:g]) + i
            given = []
            for item in items[:slot]:
                value = self.model.try_index(item, bindings)
                if value is None:
                    break
                given.append(value)
            span = self.model.table.slot_range(node.id, slot, tuple(given))
            if span is not None:
                found.append(Occurrence(span, f"{node.id}[…{var}…]", False))
        return found

    def _in_quantity(self, var: str, node: sx.Indexed, role: Role, g: int, i: int, bindings) -> Occurrence | None:
        """None when the layer is not known yet (it uses another unbound index)."""
        network = self.model.network
        name = node.id
        if role in LAYERED and g == 0:
            return Occurrence(network.layer_range(role), f"{name}[{var}]", True)
        first = 1 if role in LAYERED else 0
        position = sum(len(group) for group in node.groups[first:g]) + i
        slots = network.neuron_slots(role)
        given = sum(len(group) for group in node.groups[first:])
        if given < slots + network.has_example_slot(role) or position >= slots:
            return Occurrence(network.examples, f"{name}[…{var}] (example index)", False)
        layer = self._layer(node, role, bindings)
        if layer is None:
            return None
        if layer not in network.layer_range(role):
            return Occurrence(range(0), network.missing_layer(role, layer), False, defined=False)
        from_to = role is Role.W and self.model.spec.network.notation.from_to
        slot = slots - 1 - position if from_to else position
        return Occurrence(network.neuron_range(role, layer, slot), f"{name}[{layer}][…{var}…]", False)

    def _layer(self, node: sx.Indexed, role: Role, bindings) -> int | None:
        if role not in LAYERED:
            return 0 if role is Role.X else self.model.network.L
        return self.model.try_index(node.groups[0][0], bindings)

    def _in_let(self, var: str, node: sx.Indexed, hits, bindings, depth) -> list[Occurrence]:
        """An index of a let instance takes its range from where the matching definition uses it."""
        model = self.model
        if depth > MAX_LET_NESTING:
            return []
        values = [[model.try_index(item, bindings) for item in group] for group in node.groups]
        candidates = []
        for let in model.lets[node.id]:
            matched = match_pattern(let.head, values, model.is_pattern_letter, lambda p: model.try_index(p, {}))
            if matched is not None and let.body is not None:
                candidates.append((matched[0], let, matched[1]))
        for _, let, bound in sorted(candidates, key=lambda c: c[0]):
            result = []
            for g, i in hits:
                pattern = let.head.groups[g][i]
                if isinstance(pattern, sx.Name) and model.is_pattern_letter(pattern.id):
                    scoped = {k: v for k, v in bound.items() if k != pattern.id}
                    result.extend(self.occurrences(pattern.id, [let.body], scoped, depth + 1))
            if result:
                return result
        return []
