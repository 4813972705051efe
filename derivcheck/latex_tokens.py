"""LaTeX text → tokens: the whitelist of commands derivcheck reads, the layout it drops, and a cursor
over the tokens that puts every error at its line and column in the file."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from .errors import InputError, Location
from .limits import Limits
from .syntax import Scope

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
ACCENTS = {"hat": "hat", "widehat": "hat", "tilde": "tilde", "widetilde": "tilde", "bar": "bar"}  # \hat{y}: yhat
STRUCTURE = ("frac", "dfrac", "tfrac", "partial", "sum", "sqrt", *ACCENTS, "top", "intercal", "prime",
             "nabla", "mathbb", "text", "tag", "operatorname", "{", "}", "lbrack", "rbrack", "underbrace",
             "overbrace", "boxed", "underline", "therefore", "Rightarrow", "implies")
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



def without_layout(found: list[Token], where) -> list[Token]:
    """Spacing, alignment, \\text{…}, \\tag{…} and a trailing equation number dropped; commands checked."""
    kept: list[Token] = []
    index = 0
    while index < len(found):
        token = found[index]
        index += 1
        if token.kind == "cmd" and token.text not in COMMANDS:
            close = difflib.get_close_matches(token.text, sorted(COMMANDS), n=1, cutoff=0.75)
            raise InputError(f"unknown command \\{token.text}" + (f" (did you mean \\{close[0]}?)" if close else ""),
                             where(token.offset), None if close else "see docs/FORMAT.md for the LaTeX read")
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
            and kept[-1].text == ")" and _numbered(found, kept[-3]):
        kept = kept[:-3]  # \\quad (7): an equation number
    return kept

def _numbered(found: list[Token], opening: Token) -> bool:
    before = [t for t in found if t.offset < opening.offset]
    return bool(before) and before[-1].kind == "cmd" and before[-1].text in ("quad", "qquad")


def whole_digits(token: Token) -> bool:
    return token.kind == "number" and token.text.isdigit()


def shown(token: Token) -> str:
    return ("\\" if token.kind == "cmd" else "") + token.text


class Cursor:
    """A position in the tokens of one LaTeX text (between its dollar signs), over a file's scope;
    ``layered``: the names whose superscript is a layer."""

    def __init__(self, text: str, origin: Location, scope: Scope, limits: Limits, layered: frozenset[str]):
        self.text = text
        self.origin = origin
        self.scope = scope
        self.limits = limits
        self.layered = layered
        inner = text.strip()
        self.start = text.index("$") + 1
        self.tokens = [Token(t.kind, t.text, t.offset + self.start) for t in tokens(inner[1:-1])]
        self.tokens = without_layout(self.tokens, self.where)
        self.position = 0
        self.depth = 0

    def where(self, offset: int) -> Location:
        return self.origin.within(self.text, offset)

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
