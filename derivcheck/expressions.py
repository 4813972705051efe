"""Expression text → a small syntax tree, through Python's ast and a whitelist.

Nothing here evaluates text: the text is tokenised by ``ast.parse`` and every
node is checked against the whitelist below and turned into one of the frozen
nodes of ``syntax``. Anything else is an ``InputError`` naming the line
and column in the derivation file and what was expected.

Notation accepted beyond Python: ``^`` for powers, primes (``sigmoid'(u)``),
a single ``=`` for an equation, ``∂`` for ``d``, ``a..b`` ranges, ``[i == j]``
for the Kronecker delta and the typographic ``·``, ``×`` and ``−``.
"""

from __future__ import annotations

import ast
import math

from .errors import InputError, Location
from .latex import parse_latex
from .latex_tokens import is_latex
from .limits import DEFAULT_LIMITS, Limits, check_number_literal, over_limit
from .python_text import PRIME, PythonText, python_tree
from .syntax import (BinOp, Call, Compare, Derivative, Equation, Expr, Indexed, Iverson, Kronecker, Logic, Name, Neg,
                     Num, Range, Scope, Sum, Transpose)

SPECIAL_FUNCTIONS = ("sum", "diff", "d", "KroneckerDelta")


class _Parser:
    def __init__(self, text: PythonText, scope: Scope, limits: Limits):
        self.text = text
        self.scope = scope
        self.limits = limits

    def fail(self, node: ast.AST, message: str, hint: str | None = None) -> InputError:
        return InputError(message, self.text.location(node), hint)

    def snippet(self, node: ast.AST) -> str:
        segment = ast.get_source_segment(self.text.python, node) or ""
        return segment.replace("**", "^").replace(PRIME, "'").replace(">>", "..")

    # -- top level ---------------------------------------------------------------

    def equation(self, node: ast.AST) -> Equation:
        if isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.ops[0], ast.Eq):
            return Equation(self.expr(node.left), self.expr(node.comparators[0]), self.text.location(node))
        if isinstance(node, ast.Compare) and all(isinstance(op, ast.Eq) for op in node.ops):
            raise self.fail(node, "a claim has one '=' sign", "write one equation per claim")
        raise self.fail(node, "a claim must be an equation", "expected `left side = right side`")

    def chain(self, node: ast.AST) -> list[Expr]:
        """The sides of `a = b = … = z`: a derivation written as one line."""
        if isinstance(node, ast.Compare) and all(isinstance(op, ast.Eq) for op in node.ops):
            return [self.expr(part) for part in [node.left, *node.comparators]]
        raise self.fail(node, "a claim must be an equation", "expected `left side = right side`")

    def expr(self, node: ast.AST) -> Expr:
        loc = self.text.location(node)
        if isinstance(node, ast.Constant):
            return self.constant(node, loc)
        if isinstance(node, ast.Name):
            return self.name(node, loc)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            operand = self.expr(node.operand)
            return Neg(operand, loc) if isinstance(node.op, ast.USub) else operand
        if isinstance(node, ast.BinOp):
            return self.binop(node, loc)
        if isinstance(node, ast.Subscript):
            return self.indexed(node, loc)
        if isinstance(node, ast.Call):
            return self.call(node, loc)
        if isinstance(node, ast.List) and len(node.elts) == 1 and isinstance(node.elts[0], (ast.Compare,
                                                                                               ast.BoolOp)):
            return self.iverson(node.elts[0], loc)
        if isinstance(node, ast.Attribute) and node.attr == "T" and isinstance(node.ctx, ast.Load):
            return Transpose(self.expr(node.value), loc)
        if isinstance(node, (ast.Set, ast.Dict)):
            raise self.fail(node, f"'{self.snippet(node)}' is not allowed in an expression",
                            "braces group in LaTeX; here group with ( ): x^(2), w[l+1]")
        if isinstance(node, ast.Compare):
            raise self.fail(node, "an equation or comparison cannot stand inside an expression",
                            "only the claim itself has '=', and `[i == j]` is a Kronecker delta")
        raise self.fail(node, f"'{self.snippet(node)}' is not allowed in an expression",
                        "expected numbers, names, name[layer][i, j], + - * / ^, function calls, sum(k, …)")

    def constant(self, node: ast.Constant, loc: Location) -> Num:
        value = node.value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.fail(node, f"{self.snippet(node)!s} is not a number or a name",
                            "expected a number such as 2, 0.5 or 1e-3")
        literal = self.snippet(node)
        check_number_literal(literal, self.limits, loc)
        if not math.isfinite(value):
            raise self.fail(node, f"number {literal} is beyond floating-point range")
        return Num(literal, loc)

    def name(self, node: ast.Name, loc: Location) -> Name:
        ident = node.id
        if PRIME in ident:
            raise self.fail(node, f"'{ident.replace(PRIME, chr(39))}' must be applied to an argument",
                            "write f'(u)")
        if ident.startswith("__"):
            raise self.fail(node, f"unknown name '{ident}'")
        if not self.scope.knows(ident):
            raise self.fail(node, f"unknown name '{ident}'", self.scope.suggest(ident))
        if ident in self.scope.functions and ident not in self.scope.values:
            raise self.fail(node, f"'{ident}' is a function", f"call it, e.g. {ident}(x)")
        return Name(ident, loc)

    def binop(self, node: ast.BinOp, loc: Location) -> Expr:
        if isinstance(node.op, (ast.Mult, ast.Div, ast.MatMult, ast.Mod)):
            return self.product(node, loc)
        if isinstance(node.op, ast.RShift):
            raise self.fail(node, "a range a..b can only follow `in`", "e.g. sum(k in 1..n, …)")
        ops = {ast.Add: "+", ast.Sub: "-", ast.Pow: "**"}
        op = ops.get(type(node.op))
        if op is None:
            raise self.fail(node, f"operator in '{self.snippet(node)}' is not allowed",
                            "expected + - * / ^ @")
        return BinOp(op, self.expr(node.left), self.expr(node.right), loc)

    def product(self, node: ast.BinOp, loc: Location) -> Expr:
        """A chain of *, / and @, in which each `dX / dY` pair is a derivative (so dC/da * da/dz and
        w[l].T @ dC/dz[l] work)."""
        factors: list[tuple[str, ast.AST]] = []
        current: ast.AST = node
        symbols = {ast.Mult: "*", ast.Div: "/", ast.MatMult: "@", ast.Mod: "·"}
        while isinstance(current, ast.BinOp) and type(current.op) in symbols:
            factors.append((symbols[type(current.op)], current.right))
            current = current.left
        factors.append(("*", current))
        factors.reverse()
        result: Expr | None = None
        i = 0
        while i < len(factors):
            op, item = factors[i]
            negate = isinstance(item, ast.UnaryOp) and isinstance(item.op, ast.USub)
            top = self._d_call(item.operand if negate else item) or self._d_name(item.operand if negate else item)
            if top is not None:
                if i + 1 == len(factors) or factors[i + 1][0] != "/":
                    raise self.fail(item, f"'{self.snippet(item)}' is half a derivative",
                                    "write dC/dw[l][j,k], d(expr)/d(var) or diff(expr, var)")
                bottom_node = factors[i + 1][1]
                transposes = 0
                while isinstance(bottom_node, ast.Attribute) and bottom_node.attr == "T":  # dC/dz[l].T
                    bottom_node, transposes = bottom_node.value, transposes + 1
                bottom = self._d_call(bottom_node) or self._d_name(bottom_node, below=True)
                if bottom is None:
                    raise self.fail(bottom_node, f"'{self.snippet(bottom_node)}' is not d(variable)",
                                    "write dC/dw[l][j,k], d(expr)/d(var) or diff(expr, var)")
                term: Expr = Derivative(self.expr(top), self.variable(bottom), self.text.location(item))
                for _ in range(transposes):
                    term = Transpose(term, self.text.location(item))
                if negate:
                    term = Neg(term, self.text.location(item))
                i += 2
            else:
                if self._d_call(item) is None and self._d_name(item) is not None and op == "/":
                    raise self.fail(item, f"'{self.snippet(item)}' is half a derivative",
                                    "write dC/dw[l][j,k], d(expr)/d(var) or diff(expr, var)")
                if self._d_call(item) is not None:
                    raise self.fail(item, "d(…) must be divided by d(variable)", "write d(expr)/d(var)")
                term = self.expr(item)
                i += 1
            result = term if result is None else BinOp(op, result, term, loc)
        return result

    # -- derivatives ---------------------------------------------------------------

    def _d_name(self, node: ast.AST, below: bool = False) -> ast.AST | None:
        """For `dC` or `dw[l][j,k]`, the node of `C` / `w[l][j,k]` (as a Name or Subscript). ``below``: the
        bottom of dC/d…, where `dh` is the differential of h even if `dh` is a name too (an upstream
        gradient)."""
        base = node
        while isinstance(base, ast.Subscript):
            base = base.value
        if not isinstance(base, ast.Name):
            return None
        ident = base.id
        if len(ident) < 2 or ident[0] != "d" or ident in self.scope.functions:
            return None
        if ident in self.scope.values and not (below and ident[1:] in self.scope.values):
            return None
        if not self.scope.knows(ident[1:]):
            return None
        renamed = ast.Name(id=ident[1:], ctx=ast.Load())
        ast.copy_location(renamed, base)
        renamed.col_offset = base.col_offset + 1
        if node is base:
            return renamed
        return _replace_base(node, renamed)

    def _d_call(self, node: ast.AST) -> ast.AST | None:
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "d"
                and "d" not in self.scope.functions):
            if len(node.args) != 1 or node.keywords:
                raise self.fail(node, "d(…) takes one argument", "write d(expr)/d(var)")
            return node.args[0]
        return None

    def variable(self, node: ast.AST) -> Expr:
        var = self.expr(node)
        if not isinstance(var, (Name, Indexed)):
            raise self.fail(node, f"cannot differentiate with respect to '{self.snippet(node)}'",
                            "the variable must be one quantity, such as x, w[l][j,k] or z[L][j]")
        return var

    # -- indexing, calls, sums --------------------------------------------------------

    def indexed(self, node: ast.Subscript, loc: Location) -> Indexed:
        groups: list[tuple[Expr, ...]] = []
        base: ast.AST = node
        while isinstance(base, ast.Subscript):
            inner = base.slice
            elements = inner.elts if isinstance(inner, ast.Tuple) else [inner]
            if isinstance(inner, ast.Slice) or not elements:
                raise self.fail(base, "an index must be an expression", "e.g. w[l][j, k]")
            groups.append(tuple(self.expr(element) for element in elements))
            base = base.value
        if not isinstance(base, ast.Name):
            raise self.fail(node, f"only a name can be indexed, not '{self.snippet(base)}'")
        name = self.name(base, loc)
        if self.scope.is_index(name.id):
            raise self.fail(base, f"unknown name '{name.id}'",
                            self.scope.suggest(name.id, "define it under `let:` or `data:` first"))
        return Indexed(name.id, tuple(reversed(groups)), loc)

    def call(self, node: ast.Call, loc: Location) -> Expr:
        if not isinstance(node.func, ast.Name) or node.keywords:
            raise self.fail(node, f"'{self.snippet(node)}' is not a call of a known function",
                            "expected a function name followed by (arguments)")
        ident = node.func.id
        primes = ident.count(PRIME)
        base = ident.replace(PRIME, "")
        if ident.startswith("__") or PRIME in base:
            raise self.fail(node, f"unknown function '{ident}'")
        if base == "sum" and not primes:
            return self.sum(node, loc)
        if base == "diff" and not primes:
            if len(node.args) != 2:
                raise self.fail(node, "diff takes two arguments", "diff(expr, var)")
            return Derivative(self.expr(node.args[0]), self.variable(node.args[1]), loc)
        if base == "KroneckerDelta" and not primes:
            if len(node.args) != 2:
                raise self.fail(node, "KroneckerDelta takes two indices", "KroneckerDelta(i, j)")
            return Kronecker(self.expr(node.args[0]), self.expr(node.args[1]), loc)
        if base == "d" and "d" not in self.scope.functions:
            raise self.fail(node, "d(…) must be divided by d(variable)", "write d(expr)/d(var)")
        if base not in self.scope.functions:
            raise self.fail(node.func, f"unknown function '{base}'", self.scope.suggest(base))
        if primes > self.limits.derivative_order:
            raise over_limit(f"too many primes on '{base}' ({primes})", "derivative_order", self.limits, loc)
        return Call(base, primes, tuple(self.expr(arg) for arg in node.args), loc)

    def sum(self, node: ast.Call, loc: Location) -> Sum:
        if len(node.args) != 2:
            raise self.fail(node, "sum takes an index and a body", "sum(k, body) or sum(k in 1..n, body)")
        head, body = node.args
        if isinstance(head, ast.Name):
            var, lo, hi = self.index_name(head), None, None
        elif (isinstance(head, ast.Compare) and len(head.ops) == 1 and isinstance(head.ops[0], ast.In)
              and isinstance(head.left, ast.Name)):
            var = self.index_name(head.left)
            lo, hi = self.range_bounds(head.comparators[0])
        else:
            raise self.fail(head, "the first argument of sum must be an index",
                            "sum(k, body) or sum(k in 1..n, body)")
        return Sum(var, lo, hi, self.expr(body), loc)

    def index_name(self, node: ast.Name) -> str:
        if not self.scope.is_index(node.id):
            raise self.fail(node, f"'{node.id}' is a name in use, not a free index",
                            "use a single letter such as i, j, k")
        return node.id

    def range_bounds(self, node: ast.AST) -> tuple[Expr, Expr]:
        if not (isinstance(node, ast.BinOp) and isinstance(node.op, ast.RShift)):
            raise self.fail(node, "expected a range lo..hi", "e.g. 1..n or 1..L-1")
        return self.expr(node.left), self.expr(node.right)

    def iverson(self, node: ast.AST, loc: Location) -> Kronecker | Iverson:
        """[i == j] (the Kronecker delta), or [condition] with comparisons, `and`, `or`."""
        if isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.ops[0], ast.Eq):
            return Kronecker(self.expr(node.left), self.expr(node.comparators[0]), loc)
        return Iverson(self.condition(node), loc)

    def condition(self, node: ast.AST) -> Compare | Logic:
        loc = self.text.location(node)
        if isinstance(node, ast.BoolOp):
            return Logic("and" if isinstance(node.op, ast.And) else "or",
                         tuple(self.condition(value) for value in node.values), loc)
        if isinstance(node, ast.Compare):
            ops = []
            for op in node.ops:
                if type(op) not in _COMPARISONS:
                    raise self.fail(node, f"'{self.snippet(node)}' is not a comparison derivcheck reads",
                                    "compare with == != < <= > >=")
                ops.append(_COMPARISONS[type(op)])
            return Compare(tuple(ops), tuple(self.expr(part) for part in [node.left, *node.comparators]), loc)
        raise self.fail(node, f"'{self.snippet(node)}' is not a condition",
                        "expected a comparison such as c == y[n], t <= T-1 or w != o, joined by and / or")


_COMPARISONS = {ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">="}


def _replace_base(node: ast.AST, new_base: ast.AST) -> ast.AST:
    if isinstance(node, ast.Subscript):
        copy = ast.Subscript(value=_replace_base(node.value, new_base), slice=node.slice, ctx=ast.Load())
        return ast.copy_location(copy, node)
    return new_base


def parse_equation(text: str, origin: Location, scope: Scope, limits: Limits = DEFAULT_LIMITS) -> Equation:
    if is_latex(text):
        sides = parse_chain(text, origin, scope, limits)
        if len(sides) != 2:
            raise InputError("a claim has one '=' sign", origin, "write one equation per claim")
        return Equation(sides[0], sides[1], sides[0].loc)
    rewritten, node = python_tree(text, origin, limits)
    return _guarded(lambda: _Parser(rewritten, scope, limits).equation(node), origin)


def parse_chain(text: str, origin: Location, scope: Scope, limits: Limits = DEFAULT_LIMITS) -> list[Expr]:
    """`a = b = … = z` as its sides (two or more); LaTeX between $…$ too."""
    if is_latex(text):
        sides = parse_latex(text, origin, scope, limits, scope.layered, chain=True)
        if len(sides) < 2:
            raise InputError("a claim must be an equation", origin, "expected `left side = right side`")
        return sides
    rewritten, node = python_tree(text, origin, limits)
    return _guarded(lambda: _Parser(rewritten, scope, limits).chain(node), origin)


def parse_expression(text: str, origin: Location, scope: Scope, limits: Limits = DEFAULT_LIMITS) -> Expr:
    if is_latex(text):
        return parse_latex(text, origin, scope, limits, scope.layered, chain=False)
    rewritten, node = python_tree(text, origin, limits)
    return _guarded(lambda: _Parser(rewritten, scope, limits).expr(node), origin)


def parse_extent(text: str, origin: Location, scope: Scope, limits: Limits = DEFAULT_LIMITS) -> tuple[Expr, Expr]:
    """One extent of a shape: `N` (1..N) or `a..b`, whole-number expressions of dims."""
    rewritten, node = python_tree(text, origin, limits)
    parser = _Parser(rewritten, scope, limits)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.RShift):
        return _guarded(lambda: parser.range_bounds(node), origin)
    return Num("1", origin), _guarded(lambda: parser.expr(node), origin)


def parse_condition(text: str, origin: Location, scope: Scope, limits: Limits = DEFAULT_LIMITS) -> Compare | Logic:
    """A claim's `where:`: comparisons of its index letters and data, joined by and / or."""
    rewritten, node = python_tree(text, origin, limits)
    return _guarded(lambda: _Parser(rewritten, scope, limits).condition(node), origin)


def parse_range(text: str, origin: Location, scope: Scope, limits: Limits = DEFAULT_LIMITS) -> Range:
    """`l in 1..L-1` as used by a claim's `for:`."""
    rewritten, node = python_tree(text, origin, limits)
    parser = _Parser(rewritten, scope, limits)

    def build() -> Range:
        if not (isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.ops[0], ast.In)
                and isinstance(node.left, ast.Name)):
            raise parser.fail(node, f"cannot read range '{text}'", "expected `l in 1..L-1`")
        lo, hi = parser.range_bounds(node.comparators[0])
        return Range(parser.index_name(node.left), lo, hi, rewritten.location(node))

    return _guarded(build, origin)


def parse_definition_head(text: str, origin: Location, scope: Scope,
                          limits: Limits = DEFAULT_LIMITS) -> Name | Indexed | Call:
    """A `let` key: `e`, `delta[l][j]`, `delta[L][j]` or `h(x, y)` (a function and its parameters)."""
    rewritten, node = python_tree(text, origin, limits)
    base = node
    while isinstance(base, ast.Subscript):
        base = base.value
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords:
        params = []
        for arg in node.args:
            if not isinstance(arg, ast.Name):
                raise InputError(f"parameters of '{node.func.id}' must be names", rewritten.location(arg))
            params.append(Name(arg.id, rewritten.location(arg)))
        if PRIME in node.func.id or len(set(p.id for p in params)) != len(params):
            raise InputError(f"cannot define '{text}'", origin, "expected h(x) or h(x, y)")
        return Call(node.func.id, 0, tuple(params), origin)
    if not isinstance(base, ast.Name) or PRIME in base.id or base.id.startswith("__"):
        raise InputError(f"cannot define '{text}'", origin,
                         "a let key is a name (e), a name with indices (delta[l][j]) or a function (h(x))")
    if node is base:
        return Name(base.id, origin)
    widened = Scope(scope.values | {base.id}, scope.functions)
    return _guarded(lambda: _Parser(rewritten, widened, limits).expr(node), origin)


def _guarded(build, origin: Location):
    try:
        return build()
    except RecursionError:
        raise InputError("expression nested too deeply", origin) from None
