"""Benchmark: a softmax Jacobian claim over N outputs (N² instances) and the cross-entropy gradient,
whole process, for N = 10 … 100.

    python bench/softmax.py [--sizes 10 20 50 100] [--repeats 3] [--timeout 60]

Prints the median wall time per N, the time per Jacobian instance, and how many instances were
proved. Each Jacobian entry is one local step of the softmax group, yhat[i]([i == j] − yhat[j]),
so the time per instance should stay flat as N grows (N² in all, not N³).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

COMMAND = [str(Path(sys.executable).parent / "derivcheck")]
FILE = """network:
  sizes: [3, {n}]
  output: softmax
  loss: cross_entropy
  targets: one_hot
claims:
  - claim: d(yhat[i])/d(z[L][j]) = yhat[i] * ([i == j] - yhat[j])
  - claim: dC/dz[L][j] = yhat[j] - y[j]
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 20, 50, 100])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--timeout", default="60", help="--timeout of each run (a large Jacobian needs more than 3 s)")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="derivcheck-softmax-"))
    print(f"{'N':>4} {'instances':>9} {'whole process':>14} {'per instance':>13} {'proved':>13}")
    for n in args.sizes:
        path = folder / f"softmax{n}.yaml"
        path.write_text(FILE.format(n=n), encoding="utf-8")
        times, document = [], {}
        for _ in range(args.repeats):
            start = time.perf_counter()
            done = subprocess.run(COMMAND + ["check", str(path), "--json", "--timeout", args.timeout],
                                  capture_output=True, text=True)
            times.append(time.perf_counter() - start)
            document = json.loads(done.stdout)
        jacobian = document["files"][0]["claims"][0]
        median = statistics.median(times)
        print(f"{n:>4} {jacobian['instances']:>9} {median:>12.2f} s {1000 * median / jacobian['instances']:>10.2f} ms "
              f"{jacobian['proved']:>6}/{jacobian['instances']:<6} ({jacobian['verdict']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
