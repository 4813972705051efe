"""Derivation files of the shapes that once gave wrong verdicts or hung, generated at random with the
verdicts they must get (the tests and bench/fuzz.py share them).

Each generator returns (text, allowed): the file and, per claim, the verdicts that are right for it.
"""

from __future__ import annotations

import random

TRUE = frozenset({"proved", "holds"})
FALSE = frozenset({"false"})
ANY_END = frozenset({"proved", "holds", "false", "error"})  # bounded: any verdict, as long as it ends


def tiny_scale(rng: random.Random) -> tuple[str, list[frozenset]]:
    """A true claim and a slightly wrong one, both sides scaled far below float's tolerances."""
    scale = f"10^-{rng.randint(20, 90)}"
    power, factor = rng.randint(2, 5), rng.choice(["2", "3", "1/2", "-1"])
    claims = [f"d({scale} * x^{power})/d(x) = {scale} * {power} * x^{power - 1}",
              f"d({scale} * x^{power})/d(x) = {factor} * {scale} * {power} * x^{power - 1}",
              f"{scale} * exp(-{rng.randint(500, 2000)} * x^2) = 0"]
    return _file("symbols: [x]", claims), [TRUE, FALSE, FALSE]


def tiny_network(rng: random.Random) -> tuple[str, list[frozenset]]:
    """BP4 on a small network with both sides scaled: true, and off by a factor."""
    scale = f"10^-{rng.randint(20, 60)}"
    sizes = [rng.randint(1, 3) for _ in range(rng.randint(2, 3))]
    claims = [f"{scale} * dC/dw[l][j,k] = {scale} * dC/dz[l][j] * a[l-1][k]",
              f"{scale} * dC/dw[l][j,k] = {scale} * {rng.choice(['2', '3', '-1'])} * dC/dz[l][j] * a[l-1][k]"]
    return _file(f"network: {{sizes: {sizes}}}", claims), [TRUE, FALSE]


def exact_point(rng: random.Random) -> tuple[str, list[frozenset]]:
    """Claims at points given exactly (roots, fractions): true ones must never be false."""
    c = rng.choice([2, 3, 5, 7, 10])
    q = rng.randint(2, 9)
    claims = [(f"x^2 - {c} = 0", f"sqrt({c})", TRUE),
              (f"x^2 - {c} = 10^-{rng.randint(20, 40)}", f"sqrt({c})", FALSE),
              (f"{q} * x = 1", f"1/{q}", TRUE),
              (f"d(x^3)/d(x) = {3 * c}", f"sqrt({c})", TRUE)]
    body = "".join(f"  - claim: {claim}\n    at: {{x: {point}}}\n" for claim, point, _ in claims)
    return "symbols: [x]\nclaims:\n" + body, [allowed for *_, allowed in claims]


def composed_lets(rng: random.Random) -> tuple[str, list[frozenset]]:
    """Functions calling functions, each twice with other arguments: must end (a verdict or a limit)."""
    depth = rng.randint(5, 40)
    lets = ["  h0(u): u + 1"] + [f"  h{i}(u): h{i - 1}(u + {rng.randint(1, 3)}) + h{i - 1}({rng.randint(2, 3)}*u)"
                                 for i in range(1, depth)]
    chain = [f"  e{i}: e{i - 1} + {rng.randint(1, 9)}" for i in range(1, rng.randint(2, 150))]
    text = "symbols: [x]\nlet:\n" + "\n".join(lets + ["  e0: x"] + chain) + "\nclaims:\n"
    text += f"  - claim: h{depth - 1}(x) = 0\n  - claim: d(e{len(chain)})/d(x) = 1\n"
    return text, [ANY_END, ANY_END]


def side_by_side_sums(rng: random.Random) -> tuple[str, list[frozenset]]:
    """Many sums next to each other and inside definitions: bounded by build_terms."""
    n = rng.randint(100, 9000)
    count = rng.randint(2, 60)
    text = (f"symbols: [x]\nlet:\n  s: sum(i in 1..{n}, x)\nclaims:\n"
            f"  - claim: {' + '.join([f'sum(i in 1..{n}, x)'] * count)} = {n * count} * x\n"
            f"  - claim: sum(k in 1..{rng.randint(2, 40)}, s) = 0\n")
    return text, [ANY_END, ANY_END]


GENERATORS = (tiny_scale, tiny_network, exact_point, composed_lets, side_by_side_sums)


def _file(head: str, claims: list[str]) -> str:
    return head + "\nclaims:\n" + "".join(f"  - claim: {claim}\n" for claim in claims)
