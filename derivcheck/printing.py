"""Printing graph expressions in the network's notation: derivcheck syntax and LaTeX.

Both printers are SymPy printers dispatching on the class; they read what each
symbol stands for from the graph, so ``w[2][1,3]`` prints as ``w^{(2)}_{13}``
in LaTeX and stays pasteable into a claim as text.
"""

from __future__ import annotations

import sympy as sp
from sympy.printing.latex import LatexPrinter, translate
from sympy.printing.precedence import precedence
from sympy.printing.str import StrPrinter

from .graph import Graph, Quantity
from .roles import Role


class NotationPrinter(StrPrinter):
    """Text in derivcheck's own expression syntax (names as the file writes them)."""

    def _print_Symbol(self, expr):
        return expr.name.replace("∂", "d")  # an adjoint ∂C/∂z[2][1] as a claim writes it: dC/dz[2][1]

    def _print_Heaviside(self, expr):
        return f"relu'({self._print(expr.args[0])})"

    def _print_Pow(self, expr, rational=False):
        """x^2 as a claim writes it (StrPrinter's own rules for sqrt and 1/x, then ^ for **)."""
        if expr.exp is sp.S.Half or (expr.is_commutative and (-expr.exp is sp.S.Half or expr.exp is sp.S.NegativeOne)):
            return super()._print_Pow(expr, rational)
        power = precedence(expr)
        return "%s^%s" % (self.parenthesize(expr.base, power, strict=False),
                          self.parenthesize(expr.exp, power, strict=False))


class NetworkLatexPrinter(LatexPrinter):
    """LaTeX with the network notation: w^{(l)}_{jk}, z^{(l)}_j, a^{(l)}_j, \\sigma, f'."""

    printmethod = "_network_latex"

    def __init__(self, quantities: dict[sp.Symbol, Quantity], settings=None):
        super().__init__(settings)
        self.quantities = quantities

    def _print_Symbol(self, expr, style="plain"):
        quantity = self.quantities.get(expr)
        if quantity is None:
            return super()._print_Symbol(expr)
        if quantity.role is Role.ADJOINT:  # ∂C/∂z with its layer and indices on the z
            top, bottom = quantity.name.lstrip("∂").split("/∂", 1)
            return r"\frac{\partial %s}{\partial %s}" % (_latex_name(top), _with_place(_latex_name(bottom),
                                                                                          quantity))
        return _with_place(_latex_name(quantity.name), quantity)

    def _print_sigmoid(self, expr, exp=None):
        return self._function(r"\sigma", expr, exp)

    def _print_relu(self, expr, exp=None):
        return self._function(r"\operatorname{relu}", expr, exp)

    def _print_softplus(self, expr, exp=None):
        return self._function(r"\operatorname{softplus}", expr, exp)

    def _print_Heaviside(self, expr, exp=None):
        return self._function(r"\operatorname{relu}'", expr, exp)

    def _print_Function(self, expr, exp=None):
        if hasattr(expr.func, "generic_name"):
            name = translate(expr.func.generic_name) + "'" * expr.func.order
            return self._function(name, expr, exp)
        return super()._print_Function(expr, exp)

    def _function(self, name: str, expr, exp) -> str:
        body = r"%s\left(%s\right)" % (name, self._print(expr.args[0]))
        return body if exp is None else r"%s^{%s}" % (body, exp)


def _latex_name(name: str) -> str:
    return r"\hat{y}" if name == "yhat" else translate(name)


def _with_place(name: str, quantity: Quantity) -> str:
    """name^{(layer)}_{indices}: w^{(2)}_{13}, with commas once an index has two digits."""
    if quantity.groups is not None:  # a forward file's instance: h[2][1] as h_{2,1}, X[1,2] as X_{12}
        groups = [("," if any(i > 9 for i in group) else "").join(map(str, group)) for group in quantity.groups]
        return name + ("_{%s}" % ",".join(groups) if groups else "")
    indices = quantity.indices
    text = name + ("^{(%d)}" % quantity.layer if quantity.layer is not None else "")
    if indices:
        text += "_{%s}" % ("," if any(i > 9 for i in indices) else "").join(str(i) for i in indices)
    return text


def as_text(expr: sp.Expr) -> str:
    return NotationPrinter().doprint(expr)


def as_latex(expr: sp.Expr, graph: Graph) -> str:
    return NetworkLatexPrinter(graph.quantities).doprint(expr)


def name_latex(name: str) -> str:
    """A user's name in LaTeX (delta → \\delta, yhat → \\hat{y})."""
    return translate(name)
