"""A pytest plugin, off unless asked: ``pytest --derivcheck derivations/`` collects derivation files (*.yaml,
*.yml) and notes with a model, and makes one test per claim, passing when its verdict is as expected and
failing with derivcheck's report of that claim — so a course's CI, GitHub Classroom or CodeGrade gives credit
claim by claim.

pytest loads this module at start-up in every run (the package's entry point): it imports nothing of
derivcheck's checking until ``--derivcheck`` is given and a file is collected. Each file is checked once,
in a worker process with the usual deadlines and limits, when its first claim runs.
"""

from __future__ import annotations

import pytest


def pytest_addoption(parser) -> None:
    group = parser.getgroup("derivcheck")
    group.addoption("--derivcheck", action="store_true", default=False,
                    help="collect derivation files (*.yaml, *.yml) and notes with a model: one test per claim")
    group.addoption("--derivcheck-seed", type=int, default=0, metavar="N",
                    help="seed of derivcheck's random spot-check points (default 0)")


def pytest_collect_file(file_path, parent):
    if not parent.config.getoption("derivcheck"):
        return None
    from .files import is_derivation_file

    return DerivationFile.from_parent(parent, path=file_path) if is_derivation_file(str(file_path)) else None


class DerivationFile(pytest.File):
    """A derivation file: its claims as items, its results computed once."""

    def collect(self):
        from .errors import DerivcheckError
        from .source import read_text
        from .spec import parse_spec

        try:
            spec = parse_spec(read_text(str(self.path)), str(self.path))
        except DerivcheckError as error:
            yield ClaimItem.from_parent(self, name="the file", index=None, line=0, unreadable=str(error))
            return
        for index, claim in enumerate(spec.claims):
            yield ClaimItem.from_parent(self, name=f"{claim.number}. {claim.name}", index=index,
                                        line=claim.loc.line - 1)

    def results(self):
        if not hasattr(self, "_result"):
            from .runner import check_files
            from .options import Options

            (self._result,) = check_files([str(self.path)], Options(seed=self.config.getoption("derivcheck_seed")))
        return self._result


class ClaimFailure(Exception):
    """A claim not as expected: the lines of its report."""


class ClaimItem(pytest.Item):
    def __init__(self, *, index: int | None, line: int, unreadable: str | None = None, **kwargs):
        super().__init__(**kwargs)
        self.index, self.line, self.unreadable = index, line, unreadable

    def runtest(self) -> None:
        if self.unreadable is not None:
            raise ClaimFailure([self.unreadable])
        result = self.parent.results()
        if result.error:
            raise ClaimFailure([result.error])
        claim = result.claims[self.index]
        from .results import Verdict

        if claim.verdict is Verdict.SKIPPED:
            pytest.skip(claim.error or "skipped")
        if not claim.ok:
            from .report import claim_report_lines

            raise ClaimFailure(claim_report_lines(claim))

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, ClaimFailure):
            return "\n".join(excinfo.value.args[0])
        return super().repr_failure(excinfo, style)

    def reportinfo(self):
        return self.path, self.line, f"derivcheck: {self.name}"
