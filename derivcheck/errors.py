"""The error tree: every error derivcheck raises on purpose derives from DerivcheckError."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Location:
    """A place in a derivation file, 1-based line and column."""

    path: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}"

    def within(self, text: str, offset: int) -> "Location":
        """Where character ``offset`` of ``text`` stands, for a text that starts here."""
        before = text[:offset]
        line = before.count("\n")
        col = offset - (before.rfind("\n") + 1)
        if line == 0:
            return Location(self.path, self.line, self.col + col)
        return Location(self.path, self.line + line, col + 1)


class DerivcheckError(Exception):
    """Base of derivcheck's own errors; ``str()`` is one line for the user."""

    def __init__(self, message: str, location: Location | None = None, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.location = location
        self.hint = hint

    def __str__(self) -> str:
        text = self.message if self.hint is None else f"{self.message} ({self.hint})"
        return text if self.location is None else f"{self.location}: {text}"


class InputError(DerivcheckError):
    """The file cannot be read: bad YAML, an unknown key, a malformed expression."""


class IndexRangeError(DerivcheckError):
    """A quantity was indexed outside its range: makes a claim instance false."""


class ShapeError(DerivcheckError):
    """Vectors or matrices whose shapes do not fit: makes a claim instance false, naming both shapes."""


class UndefinedError(DerivcheckError):
    """A quantity does not exist at a layer (z[0], w[L+1]): the instance is skipped."""


class ProofTimeout(DerivcheckError):
    """The symbolic proof reached its safety net of seconds (``--timeout``) before its budget of work."""


class OutOfWork(DerivcheckError):
    """A search (a proof, a diagnosis) spent its budget of work (``limits.Budget``)."""


class OutOfTime(DerivcheckError):
    """A phase of the work ran out of its time: building the model, a claim's numeric checks, a diagnosis."""
