"""The command line: ``derivcheck check`` and ``derivcheck grad``; the only place that prints or exits."""

from __future__ import annotations

import argparse
import errno
import os
import signal
import sys
import time
from contextlib import contextmanager

from rich.console import Console

from . import __version__
from .errors import DerivcheckError
from .limits import DESCRIPTIONS, NAMES, Limits, with_overrides
from .notes import is_note, starts_with_model
from .output import to_stdout, write_file
from .source import one_line
from .results import FileResult

CHECK_EXAMPLE = """examples:
  derivcheck check hw3.yaml
  derivcheck check submissions/ --jobs 4 --quiet --junit grades.xml
  derivcheck check derivations --json > results.json
  derivcheck check big.yaml --limit parameters=20000 --timeout 10

limits (--limit NAME=VALUE raises one; defaults in parentheses):
""" + "\n".join(f"  {name:<17} {DESCRIPTIONS[name]} ({getattr(Limits(), name):,})" for name in NAMES) + """

exit status: 0 every verdict as expected, 1 some claim is not, 2 some file or claim could not be read"""

GRAD_EXAMPLE = """examples:
  derivcheck grad net.yaml
  derivcheck grad net.yaml --param 'w[2][1,3]' --latex
  derivcheck grad net.yaml --expanded"""


GRADE_EXAMPLE = """examples:
  derivcheck grade --key hw3.key.yaml submissions/
  derivcheck grade --key hw3.key.yaml submissions/ --csv grades.csv --jobs 4
  derivcheck grade --key hw3.key.yaml /autograder/submission/hw3.yaml --gradescope /autograder/results/results.json

exit status: 0 every submission graded (whatever the scores), 2 the key or some submission could not be read"""
FEEDBACK = ("verdict", "diagnosis", "full")  # as gradebook.FEEDBACK, without importing it at start-up


MAX_POINTS = 10_000  # random points per instance
MAX_JOBS = 256  # worker processes at once
MAX_SECONDS = 86_400  # any deadline: a day


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="derivcheck", description="Check hand-derived backpropagation formulas against the true derivatives.")
    parser.add_argument("--version", action="version", version=f"derivcheck {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    check = commands.add_parser(
        "check", help="check every claim of derivation files", epilog=CHECK_EXAMPLE,
        description="Check every claim of derivation files (YAML) and notes (.md, .tex with a model); folders are "
                    "searched for *.yaml, *.yml and notes that have a front matter.",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    check.add_argument("paths", nargs="+", metavar="PATH", help="derivation files or folders")
    check.add_argument("--json", action="store_true", help="write the results as JSON to standard output")
    check.add_argument("--quiet", "-q", action="store_true", help="show only claims that are not as expected")
    check.add_argument("--seed", type=_whole(0, 2**63 - 1), default=0,
                       help="seed of the random spot-check points (default 0)")
    check.add_argument("--points", type=_whole(1, MAX_POINTS), default=8,
                       help="random points per instance (default 8)")
    _bounds(check, "see below; ")
    check.add_argument("--no-proof", action="store_true", help="numeric checks only")
    check.add_argument("--strict", action="store_true",
                       help="a note's equation that cannot be read or evaluated is an error, not skipped")
    check.add_argument("--jobs", "-j", type=_whole(1, MAX_JOBS), default=1,
                       help="files checked in parallel, each in its own process (default 1)")
    check.add_argument("--junit", metavar="FILE", help="also write the results as JUnit XML to FILE")
    check.add_argument("--json-file", metavar="FILE", help="also write the results as JSON to FILE")

    report = commands.add_parser(
        "report", help="write a document of a derivation and its verdicts (Markdown or LaTeX)",
        epilog=REPORT_EXAMPLE, formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Check a derivation file and write a document: the network's equations, every claim in "
                    "LaTeX math with its verdict, the diagnosis of a false one and the right formula.")
    report.add_argument("path", metavar="FILE", help="a derivation file")
    report.add_argument("--format", choices=("md", "tex"), default="md",
                        help="md: Markdown with $$ math (GitHub, Jupyter); tex: a complete LaTeX document")
    report.add_argument("--output", "-o", metavar="OUT", help="write to OUT instead of standard output")
    _bounds(report, "as for check; ")

    grade = commands.add_parser(
        "grade", help="grade submissions against an answer key", epilog=GRADE_EXAMPLE,
        description="Grade each submission's answers against the key's questions: every answer checked as the "
                    "claim `ask = answer` of the key's model, with proofs, counterexamples and diagnoses.",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    grade.add_argument("submissions", nargs="+", metavar="SUBMISSION",
                       help="submission files (.yaml, .md, .tex) or folders")
    grade.add_argument("--key", required=True, metavar="KEY", help="the answer key (a derivation file with questions:)")
    grade.add_argument("--feedback", choices=FEEDBACK, default="diagnosis",
                       help="what a student is shown: the verdict, also the diagnosis (default), or also the right "
                            "formula and a counterexample")
    grade.add_argument("--csv", metavar="FILE", help="write the gradebook as CSV: one row per submission")
    grade.add_argument("--gradescope", metavar="FILE", help="write Gradescope's results.json (one submission)")
    grade.add_argument("--prairielearn", metavar="FILE",
                       help="write PrairieLearn's external-grader results.json (one submission)")
    grade.add_argument("--json", action="store_true", help="write the results as JSON to standard output")
    grade.add_argument("--jobs", "-j", type=_whole(1, MAX_JOBS), default=1,
                       help="submissions graded in parallel, each in its own process (default 1)")
    grade.add_argument("--seed", type=_whole(0, 2**63 - 1), default=0,
                       help="seed of the random spot-check points (default 0)")
    _bounds(grade, "as for check; ")

    grad = commands.add_parser(
        "grad", help="print the true derivative of the loss for every weight and bias", epilog=GRAD_EXAMPLE,
        description="Print dC/dθ for every weight and bias, from the chain rule over the forward pass.",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    grad.add_argument("path", metavar="FILE", help="a derivation file with a network")
    grad.add_argument("--param", help="one parameter only, e.g. 'w[2][1,3]'")
    grad.add_argument("--latex", action="store_true", help="LaTeX instead of text")
    grad.add_argument("--expanded", action="store_true",
                      help="each derivative written out in w, b, x, y, z and a, instead of over dC/dz and lets")
    _bounds(grad, "as for check; ", timeout="seconds for each gradient (default 3)",
            file_timeout="seconds for the whole command (default 120)")
    return parser


def _bounds(command: argparse.ArgumentParser, limits: str,
            timeout: str = "seconds per claim for each phase: numeric checks, the diagnosis, the proof (default 3)",
            file_timeout: str = "seconds for a whole file; claims not reached are reported (default 120)") -> None:
    """The options every command has: its deadlines and its limits."""
    command.add_argument("--timeout", type=_seconds, default=3.0, help=timeout)
    command.add_argument("--file-timeout", type=_seconds, default=120.0, help=file_timeout)
    command.add_argument("--limit", action="append", default=[], metavar="NAME=VALUE", type=_limit_setting,
                         help=f"raise (or lower) a limit, {limits}may be repeated")


REPORT_EXAMPLE = """examples:
  derivcheck report hw3.yaml > hw3.md
  derivcheck report hw3.yaml --format tex -o hw3.tex && pdflatex hw3.tex"""


def _limit_setting(text: str) -> str:
    try:
        with_overrides([text])
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return text


def _whole(low: int, high: int):
    """An argparse type: a whole number in [low, high], refused in one line otherwise."""
    def parse(text: str) -> int:
        if not text.strip().isdigit() or not low <= int(text) <= high:
            raise argparse.ArgumentTypeError(f"expected a whole number from {low:,} to {high:,}, not {text!r}")
        return int(text)
    return parse


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value <= MAX_SECONDS:  # NaN and inf too: a deadline must be a time
        raise argparse.ArgumentTypeError(f"expected a number of seconds above 0 and at most {MAX_SECONDS:,}, "
                                         f"not {text!r}")
    return value


def derivation_files(paths: list[str], every_note: bool = False) -> list[str | FileResult]:
    """In the order of the arguments: each file to check (a folder's YAML files sorted), or a result
    saying why a path cannot be checked (missing, not a regular file, an unreadable folder). A folder's
    notes are those with a model, or with ``every_note`` all of them (submissions need none)."""
    entries: list[str | FileResult] = []
    for path in paths:
        if os.path.isdir(path):
            entries.extend(_folder_files(path, every_note))
        elif os.path.isfile(path):
            entries.append(path)
        elif os.path.exists(path):
            entries.append(FileResult(path, path, error=f"{path}: not a regular file (a pipe or a device)"))
        else:
            entries.append(FileResult(path, path, error=f"{path}: no such file or folder"))
    return entries


def _folder_files(folder: str, every_note: bool = False) -> list[str | FileResult]:
    """A folder's *.yaml and *.yml files and its notes with a model, sorted; links that lead out of the folder
    are not followed."""
    top = os.path.realpath(folder)
    found: list[str | FileResult] = []

    def unreadable(error: OSError) -> None:
        name = error.filename or folder
        found.append(FileResult(name, name, error=f"{name}: cannot read folder: {error.strerror or error}"))

    for root, folders, names in os.walk(folder, onerror=unreadable):
        folders.sort()
        for name in names:
            path = os.path.join(root, name)
            inside = os.path.commonpath([top, os.path.realpath(path)]) == top
            note = is_note(path) if every_note else _is_note_with_model(path)
            if inside and os.path.isfile(path) and (name.endswith((".yaml", ".yml")) or note):
                found.append(path)
    found.sort(key=lambda entry: entry if isinstance(entry, str) else entry.path)
    if not found:
        found.append(FileResult(folder, folder, error=f"{folder}: no *.yaml files in this folder"))
    return found


def _is_note_with_model(path: str) -> bool:
    """A note whose beginning shows a model (a look at 64 KiB only: it is read, bounded, when checked)."""
    if not is_note(path):
        return False
    try:
        with open(path, "rb") as handle:
            head = handle.read(64 * 1024).decode("utf-8", errors="replace")
    except OSError:
        return False
    return starts_with_model(head, path)


# The commands import the checking modules when they run, not at start-up: SymPy alone takes
# half a second to import, which `derivcheck --help` need not pay.


def run_check(args, console: Console) -> int:
    from .runner import check_files
    from .verify import Options

    start = time.perf_counter()
    options = Options(seed=args.seed, points=args.points, timeout=args.timeout, prove=not args.no_proof,
                      file_timeout=args.file_timeout, limits=with_overrides(args.limit), strict=args.strict)
    entries = derivation_files(args.paths)
    files = [entry for entry in entries if isinstance(entry, str)]
    with _progress_bar(len(files)) as advance:
        checked = iter(check_files(files, options, args.jobs, on_result=advance))
    results = [next(checked) if isinstance(entry, str) else entry for entry in entries]
    seconds = time.perf_counter() - start
    from .export import to_json, to_junit
    from .report import RunReport

    document = to_json(results, seconds, options) if args.json or args.json_file else None
    failed = to_stdout(lambda: print(document) if args.json else
                       console.print(RunReport(results, args.quiet, seconds), soft_wrap=True))
    _write_outputs(failed, ((args.junit, lambda: to_junit(results, seconds)), (args.json_file, lambda: document)))
    return max((result.status for result in results), default=0)


def _write_outputs(failed: str | None, outputs) -> None:
    """The files after standard output (``failed``: what went wrong there), whatever happened to it: one
    failure hides nothing else, and all of them are one error at the end."""
    problems = [failed] if failed else []
    for path, text in outputs:
        if path:
            try:
                write_file(path, text())
            except DerivcheckError as error:
                problems.append(str(error))
    if problems:
        raise DerivcheckError("; ".join(problems))


@contextmanager
def _progress_bar(total: int):
    """A transient progress bar on a terminal's standard error for runs of several files."""
    if total < 2 or not sys.stderr.isatty():
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    # refreshed only when a file finishes: no drawing thread while worker processes are forked
    with Progress(TextColumn("checking"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=Console(stderr=True), transient=True, auto_refresh=False) as progress:
        task = progress.add_task("files", total=total)
        progress.refresh()

        def advance(result: FileResult) -> None:
            progress.advance(task)
            progress.refresh()

        yield advance


def run_report(args, console: Console) -> int:
    from .document import render
    from .runner import check_files
    from .spec import load_spec
    from .verify import Options

    options = Options(timeout=args.timeout, file_timeout=args.file_timeout, limits=with_overrides(args.limit))
    spec = load_spec(args.path, options.limits)  # an unreadable file is one line on standard error
    (result,) = check_files([args.path], options)
    if result.error:
        raise DerivcheckError(result.error)
    text = render(spec, result, args.format)
    if args.output:
        write_file(args.output, text)
    else:
        failed = to_stdout(lambda: sys.stdout.write(text))
        if failed:
            raise DerivcheckError(failed)
    return result.status


def run_grade(args, console: Console) -> int:
    import functools
    import json

    from .gradebook import GradeReport, csv_text, grade_json, gradescope, prairielearn, scored
    from .grading import graded_spec, load_key
    from .runner import check_files
    from .source import read_text
    from .verify import Options

    start = time.perf_counter()
    options = Options(seed=args.seed, timeout=args.timeout, file_timeout=args.file_timeout,
                      limits=with_overrides(args.limit))
    key_text = read_text(args.key, options.limits)
    key = load_key(key_text, args.key, options.limits)  # an unusable key is one line and exit 2
    entries = derivation_files(args.submissions, every_note=True)
    key_path = os.path.abspath(args.key)
    files = [entry for entry in entries if isinstance(entry, str) and os.path.abspath(entry) != key_path]
    for option, path in (("--gradescope", args.gradescope), ("--prairielearn", args.prairielearn)):
        if path and len(files) != 1:
            raise DerivcheckError(f"{option} writes the results of one submission, not {len(files)}")
    read = functools.partial(graded_spec, key_text, args.key)
    with _progress_bar(len(files)) as advance:
        graded = iter(check_files(files, options, args.jobs, on_result=advance, read=read))
    results = [next(graded) if isinstance(entry, str) else entry for entry in entries
               if not isinstance(entry, str) or entry in files]
    submissions = [scored(key, result) for result in results]
    seconds = time.perf_counter() - start
    failed = to_stdout(lambda: print(json.dumps(grade_json(key, submissions, args.feedback, seconds), indent=2,
                                                ensure_ascii=False, allow_nan=False)) if args.json else
                       console.print(GradeReport(key, submissions, args.feedback), soft_wrap=True))

    def one(document) -> str:  # a results file of one submission
        return json.dumps(document(key, submissions[0], args.feedback), indent=2, ensure_ascii=False,
                          allow_nan=False) + "\n"

    _write_outputs(failed, ((args.csv, lambda: csv_text(key, submissions)), (args.gradescope, lambda: one(gradescope)),
                            (args.prairielearn, lambda: one(prairielearn))))
    return 2 if any(submission.error for submission in submissions) else 0


def run_grad(args, console: Console) -> int:
    from .gradients import gradient_lines
    from .runner import run_in_worker
    from .source import read_text

    limits = with_overrides(args.limit)
    text = read_text(args.path, limits)
    lines = run_in_worker(gradient_lines, (text, args.path, limits, args.param, args.expanded, args.latex,
                                           args.timeout), args.file_timeout, limits.memory_mb)
    failed = to_stdout(lambda: sys.stdout.write("".join(line + "\n" for line in lines)))
    if failed:
        raise DerivcheckError(failed)
    return 0


class _Console(Console):
    def on_broken_pipe(self) -> None:
        """A closed pipe is a failing standard output like any other (rich's own answer is to exit at
        once, before the other outputs are written)."""
        raise BrokenPipeError(errno.EPIPE, "the reader closed the pipe")


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(variable, "1")  # before NumPy loads: no BLAS threads, parallelism is --jobs
    console = _Console(highlight=False)
    signal.signal(signal.SIGTERM, _interrupt)  # stopped by a grader's time limit: like Ctrl-C, workers and all
    try:
        if args.command == "check":
            return run_check(args, console)
        if args.command == "report":
            return run_report(args, console)
        if args.command == "grade":
            return run_grade(args, console)
        return run_grad(args, console)
    except DerivcheckError as error:
        print(f"derivcheck: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("derivcheck: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # noqa: BLE001 — a bug of ours is one line too, never a traceback
        print(f"derivcheck: internal error: {type(error).__name__}: {one_line(str(error))}", file=sys.stderr)
        return 2


def run() -> None:
    """The console script: ``main``, every output flushed, then an exit without the interpreter's
    teardown (tearing down SymPy's and NumPy's objects takes longer than many a check; the worker
    processes have ended and the output files are closed by then)."""
    status = main()
    failed = to_stdout(lambda: None)  # what is still buffered
    if failed:
        print(f"derivcheck: {failed}", file=sys.stderr)
        status = 2
    try:
        sys.stderr.flush()
    except (AttributeError, OSError, ValueError):
        pass
    os._exit(status)
