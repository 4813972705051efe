"""A file's checker: one ``FileChecker`` per model. A note whose sections state models of their own checks
each equation in its section's model, building a section's checker when its first equation comes; a
section whose model cannot be read or built makes its equations errors and leaves the others alone."""

from __future__ import annotations

import time

from .deadlines import time_limit
from .errors import DerivcheckError, InputError, OutOfTime
from .results import ClaimResult, FileResult
from .source import one_line
from .spec import ClaimSpec, Spec, load_spec
from .options import Options
from .verify import Checked, FileChecker


def check_file(path: str, options: Options = Options()) -> FileResult:
    """Check one file in this process (no deadline beyond the per-claim proof budget)."""
    start = time.perf_counter()
    try:
        spec = load_spec(path, options.limits)
    except InputError as error:
        return FileResult(path, path, error=str(error), seconds=time.perf_counter() - start)
    return check_spec(spec, options, start)


def check_spec(spec: Spec, options: Options, start: float | None = None) -> FileResult:
    start = time.perf_counter() if start is None else start
    try:
        checker = build_checker(spec, options)
    except DerivcheckError as error:
        return FileResult(spec.path, spec.title, error=str(error), seconds=time.perf_counter() - start)
    checked = [checker.numeric_safely(claim) for claim in spec.claims]
    claims = tuple(checker.prove_safely(claim, numeric) if checker.needs_proof(numeric.result) else numeric.result
                   for claim, numeric in zip(spec.claims, checked))
    return FileResult(spec.path, spec.title, claims, seconds=time.perf_counter() - start, warnings=spec.warnings)


def build_checker(spec: Spec, options: Options) -> FileChecker | SectionsChecker:
    """The file's checker, its (first) model built within the time of one phase (``Options.timeout``);
    raises only DerivcheckError."""
    checker = _model_checker(spec, options)
    return SectionsChecker(spec, options, checker) if spec.sections else checker


def _model_checker(spec: Spec, options: Options) -> FileChecker:
    try:
        with time_limit(options.timeout, OutOfTime, f"{spec.path}: stopped: building the model took longer than "
                                                    f"{options.timeout:g} s (--timeout raises it)"):
            return FileChecker(spec, options)
    except DerivcheckError:
        raise
    except MemoryError:
        raise DerivcheckError(f"{spec.path}: out of memory while building the model "
                              f"(limit memory_mb = {options.limits.memory_mb:,})") from None
    except Exception as error:  # noqa: BLE001 — the file's error, never a traceback
        raise DerivcheckError(f"{spec.path}: internal error: {type(error).__name__}: {one_line(str(error))}") from None


class SectionsChecker:
    """The checker of a note with section models: every call goes to the checker of the claim's section."""

    def __init__(self, spec: Spec, options: Options, first: FileChecker):
        self.spec = spec
        self.first = first
        self.options = options
        self._checkers: dict[int, FileChecker | DerivcheckError] = {0: first}

    def _checker(self, claim: ClaimSpec) -> FileChecker | DerivcheckError:
        if claim.section not in self._checkers:
            part = self.spec.sections[claim.section - 1]
            try:
                if isinstance(part, InputError):
                    raise part
                self._checkers[claim.section] = _model_checker(part, self.options)
            except DerivcheckError as error:
                self._checkers[claim.section] = error
        return self._checkers[claim.section]

    def pending(self, claim: ClaimSpec, reason: str) -> ClaimResult:
        return self.first.pending(claim, reason)

    def needs_proof(self, result: ClaimResult) -> bool:
        return self.first.needs_proof(result)

    def numeric_safely(self, claim: ClaimSpec) -> Checked:
        checker = self.first if claim.skip is not None else self._checker(claim)
        if isinstance(checker, DerivcheckError):  # an error, not skipped: the note's model is wrong
            return Checked(self.pending(claim, f"the model of its section cannot be used: {checker}"))
        return checker.numeric_safely(claim)

    def prove_safely(self, claim: ClaimSpec, checked: Checked) -> ClaimResult:
        checker = self._checker(claim)
        return checked.result if isinstance(checker, DerivcheckError) else checker.prove_safely(claim, checked)
