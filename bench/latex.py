"""Benchmark: reading LaTeX. Every side of every claim of derivations/ is written as the report's LaTeX and
read back by derivcheck's LaTeX reader, and by the plain parser from its plain text, in the same run.

    python bench/latex.py [--repeats 5]

Prints the median time per expression for each reader over the repeats, and the number of expressions.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from derivcheck import syntax as sx
from derivcheck.errors import Location
from derivcheck.expressions import parse_expression
from derivcheck.latex_writer import latex, notation_of
from derivcheck.spec import load_spec

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    cases = []
    for path in sorted((ROOT / "derivations").glob("*.yaml")):
        spec = load_spec(str(path))
        notation = notation_of(spec)
        for claim in spec.claims:
            if claim.equation is not None:
                for side in (claim.equation.lhs, claim.equation.rhs):
                    cases.append((spec.scope, f"${latex(side, notation)}$", sx.to_text(side)))
    here = Location("bench", 1, 1)
    timings = {"LaTeX": [], "plain": []}
    for _ in range(args.repeats):
        for name, index in (("LaTeX", 1), ("plain", 2)):
            start = time.perf_counter()
            for case in cases:
                parse_expression(case[index], here, case[0])
            timings[name].append((time.perf_counter() - start) / len(cases))
    print(f"{len(cases)} expressions (every side of every claim of derivations/)")
    for name, values in timings.items():
        print(f"{name:>6}: median {1000 * statistics.median(values):.3f} ms per expression "
              f"(min {1000 * min(values):.3f}, max {1000 * max(values):.3f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
