"""derivcheck from Python — a notebook, a script, a course's own tools: ``check`` and ``grade`` return the
results, print nothing and never exit, and the results show themselves in Jupyter.

Every file is checked in a worker process, as on the command line: the deadlines then hold on any thread
(in-process deadlines need SIGALRM, which only the main thread has) and a hostile file costs only itself.
"""

from __future__ import annotations

import functools
import html
import os
from collections.abc import Callable
from dataclasses import dataclass, field

from .document import claim_latex, render
from .errors import DerivcheckError
from .files import derivation_files, submission_files
from .gradebook import GradeReport, Submission, scored, shown
from .grading import Key, graded_spec, load_key
from .latex_writer import notation_of
from .limits import with_overrides
from .report import claim_details, verdict_text
from .results import FEEDBACK, FileResult
from .runner import check_entries
from .source import given_text, read_text
from .spec import parse_spec
from .options import Options

TEXT_NAME = "derivation.yaml"  # the name a derivation given as text is checked under (and shown with)


def check(source, *, name: str = TEXT_NAME, seed: int = 0, points: int = 8, timeout: float = 3.0,
          file_timeout: float = 120.0, prove: bool = True, strict: bool = False, limits: tuple[str, ...] = (),
          jobs: int = 1, on_result: Callable[[FileResult], None] | None = None) -> Checked:
    """Check a derivation. ``source`` is a path (a file, or a folder searched as `derivcheck check` searches
    it; an ``os.PathLike`` always is one), a list of paths, or, for a ``str`` with a line break, the text of a
    derivation file, checked under ``name`` (``notes.md`` for a note). The options are the command line's;
    ``limits`` are ``"NAME=VALUE"`` settings; ``on_result`` is called as each file is done."""
    options = Options(seed=seed, points=points, timeout=timeout, file_timeout=file_timeout, prove=prove,
                      strict=strict, limits=with_overrides(list(limits)))
    if isinstance(source, str) and "\n" in source:
        texts = {name: source}
        return Checked(tuple(check_entries([name], options, 1, on_result, texts=texts)), texts, options)
    entries = derivation_files(_paths(source))
    return Checked(tuple(check_entries(entries, options, jobs, on_result)), {}, options)


def grade(key, submissions, *, feedback: str = "diagnosis", seed: int = 0, timeout: float = 3.0,
          file_timeout: float = 120.0, limits: tuple[str, ...] = (), jobs: int = 1,
          on_result: Callable[[FileResult], None] | None = None) -> Graded:
    """Grade submissions against an answer key (GRADING.md). ``key`` is a path or the key's text (a ``str``
    with a line break); ``submissions`` a path (a file or a folder) or a list of paths. An unusable key raises
    ``DerivcheckError`` (one line); a submission that cannot be graded is one with its error."""
    if feedback not in FEEDBACK:
        raise ValueError(f"feedback must be one of {', '.join(FEEDBACK)}, not {feedback!r}")
    options = Options(seed=seed, timeout=timeout, file_timeout=file_timeout, limits=with_overrides(list(limits)))
    if isinstance(key, str) and "\n" in key:
        key_path, key_text = "key.yaml", given_text(key, "key.yaml", options.limits)
    else:
        key_path = os.fspath(key)
        key_text = read_text(key_path, options.limits)
    parsed = load_key(key_text, key_path, options.limits)
    results = check_entries(submission_files(_paths(submissions), key_path), options, jobs, on_result,
                            read=functools.partial(graded_spec, key_text, key_path))
    return Graded(parsed, tuple(scored(parsed, result) for result in results), feedback)


def _paths(source) -> list[str]:
    return [os.fspath(source)] if isinstance(source, (str, os.PathLike)) else [os.fspath(p) for p in source]


class _Sequence:
    """Results that iterate, index and count like the tuple ``_items`` gives."""

    def __iter__(self):
        return iter(self._items())

    def __getitem__(self, index):
        return self._items()[index]

    def __len__(self) -> int:
        return len(self._items())


@dataclass(frozen=True)
class Checked(_Sequence):
    """The results of ``check``: one ``FileResult`` per file, in order (iterable, indexable)."""

    files: tuple[FileResult, ...]
    texts: dict[str, str] = field(default_factory=dict, repr=False)  # derivations given as text, by name
    options: Options = field(default_factory=Options, repr=False)

    def _items(self) -> tuple:
        return self.files

    @property
    def claims(self):
        return [claim for result in self.files for claim in result.claims]

    @property
    def status(self) -> int:
        """As the command's exit status: 0 every verdict as expected, 1 some claim is not, 2 something
        could not be read."""
        return max((result.status for result in self.files), default=0)

    @property
    def ok(self) -> bool:
        return self.status == 0

    def _spec(self, result: FileResult):
        try:
            text = self.texts.get(result.path)
            text = text if text is not None else read_text(result.path, self.options.limits)
            return parse_spec(text, result.path, self.options.limits)
        except DerivcheckError:
            return None

    def _repr_markdown_(self) -> str:
        """Each file as `derivcheck report` writes it: every claim in LaTeX, its verdict, diagnosis and the
        right formula."""
        parts = []
        for result in self.files:
            spec = None if result.error else self._spec(result)
            parts.append(f"**{result.path}**: {result.error}" if spec is None else render(spec, result, "md"))
        return "\n\n".join(parts)

    def _repr_html_(self) -> str:
        """A table per file: each claim in LaTeX (typeset by the notebook), its verdict and what is wrong."""
        parts = []
        for result in self.files:
            spec = None if result.error else self._spec(result)
            parts.append(f"<h4>{html.escape(result.title)}</h4>")
            if spec is None:
                parts.append(f"<p>{html.escape(result.error or 'cannot be read again')}</p>")
                continue
            rows = []
            for claim, checked in zip(spec.claims, result.claims):
                shown_claim = (f"\\({html.escape(claim_latex(claim, notation_of(spec)))}\\)"
                               if claim.equation is not None else f"<code>{html.escape(claim.text)}</code>")
                rows.append(f"<tr><td>{checked.number}</td><td>{shown_claim}</td>"
                            f"<td>{html.escape(verdict_text(checked).plain)}</td>"
                            f"<td>{'<br>'.join(html.escape(line) for line in claim_details(checked))}</td></tr>")
            parts.append("<table><tr><th>#</th><th>claim</th><th>verdict</th><th>details</th></tr>"
                         + "".join(rows) + "</table>")
        return "\n".join(parts)


@dataclass(frozen=True)
class Graded(_Sequence):
    """The results of ``grade``: the key, and each submission's scores."""

    key: Key
    submissions: tuple[Submission, ...]
    feedback: str = "diagnosis"

    def _items(self) -> tuple:
        return self.submissions

    def _repr_markdown_(self) -> str:
        lines = [f"**{self.key.title}** ({shown(self.key.points)} points)", ""]
        for submission in self.submissions:
            lines += ["", f"**{submission.student}**: {shown(submission.total)} / {shown(self.key.points)}", "",
                      "| question | score | feedback |", "| --- | --- | --- |"]
            lines += [f"| {a.question.id} | {shown(a.score)} / {shown(a.question.points)} | "
                      f"{_cell(a.feedback(self.feedback))} |" for a in submission.answers]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        parts = [f"<h4>{html.escape(self.key.title)} ({shown(self.key.points)} points)</h4>"]
        for submission in self.submissions:
            rows = "".join(f"<tr><td>{html.escape(a.question.id)}</td>"
                           f"<td>{shown(a.score)} / {shown(a.question.points)}</td>"
                           f"<td>{html.escape(a.feedback(self.feedback)).replace(chr(10), '<br>')}</td></tr>"
                           for a in submission.answers)
            parts.append(f"<p><b>{html.escape(submission.student)}</b>: {shown(submission.total)} / "
                         f"{shown(self.key.points)}</p><table><tr><th>question</th><th>score</th>"
                         f"<th>feedback</th></tr>{rows}</table>")
        return "\n".join(parts)

    def __rich__(self):
        return GradeReport(self.key, list(self.submissions), self.feedback).__rich__()


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", "<br>")
