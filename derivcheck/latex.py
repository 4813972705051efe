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

import difflib
import re
from dataclasses import dataclass

from .errors import InputError, Location
from .limits import Limits, check_number_literal, over_limit
from .syntax import (BinOp, Call, Compare, Derivative, Expr, Indexed, Iverson, Kronecker, Name, Neg, Num, Scope,
                     Sum, Transpose)

GREEK = ("alpha", "beta", "gamma", "delta", "epsilon", "varepsilon", "zeta", "eta", "theta", "vartheta", "iota",
         "kappa", "lambda", "mu", "nu", "xi", "pi", "rho", "sigma", "tau", "upsilon", "phi", "varphi", "chi", "psi",
         "omega", "Gamma", "Delta", "Theta", "Lambda", "Xi", "Pi", "Sigma", "Phi", "Psi", "Omega")
FUNCTIONS = {"log": "log", "ln": "log", "exp": "exp", "tanh": "tanh", "sin": "sin", "cos": "cos", "sigma": "sigmoid"}
PRODUCTS = {"cdot": "·", "times": "·", "odot": "*", "circ": "*"}
COMPARISONS = {"=": "==", "neq": "!=", "ne": "!=", "<": "<", "le": "<=", "leq": "<=", ">": ">", "ge": ">=",
               "geq": ">="}
STYLES = ("mathbf", "boldsymbol", "bm", "vec", "mathit", "mathrm", "mathsf")  # the same name, only marked
LAYOUT = ("quad", "qquad", ",", ";", "!", ":", " ", "\\", "displaystyle", "nonumber", "notag")
SIZES = ("left", "right", "big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr", "biggl", "biggr")
STRUCTURE = ("frac", "dfrac", "tfrac", "partial", "sum", "sqrt", "hat", "widehat", "top", "intercal", "prime",
             "nabla", "mathbb", "text", "tag", "operatorname", "{", "}", "lbrack", "rbrack")
COMMANDS = frozenset(GREEK) | frozenset(FUNCTIONS) | frozenset(PRODUCTS) | frozenset(c for c in COMPARISONS
                                                                                      if c.isalpha()) \
    | frozenset(STYLES) | frozenset(LAYOUT) | frozenset(SIZES) | frozenset(STRUCTURE)
OPEN, CLOSE = {"(": ")", "[": "]"}, (")", "]", "}")
# a command, a number, a word (with \\_ inside: \\mathit{dnext\\_h}), spacing, one symbol
_TOKEN = re.compile(r"\\([A-Za-z]+|(?![A-Za-z]).)|(\d+\.?\d*|\.\d+)|([^\W\d_]+(?:\\_[^\W_]+)*)|(\s+)|(.)", re.S)


@dataclass(frozen=True)
class Token:
    kind: str  # cmd number letters space sym
    text: str
    offset: int


def is_latex(text: str) -> bool:
    stripped = text.strip()
    return len(stripped) >= 2 and stripped[0] == "$" and stripped[-1] == "$"


def tokens(text: str) -> list[Token]:
    found = []
    for match in _TOKEN.finditer(text):
        command, number, letters, space, symbol = match.groups()
        if space is not None:
            continue
        kind = "cmd" if command is not None else "number" if number else "letters" if letters else "sym"
        text = command if command is not None else letters.replace("\\_", "_") if letters else match.group()
        found.append(Token(kind, text, match.start()))
    return found


class LatexParser:
    """One LaTeX expression or chain a = b = c over a file's scope; ``layered``: names whose superscript
    is a layer."""

    def __init__(self, text: str, origin: Location, scope: Scope, limits: Limits, layered: frozenset[str]):
        self.text = text
        self.origin = origin
        self.scope = scope
        self.limits = limits
        self.layered = layered
        inner = text.strip()
        self.start = text.index("$") + 1
        self.tokens = [Token(t.kind, t.text, t.offset + self.start) for t in tokens(inner[1:-1])]
        self.tokens = self._without_layout(self.tokens)
        self.position = 0
        self.depth = 0

    # -- positions and errors ---------------------------------------------------------------

    def where(self, offset: int) -> Location:
        before = self.text[:offset]
        line = before.count("\n")
        col = offset - (before.rfind("\n") + 1)
        if line == 0:
            return Location(self.origin.path, self.origin.line, self.origin.col + col)
        return Location(self.origin.path, self.origin.line + line, col + 1)

    def fail(self, token: Token | None, message: str, hint: str | None = None) -> InputError:
        offset = token.offset if token is not None else len(self.text.rstrip()) - 1
        return InputError(message, self.where(offset), hint)

    def peek(self, ahead: int = 0) -> Token | None:
        index = self.position + ahead
        return self.tokens[index] if index < len(self.tokens) else None

    def next(self) -> Token:
        token = self.peek()
        if token is None:
            raise self.fail(None, "the LaTeX ends too early", "every { needs its }, every \\frac two arguments")
        self.position += 1
        return token

    def at(self, kind: str, text: str | None = None) -> bool:
        token = self.peek()
        return token is not None and token.kind == kind and (text is None or token.text == text)

    def expect(self, kind: str, text: str, what: str) -> Token:
        if not self.at(kind, text):
            raise self.fail(self.peek(), f"expected {what}", None)
        return self.next()

    def _without_layout(self, found: list[Token]) -> list[Token]:
        """Spacing, alignment, \\text{…}, \\tag{…} and a trailing equation number dropped; commands checked."""
        kept: list[Token] = []
        index = 0
        while index < len(found):
            token = found[index]
            index += 1
            if token.kind == "cmd" and token.text not in COMMANDS:
                close = difflib.get_close_matches(token.text, sorted(COMMANDS), n=1, cutoff=0.75)
                raise InputError(f"unknown command \\{token.text}" + (f" (did you mean \\{close[0]}?)" if close else ""),
                                 self.where(token.offset), None if close else "see docs/FORMAT.md for the LaTeX read")
            if token.kind == "cmd" and token.text in ("text", "tag"):
                if index < len(found) and found[index].text == "{" and found[index].kind == "sym":
                    depth = 0
                    while index < len(found):
                        if found[index].kind == "sym":
                            depth += (found[index].text == "{") - (found[index].text == "}")
                        index += 1
                        if depth == 0:
                            break
                continue
            if token.kind == "cmd" and token.text in LAYOUT or token.kind == "sym" and token.text == "&":
                continue
            kept.append(token)
        if len(kept) >= 3 and kept[-3].text == "(" and kept[-2].kind == "number" \
                and kept[-1].text == ")" and self._numbered(found, kept[-3]):
            kept = kept[:-3]  # \\quad (7): an equation number
        return kept

    @staticmethod
    def _numbered(found: list[Token], opening: Token) -> bool:
        before = [t for t in found if t.offset < opening.offset]
        return bool(before) and before[-1].kind == "cmd" and before[-1].text in ("quad", "qquad")

    # -- grammar -----------------------------------------------------------------------------

    def chain(self) -> list[Expr]:
        parts = [self.expr()]
        while self.at("sym", "="):
            self.next()
            parts.append(self.expr())
        if self.peek() is not None:
            token = self.peek()
            raise self.fail(token, f"unexpected '{_shown(token)}'",
                            "a closing bracket without its opening one?" if token.text in CLOSE else None)
        return parts

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
        return self.scripts(node, start)

    def scripts(self, node: Expr, start: Token | None) -> Expr:
        """Powers, transposes and primes after a group or a number: (w^{l+1})^T, x^{2}."""
        while self.at("sym", "^"):
            self.next()
            if self._transpose_mark():
                node = Transpose(node, node.loc)
            else:
                node = BinOp("**", node, self.script(), node.loc)
        return node

    def _transpose_mark(self) -> bool:
        token = self.peek()
        if token is not None and (token.kind == "cmd" and token.text in ("top", "intercal")
                                  or token.kind == "letters" and token.text == "T"):
            self.next()
            return True
        if self.at("sym", "{"):
            inside = self.tokens[self.position + 1:self.position + 5]
            texts = [t.text for t in inside]
            for form in (["T", "}"], ["top", "}"], ["intercal", "}"], ["mathsf", "{", "T", "}"]):
                if texts[:len(form)] == form:
                    self.position += 1 + len(form) + (1 if form[0] == "mathsf" else 0)
                    return True
        return False

    def script(self) -> Expr:
        """A superscript or subscript argument: {…}, or one character as LaTeX takes it (x^2, a^L)."""
        if self.at("sym", "{"):
            self.next()
            inner = self.expr()
            self.expect("sym", "}", "} to close the {")
            return inner
        token = self._first_character()
        if token.kind == "number":
            return self.number(token)
        if token.kind == "letters":
            return self.name(token)
        if token.kind == "cmd" and token.text in GREEK:
            return self.name(Token("letters", token.text, token.offset))
        raise self.fail(token, f"'{_shown(token)}' cannot be a superscript or subscript", "group it: x^{2}")

    def _first_character(self) -> Token:
        """The next token, or its first character when it is a run (x^23 is x^2 · 3, as LaTeX has it)."""
        token = self.next()
        if token.kind in ("letters", "number") and len(token.text) > 1:
            rest = Token(token.kind, token.text[1:], token.offset + 1)
            self.tokens.insert(self.position, rest)
            return Token(token.kind, token.text[0], token.offset)
        return token

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
        raise self.fail(token, f"unexpected '{_shown(token)}'", "expected a number, a name, ( or a command")

    def bracketed(self, opening: Token) -> Expr:
        closing = OPEN[opening.text]
        inner = self.expr()
        if opening.text == "[" and self._comparison_next():
            condition = self.comparison(inner)
            self._close(closing, opening)
            return condition
        self._close(closing, opening)
        return self.scripts(inner, opening)

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

    def number(self, token: Token) -> Num:
        check_number_literal(token.text, self.limits, self.where(token.offset))
        return Num(token.text, self.where(token.offset))

    def command(self, token: Token, loc: Location) -> Expr:
        name = token.text
        if name in ("frac", "dfrac", "tfrac"):
            return self.fraction(token)
        if name == "sqrt":
            return Call("sqrt", 0, (self.argument(token, "\\sqrt"),), loc)
        if name == "sum":
            return self.sum(token)
        if name in ("hat", "widehat"):
            base = self.argument(token, "\\hat")
            if not isinstance(base, Name):
                raise self.fail(token, "\\hat takes a name", "e.g. \\hat{y}_j")
            return self.indexed(Token("letters", base.id + "hat", token.offset), token)
        if name in STYLES:
            joined = self._word_with_digits()
            if joined is not None:  # \mathit{x1}: the name x1
                return self.scripts_of(joined, token)
            return self.scripts_of(self.argument(token, "\\" + name), token)
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
            return self.indexed(Token("letters", name, token.offset), token)
        raise self.fail(token, f"\\{name} cannot stand here", None)

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

    def scripts_of(self, node: Expr, start: Token) -> Expr:
        if isinstance(node, Name):
            return self.indexed(Token("letters", node.id, start.offset), start)
        return self.scripts(node, start)

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

    def _derivative_part(self) -> tuple[int, Expr] | None:
        """{\\partial C}, {\\partial^2 C}, {dC}: (order, what is differentiated), or None."""
        self.next()  # {
        token = self.peek()
        order = 1
        if token is not None and token.kind == "cmd" and token.text == "partial":
            self.next()
            if self.at("sym", "^"):
                self.next()
                order = int(self.next().text)
            top = self.expr()
        elif token is not None and token.kind == "letters" and len(token.text) > 1 and token.text[0] == "d" \
                and self.scope.knows(token.text[1:]):
            self.next()
            top = self.indexed(Token("letters", token.text[1:], token.offset + 1), token)
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
                variables.append(self.indexed(Token("letters", mark.text[1:], mark.offset + 1), mark))
            else:
                raise self.fail(mark, "the denominator of a derivative is \\partial and the variable",
                                "\\frac{\\partial C}{\\partial w^l_{jk}}")
            if self.at("sym", "^"):
                self.next()
                power = int(self.next().text)
                variables.extend([variables[-1]] * (power - 1))
        self.next()
        return variables

    def _derivative(self, top: tuple[int, Expr], variables: list[Expr], token: Token) -> Expr:
        order, node = top
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

    def letters(self, token: Token) -> Expr:
        """A run of letters: a name of the file, a function, e^{…}, or single letters side by side (a b)."""
        text = token.text
        if text == "e" and "e" not in self.scope.values and self.at("sym", "^"):
            self.next()
            return Call("exp", 0, (self.script(),), self.where(token.offset))
        if text in self.scope.functions and text not in self.scope.values:
            return self.function(text, token)
        if text in self.scope.values or len(text) == 1:
            return self.indexed(token, token)
        node: Expr | None = None
        for i, letter in enumerate(text):  # ab: a times b, the last letter taking the scripts
            single = Token("letters", letter, token.offset + i)
            part = self.indexed(single, single) if i == len(text) - 1 else self.name(single)
            node = part if node is None else BinOp("·", node, part, node.loc)
        return node

    def name(self, token: Token) -> Name:
        text = token.text
        if not self.scope.knows(text):
            raise self.fail(token, f"unknown name '{text}'", self.scope.suggest(text))
        return Name(text, self.where(token.offset))

    def indexed(self, token: Token, start: Token) -> Expr:
        """A name and its scripts: w^{l+1}_{kj} → w[l+1][k,j] on a layered name; x_i → x[i]; x^2 a power."""
        name = token.text
        if name == "delta" and name not in self.scope.values and self.at("sym", "_"):
            self.next()
            pair = self._indices(self.peek())
            if len(pair) != 2:
                raise self.fail(token, "\\delta_{ij} takes two indices")
            return Kronecker(pair[0], pair[1], self.where(token.offset))
        joined = self._name_with_digits(name)
        if joined is not None:  # W_{1} for the name W1, as the report prints it
            return self.scripts(Name(joined, self.where(token.offset)), start)
        base = self.name(Token("letters", name, token.offset))
        layer = power = None
        indices: list[Expr] | None = None
        transpose = False
        for _ in range(2):
            if self.at("sym", "_") and indices is None:
                self.next()
                indices = self._indices(self.peek())
            elif self.at("sym", "^") and layer is None and power is None:
                self.next()
                if self._transpose_mark():
                    transpose = True
                elif name in self.layered:
                    layer = self.script()
                else:
                    power = self.script()
        groups = ((layer,),) if layer is not None else ()
        if indices:
            groups += (tuple(indices),)
        node: Expr = Indexed(name, groups, base.loc) if groups else base
        if transpose:
            node = Transpose(node, base.loc)
        if power is not None:
            node = BinOp("**", node, power, base.loc)
        return self.scripts(node, start)

    def _character_run(self) -> list[Token]:
        """The tokens of a braced subscript made only of letters and digits, more than one character in all
        and no name of the file among them; else nothing."""
        run, index = [], self.position
        while index < len(self.tokens) and self.tokens[index].text != "}":
            token = self.tokens[index]
            if not (token.kind == "letters" and token.text not in self.scope.values or _whole_digits(token)):
                return []
            run.append(token)
            index += 1
        return run if sum(len(t.text) for t in run) > 1 and index < len(self.tokens) else []

    def _word_with_digits(self) -> Name | None:
        """{x1} after \\mathit: a name of the file made of letters and digits."""
        parts = self.tokens[self.position:self.position + 4]
        if [t.text for t in parts[:1]] == ["{"] and len(parts) == 4 and parts[1].kind == "letters" \
                and _whole_digits(parts[2]) and parts[3].text == "}" and parts[1].text + parts[2].text in self.scope.values:
            self.position += 4
            return Name(parts[1].text + parts[2].text, self.where(parts[1].offset))
        return None

    def _name_with_digits(self, name: str) -> str | None:
        """theta_0 or W_{1} where the file names theta0 or W1 (and not theta or W)."""
        if name in self.scope.values or not self.at("sym", "_"):
            return None
        ahead = self.peek(1)
        braced = ahead is not None and ahead.text == "{"
        digits = self.peek(2 if braced else 1)
        if digits is None or digits.kind != "number" or not digits.text.isdigit() or \
                name + digits.text not in self.scope.values or braced and (self.peek(3) is None or
                                                                           self.peek(3).text != "}"):
            return None
        self.position += 4 if braced else 2
        return name + digits.text

    def _indices(self, token: Token | None) -> list[Expr]:
        """A subscript: {j,k}, {jk}, jk, {l+1} or one word; single letters side by side are one index each."""
        if token is None:
            raise self.fail(None, "a subscript is missing")
        if token.kind in ("letters", "number"):
            first = self._first_character()  # w_jk is w_j k, as LaTeX reads it: write w_{jk}
            return [self.number(first) if first.kind == "number" else self.name(first)]
        if token.kind == "cmd":
            self.next()
            return [self.command(token, self.where(token.offset))]
        self.expect("sym", "{", "a subscript")
        items: list[Expr] = []
        while True:
            first = self.peek()
            run = self._character_run() if not items else []
            if run:  # {jk}, {12}, {3e}: one index per character (with ten or more neurons, write {1,12})
                for token in run:
                    self.next()
                    items.extend(self.name(Token("letters", c, token.offset + i)) if c.isalpha() else
                                 self.number(Token("number", c, token.offset + i)) for i, c in enumerate(token.text))
            else:
                items.append(self.expr())
            if self.at("sym", ","):
                self.next()
                continue
            self.expect("sym", "}", "} to close the subscript")
            return items


def _whole_digits(token: Token) -> bool:
    return token.kind == "number" and token.text.isdigit()


def _shown(token: Token) -> str:
    return ("\\" if token.kind == "cmd" else "") + token.text


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
