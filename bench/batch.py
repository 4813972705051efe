"""Batch grading: a class of submissions through the command line, and the cost of isolation.

    python bench/batch.py [--files 200] [--repeats 3]

- a class: --files copies of the derivations (a folder like a course's submissions), checked with
  `derivcheck check DIR --jobs 1` and `--jobs 2`: wall time, seconds per file;
- isolation: the same files checked in this process (verify.check_file) and in worker processes
  (runner.check_files, one process per file): the overhead per file;
- the hostile corpus (tests/hostile): the slowest file.

Medians of --repeats runs; the machines are shared and noisy, so compare ratios.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from derivcheck.runner import check_files
from derivcheck.checkers import check_file
from derivcheck.options import Options

ROOT = Path(__file__).resolve().parent.parent
COMMAND = [str(Path(sys.executable).parent / "derivcheck")]


def median_time(action, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def run_cli(*args: str) -> dict:
    done = subprocess.run(COMMAND + ["check", *args, "--json"], capture_output=True, text=True)
    if done.returncode not in (0, 1, 2):
        raise SystemExit(done.stderr)
    return json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    sources = sorted((ROOT / "derivations").glob("*.yaml"))
    folder = Path(tempfile.mkdtemp(prefix="derivcheck-class-"))
    try:
        for number in range(args.files):
            shutil.copy(sources[number % len(sources)], folder / f"student{number:03d}.yaml")
        for jobs in (1, 2):
            seconds = median_time(lambda: run_cli(str(folder), "--jobs", str(jobs)), args.repeats)
            print(f"class of {args.files} files, --jobs {jobs}: {seconds:.1f} s "
                  f"({seconds / args.files * 1000:.0f} ms per file)")
        paths = [str(path) for path in sources]
        check_file(paths[0])  # imports and caches warm for both
        in_process = median_time(lambda: [check_file(p) for p in paths], args.repeats)
        isolated = median_time(lambda: check_files(paths, Options()), args.repeats)
        print(f"{len(paths)} derivations in this process: {in_process:.2f} s; one worker process per file: "
              f"{isolated:.2f} s ({(isolated - in_process) / len(paths) * 1000:+.0f} ms per file)")
        hostile = run_cli(str(ROOT / "tests" / "hostile"))
        slowest = max(hostile["files"], key=lambda f: f["seconds"])
        summary = hostile["summary"]
        print(f"hostile corpus: {summary['files']} files; {summary['file_errors']} refused whole, "
              f"{summary['error']} of {summary['claims']} claims in the others refused; "
              f"slowest file {slowest['seconds']:.2f} s ({Path(slowest['path']).name}), "
              f"whole run {hostile['seconds']:.1f} s")
    finally:
        shutil.rmtree(folder)


if __name__ == "__main__":
    main()
