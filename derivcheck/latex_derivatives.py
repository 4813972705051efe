"""LaTeX derivatives: \\frac{\\partial C}{\\partial w^l_{jk}}, \\frac{dC}{dz}, \\frac{\\partial^2 f}{\\partial x^2},
\\frac{\\partial}{\\partial x} f (the operator on what follows), \\partial C / \\partial z and \\nabla_a C.

The part of ``latex.LatexParser`` that reads them; its expressions (``expr``,
``term``, ``postfix``) are the parser's own.
"""

from __future__ import annotations

from .latex_names import NameReader
from .latex_tokens import Token
from .syntax import BinOp, Derivative, Expr, Indexed, Name


class DerivativeReader(NameReader):
    """Fractions and derivatives, for a parser that reads expressions (``expr``, ``term``, ``postfix``)."""

    def fraction(self, token: Token) -> Expr:
        if not self.at("sym", "{"):
            raise self.fail(token, "\\frac needs two arguments in braces", "\\frac{a}{b}")
        numerator_start = self.position
        top = self._derivative_part()
        if top is not None:
            bottom = self._derivative_bottom(token)
            return self._derivative(top, bottom, token)
        self.position = numerator_start
        self.next()
        top = self.expr()
        self.expect("sym", "}", "} to close the numerator")
        if not self.at("sym", "{"):
            raise self.fail(self.peek() or token, "\\frac has one argument; it needs two", "\\frac{a}{b}")
        self.next()
        bottom = self.expr()
        self.expect("sym", "}", "} to close the denominator")
        return BinOp("/", top, bottom, self.where(token.offset))

    def _derivative_part(self) -> tuple[int, Expr | None] | None:
        """{\\partial C}, {\\partial^2 C}, {dC}: (order, what is differentiated), or None; {\\partial} and {d}
        (where the file names no d) are the operator: what it differentiates follows the fraction."""
        self.next()  # {
        token = self.peek()
        order = 1
        if token is not None and token.kind == "letters" and token.text == "d" and "d" not in self.scope.values \
                and self.peek(1) is not None and self.peek(1).text == "}":
            self.next()
            top = None
        elif token is not None and token.kind == "cmd" and token.text == "partial":
            self.next()
            if self.at("sym", "^"):
                self.next()
                order = int(self.next().text)
            top = None if self.at("sym", "}") else self.expr()
        elif token is not None and token.kind == "letters" and len(token.text) > 1 and token.text[0] == "d" \
                and self.scope.knows(token.text[1:]):
            self.next()
            top = self.indexed(Token("letters", token.text[1:], token.offset + 1))
        else:
            return None
        self.expect("sym", "}", "} to close the numerator")
        return order, top

    def _derivative_bottom(self, token: Token) -> list[Expr]:
        if not self.at("sym", "{"):
            raise self.fail(self.peek() or token, "\\frac has one argument; it needs two", "\\frac{a}{b}")
        self.next()
        variables = []
        while not self.at("sym", "}"):
            mark = self.next()
            if mark.kind == "cmd" and mark.text == "partial":
                variables.append(self.variable())
            elif mark.kind == "letters" and len(mark.text) > 1 and mark.text[0] == "d":
                variables.append(self.indexed(Token("letters", mark.text[1:], mark.offset + 1)))
            else:
                raise self.fail(mark, "the denominator of a derivative is \\partial and the variable",
                                "\\frac{\\partial C}{\\partial w^l_{jk}}")
            if self.at("sym", "^"):
                self.next()
                power = int(self.next().text)
                variables.extend([variables[-1]] * (power - 1))
        self.next()
        return variables

    def _derivative(self, top: tuple[int, Expr | None], variables: list[Expr], token: Token) -> Expr:
        order, node = top
        if node is None:  # \\frac{\\partial}{\\partial x} f: the operator on the product that follows
            if self.peek() is None or self.peek().text in ("=", ")", "}", "]", "+", "-"):
                raise self.fail(self.peek() or token, "\\frac{\\partial}{\\partial x} needs what it differentiates",
                                "\\frac{\\partial}{\\partial x} (x^2), or \\frac{\\partial f}{\\partial x}")
            node = self.term()
        if len(variables) != order:
            raise self.fail(token, f"a derivative of order {order} needs {order} variables, got {len(variables)}")
        for variable in reversed(variables):
            node = Derivative(node, variable, self.where(token.offset))
        return node

    def variable(self) -> Expr:
        node = self.postfix()
        if not isinstance(node, (Name, Indexed)):
            raise self.fail(self.peek(), "the variable of a derivative must be one quantity", "e.g. w^l_{jk}")
        return node

    def inline_derivative(self) -> Expr:
        """\\partial C / \\partial z^L_j."""
        token = self.next()
        top = self.postfix()
        if not self.at("sym", "/"):
            raise self.fail(self.peek() or token, "\\partial C needs / \\partial and the variable",
                            "write \\frac{\\partial C}{\\partial z} or \\partial C / \\partial z")
        self.next()
        self.expect("cmd", "partial", "\\partial after /")
        return Derivative(top, self.variable(), self.where(token.offset))

    def gradient(self, token: Token) -> Expr:
        """\\nabla_a C: the column of dC/da[L][j]."""
        self.expect("sym", "_", "a subscript: \\nabla_a C")
        variable = self.script()
        target = self.postfix()
        if isinstance(variable, Name) and variable.id in self.layered:
            variable = Indexed(variable.id, ((Name("L", variable.loc),),), variable.loc)
        return Derivative(target, variable, self.where(token.offset))
