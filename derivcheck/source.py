"""Safe YAML reading that keeps the line and column of every value.

The file is composed (never constructed) with PyYAML's safe loader, so no tag
can build an object; values are read from the node tree by the helpers here,
which reject duplicate keys and report positions.
"""

from __future__ import annotations

import math
import os
import re
import stat

import yaml

from .errors import InputError, Location
from .limits import DEFAULT_LIMITS, Limits, check_number_literal, over_limit


_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser where built: ten times faster
_STANDARD_TAG = "tag:yaml.org,2002:"
_PLAIN_TAGS = frozenset({"str", "int", "float", "bool", "null", "timestamp", "seq", "map"})
# control characters (but tab and newline), the bidirectional controls of "Trojan source" text, and what
# XML 1.0 forbids besides (U+FFFE, U+FFFF, lone surrogates: an undecodable byte of a file name)
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
                                "\ud800-\udfff\ufffe\uffff]")


def _escaped(found: re.Match) -> str:
    code = ord(found.group())
    return f"\\x{code - 0xdc00:02x}" if 0xdc80 <= code <= 0xdcff else f"\\u{code:04x}"


def visible(text: str) -> str:
    """Text safe to show on a terminal, in JSON or in XML: control characters written as \\uXXXX,
    a byte that was not UTF-8 (in a file name) as \\xNN."""
    return CONTROL_CHARACTERS.sub(_escaped, text)


def one_line(text: str) -> str:
    """``visible`` text that is also one line (a title, a name, a path): a newline written as \\n."""
    return visible(text).replace("\n", "\\n")


class Source:
    """One derivation file: its path and node tree."""

    def __init__(self, path: str, text: str, limits: Limits = DEFAULT_LIMITS):
        self.path = path
        self.limits = limits
        try:
            self._check_nesting(text)
            self.root = yaml.compose(text, Loader=_LOADER)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            where = Location(path, mark.line + 1, mark.column + 1) if mark else None
            raise InputError(f"invalid YAML: {exc.problem}", where, _yaml_hint(text, mark)) from None
        except yaml.reader.ReaderError as exc:  # a character YAML does not allow in a file
            before = text[:exc.position]
            where = Location(path, before.count("\n") + 1, exc.position - (before.rfind("\n") + 1) + 1)
            raise InputError(f"control character U+{exc.character:04X} is not allowed", where) from None
        except yaml.YAMLError as exc:
            raise InputError("invalid YAML: " + " ".join(str(exc).split()), Location(path, 1, 1)) from None
        except RecursionError:
            raise InputError("YAML nested too deeply", Location(path, 1, 1)) from None
        if self.root is not None:
            self._check_nodes(self.root)

    def _check_nesting(self, text: str) -> None:
        """Before composing (which recurses, in C with libyaml): the nesting is within the limit."""
        depth = 0
        events = yaml.parse(text, Loader=_LOADER)
        try:
            for event in events:
                if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
                    depth += 1
                    if depth > self.limits.yaml_depth:
                        raise self._too_deep(event.start_mark)
                elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
                    depth -= 1
        except yaml.MarkedYAMLError as exc:
            # libyaml ≥ 0.2.5 (PyYAML 6.0.4's wheels) scans ahead and stops deep nesting itself
            if "nesting depth" in str(exc.problem):
                raise self._too_deep(exc.problem_mark) from None
            raise

    def _too_deep(self, mark) -> InputError:
        where = Location(self.path, mark.line + 1, mark.column + 1) if mark else Location(self.path, 1, 1)
        return over_limit("YAML nested too deeply", "yaml_depth", self.limits, where)

    def _check_nodes(self, root: yaml.Node) -> None:
        """Only plain YAML, and not too much of it once aliases are expanded.

        A tag such as !!python/object is refused, never constructed. Aliases share
        one node; counting every visit bounds what any later walk over the tree costs
        (a "billion laughs" file stops here).
        """
        stack = [root]
        visited = 0
        while stack:
            node = stack.pop()
            visited += 1
            if visited > self.limits.yaml_nodes:
                raise over_limit("too many YAML values (aliases expanded)", "yaml_nodes", self.limits,
                                 self.where(node))
            if node.tag == _STANDARD_TAG + "merge":
                raise InputError("YAML merge keys (<<) are not supported", self.where(node), "write the keys out")
            if not node.tag.startswith(_STANDARD_TAG) or node.tag[len(_STANDARD_TAG):] not in _PLAIN_TAGS:
                raise InputError(f"YAML tag '{node.tag}' is not allowed", self.where(node),
                                 "derivation files are plain YAML: text, numbers, lists and mappings")
            if isinstance(node, yaml.ScalarNode):
                self._reject_control_characters(node)
            elif isinstance(node, yaml.SequenceNode):
                stack.extend(reversed(node.value))  # reversed: the first problem in the file is the one named
            elif isinstance(node, yaml.MappingNode):
                for key, value in reversed(node.value):
                    stack.extend((value, key))

    def _reject_control_characters(self, node: yaml.ScalarNode) -> None:
        """No text that would drive a terminal (escape sequences) or reorder what a reader sees."""
        found = CONTROL_CHARACTERS.search(node.value)
        if found:
            raise InputError(f"control character U+{ord(found.group()):04X} is not allowed", self.where(node),
                             "remove it; escapes such as \\x1b in quoted YAML count too")

    def where(self, node: yaml.Node) -> Location:
        mark = node.start_mark
        return Location(self.path, mark.line + 1, mark.column + 1)

    def text_origin(self, node: yaml.ScalarNode) -> Location:
        """Location of the first character of a scalar's text (after a quote)."""
        loc = self.where(node)
        quoted = node.style in ("'", '"')
        return Location(loc.path, loc.line, loc.col + (1 if quoted else 0))

    def mapping(self, node: yaml.Node, what: str) -> list[tuple[str, yaml.Node, yaml.Node]]:
        """(key text, key node, value node) of a mapping; duplicate keys are an error."""
        if not isinstance(node, yaml.MappingNode):
            raise InputError(f"{what} must be a mapping", self.where(node), "expected `key: value` lines")
        seen: dict[str, yaml.Node] = {}
        items = []
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise InputError(f"a key in {what} must be plain text", self.where(key_node))
            key = key_node.value
            if key in seen:
                first = self.where(seen[key])
                raise InputError(f"duplicate key '{key}' in {what}", self.where(key_node),
                                 f"first given at line {first.line}")
            seen[key] = key_node
            items.append((key, key_node, value_node))
        return items

    def sequence(self, node: yaml.Node, what: str) -> list[yaml.Node]:
        if not isinstance(node, yaml.SequenceNode):
            raise InputError(f"{what} must be a list", self.where(node), "expected `- item` lines or [a, b]")
        return list(node.value)

    def text(self, node: yaml.Node, what: str) -> str:
        """The scalar exactly as written (no YAML 1.1 coercion of `no`, `010`, `1e3`)."""
        if not isinstance(node, yaml.ScalarNode):
            hint = QUOTE_IT if isinstance(node, yaml.SequenceNode) and node.flow_style else None
            raise InputError(f"{what} must be a single value", self.where(node), hint)
        if node.tag == "tag:yaml.org,2002:null" and node.value in ("", "~"):
            raise InputError(f"{what} is empty", self.where(node))
        return node.value

    def integer(self, node: yaml.Node, what: str, minimum: int = 1) -> int:
        raw = self.text(node, what)
        if not raw.isdigit() or int(raw) < minimum:
            raise InputError(f"{what} must be a whole number ≥ {minimum}, not {raw!r}", self.where(node))
        return int(raw)

    def number(self, node: yaml.Node, what: str) -> str:
        raw = self.text(node, what)
        try:
            finite = math.isfinite(float(raw)) and len(raw) <= 40
        except ValueError:
            finite = False
        if not finite:
            raise InputError(f"{what} must be a finite number, not {raw!r}", self.where(node))
        check_number_literal(raw, self.limits, self.where(node))
        return raw


QUOTE_IT = "a value that starts with [ is a YAML list: put the whole value in quotes, e.g. \"[i == j] * x\""
FLOW_KEY = ("inside {…} a comma separates entries, also in w[2][1,1]: quote such a key ('w[2][1,1]': 0.5) "
            "or write one entry per line")


def _yaml_hint(text: str, mark) -> str | None:
    """What a YAML error on this line probably means, for the traps of derivation files."""
    if mark is None:
        return None
    lines = text.split("\n")
    line = lines[mark.line] if mark.line < len(lines) else ""
    value = line.partition(":")[2].strip() if ":" in line else line.strip().lstrip("- ")
    if value.startswith("["):
        return QUOTE_IT
    if value.startswith("{") and re.search(r"\[[^\]]*,", value):
        return FLOW_KEY
    return None


def read_text(path: str, limits: Limits = DEFAULT_LIMITS) -> str:
    """The text of a derivation file: a regular file (never a pipe or a device, which could block
    forever), within source_bytes, in UTF-8."""
    where = Location(path, 1, 1)
    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))  # a FIFO opens without a writer
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror or exc}", where) from None
    with os.fdopen(descriptor, "rb") as handle:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            raise InputError("not a regular file (a folder, a pipe or a device)", where, "name a derivation file")
        try:
            data = handle.read(limits.source_bytes + 1)
        except OSError as exc:
            raise InputError(f"cannot read file: {exc.strerror or exc}", where) from None
    if len(data) > limits.source_bytes:
        raise over_limit("file too large", "source_bytes", limits, where)
    try:
        return data.decode("utf-8").replace("\r\n", "\n")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text (byte {exc.start})", where) from None


def given_text(text: str, name: str, limits: Limits = DEFAULT_LIMITS) -> str:
    """A derivation given as text (the Python API), held to what ``read_text`` holds a file to."""
    data = text.encode("utf-8", errors="surrogatepass")
    if len(data) > limits.source_bytes:
        raise over_limit("text too large", "source_bytes", limits, Location(name, 1, 1))
    try:
        return data.decode("utf-8").replace("\r\n", "\n")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text (byte {exc.start})", Location(name, 1, 1)) from None

