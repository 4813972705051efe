"""Benchmark: whole-process time of `derivcheck check` on the seed derivations and on generated
networks with the full BP1-BP4 claim set, and the naive way (simplify(diff - formula) per
parameter on the composed loss) side by side.

    python bench/run.py [--repeats 5] [--skip-naive]

Prints medians (the machines are shared and noisy): seconds per file, seconds per parameter,
and how many claim instances were proved symbolically versus held numerically.
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

from networks import bp_file, parameter_count

ROOT = Path(__file__).resolve().parent.parent
COMMAND = [str(Path(sys.executable).parent / "derivcheck")]
SIZES = ([2, 3, 2], [4, 8, 8, 3], [8, 16, 16, 4])


def timed_run(path: str, repeats: int) -> tuple[float, dict]:
    """Median wall time of the whole process, and its JSON output."""
    times, document = [], {}
    for _ in range(repeats):
        start = time.perf_counter()
        done = subprocess.run(COMMAND + ["check", path, "--json"], capture_output=True, text=True)
        times.append(time.perf_counter() - start)
        if done.returncode not in (0, 1):
            raise SystemExit(f"{path}: exit {done.returncode}\n{done.stdout}{done.stderr}")
        document = json.loads(done.stdout)
    return statistics.median(times), document


def instance_counts(document: dict) -> tuple[int, int, int]:
    """Instances proved, held numerically (in claims that hold), and false."""
    claims = [c for f in document["files"] for c in f["claims"]]
    proved = sum(c["proved"] for c in claims)
    held = sum(c["instances"] - c["proved"] for c in claims if c["verdict"] in ("proved", "holds"))
    return proved, held, sum(c["failed"] for c in claims)


def import_floor(repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import sympy, numpy"], check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def naive_seconds(sizes: list[int]) -> float:
    """simplify(diff(C, θ) - formula) per parameter, on the composed expression (sigmoid via exp)."""
    import sympy as sp

    L = len(sizes) - 1
    sig = lambda u: 1 / (1 + sp.exp(-u))  # noqa: E731
    w = {(l, j, k): sp.Symbol(f"w{l}_{j}_{k}") for l in range(1, L + 1)
         for j in range(sizes[l]) for k in range(sizes[l - 1])}
    b = {(l, j): sp.Symbol(f"b{l}_{j}") for l in range(1, L + 1) for j in range(sizes[l])}
    x = [sp.Symbol(f"x{k}") for k in range(sizes[0])]
    y = [sp.Symbol(f"y{j}") for j in range(sizes[L])]
    a, z = {0: x}, {}
    for l in range(1, L + 1):
        z[l] = [sum(w[l, j, k] * a[l - 1][k] for k in range(sizes[l - 1])) + b[l, j] for j in range(sizes[l])]
        a[l] = [sig(v) for v in z[l]]
    C = sum((a[L][j] - y[j]) ** 2 for j in range(sizes[L])) / 2
    dsig = lambda u: sig(u) * (1 - sig(u))  # noqa: E731
    delta = {L: [(a[L][j] - y[j]) * dsig(z[L][j]) for j in range(sizes[L])]}
    for l in range(L - 1, 0, -1):
        delta[l] = [sum(w[l + 1, k, j] * delta[l + 1][k] for k in range(sizes[l + 1])) * dsig(z[l][j])
                    for j in range(sizes[l])]
    start = time.perf_counter()
    for (l, j, k), symbol in w.items():
        assert sp.simplify(sp.diff(C, symbol) - delta[l][j] * a[l - 1][k]) == 0
    for (l, j), symbol in b.items():
        assert sp.simplify(sp.diff(C, symbol) - delta[l][j]) == 0
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--skip-naive", action="store_true", help="skip the naive way (it takes minutes)")
    args = parser.parse_args()

    print(f"import sympy, numpy alone: {import_floor(args.repeats):.2f} s (median of {args.repeats})\n")
    print(f"{'seed derivation':44} {'median s':>9} {'proved':>7} {'held':>5} {'false':>6}")
    for path in sorted((ROOT / "derivations").glob("*.yaml")):
        seconds, document = timed_run(str(path), args.repeats)
        proved, held, false = instance_counts(document)
        print(f"{path.name:44} {seconds:9.2f} {proved:7} {held:5} {false:6}")

    print(f"\n{'generated BP1-BP4':30} {'params':>6} {'median s':>9} {'ms/param':>9} {'proved':>7} {'held':>5}")
    small = None
    with tempfile.TemporaryDirectory() as folder:
        for sizes in SIZES:
            for head in ("sigmoid", "softmax"):
                path = Path(folder) / f"bp_{'_'.join(map(str, sizes))}_{head}.yaml"
                path.write_text(bp_file(sizes, head), encoding="utf-8")
                seconds, document = timed_run(str(path), max(1, args.repeats // 2 + 1))
                proved, held, false = instance_counts(document)
                if false:
                    raise SystemExit(f"{path.name}: {false} false instances in a true claim set")
                count = parameter_count(sizes)
                if sizes == SIZES[0] and head == "sigmoid":
                    small = seconds
                label = f"{sizes} {head}"
                print(f"{label:30} {count:6} {seconds:9.2f} {1000 * seconds / count:9.1f} {proved:7} {held:5}")

    if not args.skip_naive:
        seconds = naive_seconds(SIZES[0])
        print(f"\nnaive simplify(diff - formula) for {SIZES[0]}: {seconds:.1f} s "
              f"(in-process, after building the expressions); derivcheck whole process: {small:.2f} s; "
              f"ratio {seconds / small:.0f}x")


if __name__ == "__main__":
    main()
