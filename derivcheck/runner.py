"""Checking many files in worker processes that can be killed: deadlines, memory, parallelism.

Each file is checked in its own process (forked where the system allows it, so
a start costs milliseconds, not a fresh import of SymPy). The worker sends each
claim's numeric verdict as soon as it has it and announces each proof before
starting it. This process, the supervisor, enforces the deadlines, which hold
even when SymPy never returns:

- a proof that overruns its claim's budget (``Options.timeout`` plus a grace)
  is killed; the claim keeps its numeric verdict with a note, and a new worker
  goes on with the claims after it;
- a file that overruns ``Options.file_timeout`` is stopped; claims not yet
  checked are reported as such, and verdicts already sent stand;
- a worker that dies (out of memory under ``limits.memory_mb``, a crash)
  costs the claim it was working on, and the rest of the file goes on.

Results come back in the order of the paths, whatever the order of finishing.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from multiprocessing.connection import Connection, wait

from .errors import DerivcheckError
from .results import ClaimResult, FileResult, Verdict
from .source import given_text, one_line, read_text
from .spec import parse_spec
from .checkers import build_checker, check_spec
from .options import Options
from .verify import Checked

# Python frames a worker may nest: deep definitions (a 64-layer recursion of delta) recurse in pure
# Python, which takes no C stack on CPython ≥ 3.11 (before, each frame takes some: a smaller limit);
# RecursionError still ends what goes deeper, cleanly.
RECURSION_LIMIT = 20_000 if sys.version_info >= (3, 11) else 4_000
GRACE = 1.0  # seconds a phase may overrun its in-process deadline before its worker is killed
# The phases of a worker and how many --timeout each may take before the supervisor kills it: building
# the model; a claim's numeric checks and then the search for its mistake (one --timeout each); a proof.
PHASE_TIMEOUTS = {"build": 1, "numeric": 2, "proof": 1}


def check_files(paths: list[str], options: Options, jobs: int = 1,
                on_result: Callable[[FileResult], None] | None = None, read: Callable = parse_spec,
                texts: dict[str, str] | None = None) -> list[FileResult]:
    """Check every file in a worker process, ``jobs`` at a time; results in the order of ``paths``. ``read``
    turns a file's text into its Spec in the worker (``parse_spec``; ``grading.graded_spec`` for a submission);
    ``texts`` gives the text of a path instead of reading it (a derivation given as text)."""
    forking = "fork" in mp.get_all_start_methods()
    context = mp.get_context("fork" if forking else "spawn")
    if forking and len(paths) > 1:
        warm_up()
    results: list[FileResult | None] = [None] * len(paths)
    waiting = list(enumerate(paths))[::-1]
    running: list[_Job] = []

    def finish(job: _Job) -> None:
        results[job.index] = job.result()
        if on_result is not None:
            on_result(results[job.index])

    try:
        while waiting or running:
            while waiting and len(running) < jobs:
                job = _Job(*waiting.pop(), options, context, read, (texts or {}))
                if job.finished:  # the file could not even be read
                    finish(job)
                else:
                    running.append(job)
            if not running:
                continue
            now = time.monotonic()
            timeout = max(0.0, min(job.deadline() for job in running) - now)
            by_connection = {job.connection: job for job in running}
            for connection in wait(list(by_connection), timeout):
                by_connection[connection].receive()
            now = time.monotonic()
            for job in running:
                job.enforce_deadlines(now)
            for job in [job for job in running if job.finished]:
                running.remove(job)
                finish(job)
    finally:  # interrupted (Ctrl-C, SIGTERM) or failing: no worker outlives the supervisor
        for job in running:
            job.stop()
    return [result for result in results if result is not None]


def check_entries(entries: list[str | FileResult], options, jobs: int = 1, on_result: Callable | None = None,
                  **reading) -> list[FileResult]:
    """The results of ``derivation_files``' entries in their order: each path checked by the workers (``reading``:
    ``check_files``' read and texts), each entry that is already a result (a missing path) as it is."""
    files = [entry for entry in entries if isinstance(entry, str)]
    checked = iter(check_files(files, options, jobs, on_result, **reading))
    return [next(checked) if isinstance(entry, str) else entry for entry in entries]


def run_in_worker(function: Callable, args: tuple, seconds: float, memory_mb: int):
    """``function(*args)`` in a worker process that is killed after ``seconds``, under the memory
    limit: its value, or DerivcheckError with one line when it raises one, overruns or dies."""
    context = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")
    receiving, sending = context.Pipe(duplex=False)
    process = context.Process(target=_call, args=(function, args, memory_mb, sending, os.getpid()), daemon=True)
    process.start()
    sending.close()
    try:
        if not receiving.poll(seconds):
            raise DerivcheckError(f"stopped: no answer within {seconds:g} s (--file-timeout raises it)")
        kind, value = receiving.recv()
    except (EOFError, OSError):
        raise DerivcheckError(f"the process ended without an answer (out of memory under memory_mb = "
                              f"{memory_mb:,}?)") from None
    finally:
        if process.is_alive():
            process.kill()
        process.join()
        receiving.close()
    if kind == "error":
        raise DerivcheckError(value)
    return value


def _call(function: Callable, args: tuple, memory_mb: int, connection: Connection, parent: int) -> None:
    _prepare(parent, memory_mb)
    try:
        connection.send(("value", function(*args)))
    except DerivcheckError as error:
        connection.send(("error", str(error)))
    except MemoryError:
        connection.send(("error", f"out of memory (limit memory_mb = {memory_mb:,})"))
    except Exception as error:  # noqa: BLE001 — one line, never a traceback
        connection.send(("error", f"internal error: {type(error).__name__}: {one_line(str(error))}"))


# A small derivation checked once in the supervisor before forking: the modules SymPy imports
# lazily and its caches are then inherited by every worker instead of rebuilt in each.
_WARM_UP = """
network: {sizes: [2, 2, 2]}
let:
  delta[L][j]: (a[L][j] - y[j]) * sigmoid'(z[L][j])
  delta[l][j]: sum(k, w[l+1][k,j] * delta[l+1][k]) * sigmoid'(z[l][j])
claims:
  - claim: dC/dw[l][j,k] = delta[l][j] * a[l-1][k]
  - claim: dC/dw[l][j,k] = delta[l][j] * a[l][k]
    expect: false
"""


def warm_up() -> None:
    """Check a small derivation here, so that the workers forked after it inherit SymPy's lazily imported
    modules and caches (``check_files`` does it for several files; ``check --watch`` once)."""
    check_spec(parse_spec(_WARM_UP, "<warm-up>"), Options(points=2))


# -- the worker process ---------------------------------------------------------------------------


def _work(path: str, text: str, options: Options, known: dict[int, ClaimResult], settled: frozenset[int],
          connection: Connection, parent: int, read: Callable) -> None:
    """Check one file (its text as the supervisor read it, once for every restart) and send what
    happens: start, numeric/proof (before), result (after), done."""
    _prepare(parent, options.limits.memory_mb)
    try:
        spec = read(text, path, options.limits)
        checker = build_checker(spec, options)
    except DerivcheckError as error:
        connection.send(("error", str(error)))
        return
    except Exception as error:  # noqa: BLE001 — reading the file failed in a way of ours: its error, one line
        connection.send(("error", f"{path}: internal error: {type(error).__name__}: {one_line(str(error))}"))
        return
    connection.send(("start", spec.title, [checker.pending(claim, "not checked") for claim in spec.claims],
                     spec.warnings))
    checked = {index: Checked(result) for index, result in known.items()}  # a proof rebuilds what they held
    for index, claim in enumerate(spec.claims):
        if index not in checked and index not in settled:
            connection.send(("numeric", index))
            checked[index] = checker.numeric_safely(claim)
            connection.send(("result", index, checked[index].result))
    for index, claim in enumerate(spec.claims):
        if index not in settled and checker.needs_proof(checked[index].result):
            connection.send(("proof", index))
            connection.send(("result", index, checker.prove_safely(claim, checked[index])))
    connection.send(("done",))


def _prepare(parent: int, megabytes: int) -> None:
    """A worker's setup: the supervisor's signals are its own, it ends with the supervisor, its memory
    is limited, and it may nest definitions deeply."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C and SIGTERM are the supervisor's to handle
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _die_with(parent)
    _limit_memory(megabytes)
    sys.setrecursionlimit(max(sys.getrecursionlimit(), RECURSION_LIMIT))


def _die_with(parent: int) -> None:
    """End this worker when the supervisor ends, however it ends (kill -9 included): by the kernel's
    parent-death signal where there is one (Linux), otherwise by watching the parent."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(1, signal.SIGKILL, 0, 0, 0) == 0:  # PR_SET_PDEATHSIG
            if os.getppid() != parent:  # the parent died before the signal was asked for
                os._exit(1)
            return
    except (OSError, AttributeError):
        pass

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


def _limit_memory(megabytes: int) -> None:
    try:
        import resource
    except ImportError:  # not on this system: the other limits still bound the work
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    wanted = megabytes * 2**20
    if soft == resource.RLIM_INFINITY or wanted < soft:
        try:
            resource.setrlimit(resource.RLIMIT_AS, (wanted, hard))
        except (ValueError, OSError):
            pass


# -- the supervisor's view of one file ------------------------------------------------------------


@dataclass
class _Job:
    index: int
    path: str
    options: Options
    context: mp.context.BaseContext
    read: Callable
    texts: dict[str, str]
    started: float = field(default_factory=time.monotonic)
    title: str | None = None
    warnings: tuple[str, ...] = ()
    error: str | None = None
    claims: list[ClaimResult] = field(default_factory=list)
    known: set[int] = field(default_factory=set)  # claims with a numeric verdict
    settled: set[int] = field(default_factory=set)  # claims that need nothing more
    current: tuple[str, int] | None = None  # ("build" | "numeric" | "proof", claim index) being worked on
    phase_deadline: float = float("inf")
    finished: bool = False
    restarts: int = 0

    def __post_init__(self) -> None:
        try:  # once: every restart checks the same text
            self.text = given_text(self.texts[self.path], self.path, self.options.limits) if self.path in self.texts \
                else read_text(self.path, self.options.limits)
        except DerivcheckError as error:
            self.error, self.finished = str(error), True
            return
        self._launch()

    def _launch(self) -> None:
        self.connection, child_end = self.context.Pipe(duplex=False)
        known = {i: self.claims[i] for i in self.known}
        self.process = self.context.Process(
            target=_work, args=(self.path, self.text, self.options, known, frozenset(self.settled), child_end,
                                os.getpid(), self.read), daemon=True)
        self.process.start()
        child_end.close()
        self._enter(("build", -1))

    def _enter(self, phase: tuple[str, int] | None) -> None:
        self.current = phase
        self.phase_deadline = float("inf") if phase is None else \
            time.monotonic() + PHASE_TIMEOUTS[phase[0]] * self.options.timeout + GRACE

    def deadline(self) -> float:
        return min(self.started + self.options.file_timeout, self.phase_deadline)

    def receive(self) -> None:
        try:
            message = self.connection.recv()
        except (EOFError, OSError):
            self._ended()
            return
        kind = message[0]
        if kind == "error":
            self.error = message[1]
            self.stop()
        elif kind == "start":
            self.title, self.warnings = message[1], message[3]
            if not self.claims:
                self.claims = list(message[2])
            self._enter(None)
        elif kind in ("numeric", "proof"):
            self._enter((kind, message[1]))
        elif kind == "result":
            index, result = message[1], message[2]
            self.claims[index] = result
            self.known.add(index)
            if self.current == ("proof", index) or not (self.options.prove and result.verdict is Verdict.HOLDS):
                self.settled.add(index)
            self._enter(None)
        elif kind == "done":
            self.stop()

    def enforce_deadlines(self, now: float) -> None:
        if self.finished:
            return
        if now >= self.started + self.options.file_timeout:
            self.stop()
            self._out_of_time()
        elif now >= self.phase_deadline:
            phase, index = self.current
            self.stop()
            seconds = f"{self.options.timeout:g} s"
            if phase == "build":
                self.error = f"{self.path}: stopped: building the model took longer than {seconds} (--timeout raises it)"
                return
            if phase == "numeric":
                self.claims[index] = _unchecked(self.claims[index], f"not checked: its numeric checks took longer "
                                                                    f"than {seconds} (--timeout raises it)")
                self.known.add(index)
                self.settled.add(index)
            else:
                self._settle(index, f"symbolic proof stopped: no answer within its {seconds} budget; "
                                    "the verdict rests on the numeric checks")
            self._restart()

    def _ended(self) -> None:
        """The worker died without saying done: the claim it was on pays for it."""
        self.process.join(1)
        code = self.process.exitcode
        cause = (f"killed by signal {-code}" if code is not None and code < 0 else f"exit code {code}")
        cause += f"; out of memory under memory_mb = {self.options.limits.memory_mb:,}?"
        self.stop()
        phase, index = self.current or ("", -1)
        if phase == "build":
            self.error = f"{self.path}: the checking process ended while reading the file and building its model " \
                         f"({cause})"
            return
        if phase == "proof":
            self._settle(index, f"symbolic proof stopped: the checking process ended ({cause}); "
                                "the verdict rests on the numeric checks")
        elif phase == "numeric":
            self.claims[index] = _unchecked(self.claims[index], f"the checking process ended ({cause})")
            self.known.add(index)
            self.settled.add(index)
        self._restart()

    def _settle(self, index: int, note: str) -> None:
        self.claims[index] = _with_note(self.claims[index], note)
        self.settled.add(index)

    def _restart(self) -> None:
        self.restarts += 1
        if self.restarts > len(self.claims):  # each restart settles a claim: this cannot loop
            self.error = f"{self.path}: internal error: the checking process kept failing"
            return
        self.finished = False
        self._launch()

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join()
        self.connection.close()
        self.finished = True

    def _out_of_time(self) -> None:
        limit = f"the file's time limit of {self.options.file_timeout:g} s ran out (--file-timeout)"
        if self.title is None:
            self.error = f"{self.path}: stopped: {limit} while reading the file and building its network"
            return
        for index, claim in enumerate(self.claims):
            if index not in self.known:
                self.claims[index] = _unchecked(claim, f"not checked: {limit}")
            elif index not in self.settled:
                self.claims[index] = _with_note(claim, f"symbolic proof not finished: {limit}; "
                                                       "the verdict rests on the numeric checks")

    def result(self) -> FileResult:
        seconds = time.monotonic() - self.started
        if self.error is not None:
            return FileResult(self.path, self.title or self.path, error=self.error, seconds=seconds)
        return FileResult(self.path, self.title or self.path, tuple(self.claims), seconds=seconds,
                          warnings=self.warnings)


def _with_note(result: ClaimResult, note: str) -> ClaimResult:
    return replace(result, notes=result.notes + (note,))


def _unchecked(result: ClaimResult, reason: str) -> ClaimResult:
    return replace(result, verdict=Verdict.ERROR, error=f"{result.location}: {reason}")
