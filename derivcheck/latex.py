"""LaTeX between dollar signs → the same syntax tree as the plain syntax, by a grammar of our own.

A tokenizer with a whitelist of commands and a recursive-descent parser; nothing
here evaluates text or hands it to another parser. The conventions are those of
backpropagation notes (Nielsen, Bishop, CS231n): on a layered quantity
(``w b z a``, the weight alias, and every ``let`` defined with a layer group)
the superscript is the layer and the subscript the neuron indices
(``w^{l+1}_{kj}`` is ``w[l+1][k,j]``); ``\\frac{\\partial C}{\\partial z^l_j}`` is
a derivative; ``\\sum_k`` sums the product that follows; juxtaposition and
``\\cdot`` multiply (the matrix product between matrices); ``\\odot`` is entrywise.
"""

from __future__ import annotations

from .errors import Location
from .latex_derivatives import DerivativeReader
from .latex_tokens import ACCENTS, CLOSE, COMPARISONS, FUNCTIONS, GREEK, OPEN, PRODUCTS, SIZES, STYLES, Token, shown
from .limits import Limits, over_limit
from .syntax import BinOp, Call, Compare, Expr, Iverson, Kronecker, Neg, Num, Scope, Sum


class LatexParser(DerivativeReader):
    """One LaTeX expression or chain a = b = c over a file's scope; ``layered``: names whose superscript
    is a layer."""

    # -- grammar -----------------------------------------------------------------------------

    def chain(self) -> list[Expr]:
        if self.at("cmd", "therefore") or self.at("cmd", "Rightarrow") or self.at("cmd", "implies"):
            self.next()  # ∴ x = …, ⇒ x = …: what leads into the equation
        marked = self._marked_whole()
        parts = [self.expr()]
        while self.at("sym", "="):
            self.next()
            parts.append(self.expr())
        if marked:
            self.expect("sym", "}", f"}} to close \\{marked}")
        if self.peek() is not None:
            token = self.peek()
            raise self.fail(token, f"unexpected '{shown(token)}'",
                            "a closing bracket without its opening one?" if token.text in CLOSE else None)
        return parts

    def _marked_whole(self) -> str | None:
        """\\boxed{a = b} or \\underline{a = b} around the whole equation: the mark's name, read past."""
        first, second = self.peek(), self.peek(1)
        if first is None or first.kind != "cmd" or first.text not in ("boxed", "underline") or second is None \
                or second.text != "{" or self._group_end(self.position + 1) != len(self.tokens) - 1:
            return None
        self.position += 2
        return first.text

    def _group_end(self, start: int) -> int:
        """The position of the } that closes the { at ``start`` (or past the end)."""
        depth = 0
        for position in range(start, len(self.tokens)):
            depth += {"{": 1, "}": -1}.get(self.tokens[position].text, 0) if self.tokens[position].kind == "sym" else 0
            if depth == 0:
                return position
        return len(self.tokens)

    def whole(self) -> Expr:
        parts = self.chain()
        if len(parts) != 1:
            raise self.fail(None, "an expression here, not an equation")
        return parts[0]

    def expr(self) -> Expr:
        self._deeper()
        try:
            if self.at("sym", "-"):  # -a b is -(a b)
                token = self.next()
                node = Neg(self.term(), self.where(token.offset))
            else:
                node = self.term()
            while self.at("sym", "+") or self.at("sym", "-"):
                op = self.next().text
                node = BinOp(op, node, self.term(), node.loc)
            return node
        finally:
            self.depth -= 1

    def _deeper(self) -> None:
        self.depth += 1
        if self.depth > self.limits.expression_depth:
            raise over_limit("expression nested too deeply", "expression_depth", self.limits, self.origin)

    def term(self) -> Expr:
        """Factors side by side or joined by \\cdot, \\times, \\odot, *, /: a product, left to right."""
        node = self.unary()
        while True:
            token = self.peek()
            if token is None or token.kind == "sym" and token.text in ("+", "-", "=", ",", "<", ">") + CLOSE \
                    or token.kind == "cmd" and (token.text in ("right", "}") or token.text in COMPARISONS):
                return node
            if token.kind == "cmd" and token.text in SIZES and self._closing_size():
                return node
            if token.kind == "cmd" and token.text in PRODUCTS:
                self.next()
                node = BinOp(PRODUCTS[token.text], node, self.unary(), node.loc)
            elif token.kind == "sym" and token.text in ("*", "/"):
                self.next()
                node = BinOp(token.text, node, self.unary(), node.loc)
            else:
                node = BinOp("·", node, self.unary(), node.loc)

    def _closing_size(self) -> bool:
        after = self.peek(1)
        return self.peek().text in ("right", "bigr", "Bigr", "biggr") or after is not None and after.text in CLOSE

    def unary(self) -> Expr:
        if self.at("sym", "-"):
            token = self.next()
            return Neg(self.unary(), self.where(token.offset))
        if self.at("sym", "+"):
            self.next()
        return self.postfix()

    def postfix(self) -> Expr:
        start = self.peek()
        if start is not None and start.kind == "cmd" and start.text == "partial":
            return self.inline_derivative()
        node = self.primary()
        return self.scripts(node)

    # -- primaries ---------------------------------------------------------------------------

    def primary(self) -> Expr:
        token = self.next()
        loc = self.where(token.offset)
        if token.kind == "number":
            if token.text == "1" and self.at("cmd", "{"):
                return self.indicator(token)
            return self.number(token)
        if token.kind == "sym" and token.text in ("(", "["):
            return self.bracketed(token)
        if token.kind == "sym" and token.text == "{":
            inner = self.expr()
            self.expect("sym", "}", "} to close the {")
            return inner
        if token.kind == "cmd" and token.text in SIZES:
            return self.primary()  # \left( and \big[ group like ( and [
        if token.kind == "cmd" and token.text == "{":  # \{ … \}
            inner = self.expr()
            self._close("\\}", token)
            return inner
        if token.kind == "cmd":
            return self.command(token, loc)
        if token.kind == "letters":
            return self.letters(token)
        raise self.fail(token, f"unexpected '{shown(token)}'", "expected a number, a name, ( or a command")

    def bracketed(self, opening: Token) -> Expr:
        closing = OPEN[opening.text]
        inner = self.expr()
        if opening.text == "[" and self._comparison_next():
            condition = self.comparison(inner)
            self._close(closing, opening)
            return condition
        self._close(closing, opening)
        return self.scripts(inner)

    def _close(self, closing: str, opening: Token) -> None:
        if self.peek() is not None and self.peek().kind == "cmd" and self.peek().text in SIZES:
            self.next()
        if not (self.at("sym", closing) or closing == "\\}" and self.at("cmd", "}")):
            raise self.fail(self.peek() or opening, f"'{opening.text}' is not closed", f"expected {closing}")
        self.next()

    def _comparison_next(self) -> bool:
        token = self.peek()
        return token is not None and (token.kind == "sym" and token.text in ("=", "<", ">")
                                      or token.kind == "cmd" and token.text in COMPARISONS)

    def comparison(self, left: Expr) -> Expr:
        token = self.next()
        op = COMPARISONS[token.text]
        right = self.expr()
        if op == "==":
            return Kronecker(left, right, left.loc)
        return Iverson(Compare((op,), (left, right), left.loc), left.loc)

    def indicator(self, one: Token) -> Expr:
        """1\\{i = j\\} and \\mathbb{1}\\{i = j\\}: the Kronecker delta."""
        opening = self.next()
        left = self.expr()
        if not self._comparison_next():
            raise self.fail(self.peek(), "an indicator holds a comparison", "e.g. \\mathbb{1}\\{i = j\\}")
        condition = self.comparison(left)
        self._close("\\}", opening)
        return condition

    def command(self, token: Token, loc: Location) -> Expr:
        name = token.text
        if name in ("frac", "dfrac", "tfrac"):
            return self.fraction(token)
        if name == "sqrt":
            return Call("sqrt", 0, (self.argument(token, "\\sqrt"),), loc)
        if name == "sum":
            return self.sum(token)
        if name in ACCENTS:
            return self.accented(token)
        if name in STYLES:
            joined = self._word_with_digits()
            if joined is not None:  # \mathit{x1}: the name x1
                return self.scripts_of(joined, token)
            return self.scripts_of(self.argument(token, "\\" + name), token)
        if name in ("boxed", "underline"):  # a mark around the equation, not mathematics
            return self.argument(token, "\\" + name)
        if name in ("underbrace", "overbrace"):  # \underbrace{x}_{label}: x; the label is an annotation
            inner = self.argument(token, "\\" + name)
            if self.at("sym", "_" if name == "underbrace" else "^"):
                self.next()
                self._skip_group()
            return inner
        if name == "mathbb":
            self.argument(token, "\\mathbb")
            return self.indicator(token)
        if name == "nabla":
            return self.gradient(token)
        if name == "operatorname":
            self.expect("sym", "{", "{ and a function name: \\operatorname{relu}")
            word = self.next()
            self.expect("sym", "}", "} after the function name")
            if word.kind != "letters":
                raise self.fail(word, "\\operatorname takes a function name", "e.g. \\operatorname{relu}(z)")
            return self.function(word.text, token)
        if name in FUNCTIONS and (FUNCTIONS[name] != "sigmoid" or self._applied()):
            return self.function(FUNCTIONS[name], token)
        if name in GREEK:
            return self.indexed(Token("letters", name, token.offset))
        raise self.fail(token, f"\\{name} cannot stand here", None)

    def _skip_group(self) -> None:
        """Read past one braced group (or one token): an annotation, never read as mathematics."""
        depth = 0
        while True:
            token = self.next()
            if token.kind == "sym" and token.text in "{}":
                depth += 1 if token.text == "{" else -1
            if depth <= 0:
                return

    def _applied(self) -> bool:
        """\\sigma( , \\sigma' or \\sigma^\\prime: the function; otherwise the name sigma."""
        token = self.peek()
        if token is None:
            return False
        return token.text in ("(", "'", "left") or token.text == "^" and self.peek(1) is not None \
            and self.peek(1).text == "prime"

    def argument(self, token: Token, what: str) -> Expr:
        if not self.at("sym", "{"):
            following = self.peek()
            if following is None:
                raise self.fail(token, f"{what} needs an argument in braces")
            self.next()
            return self.name(following) if following.kind == "letters" else self.number(following) \
                if following.kind == "number" else self.command(following, self.where(following.offset))
        self.next()
        inner = self.expr()
        self.expect("sym", "}", f"}} to close the argument of {what}")
        return inner

    def sum(self, token: Token) -> Sum:
        """\\sum_k …, \\sum_{k=1}^{n} …: the summand is the product that follows."""
        self.expect("sym", "_", "a subscript with the summation index: \\sum_k")
        lo = hi = None
        if self.at("sym", "{"):
            self.next()
            var = self.next()
            if self.at("sym", "="):
                self.next()
                lo = self.expr()
            self.expect("sym", "}", "} to close the subscript of \\sum")
        else:
            var = self.next()
        if var.kind != "letters" or len(var.text) != 1 or not self.scope.is_index(var.text):
            raise self.fail(var, f"'{var.text}' cannot be a summation index", "a free letter: \\sum_k")
        if self.at("sym", "^"):
            self.next()
            hi = self.script()
            if lo is None:
                lo = Num("1", self.where(var.offset))
        if lo is not None and hi is None:
            raise self.fail(token, "\\sum_{k=1} needs its upper end", "\\sum_{k=1}^{n}")
        return Sum(var.text, lo, hi, self.term(), self.where(token.offset))

    def function(self, name: str, token: Token) -> Expr:
        primes = 0
        while True:
            if self.at("sym", "'"):
                self.next()
                primes += 1
            elif self.at("sym", "^") and self.peek(1) is not None and self.peek(1).text == "prime":
                self.position += 2
                primes += 1
            else:
                break
        if primes > self.limits.derivative_order:
            raise over_limit(f"too many primes on '{name}' ({primes})", "derivative_order", self.limits,
                             self.where(token.offset))
        if name not in self.scope.functions:
            raise self.fail(token, f"unknown function '{name}'", self.scope.suggest(name))
        return Call(name, primes, self._arguments(), self.where(token.offset))

    def _arguments(self) -> tuple[Expr, ...]:
        """(a, b) or \\left(a, b\\right) after a function; otherwise the one factor that follows (\\log x)."""
        sized = self.at("cmd", "left") and self.peek(1) is not None and self.peek(1).text == "("
        if not (self.at("sym", "(") or sized):
            return (self.postfix(),)
        if sized:
            self.next()
        opening = self.next()
        arguments = [self.expr()]
        while self.at("sym", ","):
            self.next()
            arguments.append(self.expr())
        self._close(")", opening)
        return tuple(arguments)

    # -- names ---------------------------------------------------------------------------------

def parse_latex(text: str, origin: Location, scope: Scope, limits: Limits, layered: frozenset[str],
                chain: bool) -> list[Expr] | Expr:
    """The LaTeX between the dollar signs of ``text``: a chain of sides (``chain``) or one expression."""
    if len(text) > limits.expression_chars:
        raise over_limit(f"expression too long ({len(text):,} characters)", "expression_chars", limits, origin)
    parser = LatexParser(text, origin, scope, limits, layered)
    try:
        return parser.chain() if chain else parser.whole()
    except RecursionError:
        raise over_limit("expression nested too deeply", "expression_depth", limits, origin) from None
