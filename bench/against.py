"""Benchmark: this tree against another checkout of derivcheck, side by side in one run.

    python bench/against.py OTHER_TREE [FILE ...] [--repeats 5]

Runs `python -m derivcheck check FILE --json` from each tree in turn in every round (so that the load
of the machine falls on both alike) and prints, per file, the median whole-process seconds of each, their
ratio, and whether the two JSON outputs give the same verdicts, proofs and diagnoses. Without files:
every network file of derivations/ and the generated BP1-BP4 networks of bench/networks.py.
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

from networks import bp_file

ROOT = Path(__file__).resolve().parent.parent
SIZES = ([4, 8, 8, 3], [8, 16, 16, 4], [32, 32, 10])
# bytecode is written and used, as in an installed package
ENVIRONMENT = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}


def run(tree: Path, path: Path) -> tuple[float, list]:
    """Seconds of the whole process run from ``tree``, and what its claims came to."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "derivcheck", "check", str(path), "--json"], cwd=tree,
                          capture_output=True, text=True, env={**ENVIRONMENT, "PYTHONPATH": str(tree)})
    seconds = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(f"{path} from {tree}: exit {done.returncode}\n{done.stderr[-2000:]}")
    claims = [(c.get("verdict"), c.get("proved"), (c.get("diagnosis") or {}).get("code"), c.get("right"))
              for f in json.loads(done.stdout)["files"] for c in f.get("claims", [])]
    return seconds, claims


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("other", type=Path, help="the other checkout's top directory")
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        files = [path.resolve() for path in args.files]
        if not files:
            files = sorted(p for p in (ROOT / "derivations").glob("*.yaml") if "network:" in p.read_text())
            for sizes in SIZES:
                generated = Path(scratch) / f"bp_{'_'.join(map(str, sizes))}.yaml"
                generated.write_text(bp_file(sizes, "sigmoid"))
                files.append(generated)
        times = {(tree, path): [] for tree in (ROOT, args.other) for path in files}
        outputs = {}
        for _ in range(args.repeats):
            for path in files:
                for tree in (ROOT, args.other):
                    seconds, claims = run(tree, path)
                    times[tree, path].append(seconds)
                    outputs[tree, path] = claims
    print(f"{'file':44} {'this':>7} {'other':>7} {'ratio':>6}  same results")
    ratios = []
    for path in files:
        this, other = (statistics.median(times[tree, path]) for tree in (ROOT, args.other))
        ratios.append(this / other)
        same = outputs[ROOT, path] == outputs[args.other, path]
        print(f"{path.name:44} {this:7.2f} {other:7.2f} {this / other:6.2f}  {'yes' if same else 'NO'}")
    print(f"median ratio {statistics.median(ratios):.3f} over {len(files)} files, {args.repeats} rounds")


if __name__ == "__main__":
    main()
