"""Worker processes: deadlines that hold when SymPy never returns, crashes, memory, order."""

from __future__ import annotations

import multiprocessing
import os
import signal
import time

import pytest

from conftest import verdicts
from derivcheck.limits import Limits
from derivcheck.runner import _WARM_UP, GRACE, check_files
from derivcheck.spec import parse_spec
from derivcheck.checkers import check_file, check_spec
from derivcheck.options import Options
from derivcheck.verify import FileChecker

pytestmark = pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(),
                                reason="the misbehaving checker is patched in, which needs fork")

FILE = """
symbols: [x, y, stuck]
claims:
  - claim: x * y = y * x
  - claim: stuck + x = x + stuck
  - claim: 2 * (x + y) = 2*x + 2*y
  - claim: x + y = x - y
    expect: false
"""


def _stuck(claim) -> bool:
    return "stuck" in claim.text


def _never_returns() -> None:
    """Like C code that never checks for signals: the in-process alarm cannot stop it."""
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
    time.sleep(600)


def patch_phase(monkeypatch, phase: str, misbehave) -> None:
    original = getattr(FileChecker, phase)

    def patched(self, claim, *args):
        if _stuck(claim):
            misbehave()
        return original(self, claim, *args)

    monkeypatch.setattr(FileChecker, phase, patched)


def test_results_match_the_in_process_check(write):
    path = write(FILE)
    (through_worker,) = check_files([path], Options())
    assert verdicts(through_worker) == verdicts(check_file(path)) == ["proved", "proved", "proved", "false"]
    assert through_worker.claims[3].counterexamples == check_file(path).claims[3].counterexamples


def test_a_proof_that_never_returns_is_killed_and_the_file_goes_on(write, monkeypatch):
    patch_phase(monkeypatch, "prove", _never_returns)
    start = time.monotonic()
    (result,) = check_files([write(FILE)], Options(timeout=0.5))
    assert time.monotonic() - start < 0.5 + GRACE + 8
    assert verdicts(result) == ["proved", "holds", "proved", "false"]
    assert result.claims[1].notes == ("symbolic proof stopped: no answer within its 0.5 s budget; "
                                      "the verdict rests on the numeric checks",)


def test_the_file_deadline_keeps_verdicts_already_reached(write, monkeypatch):
    patch_phase(monkeypatch, "numeric", _never_returns)
    start = time.monotonic()
    (result,) = check_files([write(FILE)], Options(file_timeout=2))
    assert time.monotonic() - start < 2 + 8
    assert verdicts(result) == ["holds", "error", "error", "error"]
    assert "symbolic proof not finished: the file's time limit of 2 s ran out" in result.claims[0].notes[0]
    assert result.claims[1].error.endswith(":4:5: not checked: the file's time limit of 2 s ran out "
                                           "(--file-timeout)")


def test_a_crash_costs_only_its_claim(write, monkeypatch):
    patch_phase(monkeypatch, "numeric", lambda: os.kill(os.getpid(), signal.SIGKILL))
    (result,) = check_files([write(FILE)], Options())
    assert verdicts(result) == ["proved", "error", "proved", "false"]
    assert "the checking process ended (killed by signal 9" in result.claims[1].error


def test_memory_is_bounded_per_process(write, monkeypatch):
    patch_phase(monkeypatch, "numeric", lambda: bytearray(3 * 2**30))
    (result,) = check_files([write(FILE)], Options(limits=Limits(memory_mb=1024)))
    assert verdicts(result) == ["proved", "error", "proved", "false"]
    assert "out of memory (limit memory_mb = 1,024)" in result.claims[1].error


def test_results_come_in_the_order_of_the_paths(write, monkeypatch):
    patch_phase(monkeypatch, "numeric", lambda: time.sleep(1.5))
    slow = write(FILE, "a.yaml")
    fast = [write("symbols: [x]\nclaims: [x = x]\n", f"{name}.yaml") for name in "bcd"]
    finished = []
    results = check_files([slow, *fast], Options(), jobs=2, on_result=lambda r: finished.append(r.path))
    assert [r.path for r in results] == [slow, *fast]
    assert finished.index(slow) > finished.index(fast[0])  # it did finish later


def test_an_unreadable_file_is_one_error(write):
    (result,) = check_files([write("claims: [x = \n")], Options())
    assert result.error and result.error.count("\n") == 0 and "invalid YAML" in result.error


def test_the_warm_up_derivation_checks_as_intended():
    assert verdicts(check_spec(parse_spec(_WARM_UP, "<warm-up>"), Options())) == ["proved", "false"]


def test_numeric_checks_that_never_return_are_killed_and_the_file_goes_on(write, monkeypatch):
    patch_phase(monkeypatch, "numeric", _never_returns)
    start = time.monotonic()
    (result,) = check_files([write(FILE)], Options(timeout=0.5))
    assert time.monotonic() - start < 2 * 0.5 + GRACE + 8
    assert verdicts(result) == ["proved", "error", "proved", "false"]
    assert result.claims[1].error.endswith(":4:5: not checked: its numeric checks took longer than 0.5 s "
                                           "(--timeout raises it)")


@pytest.mark.parametrize("change", ["rewritten", "deleted"])
def test_a_file_changed_or_deleted_before_a_restart_is_checked_as_it_was_read(write, monkeypatch, change):
    path = write(FILE)

    def change_the_file_then_hang() -> None:
        if change == "deleted":
            os.remove(path)
        else:
            with open(path, "w") as handle:
                handle.write("symbols: [x]\nclaims:\n  - claim: x = x\n")
        _never_returns()

    patch_phase(monkeypatch, "prove", change_the_file_then_hang)
    (result,) = check_files([path], Options(timeout=0.5))
    assert result.error is None
    assert verdicts(result) == ["proved", "holds", "proved", "false"]


def test_deep_networks_and_definitions_check_in_the_workers(write):
    sizes = ", ".join(["2"] * 65)
    deep_network = write(f"network:\n  sizes: [{sizes}]\nlet:\n"
                         "  delta[L][j]: (a[L][j] - y[j]) * sigmoid'(z[L][j])\n"
                         "  delta[l][j]: sum(k, w[l+1][k,j] * delta[l+1][k]) * sigmoid'(z[l][j])\n"
                         "claims:\n  - claim: dC/dz[l][j] = delta[l][j]\n", "network.yaml")
    chain = write("symbols: [x]\nlet:\n  e0: x\n" + "".join(f"  e{i}: e{i - 1} + 1\n" for i in range(1, 100))
                  + "claims:\n  - claim: e99 = x + 99\n", "chain.yaml")
    options = Options(limits=Limits(layers=64))
    network, definitions = check_files([deep_network, chain], options)
    assert verdicts(network) == ["proved"] and network.claims[0].instances == 128
    assert verdicts(definitions) == ["proved"]
