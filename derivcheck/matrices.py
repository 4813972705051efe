"""Vector and matrix notation: the arithmetic of values that are numbers or SymPy matrices.

``W[l]`` is a matrix, ``a[l]`` a column (one column per example in a batch);
``@`` is the matrix product, ``*`` (and ``⊙``) the elementwise one, ``.T`` the
transpose, and a function applies entry by entry. An operation on shapes that do
not fit makes the claim false there, naming both: ``w[3].T @ delta[3]: (3×2) @ (3×1)``
(the node given is bound to the instance's index values, so the text names the layer).
"""

from __future__ import annotations

from functools import reduce

import sympy as sp

from . import syntax as sx
from .errors import InputError, ShapeError

Value = sp.Expr | sp.ImmutableMatrix


def is_matrix(value) -> bool:
    return isinstance(value, sp.MatrixBase)


def shape_text(value) -> str:
    rows, cols = value.shape
    return f"({rows}×{cols})"


def combine(node: sx.BinOp, left: Value, right: Value) -> Value:
    """left op right, where one side or both may be matrices."""
    op = node.op
    if op == "@":  # a number is a 1×1 matrix here (a[L] of a single output neuron, say)
        left, right = (side if is_matrix(side) else sp.ImmutableMatrix([[side]]) for side in (left, right))
        if left.shape[1] != right.shape[0]:
            raise _mismatch(node, left, right)
        return simplest(immutable(left @ right))  # a 1×1 product is a number: alpha.T @ V @ g
    if not (is_matrix(left) or is_matrix(right)):
        raise TypeError("combine is for matrices")
    if op in ("+", "-"):
        left, right = (side if is_matrix(side) else sp.ImmutableMatrix(*(left if is_matrix(left) else right).shape,
                                                                          lambda i, j, side=side: side)
                       for side in (left, right))  # a number goes to every entry: 1 - h[t]^2
        left, right = _broadcast(left, right)
        if left.shape != right.shape:
            raise _mismatch(node, left, right)
        return immutable(left + right if op == "+" else left - right)
    if op in ("*", "/") and is_matrix(left) and is_matrix(right):  # entry by entry
        if left.shape != right.shape:
            raise _mismatch(node, left, right, "for an entrywise product")
        entries = [a * b if op == "*" else a / b for a, b in zip(left, right)]
        return sp.ImmutableMatrix(left.shape[0], left.shape[1], entries)
    if op == "*":
        return immutable(left * right)
    if op == "/" and is_matrix(left):
        return immutable(left.applyfunc(lambda entry: entry / right))
    if op == "/" and is_matrix(right):
        return immutable(right.applyfunc(lambda entry: left / entry))
    if op == "**" and is_matrix(left) and not is_matrix(right):
        return immutable(left.applyfunc(lambda entry: entry ** right))
    raise InputError(f"{sx.to_text(node)}: {op} is not defined for these shapes", node.loc,
                     "a matrix can be divided by a number or raised to a number's power")


def diagonal(args: list[Value], node: sx.Call) -> Value:
    """diag(v): the square matrix with the column (or row) v on its diagonal."""
    if len(args) != 1 or not is_matrix(args[0]) or 1 not in args[0].shape:
        raise InputError("diag takes one column", node.loc, "e.g. diag(1 - h[t]^2)")
    entries = list(args[0])
    return sp.ImmutableMatrix(sp.diag(*entries)) if len(entries) > 1 else entries[0]


def simplest(value: Value) -> Value:
    """A 1×1 matrix as the number it holds."""
    return value[0, 0] if is_matrix(value) and value.shape == (1, 1) else value


def entrywise(function, value: Value) -> Value:
    return immutable(value.applyfunc(function)) if is_matrix(value) else function(value)


def transpose(value: Value) -> Value:
    return immutable(value.T) if is_matrix(value) else value


def immutable(matrix: sp.MatrixBase) -> sp.ImmutableMatrix:
    """The matrix as an immutable one; SymPy's operations on immutable matrices already give one, and
    copying it again costs more than most of the arithmetic."""
    return matrix if isinstance(matrix, sp.ImmutableDenseMatrix) else sp.ImmutableMatrix(matrix)


def total(terms: list[Value], node: sx.Sum) -> Value:
    """The sum of numbers or of matrices of one shape."""
    if not any(is_matrix(term) for term in terms):
        return sp.Add(*terms)
    shapes = {term.shape if is_matrix(term) else None for term in terms}
    if len(shapes) > 1:
        shown = ", ".join(sorted(shape_text(t) if is_matrix(t) else "a number" for t in {
            (term.shape if is_matrix(term) else None): term for term in terms}.values()))
        raise ShapeError(f"the terms of {sx.to_text(node)} have different shapes: {shown}")
    return reduce(lambda a, b: a + b, terms)


def _broadcast(left, right):
    """A column added to a matrix with as many rows goes to every column (b[l] to each example), and
    a row likewise to every row."""
    def spread(small, big):
        rows, cols = big.shape
        if small.shape == (rows, 1):
            return sp.ImmutableMatrix(rows, cols, lambda i, j: small[i, 0])
        if small.shape == (1, cols):
            return sp.ImmutableMatrix(rows, cols, lambda i, j: small[0, j])
        return small

    return spread(left, right), spread(right, left)


def _mismatch(node: sx.BinOp, left, right, how: str = "") -> ShapeError:
    text = f"{sx.to_text(node.left)} {node.op} {sx.to_text(node.right)}"
    return ShapeError(f"shapes do not fit{' ' + how if how else ''}: {text}: {shape_text(left)} {node.op} "
                      f"{shape_text(right)}")
