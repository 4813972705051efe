"""Resource limits for untrusted input: each has a default, a name, and can be raised by option.

A file over a limit gets one clear error naming the limit and how to raise it
(``--limit NAME=VALUE``); the rest of the run goes on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields, replace

from .errors import InputError, Location, OutOfWork


@dataclass(frozen=True)
class Limits:
    """The defaults; what each bounds is in DESCRIPTIONS."""

    source_bytes: int = 1_000_000
    note_models: int = 20
    yaml_nodes: int = 100_000
    yaml_depth: int = 50
    expression_chars: int = 5_000
    expression_depth: int = 100
    literal_digits: int = 30
    exponent: int = 100
    number_bits: int = 10_000
    layers: int = 32
    parameters: int = 5_000
    batch: int = 256
    forward_terms: int = 20_000
    dim_size: int = 1_000
    tensor_elements: int = 10_000
    forward_instances: int = 20_000
    data_values: int = 10_000
    instances: int = 20_000
    sum_terms: int = 10_000
    build_terms: int = 200_000
    let_depth: int = 100
    derivative_order: int = 10
    proof_work: int = 150_000
    diagnosis_work: int = 2_000
    memory_mb: int = 4_096


DESCRIPTIONS = {
    "source_bytes": "bytes of one derivation file",
    "note_models": "section models of one note (`derivcheck: model` comments)",
    "yaml_nodes": "YAML values in one file, after expanding aliases",
    "yaml_depth": "nesting depth of YAML lists and mappings",
    "expression_chars": "characters of one expression",
    "expression_depth": "nesting depth of one expression",
    "literal_digits": "digits of one number literal",
    "exponent": "size of a constant exponent",
    "number_bits": "bits of an exact number computed from literals",
    "layers": "layers of a network (input not counted)",
    "parameters": "weights and biases of a network",
    "batch": "samples in a batch",
    "forward_terms": "terms of a network's forward pass: weights and biases × samples",
    "dim_size": "value of one size under `dims:` (forward files)",
    "tensor_elements": "entries of one declared tensor (inputs, params, an upstream gradient)",
    "forward_instances": "instances of forward definitions, all together (nodes of the forward graph)",
    "data_values": "numbers under `data:`, all together",
    "instances": "index instances of one claim",
    "sum_terms": "terms of one sum (nested sums multiply)",
    "build_terms": "terms of sums and let-function calls built for one claim, in all",
    "let_depth": "definitions (let) nested inside one another",
    "derivative_order": "primes on one function (f'' is 2)",
    "diagnosis_work": "units of work of the search for one false claim's mistake (edits tried, instances "
                      "each is checked at)",
    "proof_work": "units of work of one claim's symbolic proof (nodes of each step, terms of its polynomials)",
    "memory_mb": "megabytes of address space of a checking process",
}

NAMES = tuple(f.name for f in fields(Limits))
MAX_LIMIT = 10**12  # beyond any machine: a larger setting is a typo, not a plan
DEFAULT_LIMITS = Limits()


def with_overrides(settings: list[str], base: Limits = DEFAULT_LIMITS) -> Limits:
    """Limits with ``NAME=VALUE`` settings applied; ValueError with a one-line reason for a bad one."""
    changes: dict[str, int] = {}
    for setting in settings:
        name, _, value = setting.partition("=")
        name = name.strip()
        if name not in NAMES:
            raise ValueError(f"unknown limit {name!r} (expected one of: {', '.join(NAMES)})")
        if not value.strip().isdigit() or not 1 <= int(value) <= MAX_LIMIT:
            raise ValueError(f"limit {name} needs a whole number from 1 to {MAX_LIMIT:,}, not {value!r}")
        changes[name] = int(value)
    return replace(base, **changes)


_DECIMAL = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)(?:[eE]([+-]?\d{1,9}))?")
_BITS_PER_DIGIT = 3.33  # log2(10), rounded up


def check_number_literal(literal: str, limits: Limits, location: Location | None) -> None:
    """A number as written in a file: decimal, within literal_digits, and small enough exactly
    (1e-99999999 is a fraction of 332 million bits) for number_bits."""
    match = _DECIMAL.fullmatch(literal)
    if match is None:
        raise InputError(f"number {_shown(literal)} is not a decimal number", location,
                         "write numbers in decimal, such as 2, 0.5 or 1e-3")
    digits = sum(ch.isdigit() for ch in match.group(1))
    if digits > limits.literal_digits:
        raise over_limit(f"number {_shown(literal)} is too long", "literal_digits", limits, location)
    if (digits + abs(int(match.group(2) or 0))) * _BITS_PER_DIGIT > limits.number_bits:
        raise over_limit(f"number {_shown(literal)} is too large or too small to hold exactly", "number_bits",
                         limits, location)


def _shown(literal: str) -> str:
    return literal if len(literal) <= 40 else literal[:20] + "…" + literal[-10:]


def over_limit(what: str, name: str, limits: Limits, location: Location | None) -> InputError:
    """The error for input beyond a limit: names the limit and how to raise it."""
    value = getattr(limits, name)
    return InputError(what, location, f"limit {name} = {value:,}; --limit {name}=N raises it")


class Budget:
    """Work spent against a limit such as ``proof_work``: a count, so the same on every machine under any
    load (a clock is only the safety net behind it)."""

    def __init__(self, limit: float = float("inf")):
        self.limit = limit
        self.spent = 0

    def charge(self, units: int) -> None:
        self.spent += units
        if self.spent > self.limit:
            raise OutOfWork(f"spent its {self.limit:,} units of work")
