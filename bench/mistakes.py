"""The mistake corpus: true backprop claims, and mutants of them with one known mistake each.

    python bench/mistakes.py [--show]

Checks every claim and reports: the share of mutants called false (must be 100%), the share whose
diagnosis names the mutation (target at least 90%), and false alarms on the true claims (must be 0).
--show prints every mutant's diagnosis.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from derivcheck.results import Verdict
from derivcheck.runner import check_files
from derivcheck.options import Options

SIGMOID_DELTAS = """
  delta[L][j]: (a[L][j] - y[j]) * sigmoid'(z[L][j])
  delta[l][j]: sum(k, w[l+1][k,j] * delta[l+1][k]) * sigmoid'(z[l][j])"""
TANH_DELTAS = """
  delta[L][j]: (a[L][j] - y[j]) * tanh'(z[L][j])
  delta[l][j]: sum(k, w[l+1][k,j] * delta[l+1][k]) * tanh'(z[l][j])"""
SOFTMAX_DELTAS = """
  delta[L][j]: yhat[j] - y[j]
  delta[l][j]: sum(k, w[l+1][k,j] * delta[l+1][k]) * sigmoid'(z[l][j])"""


@dataclass
class Case:
    title: str
    network: str | None  # the YAML of `network:` (None: plain calculus with `symbols: [x, y]`)
    let: str
    true: list[tuple[str, str | None]]  # (claim, for range)
    mutants: list[tuple[str, str | None, str]]  # (claim, for range, the code that names the mutation)


CASES = [
    Case("sigmoid [2, 3, 2], half SSE", "{sizes: [2, 3, 2]}", SIGMOID_DELTAS, [
        ("dC/dz[L][j] = delta[L][j]", None),
        ("dC/dz[l][j] = delta[l][j]", "l in 1..L-1"),
        ("dC/db[l][j] = delta[l][j]", None),
        ("dC/dw[l][j,k] = delta[l][j] * a[l-1][k]", None),
        ("dC/da[l][j] = sum(k, w[l+1][k,j] * delta[l+1][k])", "l in 1..L-1"),
    ], [
        ("dC/dw[l][j,k] = delta[l][j] * a[l][k]", None, "activation_wrong_layer"),
        ("dC/dw[l][j,k] = delta[l][j] * a[l+1][k]", "l in 1..L-1", "activation_wrong_layer"),
        ("dC/dw[l][j,k] = delta[l][k] * a[l-1][k]", None, "wrong_index"),
        ("dC/dw[l][j,k] = delta[l][j] * a[l-1][j]", None, "wrong_index"),
        ("dC/dw[l][j,k] = 2 * delta[l][j] * a[l-1][k]", None, "factor"),
        ("dC/dw[l][j,k] = -delta[l][j] * a[l-1][k]", None, "sign"),
        ("dC/db[l][j] = delta[l][j] / 2", None, "factor"),
        ("dC/db[l][j] = delta[l][j] * sigmoid'(z[l][j])", None, "extra_factor"),
        ("dC/db[l][j] = delta[l-1][j]", "l in 2..L", "wrong_layer"),
        ("dC/dz[L][j] = (a[L][j] - y[j]) * sigmoid(z[L][j])", None, "function_for_derivative"),
        ("dC/dz[L][j] = a[L][j] - y[j]", None, "missing_factor"),
        ("dC/dz[L][j] = (y[j] - a[L][j]) * sigmoid'(z[L][j])", None, "sign"),
        ("dC/dz[L][j] = (a[L][j] - y[j]) * sigmoid'(z[L-1][j])", None, "derivative_wrong_layer"),
        ("dC/dz[l][j] = sum(k, w[l+1][j,k] * delta[l+1][k]) * sigmoid'(z[l][j])", "l in 1..L-1", "swapped_indices"),
        ("dC/dz[l][j] = w[l+1][k,j] * delta[l+1][k] * sigmoid'(z[l][j])", "l in 1..L-1", "missing_sum"),
        ("dC/dz[l][j] = sum(k, w[l+1][k,j] * delta[l+1][k]) * sigmoid'(z[l+1][j])", "l in 1..L-1",
         "derivative_wrong_layer"),
        ("dC/dz[l][j] = sum(k, w[l+1][k,j] * delta[l+1][k])", "l in 1..L-1", "missing_factor"),
        ("dC/dz[l][j] = sum(k, w[l+1][k,j] * delta[l+1][k]) * sigmoid(z[l][j])", "l in 1..L-1",
         "function_for_derivative"),
        ("dC/dz[l][j] = sum(k, w[l][k,j] * delta[l+1][k]) * sigmoid'(z[l][j])", "l in 1..L-1", "wrong_layer"),
        ("dC/da[l][j] = sum(k, w[l+1][j,k] * delta[l+1][k])", "l in 1..L-1", "swapped_indices"),
        ("dC/da[l][j] = w[l+1][k,j] * delta[l+1][k]", "l in 1..L-1", "missing_sum"),
    ]),
    Case("tanh [2, 3, 3, 2], squared error", "{sizes: [2, 3, 3, 2], activation: tanh, loss: half_sse}",
         TANH_DELTAS, [
             ("dC/dz[l][j] = delta[l][j]", None),
             ("dC/dw[l][j,k] = delta[l][j] * a[l-1][k]", None),
         ], [
             ("dC/dz[l][j] = sum(k, w[l+1][j,k] * delta[l+1][k]) * tanh'(z[l][j])", "l in 1..L-1", "swapped_indices"),
             ("dC/dz[l][j] = sum(k, w[l+1][k,j] * delta[l+1][k]) * tanh(z[l][j])", "l in 1..L-1",
              "function_for_derivative"),
             ("dC/dz[l][j] = sum(k, w[l+1][k,j] * delta[l+1][k]) * tanh'(z[l+1][j])", "l in 1..L-1",
              "derivative_wrong_layer"),
             ("dC/dz[l][j] = w[l+1][k,j] * delta[l+1][k] * tanh'(z[l][j])", "l in 1..L-1", "missing_sum"),
             ("dC/dw[l][j,k] = delta[l][j] * a[l][k]", None, "activation_wrong_layer"),
             ("dC/dw[l][j,k] = delta[l][j] * a[l-1][k] * tanh'(z[l][j])", None, "extra_factor"),
             ("dC/dz[L][j] = a[L][j] - y[j]", None, "missing_factor"),
             ("dC/dw[l][j,k] = delta[l][j] * a[l-1][k] / 2", None, "factor"),
         ]),
    Case("softmax [2, 3, 3], cross-entropy, one-hot", "{sizes: [2, 3, 3], output: softmax, targets: one_hot}",
         SOFTMAX_DELTAS, [
             ("dC/dz[L][j] = yhat[j] - y[j]", None),
             ("d(yhat[i])/d(z[L][j]) = yhat[i] * ([i == j] - yhat[j])", None),
             ("dC/dw[l][j,k] = delta[l][j] * a[l-1][k]", None),
         ], [
             ("dC/dz[L][j] = y[j] - yhat[j]", None, "sign"),
             ("d(yhat[i])/d(z[L][j]) = yhat[i] * (1 - yhat[j])", None, "off_diagonal"),
             ("d(yhat[i])/d(z[L][j]) = -yhat[i] * yhat[j]", None, "diagonal"),
             ("dC/dw[L][j,k] = (yhat[j] - y[j]) * a[L][k]", None, "activation_wrong_layer"),
             ("dC/dw[l][j,k] = delta[l][j] * a[l][k]", None, "activation_wrong_layer"),
             ("dC/dz[l][j] = sum(k, w[l+1][j,k] * delta[l+1][k]) * sigmoid'(z[l][j])", "l in 1..L-1",
              "swapped_indices"),
             ("dC/dz[l][j] = w[l+1][k,j] * delta[l+1][k] * sigmoid'(z[l][j])", "l in 1..L-1", "missing_sum"),
         ]),
    Case("softmax [2, 3], cross-entropy, any targets", "{sizes: [2, 3], output: softmax}", "", [
        ("dC/dz[L][j] = yhat[j] * sum(i, y[i]) - y[j]", None),
    ], [
        ("dC/dz[L][j] = yhat[j] - y[j]", None, "needs_one_hot"),
    ]),
    Case("sigmoid [2, 2], batch of 3, mean", "{sizes: [2, 2], batch: 3, reduction: mean}", "", [
        ("dC/db[1][j] = sum(s, dC/dz[1][j,s])", None),
        ("dC/db[1][j] = 1/S * sum(s, (a[1][j,s] - y[j,s]) * sigmoid'(z[1][j,s]))", None),
    ], [
        ("dC/db[1][j] = sum(s, (a[1][j,s] - y[j,s]) * sigmoid'(z[1][j,s]))", None, "mean"),
        ("dC/db[1][j] = 1/S * sum(s, (a[1][j,s] - y[j,s]) * sigmoid(z[1][j,s]))", None, "function_for_derivative"),
        ("dC/db[1][j] = 1/S * sum(s, a[1][j,s] - y[j,s])", None, "missing_factor"),
        ("dC/db[1][j] = 1/S * (a[1][j,s] - y[j,s]) * sigmoid'(z[1][j,s])", None, "missing_sum"),
    ]),
    Case("generic f, one neuron per layer", "{sizes: [1, 1, 1], activation: f}", "", [
        ("dC/dw[2] = (a[2] - y) * f'(z[2]) * a[1]", None),
        ("dC/dw[1] = (a[2] - y) * f'(z[2]) * w[2] * f'(z[1]) * x", None),
    ], [
        ("dC/dw[2] = (a[2] - y) * a[1]", None, "missing_factor"),
        ("dC/dw[2] = (a[2] - y) * f(z[2]) * a[1]", None, "function_for_derivative"),
        ("dC/dw[1] = (a[2] - y) * f'(z[2]) * w[2] * f'(z[2]) * x", None, "derivative_wrong_layer"),
        ("dC/dw[1] = (a[2] - y) * f'(z[2]) * w[2] * x", None, "missing_factor"),
        ("dC/dw[2] = (a[2] - y) * f'(z[2]) * a[2]", None, "activation_wrong_layer"),
    ]),
    Case("vector form, sigmoid [2, 3, 2]", "{sizes: [2, 3, 2]}", SIGMOID_DELTAS, [
        ("dC/dz[L] = (a[L] - y) * sigmoid'(z[L])", None),
        ("dC/dz[l] = (w[l+1].T @ delta[l+1]) * sigmoid'(z[l])", "l in 1..L-1"),
        ("dC/dw[l] = delta[l] @ a[l-1].T", None),
    ], [
        ("dC/dz[l] = (w[l+1] @ delta[l+1]) * sigmoid'(z[l])", "l in 1..L-1", "transpose"),
        ("dC/dw[l] = a[l-1] @ delta[l].T", None, "transpose"),
        ("dC/dw[l] = delta[l] @ a[l].T", None, "activation_wrong_layer"),
        ("dC/dz[L] = (a[L] - y) * sigmoid(z[L])", None, "function_for_derivative"),
        ("dC/dz[l] = w[l+1].T @ delta[l+1]", "l in 1..L-1", "missing_factor"),
    ]),
    Case("plain calculus", None, "", [
        ("d(x^2 * y)/d(x) = 2 * x * y", None),
        ("d(sigmoid(x * y))/d(x) = sigmoid'(x * y) * y", None),
    ], [
        ("d(x^2 * y)/d(x) = x * y", None, "factor"),
        ("d(sigmoid(x * y))/d(x) = sigmoid(x * y) * y", None, "function_for_derivative"),
        ("d(sigmoid(x * y))/d(x) = sigmoid'(x * y)", None, "missing_factor_or_sum"),
        ("d(sigmoid(x * y))/d(x) = -sigmoid'(x * y) * y", None, "sign"),
    ]),
]


def derivation(case: Case) -> str:
    head = f"title: {case.title}\n" + (f"network: {case.network}\n" if case.network else "symbols: [x, y]\n")
    if case.let:
        head += f"let:{case.let}\n"
    lines = ["claims:"]
    for claim, for_range in case.true:
        lines.append(f"  - claim: \"{claim}\"" + (f"\n    for: {for_range}" if for_range else ""))
    for claim, for_range, code in case.mutants:
        lines.append(f"  - claim: \"{claim}\"\n    name: {code}\n    expect: false"
                     + (f"\n    for: {for_range}" if for_range else ""))
    return head + "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--show", action="store_true", help="print every mutant's diagnosis")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="derivcheck-mistakes-"))
    paths = []
    for number, case in enumerate(CASES):
        path = folder / f"case{number}.yaml"
        path.write_text(derivation(case), encoding="utf-8")
        paths.append(str(path))
    start = time.perf_counter()
    results = check_files(paths, Options(), jobs=2)
    seconds = time.perf_counter() - start
    true_claims = alarms = mutants = caught = named = 0
    by_kind: Counter = Counter()
    missed: Counter = Counter()
    for case, result in zip(CASES, results):
        if result.error:
            raise SystemExit(result.error)
        for claim in result.claims:
            if claim.verdict is Verdict.ERROR:
                raise SystemExit(claim.error)
            if claim.expect == "holds":
                true_claims += 1
                alarms += claim.verdict is Verdict.FALSE
                continue
            mutants += 1
            by_kind[claim.name] += 1
            caught += claim.verdict is Verdict.FALSE
            code = claim.diagnosis.code if claim.diagnosis else "none"
            hit = code == claim.name or (claim.name == "missing_factor_or_sum" and code in ("missing_factor",
                                                                                              "missing_sum"))
            named += hit
            if not hit:
                missed[claim.name] += 1
            if args.show or not hit:
                print(f"{'  ' if hit else '✗ '}{claim.name:<24} {claim.text}\n"
                      f"    → {code}: {claim.diagnosis.message if claim.diagnosis else ''}")
    print(f"\n{len(CASES)} networks, {true_claims} true claims, {mutants} mutants of {len(by_kind)} kinds "
          f"({seconds:.1f} s)")
    print(f"mutants called false:        {caught}/{mutants} ({100 * caught / mutants:.0f}%)")
    print(f"diagnosis names the mutation: {named}/{mutants} ({100 * named / mutants:.0f}%)")
    print(f"false alarms on true claims:  {alarms}/{true_claims}")
    return 0 if caught == mutants and alarms == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
