"""A Markdown or LaTeX note → its model (YAML, at the note's own line numbers) and its display equations.

A `.md` note has a YAML front matter between `---` lines at the top; a `.tex`
note has `% derivcheck:` lines holding the same YAML. Every display equation
(`$$ … $$`, `\\[ … \\]`, `equation`, `align`, `aligned`, `gather`, and inline
math alone on its line) with an `=` is a claim; in an aligned block, a line
that starts with `=` continues the chain of the line above. A comment right
before an equation may carry a marker: `expect false`, `skip`, `name BP2`.
Nothing here reads the mathematics: that is ``latex``'s work.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

NOTE_SUFFIXES = (".md", ".markdown", ".tex")
_MARKER_MD = re.compile(r"<!--\s*derivcheck:\s*(.*?)\s*-->")
_MARKER_TEX = re.compile(r"^\s*%\s*derivcheck:\s*(expect\s+false|skip|name\s+.*?)\s*$")
_TEX_MODEL = re.compile(r"^(\s*%\s*derivcheck:)(.*)$")
_ENVIRONMENTS = ("equation", "equation*", "align", "align*", "aligned", "gather", "gather*", "multline",
                 "multline*", "split", "eqnarray", "eqnarray*")
_DISPLAY = re.compile(r"\$\$(.+?)\$\$|\\\[(.+?)\\\]|\\begin\{(" + "|".join(re.escape(e) for e in _ENVIRONMENTS)
                      + r")\}(.+?)\\end\{\3\}", re.S)
_INLINE_ALONE = re.compile(r"^[ \t>*-]*\$([^$\n]+)\$[ \t.,;]*$", re.M)
_ENVIRONMENT_MARK = re.compile(r"\\(begin|end)\{[a-z*]+\}")


@dataclass(frozen=True)
class NoteEquation:
    """One claim of a note: its LaTeX (layout kept, so columns map back), where it starts, its markers."""

    latex: str
    line: int
    col: int
    expect: str = "holds"
    skip: bool = False
    name: str | None = None


@dataclass(frozen=True)
class Note:
    model: str  # the front matter as YAML text, every line where it is in the note (the rest blank)
    has_model: bool
    equations: tuple[NoteEquation, ...]


def is_note(path: str) -> bool:
    return path.lower().endswith(NOTE_SUFFIXES)


def read_note(text: str, path: str) -> Note:
    tex = path.lower().endswith(".tex")
    model, has_model = _tex_model(text) if tex else _front_matter(text)
    return Note(model, has_model, tuple(_equations(text, tex)))


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


def _tex_model(text: str) -> tuple[str, bool]:
    """`% derivcheck:` lines (not markers) as YAML: the prefix becomes spaces, so columns stay the note's."""
    kept, found = [], False
    for line in text.split("\n"):
        match = _TEX_MODEL.match(line)
        if match and not _MARKER_TEX.match(line):
            kept.append(" " * len(match.group(1)) + match.group(2))
            found = True
        else:
            kept.append("")
    return "\n".join(kept), found


def _equations(text: str, tex: bool) -> list[NoteEquation]:
    body = _without_comments(text) if tex else _without_front_matter(text)
    spans = []
    for match in _DISPLAY.finditer(body):
        group = 4 if match.group(3) else 1 if match.group(1) is not None else 2
        spans.append((match.start(group), match.group(group), match.start()))
    if not tex:
        taken = [(m.start(), m.end()) for m in _DISPLAY.finditer(body)]
        for match in _INLINE_ALONE.finditer(body):
            if not any(start <= match.start() < end for start, end in taken):
                spans.append((match.start(1), match.group(1), match.start()))
    found = []
    for start, latex, outer in sorted(spans):
        markers = _markers(text, outer, tex)
        for offset, part in _claims_of(latex):
            if "=" not in part:
                continue
            part = _ENVIRONMENT_MARK.sub(lambda m: " " * len(m.group()), part)
            lead = len(part) - len(part.lstrip())  # the claim starts at its first character
            line, col = _position(text, start + offset + lead)
            found.append(NoteEquation(part[lead:].rstrip(), line, col, **markers))
    return found


def _claims_of(latex: str) -> list[tuple[int, str]]:
    """The claims of one display: its lines (split at \\\\), a line that starts with = joined to the one above."""
    pieces, start = [], 0
    for match in re.finditer(r"\\\\", latex):
        pieces.append((start, latex[start:match.start()]))
        start = match.end()
    pieces.append((start, latex[start:]))
    claims: list[tuple[int, str]] = []
    for offset, piece in pieces:
        if not piece.strip():
            continue
        if claims and re.match(r"\s*&?\s*=", piece):
            first, text = claims[-1]
            claims[-1] = (first, text + " " * (offset - first - len(text)) + piece)
        else:
            claims.append((offset, piece))
    return claims


def _markers(text: str, outer: int, tex: bool) -> dict:
    """The markers of the comments right before an equation (blank lines between are allowed)."""
    before = text[:outer].rstrip().split("\n")
    markers: dict = {}
    for line in reversed(before):
        found = (_MARKER_TEX.match(line) if tex else _MARKER_MD.search(line))
        if not found:
            break
        for word in [found.group(1)] if tex else [w.strip() for w in found.group(1).split(";")]:
            if re.fullmatch(r"expect\s+false", word):
                markers["expect"] = "false"
            elif word == "skip":
                markers["skip"] = True
            elif word.startswith("name "):
                markers["name"] = word[5:].strip()
    return markers


def _without_front_matter(text: str) -> str:
    """The note with its front matter blanked (same offsets) and HTML comments kept for the markers."""
    end = _front_matter_end(text)
    if end is None:
        return text
    return re.sub(r"[^\n]", " ", text[:end]) + text[end:]


def _without_comments(text: str) -> str:
    """A .tex note with its % comments blanked, offsets unchanged (\\% is a percent sign)."""
    return re.sub(r"(?<!\\)%[^\n]*", lambda m: " " * len(m.group()), text)


def _position(text: str, offset: int) -> tuple[int, int]:
    before = text[:offset]
    return before.count("\n") + 1, offset - (before.rfind("\n") + 1) + 1
