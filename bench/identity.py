"""Run-to-run identity: `derivcheck check derivations --json --jobs 2` several times, some of them
with other processes loading every core, and which claims' results differ between runs (verdicts,
instances proved, diagnoses with their messages and corrections, notes; times left out).

    python bench/identity.py [--runs 4] [--path derivations]

Anything printed under "differences" depends on the machine's load, not on the file and --seed:
a wall-clock budget was reached somewhere.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMMAND = [str(Path(sys.executable).parent / "derivcheck")]


def _burn(stop_at: float) -> None:
    while time.monotonic() < stop_at:
        sum(i * i for i in range(10_000))


def outcome(path: str, loaded: bool) -> dict:
    burners = []
    if loaded:
        stop_at = time.monotonic() + 600
        burners = [mp.Process(target=_burn, args=(stop_at,), daemon=True) for _ in range(os.cpu_count() or 2)]
        for burner in burners:
            burner.start()
    try:
        done = subprocess.run(COMMAND + ["check", path, "--json", "--jobs", "2"], capture_output=True, text=True,
                              cwd=ROOT)
    finally:
        for burner in burners:
            burner.kill()
    results = {}
    for entry in json.loads(done.stdout)["files"]:
        for claim in entry["claims"]:
            diagnosis = claim["diagnosis"] or {}
            results[(entry["path"], claim["number"])] = (
                claim["verdict"], claim["proved"], diagnosis.get("code"), diagnosis.get("message"),
                diagnosis.get("corrected"), tuple(note for note in claim["notes"]))
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=4)
    parser.add_argument("--path", default="derivations")
    args = parser.parse_args()
    runs = [outcome(args.path, loaded=number % 2 == 1) for number in range(args.runs)]
    first = runs[0]
    differing = sorted(key for key in first if any(run.get(key) != first[key] for run in runs[1:]))
    print(f"{args.runs} runs ({args.runs // 2} with every core loaded), {len(first)} claims, "
          f"{len(differing)} with results that differ between runs")
    for key in differing:
        print(f"  differences: {key[0]} claim {key[1]}:")
        for number, run in enumerate(runs):
            print(f"    run {number + 1}{' (loaded)' if number % 2 else ''}: {run.get(key)}")
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
