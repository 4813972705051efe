"""Which names of a file take their LaTeX superscript as a layer (`w^{l+1}_{kj}` is `w[l+1][k,j]`, `h^{(t)}_j`
is `h[t][j]`): the network's layered quantities, a forward file's tensors with a group of their own first,
and the lets defined with such a group."""

from __future__ import annotations

import re

import yaml

from . import syntax as sx
from .forward_spec import ForwardSpec
from .network_spec import NetworkSpec
from .syntax import declared_name


def layered_lets(lets: yaml.Node | None) -> set[str]:
    """The lets whose key has a group of its own first (delta[l][j], gh[t][j])."""
    found = set()
    if isinstance(lets, yaml.MappingNode):
        for key, _ in lets.value:
            match = re.match(r"\s*(\w+)\s*\[[^\]]*\]\s*\[", key.value) if isinstance(key, yaml.ScalarNode) else None
            if match:
                found.add(declared_name(match.group(1)))
    return found


def layered_names(network: NetworkSpec, lets: yaml.Node | None) -> frozenset[str]:
    """The network's layered quantities (w b z a, the weight alias) and the lets defined with a layer group
    (delta[l][j]): in LaTeX their superscript is the layer."""
    names = {network.notation.names[key] for key in ("weight", "bias", "preact", "act")}
    if network.notation.weight_alias:
        names.add(network.notation.weight_alias)
    return frozenset(names | layered_lets(lets))


def forward_layered(forward: ForwardSpec, lets: yaml.Node | None) -> frozenset[str]:
    """A forward file's tensors with a first group of one letter (h[t][j], x[n][c][i]), their upstream
    gradients and such lets: in LaTeX h^{(t)}_j is h[t][j], as the report writes it."""
    names = {piece.name for piece in forward.pieces
             if isinstance(piece.head, sx.Indexed) and len(piece.head.groups) >= 2 and len(piece.head.groups[0]) == 1}
    names |= {gradient for quantity, gradient in forward.upstream if quantity in names}
    return frozenset(names | layered_lets(lets))
