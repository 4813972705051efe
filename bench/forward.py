"""Benchmark: forward files (format v2), whole process, next to the import floor measured in the same run;
and backpropagation-through-time proofs as the number of steps T grows.

    python bench/forward.py [--repeats 5] [--steps 3 4 5 6] [--timeout 3]

For every `derivations/forward_*.yaml` and `network_*penalty*.yaml`: the median wall time of
`derivcheck check FILE --json`, and how many claims were proved, held and came out false. Then an
RNN like `derivations/forward_rnn_bptt.yaml` over T steps: the whole-process time and whether the
claims dL/dh[t][j] and dL/dW (the file's first two) were proved within `--timeout`.
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

ROOT = Path(__file__).resolve().parent.parent
COMMAND = [str(Path(sys.executable).parent / "derivcheck")]
RNN = ROOT / "derivations" / "forward_rnn_bptt.yaml"  # run with T steps in place of its T = 3


def timed(arguments: list[str], repeats: int) -> tuple[float, str]:
    times, output = [], ""
    for _ in range(repeats):
        start = time.perf_counter()
        output = subprocess.run(arguments, capture_output=True, text=True).stdout
        times.append(time.perf_counter() - start)
    return statistics.median(times), output


def counts(document: str) -> str:
    claims = json.loads(document)["files"][0]["claims"]
    verdicts = [claim["verdict"] for claim in claims]
    return ", ".join(f"{verdicts.count(v)} {v}" for v in ("proved", "holds", "false", "error") if v in verdicts)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--steps", type=int, nargs="+", default=[3, 4, 5, 6])
    parser.add_argument("--timeout", default="3")
    args = parser.parse_args()
    floor, _ = timed([sys.executable, "-c", "import sympy, numpy"], args.repeats)
    print(f"import floor (python -c 'import sympy, numpy'): {floor:.2f} s (median of {args.repeats})")
    files = sorted((ROOT / "derivations").glob("forward_*.yaml")) + sorted((ROOT / "derivations").glob("network_*.yaml"))
    print(f"{'file':<34} {'median':>8} {'÷ floor':>8}  verdicts")
    for path in files:
        median, output = timed(COMMAND + ["check", str(path), "--json", "--timeout", args.timeout], args.repeats)
        print(f"{path.name:<34} {median:>6.2f} s {median / floor:>7.1f}×  {counts(output)}")
    folder = Path(tempfile.mkdtemp(prefix="derivcheck-bptt-"))
    print(f"\n{'T':>3} {'median':>8}  dL/dh[t][j] (proved/instances), dL/dW")
    for steps in args.steps:
        path = folder / f"rnn{steps}.yaml"
        text = RNN.read_text(encoding="utf-8")
        path.write_text(text.replace("dims: {T: 3,", f"dims: {{T: {steps},", 1), encoding="utf-8")
        median, output = timed(COMMAND + ["check", str(path), "--json", "--timeout", args.timeout], args.repeats)
        first, second = json.loads(output)["files"][0]["claims"][:2]  # dL/dh[t][j] and dL/dW
        print(f"{steps:>3} {median:>6.2f} s  {first['proved']}/{first['instances']} ({first['verdict']}), "
              f"{second['proved']}/{second['instances']} ({second['verdict']}, {second['seconds']:.2f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
