"""Long fuzz run: mutated derivation files (from derivations/ and the hostile corpus) through the
same worker processes as `derivcheck check`. Every input must end in verdicts or clear one-line
errors: a crash (internal error, a worker that died) or a hang (a time limit reached) is a finding.

    python bench/fuzz.py [--inputs 2000] [--seed 1] [--jobs 2] [--keep DIR]

Prints the number of inputs tried, how they ended, the slowest input, and every finding with
its file (kept in --keep DIR, or a temporary folder that is removed).
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from mutations import mutate  # noqa: E402

from derivcheck.results import Verdict  # noqa: E402
from derivcheck.runner import check_files  # noqa: E402
from derivcheck.verify import Options  # noqa: E402

FINDINGS = ("internal error", "process ended", "time limit")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--inputs", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--keep", help="folder for the mutated files (default: a temporary one)")
    args = parser.parse_args()
    seeds = sorted((ROOT / "derivations").glob("*.yaml")) + sorted((ROOT / "tests" / "hostile").glob("*.yaml"))
    texts = [seed.read_text(encoding="utf-8") for seed in seeds]
    folder = Path(args.keep or tempfile.mkdtemp(prefix="derivcheck-fuzz-"))
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(args.seed)
    paths = []
    for number in range(args.inputs):
        path = folder / f"mutant{number:05d}.yaml"
        path.write_text(mutate(rng.choice(texts), rng), encoding="utf-8")
        paths.append(str(path))
    start = time.perf_counter()
    results = check_files(paths, Options(timeout=1.0, points=4, file_timeout=60), jobs=args.jobs)
    seconds = time.perf_counter() - start
    verdicts = sum(1 for r in results if any(c.verdict is not Verdict.ERROR for c in r.claims))
    errors_only = len(results) - verdicts
    findings = [(r.path, line) for r in results
                for line in ([r.error] if r.error else [c.error for c in r.claims if c.error])
                if any(word in line for word in FINDINGS) or not line.startswith(r.path + ":")]
    slowest = max(results, key=lambda r: r.seconds)
    print(f"inputs tried:          {len(results)} (seed {args.seed}, {args.jobs} jobs, {seconds:.0f} s)")
    print(f"with some verdict:     {verdicts}")
    print(f"clear errors only:     {errors_only}")
    print(f"crashes or hangs:      {len(findings)}")
    print(f"time per input:        median {statistics.median(r.seconds for r in results):.2f} s, "
          f"slowest {slowest.seconds:.1f} s ({Path(slowest.path).name})")
    for path, line in findings:
        print(f"  finding: {line}")
    if not args.keep and not findings:
        shutil.rmtree(folder)
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
