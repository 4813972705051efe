"""An answer key and a submission → one derivation: each answer the claim `ask = answer` of the key's model.

The key (GRADING.md) is a derivation file whose `questions:` take the place of
`claims:`: it owns the model, and each question gives the left side of a claim
(`ask`), its instances (`for`, `where`, `at`), its points and what an answer may
use. A submission gives the answers, by question id, and may define `let`s of
its own; it may not bring a model or claims. Graded this way an answer is
checked by the whole of `check` — proofs, certified counterexamples,
diagnoses — in the same worker processes, so one hostile submission costs only
itself. What an answer may not do (a derivative, unless the question allows
it; a name the question forbids; one of the key's own `let`s, unless
allowed) makes that answer an error, which scores 0 with the reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from fractions import Fraction

import yaml

from . import expressions as ex
from . import syntax as sx
from .errors import InputError, Location
from .limits import DEFAULT_LIMITS, Limits
from .network_spec import unknown_key
from .notes import is_note, read_note
from .source import Source
from .layering import layered_lets
from .spec import ClaimSpec, LetSpec, Spec, read_key, uses_table

QUESTION_KEYS = ("id", "points", "ask", "for", "where", "at", "credit", "allow", "derivatives", "symbols", "forbid")
SUBMISSION_KEYS = ("student", "let", "answers")
CREDIT = ("all", "instances")
QUESTION_ID = re.compile(r"[A-Za-z0-9_-]+\Z")
_FORBIDDEN = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)('*)\Z")  # a name, or a function with its primes


@dataclass(frozen=True)
class Question:
    """One question of a key: how it is scored and what its answer may use (its claim is built per
    submission, in ``graded_spec``)."""

    id: str
    points: Fraction
    ask: str  # the left side as the key writes it
    credit: str  # all | instances
    allow: frozenset[str]  # the key's own lets the answer may use
    derivatives: bool
    symbols: tuple[str, ...]
    forbid: tuple[tuple[str, int], ...]  # (name, primes): sigmoid' is ("sigmoid", 1), a name is (name, 0)
    loc: Location


@dataclass(frozen=True)
class Key:
    path: str
    title: str
    questions: tuple[Question, ...]

    @property
    def points(self) -> Fraction:
        return sum((question.points for question in self.questions), Fraction(0))


def load_key(text: str, path: str, limits: Limits = DEFAULT_LIMITS) -> Key:
    """The key's questions (InputError, one line, when the key cannot be used as a whole)."""
    spec, reader = read_key(text, path, limits)
    questions = _questions(reader, spec)
    return Key(path, spec.title, tuple(question for question, _ in questions))


def graded_spec(key_text: str, key_path: str, text: str, path: str, limits: Limits = DEFAULT_LIMITS) -> Spec:
    """The derivation that grades one submission: the key's model with the student's lets, and one claim per
    question, in the key's order (a missing, unreadable or disallowed answer is that claim's error); its
    title is the student's name (`student:`), else the submission's path."""
    spec, reader = read_key(key_text, key_path, limits)
    questions = _questions(reader, spec)
    student, lets_node, answers, source = _read_submission(text, path, limits)
    ids = {question.id for question, _ in questions}
    unknown = [answer_id for answer_id in answers if answer_id not in ids]
    symbols = {name: () for question, _ in questions for name in question.symbols}
    values = set(spec.scope.values) | set(symbols)
    functions = set(spec.scope.functions)
    lets: tuple[LetSpec, ...] = ()
    if lets_node is not None:
        key_source, reader.src = reader.src, source  # the student's lets are read in the key's scope, at their lines
        reader.layered = spec.scope.layered | layered_lets(lets_node)  # delta[l][j]: in LaTeX delta^l_j
        lets, values, functions = reader.lets(lets_node, values, functions)
        reader.src = key_source
    all_lets = spec.lets + lets
    scope = replace(spec.scope, values=frozenset(values), functions=frozenset(functions), layered=reader.layered,
                    uses=uses_table(all_lets))
    key_lets = {let.name for let in spec.lets}
    claims = tuple(_claim(number, question, nodes, answers.get(question.id), reader, scope, lets, key_lets, path,
                          limits)
                   for number, (question, nodes) in enumerate(questions, start=1))
    warnings = tuple(f"{answers[answer_id][2]}: answer {answer_id!r} is not a question of the key "
                     f"(its questions: {', '.join(sorted(ids))}); ignored" for answer_id in unknown)
    return replace(spec, path=path, title=student or path, symbols={**spec.symbols, **symbols}, lets=all_lets,
                   claims=claims, scope=scope, warnings=spec.warnings + warnings)


# -- the key's questions ---------------------------------------------------------------------------------------


def _questions(reader, spec: Spec) -> list[tuple[Question, dict]]:
    src = reader.src
    found: list[tuple[Question, dict]] = []
    seen: dict[str, Location] = {}
    key_lets = {let.name for let in spec.lets}
    for item in src.sequence(reader.questions, "questions"):
        fields = {}
        for key, key_node, value in src.mapping(item, "a question"):
            if key not in QUESTION_KEYS:
                raise unknown_key(key, QUESTION_KEYS, src.where(key_node), "a question")
            fields[key] = value
        for required in ("id", "points", "ask"):
            if required not in fields:
                raise InputError(f"a question has no `{required}:`", src.where(item),
                                 "each question needs an id, its points and the left side it asks for (`ask:`)")
        question_id = src.text(fields["id"], "id")
        if not QUESTION_ID.match(question_id):
            raise InputError(f"question id {question_id!r} is not a valid id", src.where(fields["id"]),
                             "use letters, digits, _ and -")
        if question_id in seen:
            raise InputError(f"question id {question_id!r} is used twice", src.where(fields["id"]),
                             f"first at line {seen[question_id].line}")
        seen[question_id] = src.where(fields["id"])
        points = Fraction(src.number(fields["points"], "points"))
        if points < 0:
            raise InputError("points must be ≥ 0", src.where(fields["points"]))
        credit = src.text(fields["credit"], "credit") if "credit" in fields else "all"
        if credit not in CREDIT:
            raise InputError(f"credit must be all or instances, not {credit!r}", src.where(fields["credit"]))
        allow = frozenset(_names(src, fields.get("allow"), "allow"))
        for name in allow - key_lets:
            raise InputError(f"allow names {name!r}, which is not a `let` of the key", src.where(fields["allow"]),
                             "the model's quantities and the student's own lets are allowed without it")
        derivatives = _flag(src, fields["derivatives"], "derivatives") if "derivatives" in fields else False
        symbols = tuple(_names(src, fields.get("symbols"), "symbols"))
        for name in symbols:
            reader.check_new_name(name, fields["symbols"], spec.scope.values | spec.scope.functions)
        forbid = tuple(_forbidden(src, item_node) for item_node in _items(src, fields.get("forbid"), "forbid"))
        question = Question(question_id, points, src.text(fields["ask"], "ask").strip(), credit, allow, derivatives,
                            symbols, forbid, src.where(item))
        found.append((question, fields))
    if not found:
        raise InputError("the key has no questions", src.where(reader.questions))
    scope = replace(spec.scope, values=spec.scope.values | {name for question, _ in found for name in question.symbols})
    for question, fields in found:  # the key's own expressions must read: a key that cannot is unusable
        _sides(question, fields, reader, scope, spec.limits)
    return found


def _sides(question: Question, fields: dict, reader, scope: sx.Scope, limits: Limits):
    """The question's left side, `for` range, `where` condition and `at` point, read in the key."""
    src = reader.src
    ask = ex.parse_expression(question.ask, src.text_origin(fields["ask"]), scope, limits)
    for_range = ex.parse_range(src.text(fields["for"], "for"), src.text_origin(fields["for"]), scope,
                               limits) if "for" in fields else None
    where = ex.parse_condition(src.text(fields["where"], "where"), src.text_origin(fields["where"]), scope,
                               limits) if "where" in fields else None
    at = reader.point(fields["at"], scope) if "at" in fields else None
    return ask, for_range, where, at


def _items(src: Source, node: yaml.Node | None, what: str) -> list[yaml.Node]:
    if node is None:
        return []
    return src.sequence(node, what) if isinstance(node, yaml.SequenceNode) else [node]


def _names(src: Source, node: yaml.Node | None, what: str) -> list[str]:
    return [sx.declared_name(src.text(item, f"a name in {what}")) for item in _items(src, node, what)]


def _forbidden(src: Source, node: yaml.Node) -> tuple[str, int]:
    text = src.text(node, "a name in forbid").strip().replace("′", "'")
    match = _FORBIDDEN.match(text)
    if match is None:
        raise InputError(f"forbid holds names and primed functions, not {text!r}", src.where(node),
                         "e.g. forbid: [\"sigmoid'\", delta]")
    return sx.declared_name(match.group(1)), len(match.group(2))


def _flag(src: Source, node: yaml.Node, what: str) -> bool:
    text = src.text(node, what).lower()
    if text not in ("true", "false"):
        raise InputError(f"{what} must be true or false, not {text!r}", src.where(node))
    return text == "true"


# -- the submission ----------------------------------------------------------------------------------------------


def _read_submission(text: str, path: str, limits: Limits):
    """(student, the let node, {id: (answer text, where it starts, where its id is)}, the source the lets are
    read from)."""
    if is_note(path):
        note = read_note(text, path)
        if note.sections:
            raise InputError("a submission may not bring a model of its own: the key owns the model",
                             Location(path, note.sections[0].line, 1), "remove the `derivcheck: model` comment")
        source = Source(path, note.model if note.has_model else "", limits)
        top = _submission_fields(source, allow_answers=False)
        answers = {}
        for equation in note.equations:  # the whole equation, its left side the question's ask
            if equation.answer is not None:
                where = Location(path, equation.line, equation.col - 1)
                answers.setdefault(equation.answer, (_Equation("$" + equation.latex + "$"), where, where))
    else:
        source = Source(path, text, limits)
        top = _submission_fields(source, allow_answers=True)
        answers = {}
        if "answers" in top:
            for answer_id, key_node, value in source.mapping(top["answers"], "answers"):
                answers[answer_id] = (value, source.where(key_node))
        answers = {answer_id: (*_answer_text(source, value, where), where)
                   for answer_id, (value, where) in answers.items()}
    student = source.text(top["student"], "student") if "student" in top else ""
    return student, top.get("let"), answers, source


class _Equation(str):
    """An answer given as a note's equation: `ask = … = answer`."""


def _submission_fields(source: Source, allow_answers: bool) -> dict:
    if source.root is None:
        return {}
    top = {}
    allowed = SUBMISSION_KEYS if allow_answers else ("student", "let")
    for key, key_node, value in source.mapping(source.root, "the submission"):
        if key in ("network", "forward", "symbols", "claims", "questions", "dims", "inputs", "params"):
            raise InputError(f"a submission may not bring `{key}:`: the key owns the model and the questions",
                             source.where(key_node), "hand in `answers:` (and your own `let:` definitions)")
        if key not in allowed:
            raise unknown_key(key, allowed, source.where(key_node), "the submission")
        top[key] = value
    return top


def _answer_text(source: Source, node: yaml.Node, where: Location) -> tuple[str | InputError, Location]:
    try:
        return source.text(node, "an answer").strip(), source.text_origin(node)
    except InputError as error:
        return error, where


# -- one graded claim --------------------------------------------------------------------------------------------


def _claim(number: int, question: Question, fields: dict, answer, reader, scope: sx.Scope,
           lets: tuple[LetSpec, ...], key_lets: set[str], path: str, limits: Limits) -> ClaimSpec:
    ask, for_range, where, at = _sides(question, fields, reader, scope, limits)
    loc = Location(path, 1, 1) if answer is None else answer[1]
    common = dict(number=number, name=question.id, for_range=for_range, expect="holds", at=at, loc=loc,
                  where=where)
    if answer is None:
        return ClaimSpec(text=f"{question.ask} = ?", equation=None, error=InputError("no answer"), **common)
    text, origin, _ = answer
    shown = text if isinstance(text, _Equation) else f"{question.ask} = {text}"
    try:
        if isinstance(text, InputError):
            raise text
        body = _answer_side(question, ask, text, origin, scope, limits)
        _guard(question, body, lets, key_lets, origin)
    except InputError as error:
        return ClaimSpec(text=shown, equation=None, error=error, **common)
    return ClaimSpec(text=shown, equation=sx.Equation(ask, body, origin), error=None, **common)


def _answer_side(question: Question, ask: sx.Expr, text: str, origin: Location, scope: sx.Scope,
                 limits: Limits) -> sx.Expr:
    """The answer's expression: the text itself, or the last side of a note's equation whose left side is
    the question's ask."""
    if not isinstance(text, _Equation):
        return ex.parse_expression(text, origin, scope, limits)
    sides = ex.parse_chain(text, origin, scope, limits)
    if len(sides) < 2 or sides[0] != ask:
        raise InputError(f"the equation marked `answer {question.id}` does not start with the question's left "
                         f"side {question.ask}", origin, "write it as: the question's left side = your answer")
    return sides[-1]


def _guard(question: Question, body: sx.Expr, lets: tuple[LetSpec, ...], key_lets: set[str],
           origin: Location) -> None:
    """What the answer may not use, in itself or in the student's lets it uses (directly or through others)."""
    own = {let.name: let for let in lets}
    parts = [("the answer", body)]
    waiting, seen = _used(body) & own.keys(), set()
    while waiting:
        name = min(waiting)
        waiting.discard(name)
        seen.add(name)
        for let in (let for let in lets if let.name == name):
            if let.body is not None:
                parts.append((f"{name} (its definition at line {let.loc.line})", let.body))
                waiting |= (_used(let.body) & own.keys()) - seen
    for what, tree in parts:
        nodes = list(sx.walk(tree))
        if not question.derivatives and any(isinstance(node, sx.Derivative) for node in nodes):
            raise InputError(f"{what} contains a derivative: question {question.id} asks for it written out",
                             origin, "write the formula without d…/d…")
        for name, primes in question.forbid:
            if any(_is_use(node, name, primes) for node in nodes):
                shown = name + "'" * primes
                raise InputError(f"{what} uses {shown}, which question {question.id} forbids", origin,
                                 "write it out")
        borrowed = sorted((_used(tree) & key_lets) - question.allow)
        if borrowed:
            raise InputError(f"{what} uses {borrowed[0]}, a definition of the key that question {question.id} "
                             "does not allow", origin, f"define your own {borrowed[0]} under `let:`")


def _used(tree: sx.Expr) -> set[str]:
    return {node.id for node in sx.walk(tree) if isinstance(node, (sx.Name, sx.Indexed))} | {
        node.func for node in sx.walk(tree) if isinstance(node, sx.Call)}


def _is_use(node, name: str, primes: int) -> bool:
    if isinstance(node, sx.Call):
        return node.func == name and node.primes == primes
    return primes == 0 and isinstance(node, (sx.Name, sx.Indexed)) and node.id == name
