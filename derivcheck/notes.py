"""A Markdown or LaTeX note → its model (YAML, at the note's own line numbers) and its display equations.

A `.md` note has a YAML front matter between `---` lines at the top; a `.tex`
note has `% derivcheck:` lines holding the same YAML. Every display equation
(`$$ … $$`, `\\[ … \\]`, `equation`, `align`, `aligned`, `gather`, and inline
math alone on its line) with an `=` is a claim; in an aligned block, a line
that starts with `=` continues the chain of the line above, and so does a display
that starts with `=` (a note's next line); `a = b, \\quad c = d` is two claims.
A comment right before an equation may carry a marker: `expect false`, `skip`
(with a reason or not), `name BP2`, and in a submission `answer bp2` (the question it answers).
A section may state a model of its own for the equations below it, up to the next such comment:
`<!-- derivcheck: model` and YAML up to `-->` (in .tex, `% derivcheck: model` and the `% derivcheck:`
lines right after it); the comment without YAML returns to the front matter's model.
Nothing here reads the mathematics: that is ``latex``'s work.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

NOTE_SUFFIXES = (".md", ".markdown", ".tex")
_ENVIRONMENTS = ("equation", "equation*", "align", "align*", "aligned", "gather", "gather*", "multline",
                 "multline*", "split", "eqnarray", "eqnarray*")
_ENVIRONMENT_MARK = re.compile(r"\\(begin|end)\{[a-z*]{1,20}\}")
_BEGIN = re.compile(r"\\begin\{([a-z*]{1,20})\}")
# Every scan here is linear in the note: string searches, and regular expressions without nested or
# adjacent repeats (a note is untrusted input of up to source_bytes).


@dataclass(frozen=True)
class NoteEquation:
    """One claim of a note: its LaTeX (layout kept, so columns map back), where it starts, its markers."""

    latex: str
    line: int
    col: int
    expect: str = "holds"
    skip: str | None = None  # marked skip: why ("" when the marker gives no reason)
    name: str | None = None
    answer: str | None = None  # the id of the question it answers (a submission to `derivcheck grade`)
    section: int = 0  # whose model it is in: 0 the front matter's, k the k-th section model


@dataclass(frozen=True)
class NoteSection:
    """A section model: the YAML of the lines after its comment's first line (columns kept), and that line."""

    yaml: str
    line: int

    @property
    def model(self) -> str:
        """The YAML at the note's own lines (the lines above blank), for errors at the note's positions."""
        return "\n" * self.line + self.yaml


@dataclass(frozen=True)
class Note:
    model: str  # the front matter as YAML text, every line where it is in the note (the rest blank)
    has_model: bool
    equations: tuple[NoteEquation, ...]
    sections: tuple[NoteSection, ...] = ()


@dataclass(frozen=True)
class _ModelComment:
    """A `derivcheck: model` comment: where it starts and ends in the note, its first line and last line,
    and the YAML of its other lines (None when it holds none: back to the front matter's model)."""

    start: int
    end: int
    line: int
    last: int
    model: str | None


def is_note(path: str) -> bool:
    return path.lower().endswith(NOTE_SUFFIXES)


def starts_with_model(head: str, path: str) -> bool:
    """Whether the beginning of a note shows a model: a `---` first line (.md), a `% derivcheck:` line that
    is not a marker (.tex). How a folder tells notes from other Markdown, with the rules of ``read_note``."""
    if not is_note(path):
        return False
    lines = head.lstrip("\ufeff").split("\n")
    if not path.lower().endswith(".tex"):
        return lines[0].strip() == "---"
    return bool(_tex_model(head.lstrip("\ufeff"), _model_comments(head, True))[1])


def read_note(text: str, path: str) -> Note:
    tex = path.lower().endswith(".tex")
    comments = _model_comments(text, tex)
    if not tex:  # a front matter's YAML is not a comment
        after = _front_matter_end(text) or 0
        comments = [c for c in comments if c.start >= after]
    model, has_model = _tex_model(text, comments) if tex else _front_matter(text)
    sections = tuple(NoteSection(c.model, c.line) for c in comments if c.model is not None)  # YAML unpadded
    return Note(model, has_model, tuple(_equations(text, tex, comments)), sections)


def _model_comments(text: str, tex: bool) -> list[_ModelComment]:
    """The section model comments of a note, in order (a Markdown comment left open runs to the end)."""
    lines = text.split("\n")
    found, offset, number = [], 0, 0
    while number < len(lines):
        start, opening = offset, _model_opening(lines[number], tex)
        offset += len(lines[number]) + 1
        number += 1
        if opening is None:
            continue
        first = number  # the comment's line, from 1
        kept: list[str] = []  # the YAML of the lines after it, columns kept
        while opening == "open" and number < len(lines):
            line = lines[number]
            if tex:
                content = _derivcheck_comment(line, "%")
                if content is None or _marker(content) is not None or _model_opening(line, tex) is not None:
                    break
                kept.append(" " * (len(line) - len(content)) + content)
            else:
                kept.append(line.split("-->")[0])
            offset += len(line) + 1
            number += 1
            if not tex and "-->" in line:
                break
        model = "\n".join(kept)
        found.append(_ModelComment(start, offset, first, number, model if model.strip() else None))
    return found


def _model_opening(line: str, tex: bool) -> str | None:
    """"open" for a line that opens a section model (`<!-- derivcheck: model`, `% derivcheck: model`),
    "closed" for `<!-- derivcheck: model -->` (no YAML in Markdown), else None."""
    stripped = line.strip()
    if tex:
        content = _derivcheck_comment(line, "%")
        return "open" if content is not None and content.strip() == "model" else None
    if not stripped.startswith("<!--"):
        return None
    inner = stripped[4:].strip()
    if not inner.startswith("derivcheck:"):
        return None
    rest = inner[len("derivcheck:"):].strip()
    if rest == "model":
        return "open"
    return "closed" if rest.endswith("-->") and rest[:-3].strip() == "model" else None


def _front_matter(text: str) -> tuple[str, bool]:
    end = _front_matter_end(text)
    if end is None:
        return "", False
    lines = text[:end].split("\n")
    return "\n".join([""] + lines[1:-2]), True


def _front_matter_end(text: str) -> int | None:
    """The offset just after the `---` (or `...`) that closes a front matter at the very top."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        return None
    offset = len(lines[0]) + 1
    for line in lines[1:]:
        offset += len(line) + 1
        if line.strip() in ("---", "..."):
            return offset
    return None


def _tex_model(text: str, comments: list[_ModelComment]) -> tuple[str, bool]:
    """`% derivcheck:` lines (not markers, not a section's model) as YAML: the prefix becomes spaces, so
    columns stay the note's."""
    inside = {number for c in comments for number in range(c.line, c.last + 1)}
    kept, found = [], False
    for number, line in enumerate(text.split("\n"), start=1):
        content = _derivcheck_comment(line, "%")
        if content is not None and _marker(content) is None and number not in inside:
            kept.append(" " * (len(line) - len(content)) + content)
            found = True
        else:
            kept.append("")
    return "\n".join(kept), found


def _derivcheck_comment(line: str, mark: str) -> str | None:
    """What follows `derivcheck:` in a comment line (`% derivcheck: …` or `<!-- derivcheck: … -->`), else None."""
    stripped = line.strip()
    if mark == "%":
        if not stripped.startswith("%") or not stripped[1:].lstrip().startswith("derivcheck:"):
            return None
        return line[line.index("derivcheck:") + len("derivcheck:"):]
    if not (stripped.startswith("<!--") and stripped.endswith("-->")):
        return None
    inner = stripped[4:-3].strip()
    return inner[len("derivcheck:"):] if inner.startswith("derivcheck:") else None


def _marker(content: str) -> dict | None:
    """The markers of a comment's content (`expect false; name BP2`), or None if it holds none."""
    found: dict = {}
    for word in (w.strip() for w in content.split(";")):
        if " ".join(word.split()) == "expect false":
            found["expect"] = "false"
        elif word == "skip" or word.startswith("skip "):
            found["skip"] = " ".join(word[4:].split())
        elif word.startswith("name ") and word[5:].strip():
            found["name"] = word[5:].strip()
        elif word.startswith("answer ") and word[7:].strip():  # a submission's answer to a key's question
            found["answer"] = word[7:].strip()
        else:
            return None
    return found or None


def _displays(body: str) -> list[tuple[int, str, int]]:
    """(where the math starts, the math, where the display starts) of every display, left to right."""
    found, position = [], 0
    closed: set = set()  # openers with no closer anywhere after: never looked for again
    while True:
        candidates = []
        for opener in ("$$", "\\[", "\\begin{"):
            at = body.find(opener, position) if opener not in closed else -1
            if at >= 0:
                candidates.append((at, opener))
            else:
                closed.add(opener)  # none left: the rest of the note is not searched for it again
        if not candidates:
            return found
        at, opener = min(candidates)
        if opener == "\\begin{":
            match = _BEGIN.match(body, at)
            if match is None or match.group(1) not in _ENVIRONMENTS or ("env", match.group(1)) in closed:
                position = at + 1
                continue
            closer, inside = "\\end{" + match.group(1) + "}", match.end()
        else:
            closer, inside = ("$$" if opener == "$$" else "\\]"), at + 2
        end = body.find(closer, inside)
        if end < 0:
            closed.add(opener if opener != "\\begin{" else ("env", match.group(1)))
            position = at + 1
            continue
        found.append((inside, body[inside:end], at))
        position = end + len(closer)


def _inline_alone(body: str, taken: list[tuple[int, str, int]]) -> list[tuple[int, str, int]]:
    """Markdown's inline math alone on its line (after a list or quote mark at most), outside displays."""
    found, offset = [], 0
    spans = sorted((outer, inside + len(math)) for inside, math, outer in taken)
    starts = [first for first, _ in spans]
    for line in body.split("\n"):
        core = line.lstrip(" \t>*-").rstrip(" \t.,;")
        if len(core) > 2 and core[0] == "$" and core[-1] == "$" and core.count("$") == 2:
            at = offset + line.index(core)
            before = bisect.bisect_right(starts, at) - 1  # the display that starts last before it
            if before < 0 or at >= spans[before][1]:
                found.append((at + 1, core[1:-1], at))
        offset += len(line) + 1
    return found


def _equations(text: str, tex: bool, comments: list[_ModelComment]) -> list[NoteEquation]:
    body = _without_comments(text) if tex else _without_models(text, comments)
    spans = _displays(body)
    if not tex:
        spans += _inline_alone(body, spans)
    lines = _Lines(text)
    starts = [comment.start for comment in comments]  # no chain runs across a section model comment
    found: list[tuple[list[str], tuple[int, int], dict]] = []  # (pieces, line and column, markers)
    end = 0  # where the last claim ends in the note
    for start, latex, outer in sorted(spans):
        markers = _markers(text, outer, tex, lines)
        for offset, part in _claims_of(latex):
            if "=" not in part:
                continue
            part = _ENVIRONMENT_MARK.sub(lambda m: " " * len(m.group()), part)
            lead = len(part) - len(part.lstrip())  # the claim starts at its first character
            at = start + offset + lead
            claim = part[lead:].rstrip()
            opens = claim.lstrip("& ").startswith("=")
            closed = bool(found) and found[-1][0][-1].rstrip().endswith("=")  # the chain's last piece
            if found and offset == 0 and opens and bisect.bisect_left(starts, end) == bisect.bisect_left(starts, at):
                # a display that starts with = continues the chain above (one ending with = alone does not:
                # what follows may be a new equation, and a chain of two would be a false alarm)
                pieces, _, before = found[-1]  # the gap blanked, so columns still map to the note
                if opens and closed:  # `… =` then `= …`: one equals sign between the two sides
                    sign = claim.index("=")
                    claim = claim[:sign] + " " + claim[sign + 1:]
                pieces += [re.sub(r"[^\n]", " ", body[end:at]), claim]
                before.update(markers)
            else:
                found.append(([claim], lines.position(at), dict(markers)))
            end = at + len(claim)
    section_of = _sections(comments)
    return [NoteEquation("".join(pieces), line, col, section=section_of(line), **markers)
            for pieces, (line, col), markers in found]


def _sections(comments: list[_ModelComment]):
    """line → 0 for an equation in the front matter's model, k in the k-th section model (the model of the
    last comment above it), in logarithmic time."""
    lasts, numbers, count = [], [], 0
    for comment in comments:
        count += comment.model is not None
        lasts.append(comment.last)
        numbers.append(count if comment.model is not None else 0)
    return lambda line: numbers[above - 1] if (above := bisect.bisect_left(lasts, line)) else 0


def _claims_of(latex: str) -> list[tuple[int, str]]:
    """The claims of one display: its lines (split at \\\\), a line that starts with = joined to the one above."""
    pieces, start = [], 0
    while True:
        end = latex.find("\\\\", start)
        if end < 0:
            pieces.append((start, latex[start:]))
            break
        pieces.append((start, latex[start:end]))
        start = end + 2
    claims: list[tuple[int, str]] = []
    for offset, piece in pieces:
        if not piece.strip():
            continue
        if claims and piece.lstrip().lstrip("&").lstrip().startswith("="):
            first, text = claims[-1]
            claims[-1] = (first, text + " " * (offset - first - len(text)) + piece)
        else:
            claims.append((offset, piece))
    return [part for offset, text in claims for part in _side_by_side(offset, text)]


def _side_by_side(offset: int, text: str) -> list[tuple[int, str]]:
    """`a = b, \\quad c = d`: two equations on one line, split where a \\quad (at brace depth 0) has an `=`
    on both sides; a \\quad before an equation number or a remark without `=` stays layout."""
    cuts, depth = [0], 0
    for at, char in enumerate(text):
        depth += (char == "{") - (char == "}")
        if depth == 0 and text.startswith(("\\quad", "\\qquad"), at):
            cuts.append(at)
    segments = [text[start:end] for start, end in zip(cuts, cuts[1:] + [len(text)])]
    parts: list[tuple[int, str]] = []
    for start, segment in zip(cuts, segments):
        if parts and "=" in segment and "=" in parts[-1][1]:
            parts.append((start, segment))
        elif parts:
            parts[-1] = (parts[-1][0], parts[-1][1] + segment)
        else:
            parts.append((start, segment))
    split = []
    for i, (start, part) in enumerate(parts):
        if i:  # the \\quad that separates is layout: the equation starts after it
            skip = len("\\qquad") if part.startswith("\\qquad") else len("\\quad")
            start, part = start + skip, part[skip:]
        split.append((offset + start, part.rstrip().rstrip(",").rstrip() if i < len(parts) - 1 else part))
    return split


def _markers(text: str, outer: int, tex: bool, lines: "_Lines") -> dict:
    """The markers of the comment lines right before a display (blank lines between are allowed)."""
    markers: dict = {}
    number = lines.position(outer)[0]  # the line of the display, from 1
    while number > 1:
        number -= 1
        line = lines.line(number)
        if not line.strip():
            continue
        content = _derivcheck_comment(line, "%" if tex else "<!--")
        found = _marker(content) if content is not None else None
        if found is None:
            break
        markers = {**found, **markers}
    return markers


def _without_models(text: str, comments: list[_ModelComment]) -> str:
    """The note with its front matter and section models blanked (same offsets); other HTML comments kept
    for the markers."""
    end = _front_matter_end(text) or 0
    spans = [(0, end)] + [(c.start, c.end) for c in comments]
    pieces, position = [], 0
    for start, stop in spans:
        start = max(start, position)
        pieces += [text[position:start], re.sub(r"[^\n]", " ", text[start:stop])]
        position = max(position, stop)
    return "".join(pieces) + text[position:]


def _without_comments(text: str) -> str:
    """A .tex note with its % comments blanked, offsets unchanged (\\% is a percent sign)."""
    return re.sub(r"(?<!\\)%[^\n]*", lambda m: " " * len(m.group()), text)


class _Lines:
    """Line numbers and columns of offsets in a text, each in logarithmic time."""

    def __init__(self, text: str):
        self.text = text
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def position(self, offset: int) -> tuple[int, int]:
        index = bisect.bisect_right(self.starts, offset) - 1
        return index + 1, offset - self.starts[index] + 1

    def line(self, number: int) -> str:
        start = self.starts[number - 1]
        end = self.starts[number] - 1 if number < len(self.starts) else len(self.text)
        return self.text[start:end]
