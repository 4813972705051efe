"""Index expressions as whole numbers (a letter bound per instance, a dim, whole-number data, L and S, a
let whose value is a whole number), and what L is in a network file: the output layer's index, and the
loss as a value when the notation names the loss L."""

from __future__ import annotations

import sympy as sp

from . import syntax as sx
from .errors import InputError


class IndexValues:
    """The indices of a Model (which gives ``spec``, ``network``, ``table``, ``lets``, ``graph`` and
    ``let_instance``)."""

    def not_the_layer_index(self, node: sx.Expr) -> None:
        """`dL/dw`: in a network file L is the output layer's index (a number), not a loss, unless the
        notation names the loss L (then L is the loss as a value and the output layer in an index)."""
        if self.network is not None and isinstance(node, sx.Name) and node.id == "L" and not self.loss_is_L:
            raise InputError("L is the index of the output layer here, not a loss", node.loc,
                             f"this file's loss is {self.spec.network.notation.names['loss']}; "
                             "notation: {loss: L} makes L the loss (and still the output layer in an index)")

    @property
    def loss_is_L(self) -> bool:
        return self.network is not None and self.spec.network.notation.names["loss"] == "L"

    def layer_binding(self) -> dict[str, int]:
        """L as a number, to show an expression at an instance (w[L] → w[2]); none when L names the loss."""
        return {"L": self.network.L} if self.network is not None and not self.loss_is_L else {}

    def index(self, node: sx.Expr, bindings: dict[str, int]) -> int:
        """An index expression (j, l+1, L-1, 2) as an integer."""
        if isinstance(node, sx.Num):
            if not node.text.isdigit():
                raise InputError(f"index {node.text} is not a whole number", node.loc)
            return int(node.text)
        if isinstance(node, sx.Name):
            if node.id in bindings:
                return bindings[node.id]
            if self.table.dim(node.id) is not None:
                return self.table.dim(node.id)
            if node.id in self.table.spec.data:
                return self._data_index(sx.Indexed(node.id, (), node.loc), bindings)
            if self.network is not None and node.id == "L":
                return self.network.L
            if self.network is not None and node.id == "S" and self.spec.network.batch > 1:
                return self.spec.network.batch
            if node.id in self.lets:  # a let whose value is a whole number: `M: 2` (a note's layer size)
                value = self.graph.definitions.get(self.let_instance(node.id, (), bindings, node))
                if isinstance(value, sp.Integer):
                    return int(value)
            raise InputError(f"'{node.id}' cannot be used as an index here", node.loc,
                             "an index is a free letter, a number, or L")
        if isinstance(node, sx.Neg):
            return -self.index(node.operand, bindings)
        if isinstance(node, sx.Indexed) and node.id in self.table.spec.data:
            return self._data_index(node, bindings)
        if isinstance(node, sx.BinOp) and node.op in "+-*":
            left, right = self.index(node.left, bindings), self.index(node.right, bindings)
            return left + right if node.op == "+" else left - right if node.op == "-" else left * right
        raise InputError("an index must be a whole-number expression", node.loc, "e.g. j, l+1, L-1, 2")

    def _data_index(self, node: sx.Indexed, bindings: dict[str, int]) -> int:
        """Whole-number data used as an index: p[n, y[n]], theta[neg[k]], yhat[o]."""
        value = self.table.indexed(node, bindings)
        if not value.is_Integer:
            raise InputError(f"{sx.to_text(sx.bind(node, bindings))} = {value} is not a whole number, so it cannot "
                             "be an index", node.loc)
        return int(value)

    def try_index(self, node: sx.Expr, bindings: dict[str, int]) -> int | None:
        """The index's value, or None if it uses an index that is not bound yet."""
        try:
            return self.index(node, bindings)
        except InputError:
            return None
