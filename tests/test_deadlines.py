"""In-process deadlines: they interrupt, nest, and leave no timer or handler behind."""

from __future__ import annotations

import signal
import sys
import time

import pytest
import sympy as sp

from derivcheck.deadlines import time_limit
from derivcheck.errors import OutOfTime, ProofTimeout


def test_time_limit_interrupts():
    start = time.perf_counter()
    with pytest.raises(ProofTimeout, match="budget"):
        with time_limit(0.2, ProofTimeout, "budget"):
            while True:
                sp.expand((sp.Symbol("a") + sp.Symbol("b")) ** 30)
    assert time.perf_counter() - start < 2


def test_no_time_left_is_a_timeout():
    with pytest.raises(ProofTimeout):
        with time_limit(0, ProofTimeout, "none left"):
            pass


def test_time_limit_restores_the_previous_handler():
    before = signal.getsignal(signal.SIGALRM)
    for seconds in (1e-6, 0.05):
        try:
            with time_limit(seconds, ProofTimeout, "budget"):
                time.sleep(0.2)
        except ProofTimeout:
            pass
    assert signal.getsignal(signal.SIGALRM) == before
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_an_inner_limit_does_not_cancel_the_outer_one():
    start = time.perf_counter()
    with pytest.raises(OutOfTime, match="outer"):
        with time_limit(0.3, OutOfTime, "outer"):
            with time_limit(5, ProofTimeout, "inner"):
                pass
            while True:
                time.sleep(0.01)
    assert time.perf_counter() - start < 1.5


def test_an_outer_deadline_caught_inside_fires_again_outside():
    start = time.perf_counter()
    with pytest.raises(OutOfTime, match="outer"):
        with time_limit(0.2, OutOfTime, "outer"):
            try:
                with time_limit(10, ProofTimeout, "inner"):
                    time.sleep(1)
            except ProofTimeout:  # the outer deadline, raised while the inner handler was armed
                pass
            time.sleep(1)
    assert time.perf_counter() - start < 0.9
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_a_deadline_that_was_swallowed_comes_again():
    start = time.perf_counter()
    with pytest.raises(OutOfTime):
        with time_limit(0.1, OutOfTime, "late"):
            try:
                time.sleep(1)
            except OutOfTime:  # as a garbage-collector callback would, unknowingly
                pass
            time.sleep(1)
    assert time.perf_counter() - start < 0.9


def test_an_interruption_python_cannot_raise_is_dropped_and_other_unraisables_are_not(monkeypatch):
    seen = []
    monkeypatch.setattr(sys, "unraisablehook", seen.append)

    class Unraisable:  # what Python hands the hook for an exception in a gc callback or a __del__
        def __init__(self, error):
            self.exc_type, self.exc_value, self.exc_traceback = type(error), error, None
            self.err_msg, self.object = None, None

    interruption, other = Unraisable(OutOfTime("late")), Unraisable(ValueError("a real one"))
    with time_limit(5, OutOfTime, "late"):
        with time_limit(5, ProofTimeout, "later"):
            sys.unraisablehook(interruption)
            sys.unraisablehook(other)
    assert seen == [other]
    assert sys.unraisablehook == seen.append  # the file's hook again, once the outermost block ended
