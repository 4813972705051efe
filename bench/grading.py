"""Benchmark: a class of submissions graded against one key, `--jobs 2`, and what one hostile submission costs.

    python bench/grading.py [--students 200] [--jobs 2]

The class is the contract's key (examples/grading/hw3.key.yaml) and submissions of five kinds in turn:
all right, the usual slips, half right in Markdown, no answers, unreadable YAML; one more is hostile
(an answer that builds a 9,999-term sum at every instance, within the limits). Prints the whole run's
time, the median time per submission, the hostile one's, and the scores' counts.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from collections import Counter
from pathlib import Path

import derivcheck

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "grading"
HOSTILE = "answers:\n  bp1: delta[L][j] + sum(m in 1..9999, 0 * a[L][j] * y[j])\nlet:\n" \
          "  delta[L][j]: (a[L][j] - y[j]) * sigmoid'(z[L][j])\n"


def build(folder: Path, students: int) -> Path:
    kinds = [("ada.yaml", None), ("bob.yaml", None), ("cy.md", None), (None, "answers: {}\n"),
             (None, "answers: [\n")]
    for number in range(students):
        source, text = kinds[number % len(kinds)]
        suffix = Path(source).suffix if source else ".yaml"
        target = folder / f"s{number:04d}{suffix}"
        if source:
            shutil.copy(EXAMPLES / source, target)
        else:
            target.write_text(text, encoding="utf-8")
    (folder / "zz_hostile.yaml").write_text(HOSTILE, encoding="utf-8")
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        folder = build(Path(name), args.students)
        seconds: dict[str, float] = {}
        start = time.perf_counter()
        graded = derivcheck.grade(EXAMPLES / "hw3.key.yaml", folder, jobs=args.jobs,
                                  on_result=lambda result: seconds.setdefault(result.path, result.seconds))
        total = time.perf_counter() - start
    hostile = next(value for path, value in seconds.items() if path.endswith("zz_hostile.yaml"))
    ordinary = [value for path, value in seconds.items() if not path.endswith("zz_hostile.yaml")]
    median = statistics.median(ordinary)
    print(f"{len(graded)} submissions, --jobs {args.jobs}: {total:.1f} s in all, median {median:.3f} s per "
          f"submission (its worker's time), slowest ordinary {max(ordinary):.2f} s; the hostile one {hostile:.2f} s")
    print("scores:", dict(sorted(Counter(str(s.total) for s in graded).items())))


if __name__ == "__main__":
    main()
