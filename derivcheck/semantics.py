"""Syntax trees → SymPy expressions over the model's graph.

A ``Model`` holds what a file's expressions can refer to: the network (or the
symbols and data of a plain-calculus file) and the ``let`` definitions. Each
let instance (``delta[2][1]``) becomes a node of the graph, so a derivative
sees through it and a numeric check computes it once. Indices are plain
integers bound per claim instance.
"""

from __future__ import annotations

from dataclasses import replace

import sympy as sp

from . import syntax as sx
from .errors import InputError, ShapeError, UndefinedError
from .functions import BUILTIN_FUNCTIONS, MATRIX_FUNCTIONS, generic_function, has_derivative, prime
from .graph import Graph, exact, times
from .indexing import IndexRanges
from .limits import over_limit
from .matrices import combine, diagonal, entrywise, immutable, is_matrix, simplest, total, transpose
from .network import Network
from .plain_spec import plain_table
from .roles import EXAMPLES, LAYERED, Role
from .spec import LetSpec, Spec
from .index_values import IndexValues
from .lets import LetEvaluation
from .table_ranges import head_shape
from .tensors import Tensors

class Model(LetEvaluation, IndexValues):
    """The quantities of one file and the evaluation of expressions over them."""

    def __init__(self, spec: Spec, problem: "Model | None" = None):
        """The model of a file. With ``problem``, a model of the same file whose lets differ (a diagnosis's
        edit of one): the file's own quantities are that model's, built once and shared."""
        self.spec = spec
        self.lets: dict[str, list[LetSpec]] = {}
        self._let_atoms: dict[tuple, sp.Expr] = {}
        self._in_progress: list[tuple] = []  # the let instances and function calls being built, outermost first
        self._from_depth = 0  # how deep the instance built first sits inside those waiting for it (lets.py)
        self._sum_terms = 1  # terms of the sums enclosing the expression being evaluated
        self._built_terms = 0  # terms of sums and calls of let functions built since start_claim
        self._calls: dict[tuple, sp.Expr] = {}  # let function calls already expanded
        self._evaluated: dict[tuple, tuple[sx.Expr, sp.Expr]] = {}  # (id of a node, bindings, values) → (it, value)
        self.ranges = IndexRanges(self)
        if problem is None:
            self.graph = Graph()
            self._build_problem(spec)
            self._problem_graph = self.graph.fork()  # the file's own model, before any let is read
        else:
            if (spec.network, spec.forward, spec.symbols) != (problem.spec.network, problem.spec.forward,
                                                              problem.spec.symbols):
                raise ValueError("a model shares the quantities of a model of the same file only")
            self._problem_graph = problem._problem_graph
            self.graph = self._problem_graph.fork()
            self.network = problem.network
            self.table = problem.table.rebound(self)
            self.tensors = self.table if problem.tensors is not None else None
        for let in spec.lets:  # the user's definitions come last: the file's own model never reads them
            self.lets.setdefault(let.name, []).append(let)

    def _build_problem(self, spec: Spec) -> None:
        """The table of the file's own quantities: a network's (compiled from it), a forward file's, or a
        plain-calculus file's (its symbols and data), each with the symbols a key's questions add. ``tensors``
        is the table of a forward file (None in the others: their names are not all its keys)."""
        self.network = Network(spec.network, self) if spec.network else None
        self.tensors: Tensors | None = None
        if self.network is not None:
            self.table = self.network.table
            self.network.build()
            return
        if spec.forward is not None:
            self.table = self.tensors = Tensors(replace(spec.forward, symbols=spec.symbols), self)
        else:
            self.table = Tensors(plain_table(spec.symbols, spec.data), self)
        self.table.build()

    def proof_rewrites(self) -> dict[sp.Expr, sp.Symbol]:
        """The function applications a proof (and a printed gradient) writes as the quantity they define:
        sigmoid(z) → a in a network, tanh(a) → h in a forward file."""
        return self.table.proof_rewrites()

    def softmax_groups(self) -> list[list[sp.Symbol]]:
        return self.table.softmax_groups()

    def target_groups(self) -> list[list[sp.Symbol]]:
        """A network's targets per example (none in other files)."""
        return self.table.target_groups()

    @property
    def one_hot(self) -> bool:
        return self.table.one_hot

    def start_claim(self) -> None:
        """Start counting what the next claim builds (limit build_terms): each claim pays for itself."""
        self._built_terms = 0

    def _charge(self, terms: int, node: sx.Expr) -> None:
        self._built_terms += terms
        limits = self.spec.limits
        if self._built_terms > limits.build_terms:
            raise over_limit(f"too many terms to build ({self._built_terms:,}: sums side by side, nested or inside "
                             "definitions, and calls of let functions)", "build_terms", limits, node.loc)

    # -- roles ------------------------------------------------------------------------

    def role(self, name: str, groups: int) -> Role | None:
        """The network role a name plays, written with so many index groups (None without a network)."""
        return self.spec.network.notation.role_for(name, groups) if self.network is not None else None

    # -- evaluation -------------------------------------------------------------------

    def evaluate(self, node: sx.Expr, bindings: dict[str, int], values: dict[str, sp.Expr] | None = None) -> sp.Expr:
        """The node's value at these index values (and a let function's argument values), built once per
        node object: the parts of a claim that an edit leaves alone are the same objects in every edit."""
        values = values or {}
        if isinstance(node, (sx.Num, sx.Name)):  # cheaper to build again than to remember
            return getattr(self, "_eval_" + type(node).__name__)(node, bindings, values)
        key = (id(node), tuple(bindings.items()), tuple(values.items()))
        found = self._evaluated.get(key)
        if found is None:
            if len(self._evaluated) >= EVALUATED_KEPT:
                self._evaluated.clear()
            value = getattr(self, "_eval_" + type(node).__name__)(node, bindings, values)
            self._evaluated[key] = found = (node, value)
        return found[1]

    def _eval_Num(self, node: sx.Num, bindings, values) -> sp.Expr:
        return exact(node.text)

    def _eval_Neg(self, node: sx.Neg, bindings, values) -> sp.Expr:
        return -self.evaluate(node.operand, bindings, values)

    def _eval_BinOp(self, node: sx.BinOp, bindings, values) -> sp.Expr:
        left = self.evaluate(node.left, bindings, values)
        right = self.evaluate(node.right, bindings, values)
        if node.op == "**":
            self._check_power(left, right, node)
        if node.op == "·":  # LaTeX's product: w^{l+1} \cdot \delta^{l+1} is a matrix product
            node = sx.BinOp("@" if is_matrix(left) and is_matrix(right) else "*", node.left, node.right, node.loc)
        if node.op == "@" or is_matrix(left) or is_matrix(right):
            try:
                return combine(node, left, right)
            except ShapeError:  # said again with the instance's layers: w[2] @ delta[2], not w[l] @ delta[l]
                return combine(sx.bind(node, {**bindings, **self.layer_binding()}), left, right)
        if node.op == "/" and right == 0:
            raise InputError("division by zero", node.loc)
        result = _ARITHMETIC[node.op](left, right)
        if result.is_Rational and _bits(result) > self.spec.limits.number_bits:  # products, sums of literals
            raise over_limit("number too large", "number_bits", self.spec.limits, node.loc)
        return result

    def _check_power(self, base, exponent, node: sx.BinOp) -> None:
        """A constant exponent within its limit, and an exact power within number_bits (matrices too)."""
        limits = self.spec.limits
        if exponent.is_Number and abs(exponent) > limits.exponent:
            raise over_limit(f"exponent {exponent} is too large", "exponent", limits, node.loc)
        entries = list(base) if is_matrix(base) else [base]
        if exponent.is_Number and any(entry.is_Rational and _bits(entry) * abs(exponent) > limits.number_bits
                                      for entry in entries):
            raise over_limit("number too large", "number_bits", limits, node.loc)

    def _eval_Transpose(self, node: sx.Transpose, bindings, values) -> sp.Expr:
        return transpose(self.evaluate(node.operand, bindings, values))

    def _eval_Kronecker(self, node: sx.Kronecker, bindings, values) -> sp.Expr:
        """[i == j], [c == y[n]]: between numbers; between real values refused (see ``compared``)."""
        left, right = self.evaluate(node.i, bindings, values), self.evaluate(node.j, bindings, values)
        return compared("==", left, right, node)

    def _eval_Iverson(self, node: sx.Iverson, bindings, values) -> sp.Expr:
        return self.condition(node.condition, bindings, values)

    def condition(self, node: sx.Compare | sx.Logic, bindings, values) -> sp.Expr:
        """1 where a condition holds, else 0: exact between numbers, a step function of real values."""
        if isinstance(node, sx.Logic):
            parts = [self.condition(part, bindings, values) for part in node.parts]
            if node.op == "and":
                return sp.Mul(*parts)
            result = parts[0]
            for part in parts[1:]:
                result = result + part - result * part
            return result
        operands = [self.evaluate(operand, bindings, values) for operand in node.operands]
        result = sp.S.One
        for op, left, right in zip(node.ops, operands, operands[1:]):
            result *= compared(op, left, right, node)
        return result

    def _eval_Name(self, node: sx.Name, bindings, values) -> sp.Expr:
        name = node.id
        if name in values:
            return values[name]
        if name in self.lets:
            if self.tensors is not None and self.let_structure(name):
                return simplest(self.let_view(name, (), node))
            return self.let_instance(name, None, bindings, node)
        if self.table.knows(name):
            return simplest(self.table.name_value(node))
        if name in bindings:
            return sp.Integer(bindings[name])
        network = self.network
        if network is not None:
            role = self.role(name, 0)
            if role is Role.C:
                if network.C is None:
                    raise InputError("the loss cannot refer to itself", node.loc)
                return network.C
            if role in EXAMPLES:
                return self._network_quantity(role, node, (), bindings)
            if role is not None:
                raise InputError(f"'{name}' needs indices", node.loc, _INDEX_FORMS[role])
            if name == "L":
                return sp.Integer(network.L)
            if name == "S":
                return sp.Integer(network.spec.batch)
        raise InputError(f"'{name}' has no value here", node.loc,
                         "a free index must appear in an index of a quantity so that its values are known")

    def _eval_Indexed(self, node: sx.Indexed, bindings, values) -> sp.Expr:
        name = node.id
        if name in self.lets:
            if self._is_let_vector(name, node.groups):
                return simplest(self._let_matrix(name, node, bindings))
            if self.tensors is not None and self.is_let_view(name, node.groups):
                given = tuple(self.index(item, bindings) for group in node.groups for item in group)
                return simplest(self.let_view(name, given, node))
            return self.let_instance(name, node.groups, bindings, node)
        if self.table.knows(name):
            return simplest(self.table.indexed(node, bindings))
        role = self.role(name, len(node.groups))
        if role is None or role is Role.C:
            raise InputError(f"'{name}' takes no indices", node.loc)
        return self._network_quantity(role, node, node.groups, bindings)

    def _network_quantity(self, role: Role, node, groups, bindings) -> sp.Expr:
        network = self.network
        if role in LAYERED:
            if not groups or len(groups[0]) != 1:
                raise InputError(f"'{node.id}' needs a layer first", node.loc, _INDEX_FORMS[role])
            layer = self.index(groups[0][0], bindings)
            rest = [item for group in groups[1:] for item in group]
        else:
            layer = 0 if role is Role.X else network.L
            rest = [item for group in groups for item in group]
        if layer not in network.layer_range(role):
            raise UndefinedError(network.missing_layer(role, layer))
        indices = [self.index(item, bindings) for item in rest]
        slots = network.neuron_slots(role)
        example_slot = network.has_example_slot(role)
        expected = slots + (1 if example_slot else 0)
        if len(indices) == expected - slots and network.is_single(role, layer):
            indices = [1] * slots + indices  # one-neuron shorthand: a[1] is a[1][1]
        elif not indices and expected:
            return self._network_matrix(role, layer)
        if len(indices) != expected:
            raise InputError(f"'{node.id}' takes {expected} indices after its layer, got {len(indices)}"
                             if role in LAYERED else
                             f"'{node.id}' takes {expected} indices, got {len(indices)}",
                             node.loc, _INDEX_FORMS[role] + (" (the example index comes last)" if example_slot else ""))
        neurons = tuple(indices[:slots])
        if role is Role.W and self.spec.network.notation.from_to:
            neurons = tuple(reversed(neurons))
        example = indices[slots] if example_slot else None
        return network.quantity(role, layer, neurons, example)

    def _network_matrix(self, role: Role, layer: int) -> sp.ImmutableMatrix:
        """role[layer] as a matrix: w[l] with rows j and columns k (z[l] = w[l] @ a[l-1] + b[l]);
        a, z, b, x, y and yhat as a column over the neurons, one column per example in a batch.
        The unit 0 of a folded bias is left out."""
        network = self.network
        size = network.sizes[layer]
        if role is Role.W:
            return sp.ImmutableMatrix([[network.quantity(Role.W, layer, (j, k), None)
                                        for k in range(1, network.sizes[layer - 1] + 1)] for j in range(1, size + 1)])
        examples = list(network.examples) if network.has_example_slot(role) else [None]
        return sp.ImmutableMatrix([[network.quantity(role, layer, (j,), s) for s in examples]
                                   for j in range(1, size + 1)])

    def _is_let_vector(self, name: str, groups) -> bool:
        """delta[l] for a let defined as delta[l][j] (or delta[l][j,s] in a batch)."""
        shapes = {head_shape(let.head) for let in self.lets[name]}
        given = tuple(len(group) for group in groups)
        return self.network is not None and given == (1,) and given not in shapes and \
            any(len(shape) == 2 and shape[0] == 1 for shape in shapes)

    def _let_matrix(self, name: str, node: sx.Indexed, bindings) -> sp.ImmutableMatrix:
        layer = self.index(node.groups[0][0], bindings)
        if not 0 <= layer <= self.network.L:
            raise UndefinedError(f"{name}[{layer}] does not exist: layers 0..{self.network.L}")
        width = max(head_shape(let.head)[1] for let in self.lets[name] if len(head_shape(let.head)) == 2)
        if width == 2 and self.spec.network.batch == 1:  # delta[l][j,s] is a batch's; v[l][j,k] has no view
            raise InputError(f"'{name}' has two indices after its layer: as a matrix it is read only in a batch "
                             "(its second index the example)", node.loc, f"write it entry by entry: {name}[l][j,k]")
        columns = list(self.network.examples) if width == 2 else [None]
        rows = []
        for j in range(1, self.network.sizes[layer] + 1):
            rows.append([self.let_instance(name, ((node.groups[0][0],), tuple(
                sx.Num(str(i), node.loc) for i in ((j,) if s is None else (j, s)))), bindings, node)
                for s in columns])
        return sp.ImmutableMatrix(rows)

    def _eval_Call(self, node: sx.Call, bindings, values) -> sp.Expr:
        args = [self.evaluate(arg, bindings, values) for arg in node.args]
        if node.func in MATRIX_FUNCTIONS:
            return diagonal(args, node)
        if node.func in self.lets:
            if len(args) == 1 and is_matrix(args[0]):  # f(s^l) on a vector: entry by entry, as sigmoid is
                return entrywise(lambda entry: self.let_function(node, [entry]), args[0])
            if any(is_matrix(arg) for arg in args):
                raise InputError(f"'{node.func}' of several arguments is defined for numbers, not vectors",
                                 node.loc)
            return self.let_function(node, args)
        if len(args) != 1:
            raise InputError(f"{node.func} takes one argument, got {len(args)}", node.loc)
        function = BUILTIN_FUNCTIONS.get(node.func) or generic_function(node.func)
        if node.primes:
            if not has_derivative(function, node.primes):
                raise InputError(f"{node.func}{_PRIMES[:node.primes]} has no value derivcheck can compute", node.loc,
                                 f"{node.func} can be differentiated {node.primes - 1} time{'s' * (node.primes != 2)} here")
            return entrywise(lambda entry: prime(function, node.primes, entry), args[0])
        return entrywise(function, args[0])

    def _eval_Sum(self, node: sx.Sum, bindings, values) -> sp.Expr:
        if node.var in bindings:
            raise InputError(f"sum index '{node.var}' is already in use", node.loc, "pick another letter")
        if node.lo is not None:
            span = range(self.index(node.lo, bindings), self.index(node.hi, bindings) + 1)
        else:
            span = self.ranges.infer(node.var, [node.body], bindings, node)
        enclosing = self._sum_terms
        limits = self.spec.limits
        count = max(span.stop - span.start, 0)  # len() of a range beyond 2^63 overflows
        if enclosing * count > limits.sum_terms:
            raise over_limit(f"sum too long ({enclosing * count:,} terms)", "sum_terms", limits, node.loc)
        self._charge(count, node)
        self._sum_terms = enclosing * max(count, 1)
        try:
            return total([self.evaluate(node.body, {**bindings, node.var: value}, values) for value in span], node)
        finally:
            self._sum_terms = enclosing

    def _eval_Derivative(self, node: sx.Derivative, bindings, values) -> sp.Expr:
        self.not_the_layer_index(node.expr)
        expr = self.evaluate(node.expr, bindings, values)
        var = self.evaluate(node.var, bindings, values)
        if is_matrix(var) and is_matrix(expr):
            raise InputError("the derivative of a vector by a vector (a Jacobian) is not supported", node.loc,
                             "write it entry by entry, e.g. d(yhat[i])/d(z[L][j])")
        variables = list(var) if is_matrix(var) else [var]
        if not all(isinstance(v, sp.Symbol) and self.graph.is_quantity(v) for v in variables):
            raise InputError(f"cannot differentiate with respect to {sx.to_text(node.var)}", node.var.loc,
                             "the variable must be a parameter, an input, a symbol or an intermediate quantity")
        resolved = [self.graph.let_variable(v, expr) for v in variables]
        if None in resolved:
            raise InputError(f"cannot differentiate by the let {sx.to_text(node.var)}: what is differentiated is "
                             "not computed from it", node.var.loc, "differentiate by a quantity of the model: a "
                             "parameter, an input or an intermediate quantity such as z[l][j]")
        if resolved != variables:
            var = sp.ImmutableMatrix(var.shape[0], var.shape[1], resolved) if is_matrix(var) else resolved[0]
            variables = resolved
        if any(self.graph.quantities[v].role is Role.CONSTANT for v in variables):
            raise InputError(f"{sx.to_text(node.var)} is a constant: constants are never differentiated",
                             node.var.loc, "declare it under inputs or params to differentiate by it")
        paths = node.paths  # a diagnosis's truth transformed: some paths left out
        cut = None if paths is None else self.graph.cut(paths.held, paths.before_last, paths.cut_into, variables)
        if is_matrix(var):  # dC/dw[l]: the gradient, in the shape of w[l]
            return immutable(var.applyfunc(lambda v: self.graph.derivative(expr, v, cut)))
        return entrywise(lambda entry: self.graph.derivative(entry, var, cut), expr)

    def is_pattern_letter(self, name: str) -> bool:
        """Whether a letter in a let key (delta[l][j]) is a pattern letter rather than a name."""
        return self.spec.scope.is_index(name)

EVALUATED_KEPT = 65536  # node values remembered by a model (a diagnosis evaluates many edits of one claim)
_PRIMES = "'" * 100  # primes as written, to name a function's derivative


def compared(op: str, left: sp.Expr, right: sp.Expr, node) -> sp.Expr:
    """[left op right]: exactly 0 or 1 between numbers; on real values the step function relu' (whose
    jump the random points avoid); == and != between real values are refused (true almost nowhere)."""
    if is_matrix(left) or is_matrix(right):
        raise InputError("a comparison is between numbers, not vectors", node.loc)
    difference = left - right
    if difference.is_number:
        sign = int(sp.sign(difference))
        return sp.Integer(int({"==": sign == 0, "!=": sign != 0, "<": sign < 0, "<=": sign <= 0,
                               ">": sign > 0, ">=": sign >= 0}[op]))
    if op in ("==", "!="):
        raise InputError(f"'{op}' between real values holds almost nowhere", node.loc,
                         "compare whole numbers (indices, data) with == and !=, real values with < or >")
    return sp.Heaviside(difference) if op in (">", ">=") else sp.Heaviside(-difference)
_ARITHMETIC = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": times,
               "/": lambda a, b: a / b, "**": lambda a, b: a ** b}


def _bits(number: sp.Rational) -> int:
    return abs(number.p).bit_length() + number.q.bit_length()


_INDEX_FORMS = {
    Role.A: "a[l][j] (a[l] for a one-neuron layer)", Role.Z: "z[l][j]", Role.W: "w[l][j,k] (w[l] between one-neuron layers)",
    Role.B: "b[l][j]", Role.X: "x[k]", Role.Y: "y[j]", Role.YHAT: "yhat[j]",
}
