"""Long fuzz run: mutated derivation files (from derivations/ and the hostile corpus) and generated
ones (tests/generators.py: tiny-scale claims, exact points, composed lets, side-by-side sums) through
the same worker processes as `derivcheck check`. Every input must end in verdicts or clear one-line
errors: a crash (internal error, a worker that died) or a hang (a time limit reached) is a finding,
and so is a generated claim whose verdict is not one its generator allows (a wrong verdict).

    python bench/fuzz.py [--inputs 2000] [--generated 1000] [--seed 1] [--jobs 2] [--keep DIR]

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

from generators import GENERATORS  # noqa: E402
from mutations import mutate  # noqa: E402

from derivcheck.results import Verdict  # noqa: E402
from derivcheck.runner import check_files  # noqa: E402
from derivcheck.options import Options  # noqa: E402

FINDINGS = ("internal error", "process ended", "time limit")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--inputs", type=int, default=2000)
    parser.add_argument("--generated", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--keep", help="folder for the mutated files (default: a temporary one)")
    args = parser.parse_args()
    seeds = sorted((ROOT / "derivations").glob("*.yaml")) + sorted((ROOT / "tests" / "hostile").glob("*.yaml"))
    texts = [seed.read_text(encoding="utf-8") for seed in seeds]
    folder = Path(args.keep or tempfile.mkdtemp(prefix="derivcheck-fuzz-"))
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(args.seed)
    paths, allowed = [], {}
    for number in range(args.inputs):
        path = folder / f"mutant{number:05d}.yaml"
        path.write_text(mutate(rng.choice(texts), rng), encoding="utf-8")
        paths.append(str(path))
    for number in range(args.generated):
        generator = GENERATORS[number % len(GENERATORS)]
        text, allowed[str(folder / f"{generator.__name__}{number:05d}.yaml")] = generator(rng)
        (folder / f"{generator.__name__}{number:05d}.yaml").write_text(text, encoding="utf-8")
        paths.append(str(folder / f"{generator.__name__}{number:05d}.yaml"))
    start = time.perf_counter()
    results = check_files(paths, Options(timeout=1.0, points=4, file_timeout=60), jobs=args.jobs)
    seconds = time.perf_counter() - start
    verdicts = sum(1 for r in results if any(c.verdict is not Verdict.ERROR for c in r.claims))
    errors_only = len(results) - verdicts
    findings = [(r.path, line) for r in results
                for line in ([r.error] if r.error else [c.error for c in r.claims if c.error])
                if any(word in line for word in FINDINGS) or not line.startswith(r.path + ":")]
    wrong = [(r.path, f"{r.path}: claim {c.number} is {c.verdict.value}, expected one of {sorted(ok)}")
             for r in results if r.path in allowed
             for c, ok in zip(r.claims, allowed[r.path]) if c.verdict.value not in ok]
    wrong += [(r.path, f"{r.path}: {r.error}") for r in results if r.path in allowed and r.error]
    slowest = max(results, key=lambda r: r.seconds)
    print(f"inputs tried:          {len(results)} (seed {args.seed}, {args.jobs} jobs, {seconds:.0f} s)")
    print(f"with some verdict:     {verdicts}")
    print(f"clear errors only:     {errors_only}")
    print(f"crashes or hangs:      {len(findings)}")
    print(f"generated inputs:      {len(allowed)}, wrong verdicts: {len(wrong)}")
    print(f"time per input:        median {statistics.median(r.seconds for r in results):.2f} s, "
          f"slowest {slowest.seconds:.1f} s ({Path(slowest.path).name})")
    for path, line in findings + wrong:
        print(f"  finding: {line}")
    if not args.keep and not findings and not wrong:
        shutil.rmtree(folder)
    return 1 if findings or wrong else 0


if __name__ == "__main__":
    sys.exit(main())
