"""Benchmark: the warm re-check of `derivcheck check --watch` against the cold whole process, side by side.

    python bench/watch.py [--repeats 9] [FILE...]

Warm: in one process, after the warm-up the watch does once, each file checked again as after a save (a
worker forked from the warm process, the file read and its model built anew), as the watch loop does it;
the loop's look at the files every 0.1 s comes on top. Cold: `derivcheck check FILE` as a whole process.
Medians, the two measured in turn.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from derivcheck.runner import check_entries, warm_up
from derivcheck.options import Options

ROOT = Path(__file__).resolve().parent.parent
COMMAND = [str(Path(sys.executable).parent / "derivcheck"), "check", "--quiet"]
ENVIRONMENT = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
FILES = ["seed000_steps.yaml", "seed001_delta_equations.yaml", "seed004_softmax_cross_entropy.yaml",
         "format_example_bp1_bp4.yaml"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("files", nargs="*", default=[str(ROOT / "derivations" / name) for name in FILES])
    args = parser.parse_args()
    warm_up()
    print(f"{'file':40} {'warm s':>8} {'cold s':>8} {'ratio':>6}")
    for path in args.files:
        warm, cold = [], []
        for _ in range(args.repeats):
            start = time.perf_counter()
            check_entries([path], Options())
            warm.append(time.perf_counter() - start)
            start = time.perf_counter()
            subprocess.run(COMMAND + [path], capture_output=True, env=ENVIRONMENT)
            cold.append(time.perf_counter() - start)
        w, c = statistics.median(warm), statistics.median(cold)
        print(f"{Path(path).name:40} {w:8.3f} {c:8.3f} {c / w:6.1f}")


if __name__ == "__main__":
    main()
