"""Deadlines inside one process: a block that overruns its seconds is interrupted by an exception.

The interruption is SIGALRM on the main thread; elsewhere (another thread, a
system without timers) there is no in-process deadline, and the runner's worker
processes still enforce theirs by killing. Blocks nest: the earliest deadline
is the one armed, and an outer deadline that passed while an inner block
caught its interruption fires again as soon as the inner block ends; a passed
deadline keeps firing until its block ends. An interruption that lands where
Python cannot raise it (a garbage-collector callback, a ``__del__``) is
dropped without a word, not printed: it comes again until its block ends.
"""

from __future__ import annotations

import signal
import sys
import threading
import time
from contextlib import contextmanager

from .errors import DerivcheckError

_ACTIVE: list[float] = []  # monotonic deadlines of the enclosing blocks, outermost first
_AT_ONCE = 1e-4  # seconds: how soon an already passed deadline fires
# seconds between repeats once a deadline has passed: an interruption that lands where Python ignores
# exceptions (a garbage-collector callback, a __del__) comes again until the block has ended
_REPEAT = 0.05


@contextmanager
def time_limit(seconds: float | None, error: type[DerivcheckError], message: str):
    """Raise ``error(message)`` inside the block after ``seconds`` (None: no deadline); at once if none
    are left."""
    if seconds is not None and seconds <= 0:
        raise error(message)
    if seconds is None or threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def expire(signum, frame):
        raise error(message)

    previous = signal.signal(signal.SIGALRM, expire)
    outermost, hook = not _ACTIVE, sys.unraisablehook
    if outermost:
        sys.unraisablehook = _dropping_interruptions(hook)
    _ACTIVE.append(time.monotonic() + seconds)
    try:
        _arm()
        yield
    finally:
        _quiet()  # from here no interruption can cut the clean-up short and leave a stale deadline behind
        signal.setitimer(signal.ITIMER_REAL, 0)
        _ACTIVE.pop()
        signal.signal(signal.SIGALRM, previous)
        if outermost:
            sys.unraisablehook = hook
        _arm()


def _dropping_interruptions(hook):
    """``hook`` for every unraisable exception but a deadline's interruption, which is dropped (it repeats
    every _REPEAT seconds, so it lands in the block's own code soon)."""
    def unraisable(arguments) -> None:
        if not isinstance(arguments.exc_value, DerivcheckError):
            hook(arguments)
    return unraisable


def _quiet() -> None:
    """Ignore SIGALRM (in the kernel: a repeat due now is dropped), even if one lands while doing so."""
    while True:
        try:
            signal.signal(signal.SIGALRM, signal.SIG_IGN)
            return
        except DerivcheckError:
            continue


def _arm() -> None:
    if _ACTIVE:
        signal.setitimer(signal.ITIMER_REAL, max(min(_ACTIVE) - time.monotonic(), _AT_ONCE), _REPEAT)
