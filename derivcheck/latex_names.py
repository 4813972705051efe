"""Names in LaTeX and what hangs on them: sub- and superscripts (the layer of a layered quantity, indices,
powers, transposes, primes), hats and styles, names with digits, runs of letters."""

from __future__ import annotations

from .latex_tokens import ACCENTS, GREEK, Cursor, Token, shown, whole_digits
from .limits import check_number_literal
from .syntax import BinOp, Call, Expr, Indexed, Kronecker, Name, Num, Transpose


class NameReader(Cursor):
    """The names of the grammar; ``expr``, ``function`` and ``command`` come from the grammar (``latex``)."""

    def scripts(self, node: Expr) -> Expr:
        """Powers, transposes and primes after a group or a number: (w^{l+1})^T, x^{2}."""
        while self.at("sym", "^"):
            self.next()
            if self._transpose_mark():
                node = Transpose(node, node.loc)
            else:
                node = BinOp("**", node, self.script(), node.loc)
        return node

    def _example_mark(self) -> Name | None:
        """{(i)} after ^ on an input, target or output: the example i (Ng's x^{(i)}), read past; else None."""
        texts = [t.text for t in self.tokens[self.position:self.position + 5]]
        if texts[:2] != ["{", "("] or texts[3:] != [")", "}"]:
            return None
        letter = self.tokens[self.position + 2]
        if letter.kind != "letters" or not self.scope.is_index(letter.text):
            return None
        self.position += 5
        return self.name(letter)

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
        raise self.fail(token, f"'{shown(token)}' cannot be a superscript or subscript", "group it: x^{2}")

    def _first_character(self) -> Token:
        """The next token, or its first character when it is a run (x^23 is x^2 · 3, as LaTeX has it)."""
        token = self.next()
        if token.kind in ("letters", "number") and len(token.text) > 1:
            rest = Token(token.kind, token.text[1:], token.offset + 1)
            self.tokens.insert(self.position, rest)
            return Token(token.kind, token.text[0], token.offset)
        return token

    def number(self, token: Token) -> Num:
        check_number_literal(token.text, self.limits, self.where(token.offset))
        return Num(token.text, self.where(token.offset))

    def letters(self, token: Token) -> Expr:
        """A run of letters: a name of the file, a function, e^{…} (the exponential, unless the file names e and
        the power is a number: e^2), or single letters side by side (a b)."""
        text = token.text
        if text == "e" and self.at("sym", "^"):
            start, named = self.position, "e" in self.scope.values
            self.next()
            if not (named and self._transpose_mark()):
                power = self.script()
                if not named or not isinstance(power, Num):
                    return Call("exp", 0, (power,), self.where(token.offset))
            self.position = start  # e^2 or e^T where the file names e: that name squared or transposed
        if text in self.scope.functions and text not in self.scope.values:
            return self.function(text, token)
        if text in self.scope.values and self._written_as_function_of(text):
            return Name(text, self.where(token.offset))
        if text in self.scope.values or len(text) == 1:
            return self.indexed(token)
        node: Expr | None = None
        for i, letter in enumerate(text):  # ab: a times b, the last letter taking the scripts
            single = Token("letters", letter, token.offset + i)
            part = self.indexed(single) if i == len(text) - 1 else self.name(single)
            node = part if node is None else BinOp("·", node, part, node.loc)
        return node

    def _written_as_function_of(self, text: str) -> bool:
        """`f(q)`, `f(w_2, a_1)`: a let followed by parentheses holding only names its definition uses is that
        let, written as a function of them (the parentheses are read past); `y(1 - y)` stays a product. The
        search reads at most let_depth definitions."""
        if not self.at("sym", "("):
            return False
        ahead, names = 1, []
        while True:
            word, after = self.peek(ahead), self.peek(ahead + 1)
            if word is None or word.kind != "letters" or after is None or after.kind != "sym":
                return False
            names.append(word.text)
            ahead += 2
            if after.text == ")":
                break
            if after.text != ",":
                return False
        if not all(self.scope.let_uses(text, name, self.limits.let_depth) for name in names):
            return False
        self.position += ahead
        return True

    def name(self, token: Token) -> Name:
        text = token.text
        if not self.scope.knows(text):
            raise self.fail(token, f"unknown name '{text}'", self.scope.suggest(text))
        return Name(text, self.where(token.offset))

    def accented(self, token: Token) -> Expr:
        """\\hat{y}, \\hat y, \\tilde{\\theta}: the name y + hat (whether or not y is a name of the file)."""
        name = token.text
        braced = self.at("sym", "{")
        base = self.peek(1) if braced else self.peek()
        closing = self.peek(2) if braced else None
        if base is None or (base.kind != "letters" and not (base.kind == "cmd" and base.text in GREEK)) \
                or braced and (closing is None or closing.text != "}"):
            raise self.fail(token, f"\\{name} takes a name", f"e.g. \\{name}{{y}}_j")
        if braced:
            self.position += 3
        else:  # \hat xy: the accent on x, as LaTeX sets it
            base = self._first_character() if base.kind == "letters" else self.next()
        return self.indexed(Token("letters", base.text + ACCENTS[name], token.offset))

    def indexed(self, token: Token) -> Expr:
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
            return self.scripts(Name(joined, self.where(token.offset)))
        base = self.name(Token("letters", name, token.offset))
        layer = power = example = None
        indices: list[Expr] | None = None
        transpose = False
        for _ in range(2):
            if self.at("sym", "_") and indices is None:
                self.next()
                indices = self._indices(self.peek())
            elif self.at("sym", "^") and layer is None and power is None and example is None:
                self.next()
                if self._transpose_mark():
                    transpose = True
                elif name in self.layered:
                    layer = self.script()
                elif name not in self.scope.examples or (example := self._example_mark()) is None:
                    power = self.script()
        if example is not None and self.scope.example_slot:  # y^{(i)}_j: y[j,i]; with one example, y_j
            indices = (indices or []) + [example]
        groups = ((layer,),) if layer is not None else ()
        if indices:
            groups += (tuple(indices),)
        node: Expr = Indexed(name, groups, base.loc) if groups else base
        if transpose:
            node = Transpose(node, base.loc)
        if power is not None:
            node = BinOp("**", node, power, base.loc)
        return self.scripts(node)

    def _character_run(self) -> list[Token]:
        """The tokens of a braced subscript made only of letters and digits, more than one character in all
        and no name of the file among them; else nothing."""
        run, index = [], self.position
        while index < len(self.tokens) and self.tokens[index].text != "}":
            token = self.tokens[index]
            if not (token.kind == "letters" and token.text not in self.scope.values or whole_digits(token)):
                return []
            run.append(token)
            index += 1
        return run if sum(len(t.text) for t in run) > 1 and index < len(self.tokens) else []

    def _word_with_digits(self) -> Name | None:
        """{x1} after \\mathit: a name of the file made of letters and digits."""
        parts = self.tokens[self.position:self.position + 4]
        if [t.text for t in parts[:1]] == ["{"] and len(parts) == 4 and parts[1].kind == "letters" \
                and whole_digits(parts[2]) and parts[3].text == "}" and parts[1].text + parts[2].text in self.scope.values:
            self.position += 4
            return Name(parts[1].text + parts[2].text, self.where(parts[1].offset))
        return None

    def _name_with_digits(self, name: str) -> str | None:
        """theta_0 or W_{1} where the file names theta0 or W1 (and not theta or W; or L, a network's layer
        index, which takes no subscript: L_0 is a loss named L0)."""
        if name in self.scope.values and name != "L" or not self.at("sym", "_"):
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

    def scripts_of(self, node: Expr, start: Token) -> Expr:
        if isinstance(node, Name):
            return self.indexed(Token("letters", node.id, start.offset))
        return self.scripts(node)
