"""A derivation file → validated, frozen dataclasses (format v1 and its extensions).

Structure errors (bad YAML, an unknown key, a bad network) make the whole file
unreadable; an error in one ``let`` or claim is kept with it, so the rest of
the file is still checked.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import yaml

from . import expressions as ex
from . import syntax as sx
from .errors import InputError, Location
from .forward_spec import FORWARD_KEYS, DataArray, ForwardReader, ForwardSpec
from .functions import ACTIVATIONS, BUILTIN_FUNCTIONS, MATRIX_FUNCTIONS, OUTPUT_ONLY
from .limits import DEFAULT_LIMITS, Limits, over_limit
from .network_spec import IDENTIFIER, NetworkReader, NetworkSpec, unknown_key
from .notes import Note, NoteEquation, is_note, read_note
from .plain_spec import PlainReader
from .source import Source, read_text
from .layering import forward_layered, layered_names

TOP_KEYS = ("title", "source", "description", "network", "notation", "let", "claims", "symbols", "data",
            *(key for key in FORWARD_KEYS if key != "data"))
HEADS = ("network", "symbols", "forward")  # a file has one: what kind of file it is
CLAIM_KEYS = ("claim", "steps", "name", "for", "where", "expect", "at", "note", "tolerance")


@dataclass(frozen=True)
class LetSpec:
    head: sx.Name | sx.Indexed | sx.Call
    body: sx.Expr | None  # None when the definition could not be read
    error: InputError | None
    loc: Location = field(compare=False)

    @property
    def name(self) -> str:
        return self.head.func if isinstance(self.head, sx.Call) else self.head.id


@dataclass(frozen=True)
class ClaimSpec:
    number: int
    name: str
    text: str
    equation: sx.Equation | None
    error: InputError | None
    for_range: sx.Range | None
    expect: str  # holds | false
    at: tuple[tuple[sx.Expr, sx.Expr], ...] | None
    loc: Location = field(compare=False)
    steps: tuple[sx.Expr, ...] = ()  # a derivation: first = … = last, each step checked against the one before
    tolerance: str | None = None  # `tolerance:`: the relative difference accepted (numeric checks only)
    where: sx.Compare | sx.Logic | None = None  # `where:`: the instances the claim is about
    in_note: bool = False  # an equation of a note: when it cannot be read or evaluated it is skipped
    skip: str | None = None  # marked `derivcheck: skip` in its note: why ("" without a reason)
    section: int = 0  # in a note: 0 in the front matter's model, k in its k-th section model


@dataclass(frozen=True)
class Spec:
    path: str
    title: str
    network: NetworkSpec | None
    symbols: dict[str, tuple[str, ...]]
    data: dict[str, DataArray]  # plain calculus's lists of numbers
    lets: tuple[LetSpec, ...]
    claims: tuple[ClaimSpec, ...]
    scope: sx.Scope
    limits: Limits = DEFAULT_LIMITS  # read under these; checked under them too
    warnings: tuple[str, ...] = ()  # what the file probably does not mean (file:line:col first)
    forward: ForwardSpec | None = None  # the declarations and definitions of a forward file
    sections: tuple["Spec | InputError", ...] = ()  # a note's section models (or why one cannot be read)

    def model_of(self, claim: ClaimSpec) -> "Spec":
        """The Spec whose model a claim is in: its section's in a note with section models."""
        part = self.sections[claim.section - 1] if claim.section else self
        return part if isinstance(part, Spec) else self


def load_spec(path: str, limits: Limits = DEFAULT_LIMITS) -> Spec:
    """Read and validate a derivation file or a note; raises InputError when it is unusable as a whole."""
    return parse_spec(read_text(path, limits), path, limits)


def parse_spec(text: str, path: str, limits: Limits = DEFAULT_LIMITS) -> Spec:
    """``load_spec`` of a derivation given as text (``path`` names it in messages; a `.md` or `.tex` path
    is read as a note: its front matter the model, its display equations the claims)."""
    if not is_note(path):
        return _SpecReader(Source(path, text, limits)).read()
    note = read_note(text, path)
    if not note.has_model:
        raise InputError("the note has no model", Location(path, 1, 1),
                         "start it with a YAML front matter between --- lines (in .tex, % derivcheck: lines) "
                         "holding the network or the forward equations")
    spec = _SpecReader(Source(path, note.model, limits), note).read()
    if not note.sections:
        return spec
    if len(note.sections) > limits.note_models:
        raise over_limit(f"too many section models ({len(note.sections):,})", "note_models", limits,
                         Location(path, note.sections[limits.note_models].line, 1))
    claims, parts = list(spec.claims), []
    for index, section in enumerate(note.sections, start=1):
        try:
            part = _SpecReader(Source(path, section.model, limits), note, section=index).read()
            claims += part.claims
        except InputError as error:  # its equations cannot be checked; the note's others still are
            part = error
            claims += [ClaimSpec(number, equation.name or f"line {equation.line}", _shown(equation), None, error,
                                 None, equation.expect, None, Location(path, equation.line, equation.col),
                                 in_note=True, skip=equation.skip, section=index)
                       for number, equation in enumerate(note.equations, start=1) if equation.section == index]
        parts.append(part)
    return replace(spec, claims=tuple(sorted(claims, key=lambda claim: claim.number)), sections=tuple(parts))


def _shown(equation: NoteEquation) -> str:
    """A note's equation as its claim's text: its LaTeX on one line, without alignment marks."""
    return " ".join(equation.latex.replace("&", " ").split())


def read_key(text: str, path: str, limits: Limits = DEFAULT_LIMITS) -> tuple[Spec, "_SpecReader"]:
    """An answer key's model as a Spec without claims, and its reader (for its `questions:` node, read in
    the key's source and scope by ``grading``)."""
    reader = _SpecReader(Source(path, text, limits), key=True)
    return reader.read(), reader


def _chain(first: sx.Expr, between: tuple[sx.Expr, ...], last: sx.Expr) -> tuple[sx.Expr, ...]:
    """A claim's left side, its steps and its result as one derivation; steps that repeat the claim's
    own sides at either end are not counted twice."""
    inner = list(between)
    if inner and inner[0] == first:
        inner = inner[1:]
    if inner and inner[-1] == last:
        inner = inner[:-1]
    return (first, *inner, last)


def uses_table(lets: tuple[LetSpec, ...]) -> dict[str, frozenset[str]]:
    """The names each let's definition uses (all its pieces together), for ``Scope.uses``: f(q) in LaTeX."""
    direct: dict[str, set[str]] = {}
    for let in lets:
        if let.body is not None:
            direct.setdefault(let.name, set()).update(node.id for node in sx.walk(let.body)
                                                      if isinstance(node, sx.Name))
    return {name: frozenset(names) for name, names in direct.items()}


class _SpecReader:
    def __init__(self, source: Source, note: Note | None = None, key: bool = False, section: int = 0):
        self.src = source
        self.note = note
        self.section = section  # the note's section whose model this is (0: its front matter)
        self.key = key  # an answer key (GRADING.md): `questions:` in place of `claims:`
        self.limits = source.limits
        self.warnings: list[str] = []
        self.layered: frozenset[str] = frozenset()  # names whose LaTeX superscript is the layer
        self.examples: dict = {}  # the Scope's examples and example_slot: a network's x^{(i)}, y^{(i)}

    def read(self) -> Spec:
        src = self.src
        if src.root is None:
            raise InputError("the file is empty", Location(src.path, 1, 1),
                             "expected `claims:` and a `network:` or `symbols:`")
        top = {}
        allowed = TOP_KEYS + ("questions",) if self.key else TOP_KEYS
        for key, key_node, value in src.mapping(src.root, "the file"):
            if key not in allowed:
                raise unknown_key(key, allowed, src.where(key_node), "the file")
            top[key] = value
        if self.key:
            if "claims" in top:
                raise InputError("a key asks `questions:`; the answers are the submissions'", src.where(top["claims"]),
                                 "write each claim's left side as a question's `ask:`")
            if "questions" not in top:
                raise InputError("the key has no `questions:`", Location(src.path, 1, 1),
                                 "expected a list of `- id: … points: … ask: …`")
            self.questions = top["questions"]
        if self.note is not None and "claims" in top:
            raise InputError("a note's claims are its equations", src.where(top["claims"]),
                             "remove `claims:` from the front matter")
        if self.note is None and not self.key and "claims" not in top:
            raise InputError("the file has no `claims:`", Location(src.path, 1, 1),
                             "expected a list of `- claim: lhs = rhs`")
        heads = [key for key in HEADS if key in top]
        if len(heads) > 1:
            raise InputError(f"a file has one of `network:`, `symbols:` and `forward:`, not {' and '.join(heads)}",
                             src.where(top[heads[1]]), "see docs/FORMAT.md for the three kinds of file")
        if "network" in top and "data" in top:
            raise InputError("`symbols:` and `data:` are for files without a network", src.where(top["data"]))
        if "forward" not in top:
            for key in FORWARD_KEYS:
                if key in top and key != "data" and not (key == "constants" and "network" in top):
                    raise InputError(f"`{key}:` belongs to a forward file", src.where(top[key]),
                                     "a forward file states its computation under `forward:`")
        title = src.text(top["title"], "title") if "title" in top else src.path
        if "forward" in top:
            return self.read_forward(top, title)
        notation_node = top.get("notation")
        reader = NetworkReader(src, self.limits, self.warnings, self.check_new_name)
        network = reader.network(top["network"], notation_node, top.get("constants")) if "network" in top else None
        if network is None and notation_node is not None:
            raise InputError("`notation:` renames network quantities; this file has no network",
                             src.where(notation_node))
        if network is not None:
            network = reader.with_weight_alias(network, top.get("let"))
            self.layered = layered_names(network, top.get("let"))
            names = network.notation.names
            self.examples = dict(examples=frozenset({names["input"], names["target"], names["output"]}),
                                 example_slot=network.batch > 1)
        plain = PlainReader(src, self.check_new_name)
        symbols = plain.symbols(top["symbols"]) if "symbols" in top else {}
        data = plain.data(top["data"]) if "data" in top else {}
        values, functions = self.base_scope(network, symbols, data)
        lets, values, functions = self.lets(top.get("let"), values, functions)
        scope = self.scope(values, functions, uses_table(lets))
        claims = self.claims(top.get("claims"), scope)
        return Spec(src.path, title, network, symbols, data, lets, claims, scope, self.limits, tuple(self.warnings))

    def read_forward(self, top: dict, title: str) -> Spec:
        if "notation" in top:
            raise InputError("`notation:` renames network quantities; a forward file names its own",
                             self.src.where(top["notation"]))
        forward = ForwardReader(self.src, self.limits, self.check_new_name).read(top)
        self.layered = forward_layered(forward, top.get("let"))
        values = forward.names()
        functions = set(BUILTIN_FUNCTIONS) | MATRIX_FUNCTIONS
        lets, values, functions = self.lets(top.get("let"), values, functions)
        scope = self.scope(values, functions, uses_table(lets))
        claims = self.claims(top.get("claims"), scope)
        return Spec(self.src.path, title, None, {}, {}, lets, claims, scope, self.limits, tuple(self.warnings),
                    forward)

    def check_new_name(self, name: str, node: yaml.Node, taken, written: str | None = None) -> None:
        written = written or (node.value if isinstance(node, yaml.ScalarNode) else name)
        if not IDENTIFIER.match(name) or name.startswith("_"):
            raise InputError(f"'{name}' is not a valid name", self.src.where(node), "use letters, digits and _")
        if name in ex.SPECIAL_FUNCTIONS:
            raise InputError(f"'{name}' is reserved", self.src.where(node),
                             "d, diff, sum and KroneckerDelta are part of the notation; choose another name")
        if name in taken or name in BUILTIN_FUNCTIONS:
            raise InputError(f"'{written}' is already defined", self.src.where(node),
                             f"'{written}' is read as '{name}', as in expressions" if written != name else None)

    def base_scope(self, network, symbols, data) -> tuple[set[str], set[str]]:
        functions = set(BUILTIN_FUNCTIONS)
        if network is None:
            return set(symbols) | set(data), functions
        values = set(network.notation.names.values()) | {"L"} | set(network.constants) | (
            {network.notation.weight_alias} if network.notation.weight_alias else set())
        if network.batch > 1:
            values.add("S")
        functions |= {name for name in network.activations if name not in ACTIVATIONS and name not in OUTPUT_ONLY}
        return values, functions

    # -- let and claims -------------------------------------------------------------------

    def scope(self, values, functions, uses: dict | None = None) -> sx.Scope:
        """The names an expression of the file may use, with what their LaTeX scripts mean."""
        return sx.Scope(frozenset(values), frozenset(functions), self.layered, uses or {}, **self.examples)

    def lets(self, node, values: set[str], functions: set[str]):
        if node is None:
            return (), values, functions
        src = self.src
        lets = []
        for key, key_node, value in src.mapping(node, "let"):
            origin = src.text_origin(key_node)
            scope = self.scope(values, functions)
            head = ex.parse_definition_head(key, origin, scope, self.limits)
            name = head.func if isinstance(head, sx.Call) else head.id
            existing = [let for let in lets if let.name == name]
            if isinstance(head, sx.Call):
                if existing:
                    raise InputError(f"'{name}' is defined twice", origin)
                if name in values or name in functions:
                    raise InputError(f"'{name}' is already defined", origin, "choose another name")
                functions.add(name)
                body_scope = self.scope(values | {p.id for p in head.args}, functions)
            else:
                if name in functions or (name in values and not existing):
                    raise InputError(f"'{name}' is already defined", origin, "choose another name")
                if existing and (isinstance(head, sx.Name) or isinstance(existing[0].head, sx.Name)):
                    raise InputError(f"'{name}' is defined twice", origin)
                values.add(name)
                body_scope = self.scope(values, functions)
            try:
                body = ex.parse_expression(src.text(value, f"let {key}"), src.text_origin(value), body_scope,
                                           self.limits)
                lets.append(LetSpec(head, body, None, origin))
            except InputError as error:
                lets.append(LetSpec(head, None, error, origin))
        return tuple(lets), values, functions

    def claims(self, node: yaml.Node | None, scope: sx.Scope) -> tuple[ClaimSpec, ...]:
        if self.key:
            return ()
        if self.note is not None:
            return tuple(self.equation(number, equation, scope)
                         for number, equation in enumerate(self.note.equations, start=1)
                         if equation.section == self.section)
        return tuple(self.claim(number, item, scope)
                     for number, item in enumerate(self.src.sequence(node, "claims"), start=1))

    def equation(self, number: int, equation: NoteEquation, scope: sx.Scope) -> ClaimSpec:
        """A display equation of a note as a claim, at its line; a chain a = b = c is a derivation in steps."""
        where = Location(self.src.path, equation.line, equation.col)
        name = equation.name or f"line {equation.line}"
        text = _shown(equation)
        common = dict(expect=equation.expect, loc=where, in_note=True, skip=equation.skip, section=self.section)
        try:
            if equation.latex.rstrip().endswith("="):
                raise InputError("the equation ends with =", where, "to continue it in the next display, start "
                                 "that one with =")
            sides = tuple(ex.parse_chain("$" + equation.latex + "$",
                                         Location(where.path, where.line, where.col - 1), scope, self.limits))
        except InputError as error:
            return ClaimSpec(number, name, text, None, error, None, at=None, **common)
        return ClaimSpec(number, name, text, sx.Equation(sides[0], sides[-1], sides[0].loc), None, None,
                         at=None, steps=sides if len(sides) > 2 else (), **common)

    def claim(self, number: int, node: yaml.Node, scope: sx.Scope) -> ClaimSpec:
        src = self.src
        where = src.where(node)
        name, text, expect = f"claim {number}", "", "holds"
        try:
            if isinstance(node, yaml.ScalarNode):
                fields = {"claim": node}
            else:
                fields = {}
                for key, key_node, value in src.mapping(node, f"claim {number}"):
                    if key not in CLAIM_KEYS:
                        raise unknown_key(key, CLAIM_KEYS, src.where(key_node), f"claim {number}")
                    fields[key] = value
            if "name" in fields:
                name = src.text(fields["name"], "name")
            if "expect" in fields:
                expect = src.text(fields["expect"], "expect").lower()
                if expect not in ("holds", "false"):
                    raise InputError(f"expect must be holds or false, not {expect!r}", src.where(fields["expect"]))
            if "claim" not in fields and "steps" not in fields:
                raise InputError(f"claim {number} has no `claim:`", where,
                                 "expected `claim: lhs = rhs`, or a list of `steps:`")
            if "claim" in fields:
                text = src.text(fields["claim"], "claim").strip()
                steps = tuple(ex.parse_chain(text, src.text_origin(fields["claim"]), scope, self.limits))
            if "claim" in fields and "steps" in fields:  # the result, and the derivation between its sides
                if len(steps) != 2:
                    raise InputError("with `steps:`, the claim is one equation: its left side = its result",
                                     src.where(fields["claim"]), "put the steps in between under `steps:`")
                between, _ = self.steps(fields["steps"], scope, at_least=1)
                steps = _chain(steps[0], between, steps[1])
            elif "steps" in fields:
                steps, text = self.steps(fields["steps"], scope)
            equation = sx.Equation(steps[0], steps[-1], steps[0].loc)
            steps = steps if len(steps) > 2 else ()
            for_range = None
            if "for" in fields:
                for_range = ex.parse_range(src.text(fields["for"], "for"), src.text_origin(fields["for"]), scope,
                                           self.limits)
            at = self.point(fields["at"], scope) if "at" in fields else None
            tolerance = self.tolerance(fields["tolerance"]) if "tolerance" in fields else None
            condition = ex.parse_condition(src.text(fields["where"], "where"), src.text_origin(fields["where"]),
                                           scope, self.limits) if "where" in fields else None
            return ClaimSpec(number, name, text, equation, None, for_range, expect, at, where, steps, tolerance,
                             condition)
        except InputError as error:
            return ClaimSpec(number, name, text, None, error, None, expect, None, where)

    def tolerance(self, node: yaml.Node) -> str:
        raw = self.src.number(node, "tolerance")
        if not 0 < float(raw) < 1:
            raise InputError(f"tolerance must be a relative difference between 0 and 1, not {raw!r}",
                             self.src.where(node), "e.g. tolerance: 1e-4")
        return raw

    def steps(self, node: yaml.Node, scope: sx.Scope, at_least: int = 2) -> tuple[tuple[sx.Expr, ...], str]:
        """`steps:` — the expressions of a derivation, one per item; the text joins them with ' = '."""
        src = self.src
        items = src.sequence(node, "steps")
        if len(items) < at_least:
            raise InputError(f"steps needs at least {('one', 'two')[at_least - 1]} expression{'s' * (at_least > 1)}",
                             src.where(node),
                             "one per line of the derivation")
        texts = [src.text(item, "a step") for item in items]
        parsed = tuple(ex.parse_expression(text, src.text_origin(item), scope, self.limits)
                       for text, item in zip(texts, items))
        return parsed, " = ".join(" ".join(text.split()) for text in texts)

    def point(self, node: yaml.Node, scope: sx.Scope) -> tuple[tuple[sx.Expr, sx.Expr], ...]:
        src = self.src
        pairs = []
        for key, key_node, value in src.mapping(node, "at"):
            variable = ex.parse_expression(key, src.text_origin(key_node), scope, self.limits)
            if not isinstance(variable, (sx.Name, sx.Indexed)):
                raise InputError(f"'{key}' is not a quantity", src.where(key_node), "e.g. at: {x: 3, w[2]: 0.5}")
            pairs.append((variable, ex.parse_expression(src.text(value, key), src.text_origin(value), scope,
                                                        self.limits)))
        return tuple(pairs)
