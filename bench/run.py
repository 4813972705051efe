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
import os
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


# bytecode is written and used, as in an installed package
ENVIRONMENT = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
FLOOR = [sys.executable, "-c", "import sympy, numpy"]
IMPORTS = [sys.executable, "-c", "import sympy, numpy, derivcheck.cli, derivcheck.runner, derivcheck.verify"]


def seconds_of(command: list[str]) -> tuple[float, subprocess.CompletedProcess]:
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=ENVIRONMENT)
    return time.perf_counter() - start, done


def timed_run(path: str, repeats: int) -> tuple[float, dict]:
    """Median wall time of the whole process, and its JSON output."""
    times, document = [], {}
    for _ in range(repeats):
        seconds, done = seconds_of(COMMAND + ["check", path, "--json"])
        times.append(seconds)
        if done.returncode not in (0, 1):
            raise SystemExit(f"{path}: exit {done.returncode}\n{done.stdout}{done.stderr}")
        document = json.loads(done.stdout)
    return statistics.median(times), document


def side_by_side(paths: list[Path], repeats: int) -> tuple[float, float, dict]:
    """The import floor, derivcheck's imports and every file, in turn in each round (so that the load of
    the machine falls on all of them alike): medians, and each file's median and JSON output."""
    floor, imports, files = [], [], {path: [] for path in paths}
    documents = {}
    for _ in range(repeats):
        floor.append(seconds_of(FLOOR)[0])
        imports.append(seconds_of(IMPORTS)[0])
        for path in paths:
            seconds, done = seconds_of(COMMAND + ["check", str(path), "--json"])
            if done.returncode not in (0, 1):
                raise SystemExit(f"{path}: exit {done.returncode}\n{done.stdout}{done.stderr}")
            files[path].append(seconds)
            documents[path] = json.loads(done.stdout)
    return statistics.median(floor), statistics.median(imports), {
        path: (statistics.median(times), documents[path]) for path, times in files.items()}


def instance_counts(document: dict) -> tuple[int, int, int]:
    """Instances proved, held numerically (in claims that hold), and false."""
    claims = [c for f in document["files"] for c in f["claims"]]
    proved = sum(c["proved"] for c in claims)
    held = sum(c["instances"] - c["proved"] for c in claims if c["verdict"] in ("proved", "holds"))
    return proved, held, sum(c["failed"] for c in claims)


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

    paths = sorted((ROOT / "derivations").glob("*.yaml")) + sorted((ROOT / "derivations" / "notes").glob("*.md"))
    floor, imports, files = side_by_side(paths, args.repeats)
    print(f"medians of {args.repeats}, side by side: `import sympy, numpy` {floor:.2f} s; with derivcheck's "
          f"modules {imports:.2f} s ({imports / floor:.2f}x)\n")
    print(f"{'derivation':44} {'median s':>9} {'/ floor':>8} {'proved':>7} {'held':>5} {'false':>6}")
    for path, (seconds, document) in files.items():
        proved, held, false = instance_counts(document)
        print(f"{path.name:44} {seconds:9.2f} {seconds / floor:8.2f} {proved:7} {held:5} {false:6}")
    ratios = sorted(seconds / floor for seconds, _ in files.values())
    print(f"{len(files)} files: {sum(s <= 1.0 for s, _ in files.values())} within 1.0 s, "
          f"{sum(r <= 2.0 for r in ratios)} within 2x the floor; slowest {ratios[-1]:.2f}x")

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
