"""Syntax trees → SymPy expressions over the model's graph.

A ``Model`` holds what a file's expressions can refer to: the network (or the
symbols and data of a plain-calculus file) and the ``let`` definitions. Each
let instance (``delta[2][1]``) becomes a node of the graph, so a derivative
sees through it and a numeric check computes it once. Indices are plain
integers bound per claim instance.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import sympy as sp

from . import expressions as ex
from .errors import IndexRangeError, InputError, UndefinedError
from .functions import BUILTIN_FUNCTIONS, generic_function, prime
from .graph import Graph, Quantity
from .network import Network
from .spec import LetSpec, Spec

MAX_EXPONENT = 100
MAX_LET_DEPTH = 64
LAYER_ROLES = ("a", "z", "w", "b")


@dataclass(frozen=True)
class Occurrence:
    """Where an index variable is used: the values it may take there, and what it indexes."""

    values: range
    what: str
    layer_slot: bool
    defined: bool = True  # False: the quantity does not exist at this layer (``what`` says so)


def exact(literal: str) -> sp.Rational:
    """A number literal, already checked by Python's tokenizer or YAML's, as an exact rational."""
    fraction = Fraction(literal)
    return sp.Rational(fraction.numerator, fraction.denominator)


def span_of(occurrences: list[Occurrence]) -> range:
    """The values an index takes: up to the end of its first use; from 0 only if every use has a
    folded-bias unit 0 (so a wrong index still runs off the end and is caught)."""
    start = max(o.values.start for o in occurrences)
    return range(start, occurrences[0].values.stop)


class Model:
    """The quantities of one file and the evaluation of expressions over them."""

    def __init__(self, spec: Spec):
        self.spec = spec
        self.network = Network(spec.network) if spec.network else None
        self.graph: Graph = self.network.graph if self.network else Graph()
        self.lets: dict[str, list[LetSpec]] = {}
        for let in spec.lets:
            self.lets.setdefault(let.name, []).append(let)
        self._let_atoms: dict[tuple, sp.Expr] = {}
        self._in_progress: list[tuple] = []
        self.symbols: dict[str, sp.Symbol] = {}
        if self.network is None:
            for name, assumptions in spec.symbols.items():
                symbol = sp.Symbol(name, **{a: True for a in assumptions}, real=True)
                kind = "positive" if {"positive", "nonnegative"} & set(assumptions) else (
                    "negative" if {"negative", "nonpositive"} & set(assumptions) else "symbol")
                self.symbols[name] = self.graph.leaf(symbol, kind, Quantity("symbol", name))
        elif not isinstance(spec.network.loss, str):
            self._define_expression_loss(spec.network.loss)

    # -- roles ------------------------------------------------------------------------

    def role(self, name: str, groups: int) -> str | None:
        """The network role a name plays ('a', 'x', …), choosing by the number of index groups."""
        if self.network is None:
            return None
        roles = self.spec.network.notation.role_of(name)
        short = {"input": "x", "weight": "w", "bias": "b", "preact": "z", "act": "a",
                 "output": "yhat", "target": "y", "loss": "C"}
        if len(roles) > 1:  # input and act share a name: x[k] is the input, x[l][k] the activation
            return "a" if groups >= 2 else "x"
        return short[roles[0]] if roles else None

    # -- evaluation -------------------------------------------------------------------

    def evaluate(self, node: ex.Expr, bindings: dict[str, int], values: dict[str, sp.Expr] | None = None) -> sp.Expr:
        values = values or {}
        method = getattr(self, "_eval_" + type(node).__name__)
        return method(node, bindings, values)

    def _eval_Num(self, node: ex.Num, bindings, values) -> sp.Expr:
        return exact(node.text)

    def _eval_Neg(self, node: ex.Neg, bindings, values) -> sp.Expr:
        return -self.evaluate(node.operand, bindings, values)

    def _eval_BinOp(self, node: ex.BinOp, bindings, values) -> sp.Expr:
        left = self.evaluate(node.left, bindings, values)
        right = self.evaluate(node.right, bindings, values)
        if node.op == "+":
            return left + right
        if node.op == "-":
            return left - right
        if node.op == "*":
            return left * right
        if node.op == "/":
            if right == 0:
                raise InputError("division by zero", node.loc)
            return left / right
        if right.is_Number and abs(right) > MAX_EXPONENT or left.is_Number and abs(left) > 10**6 and right.is_Number and abs(right) > 2:
            raise InputError("number too large", node.loc, f"exponents are limited to {MAX_EXPONENT}")
        return left ** right

    def _eval_Kronecker(self, node: ex.Kronecker, bindings, values) -> sp.Expr:
        return sp.KroneckerDelta(self.index(node.i, bindings), self.index(node.j, bindings))

    def _eval_Name(self, node: ex.Name, bindings, values) -> sp.Expr:
        name = node.id
        if name in values:
            return values[name]
        if name in self.lets:
            return self.let_instance(name, None, bindings, node)
        if name in self.symbols:
            return self.symbols[name]
        if name in self.spec.data:
            raise InputError(f"'{name}' is a list of data", node.loc, f"index it, e.g. {name}[i]")
        if name in bindings:
            return sp.Integer(bindings[name])
        network = self.network
        if network is not None:
            role = self.role(name, 0)
            if role == "C":
                if network.C is None:
                    raise InputError("the loss cannot refer to itself", node.loc)
                return network.C
            if role in ("x", "y", "yhat"):
                return self._network_quantity(role, node, (), bindings)
            if role is not None:
                raise InputError(f"'{name}' needs indices", node.loc, _INDEX_FORMS[role])
            if name == "L":
                return sp.Integer(network.L)
            if name == "S":
                return sp.Integer(network.spec.batch)
        raise InputError(f"'{name}' has no value here", node.loc,
                         "a free index must appear in an index of a quantity so that its values are known")

    def _eval_Indexed(self, node: ex.Indexed, bindings, values) -> sp.Expr:
        name = node.id
        if name in self.lets:
            return self.let_instance(name, node.groups, bindings, node)
        if name in self.spec.data:
            if len(node.groups) != 1 or len(node.groups[0]) != 1:
                raise InputError(f"'{name}' takes one index", node.loc, f"{name}[i]")
            i = self.index(node.groups[0][0], bindings)
            column = self.spec.data[name]
            if not 1 <= i <= len(column):
                raise IndexRangeError(f"{name}[{i}] is out of range: {name}[i] has i in 1..{len(column)}")
            return exact(column[i - 1])
        role = self.role(name, len(node.groups))
        if role is None or role == "C":
            raise InputError(f"'{name}' takes no indices", node.loc)
        return self._network_quantity(role, node, node.groups, bindings)

    def _network_quantity(self, role: str, node, groups, bindings) -> sp.Expr:
        network = self.network
        if role in LAYER_ROLES:
            if not groups or len(groups[0]) != 1:
                raise InputError(f"'{node.id}' needs a layer first", node.loc, _INDEX_FORMS[role])
            layer = self.index(groups[0][0], bindings)
            rest = [item for group in groups[1:] for item in group]
        else:
            layer = 0 if role == "x" else network.L
            rest = [item for group in groups for item in group]
        if layer not in network.layer_range(role):
            name = node.id
            raise UndefinedError(f"{name}[{layer}] does not exist: layers {_span(network.layer_range(role))}")
        indices = [self.index(item, bindings) for item in rest]
        slots = network.neuron_slots(role)
        example_slot = network.has_example_slot(role)
        expected = slots + (1 if example_slot else 0)
        if len(indices) == expected - slots and network.is_single(role, layer):
            indices = [1] * slots + indices  # one-neuron shorthand: a[1] is a[1][1]
        if len(indices) != expected:
            raise InputError(f"'{node.id}' takes {expected} indices after its layer, got {len(indices)}"
                             if role in LAYER_ROLES else
                             f"'{node.id}' takes {expected} indices, got {len(indices)}",
                             node.loc, _INDEX_FORMS[role] + (" (the example index comes last)" if example_slot else ""))
        neurons = tuple(indices[:slots])
        if role == "w" and self.spec.network.notation.from_to:
            neurons = tuple(reversed(neurons))
        example = indices[slots] if example_slot else None
        return network.quantity(role, layer, neurons, example)

    def _eval_Call(self, node: ex.Call, bindings, values) -> sp.Expr:
        args = [self.evaluate(arg, bindings, values) for arg in node.args]
        if node.func in self.lets:
            return self.let_function(node, args)
        if len(args) != 1:
            raise InputError(f"{node.func} takes one argument, got {len(args)}", node.loc)
        function = BUILTIN_FUNCTIONS.get(node.func) or generic_function(node.func)
        return prime(function, node.primes, args[0]) if node.primes else function(args[0])

    def _eval_Sum(self, node: ex.Sum, bindings, values) -> sp.Expr:
        if node.var in bindings:
            raise InputError(f"sum index '{node.var}' is already in use", node.loc, "pick another letter")
        if node.lo is not None:
            span = range(self.index(node.lo, bindings), self.index(node.hi, bindings) + 1)
        else:
            span = self.infer_range(node.var, [node.body], bindings, node)
        return sp.Add(*[self.evaluate(node.body, {**bindings, node.var: value}, values) for value in span])

    def _eval_Derivative(self, node: ex.Derivative, bindings, values) -> sp.Expr:
        expr = self.evaluate(node.expr, bindings, values)
        var = self.evaluate(node.var, bindings, values)
        if not (isinstance(var, sp.Symbol) and self.graph.is_quantity(var)):
            raise InputError(f"cannot differentiate with respect to {var}", node.var.loc,
                             "the variable must be a parameter, an input, a symbol or an intermediate quantity")
        return self.graph.derivative(expr, var)

    # -- indices ---------------------------------------------------------------------------

    def index(self, node: ex.Expr, bindings: dict[str, int]) -> int:
        """An index expression (j, l+1, L-1, 2) as an integer."""
        if isinstance(node, ex.Num):
            if not node.text.isdigit():
                raise InputError(f"index {node.text} is not a whole number", node.loc)
            return int(node.text)
        if isinstance(node, ex.Name):
            if node.id in bindings:
                return bindings[node.id]
            if self.network is not None and node.id == "L":
                return self.network.L
            if self.network is not None and node.id == "S" and self.spec.network.batch > 1:
                return self.spec.network.batch
            raise InputError(f"'{node.id}' cannot be used as an index here", node.loc,
                             "an index is a free letter, a number, or L")
        if isinstance(node, ex.Neg):
            return -self.index(node.operand, bindings)
        if isinstance(node, ex.BinOp) and node.op in "+-*":
            left, right = self.index(node.left, bindings), self.index(node.right, bindings)
            return left + right if node.op == "+" else left - right if node.op == "-" else left * right
        raise InputError("an index must be a whole-number expression", node.loc, "e.g. j, l+1, L-1, 2")

    def occurrences(self, var: str, nodes, bindings: dict[str, int], depth: int = 0) -> list[Occurrence]:
        """The places where ``var`` is used as an index, with the values valid there."""
        found: list[Occurrence] = []
        for root in nodes:
            for node in _walk_unshadowed(root, var):
                if isinstance(node, ex.Indexed):
                    found.extend(self._slot_occurrences(var, node, bindings, depth))
        return found

    def _slot_occurrences(self, var: str, node: ex.Indexed, bindings, depth) -> list[Occurrence]:
        flat = [(g, i, item) for g, group in enumerate(node.groups) for i, item in enumerate(group)]
        hits = [(g, i) for g, i, item in flat if isinstance(item, ex.Name) and item.id == var]
        role = self.role(node.id, len(node.groups))
        if role in LAYER_ROLES and not hits and any(isinstance(n, ex.Name) and n.id == var
                                                    for item in node.groups[0] for n in ex.walk(item)):
            return [Occurrence(self.network.layer_range(role), f"{node.id}[…{var}…]", True)]
        if not hits:
            return []
        name = node.id
        if name in self.spec.data:
            return [Occurrence(range(1, len(self.spec.data[name]) + 1), f"{name}[{var}]", False)]
        if name in self.lets:
            return self._let_occurrences(var, node, hits, bindings, depth)
        if role is None or self.network is None:
            return []
        network = self.network
        result = []
        for g, i in hits:
            if role in LAYER_ROLES and g == 0:
                result.append(Occurrence(network.layer_range(role), f"{name}[{var}]", True))
                continue
            try:
                layer = self.index(node.groups[0][0], bindings) if role in LAYER_ROLES else (
                    0 if role == "x" else network.L)
            except InputError:
                continue
            position = sum(len(group) for group in node.groups[1 if role in LAYER_ROLES else 0:g]) + i
            slots = network.neuron_slots(role)
            given = sum(len(group) for group in node.groups[1 if role in LAYER_ROLES else 0:])
            if given < slots + network.has_example_slot(role) or position >= slots:
                result.append(Occurrence(network.examples, f"{name}[…{var}] (example index)", False))
                continue
            if layer not in network.layer_range(role):
                result.append(Occurrence(range(0), f"{name}[{layer}] does not exist: layers "
                                         f"{_span(network.layer_range(role))}", False, defined=False))
                continue
            slot = (slots - 1 - position) if role == "w" and self.spec.network.notation.from_to else position
            result.append(Occurrence(network.neuron_range(role, layer, slot), f"{name}[{layer}][…{var}…]", False))
        return result

    def _let_occurrences(self, var, node: ex.Indexed, hits, bindings, depth) -> list[Occurrence]:
        """Where ``var`` indexes a let instance: its range where the matching definition uses it."""
        if depth > 3:
            return []
        used = [[self._try_index(item, bindings) for item in group] for group in node.groups]
        candidates = []
        for let in self.lets[node.id]:
            head = let.head
            if not isinstance(head, ex.Indexed) or let.body is None or _shape(head.groups) != _shape(node.groups):
                continue
            inner: dict[str, int] = {}
            generic, fits = 0, True
            for group, pattern_group in zip(used, head.groups):
                for value, pattern in zip(group, pattern_group):
                    if isinstance(pattern, ex.Name) and self._is_pattern_var(pattern.id):
                        generic += 1
                        if value is not None:
                            inner[pattern.id] = value
                    elif value is not None and self._try_index(pattern, {}) != value:
                        fits = False
            if fits:
                candidates.append((generic, let, inner))
        for _, let, inner in sorted(candidates, key=lambda c: c[0]):
            result = []
            for g, i in hits:
                pattern = let.head.groups[g][i]
                if isinstance(pattern, ex.Name) and self._is_pattern_var(pattern.id):
                    scoped = {k: v for k, v in inner.items() if k != pattern.id}
                    result.extend(self.occurrences(pattern.id, [let.body], scoped, depth + 1))
            if result:
                return result
        return []

    def _try_index(self, node: ex.Expr, bindings: dict[str, int]) -> int | None:
        try:
            return self.index(node, bindings)
        except InputError:
            return None

    def _is_pattern_var(self, name: str) -> bool:
        return self.spec.scope.is_index(name) or name not in self.spec.scope.values and len(name) == 1

    def infer_range(self, var: str, nodes, bindings: dict[str, int], where) -> range:
        found = self.occurrences(var, nodes, bindings)
        defined = [o for o in found if o.defined]
        if defined:
            return span_of(defined)
        if found:
            raise UndefinedError(found[0].what)
        raise InputError(f"cannot tell which values '{var}' takes", where.loc,
                         "a free index must index a quantity such as w, a, z, y or a data list")

    # -- let ------------------------------------------------------------------------------

    def let_instance(self, name: str, groups, bindings, node) -> sp.Expr:
        indices = tuple(tuple(self.index(item, bindings) for item in group) for group in groups or ())
        key = (name, indices)
        if key in self._let_atoms:
            return self._let_atoms[key]
        let, inner = self._match(name, indices, node)
        if let.error is not None:
            raise InputError(f"'{name}' is used here but its definition has an error ({let.error.location})",
                             node.loc)
        if key in self._in_progress or len(self._in_progress) > MAX_LET_DEPTH:
            raise InputError(f"the definition of '{name}' never reaches a base case", let.loc,
                             "a recursive definition needs a specific instance such as delta[L][j]")
        label = name + "".join("[" + ",".join(str(i) for i in group) + "]" for group in indices)
        self._in_progress.append(key)
        try:
            value = self.evaluate(let.body, inner)
        except IndexRangeError as error:
            if error.message.startswith("in "):
                raise
            raise IndexRangeError(f"in {label}, {error.message}") from None
        finally:
            self._in_progress.pop()
        layer = indices[0][0] if len(indices) > 1 and len(indices[0]) == 1 else None
        flat = tuple(i for group in (indices[1:] if layer is not None else indices) for i in group)
        symbol = self.graph.define(sp.Symbol(label), value, Quantity("let", name, layer, flat))
        self._let_atoms[key] = symbol
        return symbol

    def _match(self, name: str, indices, node) -> tuple[LetSpec, dict[str, int]]:
        candidates = []
        for let in self.lets[name]:
            head = let.head
            groups = head.groups if isinstance(head, ex.Indexed) else ()
            if _shape(groups) != tuple(len(g) for g in indices):
                continue
            inner: dict[str, int] = {}
            generic = 0
            for pattern_group, group in zip(groups, indices):
                for pattern, value in zip(pattern_group, group):
                    if isinstance(pattern, ex.Name) and self._is_pattern_var(pattern.id):
                        generic += 1
                        if inner.setdefault(pattern.id, value) != value:
                            break
                    elif self.index(pattern, {}) != value:
                        break
                else:
                    continue
                break
            else:
                candidates.append((generic, let, inner))
        if not candidates:
            shown = name + "".join("[" + ",".join(str(i) for i in g) + "]" for g in indices)
            forms = ", ".join(_head_text(let.head) for let in self.lets[name])
            if any(_shape(let.head.groups if isinstance(let.head, ex.Indexed) else ()) == tuple(len(g) for g in indices)
                   for let in self.lets[name]):
                raise UndefinedError(f"{shown} is not defined (defined: {forms})")
            raise InputError(f"'{name}' is used with the wrong number of indices", node.loc, f"defined as {forms}")
        candidates.sort(key=lambda c: c[0])
        return candidates[0][1], candidates[0][2]

    def let_function(self, node: ex.Call, args: list[sp.Expr]) -> sp.Expr:
        let = self.lets[node.func][0]
        params = [param.id for param in let.head.args] if isinstance(let.head, ex.Call) else []
        if not isinstance(let.head, ex.Call) or len(params) != len(args):
            raise InputError(f"'{node.func}' takes {len(params)} argument(s), got {len(args)}", node.loc)
        if let.error is not None:
            raise InputError(f"'{node.func}' is used here but its definition has an error ({let.error.location})",
                             node.loc)
        if not node.primes:
            return self.evaluate(let.body, {}, dict(zip(params, args)))
        if len(params) != 1:
            raise InputError(f"a prime needs a function of one argument; '{node.func}' has {len(params)}", node.loc)
        dummy = sp.Dummy(params[0], real=True)
        body = self.evaluate(let.body, {}, {params[0]: dummy})
        return sp.diff(self.graph.unfold(body), dummy, node.primes).xreplace({dummy: args[0]})

    # -- loss given as an expression ----------------------------------------------------------

    def _define_expression_loss(self, loss: ex.Expr) -> None:
        network = self.network
        names = self.spec.network.notation.names
        free = sorted({n for n in ex.names_in(loss) if n not in (names["output"], names["target"], "L")})
        per_example = []
        for s in network.examples:
            terms = []
            for values in _product([range(1, network.sizes[network.L] + 1)] * len(free)):
                bindings = dict(zip(free, values))
                terms.append(self.evaluate(_with_example(loss, names, s, network.spec.batch), bindings))
            per_example.append(sp.Add(*terms))
        network.define_loss(per_example)


def _with_example(loss: ex.Expr, names, s: int, batch: int) -> ex.Expr:
    """The per-example loss: yhat[j] → yhat[j, s] when there is a batch."""
    if batch == 1:
        return loss

    def rewrite(node):
        if isinstance(node, ex.Indexed) and node.id in (names["output"], names["target"]):
            group = node.groups[-1] + (ex.Num(str(s), node.loc),)
            return ex.Indexed(node.id, node.groups[:-1] + (group,), node.loc)
        if isinstance(node, ex.Name) and node.id in (names["output"], names["target"]):
            return ex.Indexed(node.id, ((ex.Num(str(s), node.loc),),), node.loc)
        return _map_children(node, rewrite)

    return rewrite(loss)


def _map_children(node, function):
    if isinstance(node, ex.Neg):
        return ex.Neg(function(node.operand), node.loc)
    if isinstance(node, ex.BinOp):
        return ex.BinOp(node.op, function(node.left), function(node.right), node.loc)
    if isinstance(node, ex.Call):
        return ex.Call(node.func, node.primes, tuple(function(arg) for arg in node.args), node.loc)
    if isinstance(node, ex.Sum):
        return ex.Sum(node.var, node.lo, node.hi, function(node.body), node.loc)
    return node


def _walk_unshadowed(node, var: str):
    """Nodes of a tree, not descending into sums that rebind ``var``."""
    if isinstance(node, ex.Sum) and node.var == var:
        return
    yield node
    children = []
    if isinstance(node, ex.Indexed):
        children = [item for group in node.groups for item in group]
    elif isinstance(node, ex.Call):
        children = list(node.args)
    elif isinstance(node, ex.Neg):
        children = [node.operand]
    elif isinstance(node, ex.BinOp):
        children = [node.left, node.right]
    elif isinstance(node, ex.Sum):
        children = [part for part in (node.lo, node.hi, node.body) if part is not None]
    elif isinstance(node, ex.Derivative):
        children = [node.expr, node.var]
    elif isinstance(node, ex.Kronecker):
        children = [node.i, node.j]
    for child in children:
        yield from _walk_unshadowed(child, var)


def _span(values: range) -> str:
    return f"{values.start}..{values.stop - 1}"


def _shape(groups) -> tuple[int, ...]:
    return tuple(len(group) for group in groups)


def _head_text(head) -> str:
    if isinstance(head, ex.Indexed):
        return head.id + "".join("[" + ",".join(_index_text(i) for i in group) + "]" for group in head.groups)
    return head.id if isinstance(head, ex.Name) else head.func


def _index_text(node) -> str:
    if isinstance(node, ex.Name):
        return node.id
    if isinstance(node, ex.Num):
        return node.text
    if isinstance(node, ex.BinOp):
        return _index_text(node.left) + node.op + _index_text(node.right)
    return "?"


def _product(ranges):
    result = [()]
    for span in ranges:
        result = [prefix + (value,) for prefix in result for value in span]
    return result


_INDEX_FORMS = {
    "a": "a[l][j] (a[l] for a one-neuron layer)", "z": "z[l][j]", "w": "w[l][j,k] (w[l] between one-neuron layers)",
    "b": "b[l][j]", "x": "x[k]", "y": "y[j]", "yhat": "yhat[j]",
}
