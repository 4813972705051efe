"""Random edits of derivation files, for fuzzing (the tests and bench/fuzz.py share them)."""

from __future__ import annotations

import random

PIECES = [
    ":", "- ", "[", "]", "{", "}", ",", "'", '"', "#", "&a", "*a", "!!python/object", "<<: ", "\n", "\n  ", "\t",
    "=", "==", "..", "^", "**", "9**9**9", "1e400", "0x10", "-", "/", "*", "(", ")", "sum(k, ", "d", "∂", "'",
    "w[l][j,k]", "[L+1]", "[0]", "[-1]", "delta[l+1][k]", "sigmoid'(", "f''(", "__import__", ".__class__",
    "lambda x: ", "no", "yes", "~", "null", "L", "S", "for: i in 1..1000000", "expect: false", "at: {x: 0}",
    "softmax", "relu", "one_hot", "batch: 300", "sizes: [2, 2]", "\u202e", "\x00", "é", "σ", "·", "−", "𝑥",
]


def mutate(text: str, rng: random.Random, edits: int | None = None) -> str:
    """``text`` with 1–4 random edits: deletions, duplicated or swapped lines, inserted pieces, changed
    characters and numbers, renamed identifiers."""
    for _ in range(edits or rng.randint(1, 4)):
        text = rng.choice(_EDITS)(text, rng)
    return text


def _delete(text: str, rng: random.Random) -> str:
    start = rng.randrange(len(text) + 1)
    return text[:start] + text[start + rng.randint(1, 20):]


def _insert(text: str, rng: random.Random) -> str:
    at = rng.randrange(len(text) + 1)
    return text[:at] + rng.choice(PIECES) + text[at:]


def _replace_character(text: str, rng: random.Random) -> str:
    if not text:
        return text
    at = rng.randrange(len(text))
    return text[:at] + rng.choice("()[]{}:,-+*/^'\"= \n0123456789lLjkxyzwab") + text[at + 1:]


def _duplicate_line(text: str, rng: random.Random) -> str:
    lines = text.split("\n")
    at = rng.randrange(len(lines))
    return "\n".join(lines[:at + 1] + [lines[at]] + lines[at + 1:])


def _swap_lines(text: str, rng: random.Random) -> str:
    lines = text.split("\n")
    i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
    lines[i], lines[j] = lines[j], lines[i]
    return "\n".join(lines)


def _change_number(text: str, rng: random.Random) -> str:
    digits = [i for i, ch in enumerate(text) if ch.isdigit()]
    if not digits:
        return text
    at = rng.choice(digits)
    return text[:at] + rng.choice(["0", "1", "2", "7", "100", "100000", "999999999999"]) + text[at + 1:]


def _rename(text: str, rng: random.Random) -> str:
    words = [w for w in set(text.replace("[", " ").replace("(", " ").split()) if w.isidentifier()]
    if len(words) < 2:
        return text
    old, new = rng.sample(sorted(words), 2)
    return text.replace(old, new, rng.randint(1, 3))


_EDITS = [_delete, _insert, _replace_character, _duplicate_line, _swap_lines, _change_number, _rename]
