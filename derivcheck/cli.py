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
from .files import derivation_files, states_claims
from .output import to_stdout, write_file
from .source import one_line
from .results import FEEDBACK, FileResult

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
    check.add_argument("--watch", action="store_true",
                       help="check again on every save, in a warm process, and show what changed (Ctrl-C ends)")
    check.add_argument("--only-derivations", action="store_true",
                       help="skip the YAML files given that have no `claims:` and the notes without a model "
                            "(for a pre-commit hook, which passes every YAML file)")
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

    init = commands.add_parser(
        "init", help="write a commented starting derivation file that checks clean",
        description="Write a starting derivation file: a small sigmoid network (or, with --forward, a forward "
                    "computation), definitions, claims and one mistake kept on purpose; it checks clean.")
    init.add_argument("path", metavar="FILE", help="the file to write (never an existing one)")
    init.add_argument("--forward", action="store_true", help="a forward file (format v2) instead of a network")

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


# The commands import the checking modules when they run, not at start-up: SymPy alone takes
# half a second to import, which `derivcheck --help` need not pay.


def run_check(args, console: Console) -> int:
    from .runner import check_entries
    from .options import Options

    start = time.perf_counter()
    options = Options(seed=args.seed, points=args.points, timeout=args.timeout, prove=not args.no_proof,
                      file_timeout=args.file_timeout, limits=with_overrides(args.limit), strict=args.strict)
    if args.watch:
        if args.json or args.json_file or args.junit:
            raise DerivcheckError("--watch shows the terminal's report; it writes no --json, --json-file or --junit")
        return _watch(args, console, options)
    entries = _entries(args)
    with _progress_bar(sum(isinstance(entry, str) for entry in entries)) as advance:
        results = check_entries(entries, options, args.jobs, on_result=advance)
    seconds = time.perf_counter() - start
    from .export import to_json, to_junit
    from .report import RunReport

    document = to_json(results, seconds, options) if args.json or args.json_file else None
    failed = to_stdout(lambda: print(document) if args.json else
                       console.print(RunReport(results, args.quiet, seconds), soft_wrap=True))
    _write_outputs(failed, ((args.junit, lambda: to_junit(results, seconds)), (args.json_file, lambda: document)))
    return max((result.status for result in results), default=0)


def _entries(args) -> list:
    entries = derivation_files(args.paths)
    if args.only_derivations:
        entries = [entry for entry in entries if not isinstance(entry, str) or states_claims(entry)]
    return entries


def _watch(args, console: Console, options) -> int:
    """``check --watch``: each round's report, and what changed, until Ctrl-C (see ``watch``)."""
    from .report import RunReport
    from .watch import rounds

    try:
        for checked, seconds, changes in rounds(lambda: _entries(args), options, args.jobs):
            failed = to_stdout(lambda: (console.print(RunReport(checked, args.quiet, seconds), soft_wrap=True),
                                        [console.print(f"changed since the last check: {line}", soft_wrap=True)
                                         for line in changes], sys.stdout.flush()))
            if failed:
                raise DerivcheckError(failed)
    except KeyboardInterrupt:  # the way a watch ends
        return 0
    return 0


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
    from .options import Options

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


def run_init(args, console: Console) -> int:
    from .templates import starting_file

    if os.path.lexists(args.path):
        raise DerivcheckError(f"{args.path}: already exists; init writes a new file only")
    write_file(args.path, starting_file(args.forward))
    failed = to_stdout(lambda: print(f"wrote {args.path}: check it with `derivcheck check {args.path}`"))
    if failed:
        raise DerivcheckError(failed)
    return 0


def run_grade(args, console: Console) -> int:
    import json
    from pathlib import Path

    from .api import grade
    from .files import submission_files
    from .gradebook import GradeReport, csv_text, grade_json, gradescope, prairielearn

    start = time.perf_counter()
    count = sum(isinstance(entry, str) for entry in submission_files(args.submissions, args.key))
    for option, path in (("--gradescope", args.gradescope), ("--prairielearn", args.prairielearn)):
        if path and count != 1:
            raise DerivcheckError(f"{option} writes the results of one submission, not {count}")
    with _progress_bar(count) as advance:  # an unusable key is one line and exit 2
        graded = grade(Path(args.key), [Path(path) for path in args.submissions], feedback=args.feedback,
                       seed=args.seed, timeout=args.timeout, file_timeout=args.file_timeout,
                       limits=tuple(args.limit), jobs=args.jobs, on_result=advance)
    key, submissions = graded.key, list(graded.submissions)
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
        if args.command == "init":
            return run_init(args, console)
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
