"""Writing what a command produces: files replaced whole, and standard output that may fail.

A file is written beside its destination under a temporary name and renamed
when complete, so a full disk or a crash leaves the old file (or none), never a
truncated one. Standard output can fail too (a full disk, a closed pipe): the
failure is caught once, described in one line, and stdout is then pointed at
the null device so that nothing more is attempted or reported at exit.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable

from .errors import DerivcheckError


def write_file(path: str, text: str) -> None:
    """Write ``text`` to ``path`` whole or not at all; DerivcheckError with a one-line reason."""
    folder = os.path.dirname(os.path.abspath(path))
    try:
        descriptor, temporary = tempfile.mkstemp(dir=folder, prefix=".derivcheck-", suffix=".tmp")
    except OSError as error:
        raise DerivcheckError(f"cannot write {path}: {error.strerror or error}") from None
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)  # as open() would have made it, not mkstemp's 0600
        os.replace(temporary, path)
    except OSError as error:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise DerivcheckError(f"cannot write {path}: {error.strerror or error}") from None


def to_stdout(write: Callable[[], None]) -> str | None:
    """Run ``write`` (which prints) and flush; the reason in one line if standard output failed."""
    if sys.stdout is None:  # started with it closed
        sys.stdout = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 — for the rest of the run
        return "cannot write to standard output: it is closed"
    try:
        write()
        sys.stdout.flush()
    except OSError as error:
        _silence_stdout()
        return f"cannot write to standard output: {error.strerror or error}"
    return None


def _silence_stdout() -> None:
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)
    except (OSError, ValueError):
        pass
