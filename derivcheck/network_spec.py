"""The `network:` part of a derivation file (format v1, and v2's constants and penalty) → frozen dataclasses."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field, replace

import yaml

from . import expressions as ex
from . import syntax as sx
from .errors import InputError, Location
from .forward_spec import Constant, ForwardReader
from .functions import ACTIVATIONS, BUILTIN_FUNCTIONS, LOSSES, OUTPUT_ONLY
from .limits import over_limit
from .roles import NOTATION_ROLES, Role
from .syntax import declared_name

ROLE_DEFAULTS = {key: role.value for key, role in NOTATION_ROLES.items()}  # notation key → default name
_KEY_OF_ROLE = {role: key for key, role in NOTATION_ROLES.items()}
NETWORK_KEYS = ("sizes", "activation", "output", "loss", "bias", "targets", "batch", "reduction", "notation",
                "generic", "penalty")
IDENTIFIER = re.compile(r"^[^\W\d]\w*$")


@dataclass(frozen=True)
class Notation:
    names: dict[str, str]  # notation key (input, weight, …) → the user's name
    from_to: bool = False  # w[l][k,j] is the weight from k to j
    weight_alias: str | None = None  # W for w, as many courses write the weight matrix
    _roles: dict[str, list[Role]] = field(init=False, compare=False, repr=False)  # name → its roles

    def __post_init__(self) -> None:
        roles: dict[str, list[Role]] = {}
        for key, given in self.names.items():
            roles.setdefault(given, []).append(NOTATION_ROLES[key])
        if self.weight_alias is not None:
            roles[self.weight_alias] = [Role.W]
        object.__setattr__(self, "_roles", roles)

    def roles_of(self, name: str) -> list[Role]:
        """The roles (Role.X, Role.W, … Role.C) the user's name stands for."""
        return self._roles.get(name, [])

    def role_for(self, name: str, groups: int) -> Role | None:
        """The role a name written with so many index groups plays: the input and the activation may share
        a name (x[k] is the input, x[l][k] the activation)."""
        roles = self.roles_of(name)
        if len(roles) > 1:
            return Role.A if groups >= 2 else Role.X
        return roles[0] if roles else None

    def name_of(self, role: Role) -> str:
        """The user's name for a role (Role.W → 'theta')."""
        return self.names[_KEY_OF_ROLE[role]]


@dataclass(frozen=True)
class NetworkSpec:
    sizes: tuple[int, ...]
    activations: tuple[str, ...]  # for layers 1..L
    loss: str | sx.Expr
    bias: str  # true | false | folded
    targets: str  # any | one_hot
    batch: int
    reduction: str  # sum | mean
    notation: Notation
    loc: Location = field(compare=False)
    penalty: sx.Expr | None = None  # added to C after the batch reduction: lam/2 * sum(l, …)
    constants: dict[str, Constant] = field(default_factory=dict)  # `constants:` at the top of the file

    @property
    def last(self) -> int:
        return len(self.sizes) - 1


def parameter_count(sizes: tuple[int, ...], bias: str) -> int:
    """Weights and biases of a network (a folded bias is the weight from neuron 0)."""
    per_neuron = 1 if bias in ("true", "folded") else 0
    return sum(sizes[l] * (sizes[l - 1] + per_neuron) for l in range(1, len(sizes)))


def unknown_key(key: str, allowed, where: Location, what: str) -> InputError:
    close = difflib.get_close_matches(key, allowed, n=1)
    hint = (f"did you mean '{close[0]}'? " if close else "") + "expected one of: " + ", ".join(allowed)
    return InputError(f"unknown key '{key}' in {what}", where, hint)


class NetworkReader:
    """Reads a network and its notation; the source, limits, warnings and name check are the file reader's."""

    def __init__(self, source, limits, warnings: list[str], check_new_name):
        self.src = source
        self.limits = limits
        self.warnings = warnings
        self.check_new_name = check_new_name

    def network(self, node: yaml.Node, top_notation: yaml.Node | None, constants: yaml.Node | None) -> NetworkSpec:
        src = self.src
        fields: dict[str, yaml.Node] = {}
        for key, key_node, value in src.mapping(node, "network"):
            if key not in NETWORK_KEYS:
                raise unknown_key(key, NETWORK_KEYS, src.where(key_node), "network")
            fields[key] = value
        if "sizes" not in fields:
            raise InputError("network has no `sizes:`", src.where(node), "e.g. sizes: [2, 3, 2]")
        sizes = tuple(src.integer(item, "a layer size") for item in src.sequence(fields["sizes"], "sizes"))
        if len(sizes) < 2:
            raise InputError("sizes needs at least an input and an output layer", src.where(fields["sizes"]))
        if len(sizes) - 1 > self.limits.layers:
            raise over_limit(f"network too deep ({len(sizes) - 1} layers)", "layers", self.limits,
                             src.where(fields["sizes"]))
        last = len(sizes) - 1
        activations = self.activations(fields, last)
        if top_notation is not None and "notation" in fields:
            raise InputError("`notation:` is given twice", src.where(fields["notation"]), "keep one")
        notation = self.notation(fields.get("notation") or top_notation)
        bias = self.choice(fields, "bias", ("true", "false", "folded"), "true")
        targets = self.choice(fields, "targets", ("any", "one_hot"), "any")
        reduction = self.choice(fields, "reduction", ("sum", "mean"), "sum")
        batch = src.integer(fields["batch"], "batch") if "batch" in fields else 1
        count = parameter_count(sizes, bias)
        if count > self.limits.parameters:
            raise over_limit(f"network too large ({count:,} weights and biases)", "parameters", self.limits,
                             src.where(fields["sizes"]))
        if batch > self.limits.batch:
            raise over_limit(f"batch too large ({batch:,} samples)", "batch", self.limits, src.where(fields["batch"]))
        if count * batch > self.limits.forward_terms:
            raise over_limit(f"forward pass too large ({count:,} weights and biases × {batch:,} samples)",
                             "forward_terms", self.limits, src.where(fields.get("batch", fields["sizes"])))
        loss = self.loss(fields.get("loss"), notation, activations[-1], batch)
        declared = {}
        if constants is not None:
            reader = ForwardReader(src, self.limits, self.check_new_name)
            reader.taken = set(notation.names.values()) | {"L", "S"}
            declared = reader.constants(constants)
        penalty = self.penalty(fields["penalty"], notation, declared) if "penalty" in fields else None
        return NetworkSpec(sizes, activations, loss, bias, targets, batch, reduction, notation, src.where(node),
                           penalty, declared)

    def penalty(self, node: yaml.Node, notation: Notation, constants: dict) -> sx.Expr:
        """A penalty over the parameters, the constants, L and S: added to C after the batch reduction."""
        names = {notation.names["weight"], notation.names["bias"], "L", "S", *constants}
        scope = sx.Scope(frozenset(names), frozenset(BUILTIN_FUNCTIONS))
        return ex.parse_expression(self.src.text(node, "penalty"), self.src.text_origin(node), scope, self.limits)

    def with_weight_alias(self, network: NetworkSpec, lets: yaml.Node | None) -> NetworkSpec:
        """The network with W (the weight's one-letter name in capitals) as a name of the weights too,
        unless the file gives W a meaning of its own (a let) or the notation uses it."""
        weight = network.notation.names["weight"]
        alias = weight.upper()
        if len(weight) != 1 or not weight.islower() or alias in network.notation.names.values():
            return network
        if isinstance(lets, yaml.MappingNode) and any(
                isinstance(key, yaml.ScalarNode) and re.match(rf"{alias}\b", key.value) for key, _ in lets.value):
            return network
        return replace(network, notation=replace(network.notation, weight_alias=alias))

    def activations(self, fields: dict[str, yaml.Node], last: int) -> tuple[str, ...]:
        src = self.src
        node = fields.get("activation")
        if node is None:
            names = ["sigmoid"] * last
        elif isinstance(node, yaml.SequenceNode):
            names = [self.activation_name(item) for item in node.value]
            if len(names) != last:
                raise InputError(f"activation lists {len(names)} names for {last} layers",
                                 src.where(node), f"one name per layer 1..{last}")
        else:
            names = [self.activation_name(node)] * last
        if "output" in fields:
            names[-1] = self.activation_name(fields["output"])
        for layer, name in enumerate(names[:-1], start=1):
            if name in OUTPUT_ONLY:
                raise InputError(f"{name} can only be the output activation (layer {layer} is hidden)",
                                 src.where(node))
        generic = {declared_name(src.text(item, "a generic function"))
                   for item in src.sequence(fields["generic"], "generic")} if "generic" in fields else set()
        known = tuple(ACTIVATIONS) + tuple(OUTPUT_ONLY)
        for name in dict.fromkeys(names):
            if name not in known and len(name) > 1 and name not in generic:
                close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
                self.warnings.append(
                    f"{src.where(fields.get('activation') or fields['output'])}: '{name}' is not an activation "
                    "derivcheck knows, so it is treated as a generic function"
                    + (f"; did you mean {close[0]}?" if close else "")
                    + f" (write `generic: [{name}]` in the network if a generic function is meant)")
        return tuple(names)

    def activation_name(self, node: yaml.Node) -> str:
        name = declared_name(self.src.text(node, "an activation"))
        if not IDENTIFIER.match(name) or name in BUILTIN_FUNCTIONS and name not in ACTIVATIONS:
            raise InputError(f"'{name}' cannot be an activation", self.src.where(node),
                             "expected sigmoid, tanh, relu, identity, softmax or a new function name such as f")
        return name

    def choice(self, fields, key: str, allowed: tuple[str, ...], default: str) -> str:
        if key not in fields:
            return default
        raw = self.src.text(fields[key], key)
        value = raw.lower() if raw.lower() in ("true", "false") else raw
        if value not in allowed:
            raise InputError(f"{key} must be one of {', '.join(allowed)}, not {raw!r}", self.src.where(fields[key]))
        return value

    def notation(self, node: yaml.Node | None) -> Notation:
        names = dict(ROLE_DEFAULTS)
        from_to = False
        if node is None:
            return Notation(names)
        for key, key_node, value in self.src.mapping(node, "notation"):
            text = declared_name(self.src.text(value, f"notation {key}"))
            if key == "order":
                if text not in ("to_from", "from_to"):
                    raise InputError(f"order must be to_from or from_to, not {text!r}", self.src.where(value))
                from_to = text == "from_to"
            elif key in names:
                if not IDENTIFIER.match(text) or text in BUILTIN_FUNCTIONS:
                    raise InputError(f"'{text}' cannot name the {key}", self.src.where(value))
                names[key] = text
            else:
                raise unknown_key(key, tuple(ROLE_DEFAULTS) + ("order",), self.src.where(key_node), "notation")
        clashes = [name for name in set(names.values()) if list(names.values()).count(name) > 1]
        for name in clashes:
            roles = sorted(r for r, given in names.items() if given == name)
            if set(roles) != {"input", "act"}:
                raise InputError(f"'{name}' names both the {roles[0]} and the {roles[1]}", self.src.where(node),
                                 "rename one of them")
        return Notation(names, from_to)

    def loss(self, node: yaml.Node | None, notation: Notation, output: str, batch: int) -> str | sx.Expr:
        if node is None:
            return "cross_entropy" if output == "softmax" else "half_sse"
        text = self.src.text(node, "loss")
        if text in LOSSES:
            return text
        scope = sx.Scope(frozenset({notation.names["output"], notation.names["target"], "L"}),
                         frozenset(BUILTIN_FUNCTIONS))
        return ex.parse_expression(text, self.src.text_origin(node), scope, self.limits)
