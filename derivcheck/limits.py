"""Resource limits for untrusted input: each has a default, a name, and can be raised by option.

A file over a limit gets one clear error naming the limit and how to raise it
(``--limit NAME=VALUE``); the rest of the run goes on.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

from .errors import InputError, Location


@dataclass(frozen=True)
class Limits:
    """The defaults; what each bounds is in DESCRIPTIONS."""

    source_bytes: int = 1_000_000
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
    instances: int = 20_000
    sum_terms: int = 10_000
    memory_mb: int = 4_096


DESCRIPTIONS = {
    "source_bytes": "bytes of one derivation file",
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
    "instances": "index instances of one claim",
    "sum_terms": "terms of one sum (nested sums multiply)",
    "memory_mb": "megabytes of address space of a checking process",
}

NAMES = tuple(f.name for f in fields(Limits))
DEFAULT_LIMITS = Limits()


def with_overrides(settings: list[str], base: Limits = DEFAULT_LIMITS) -> Limits:
    """Limits with ``NAME=VALUE`` settings applied; ValueError with a one-line reason for a bad one."""
    changes: dict[str, int] = {}
    for setting in settings:
        name, _, value = setting.partition("=")
        name = name.strip()
        if name not in NAMES:
            raise ValueError(f"unknown limit {name!r} (expected one of: {', '.join(NAMES)})")
        if not value.strip().isdigit() or int(value) < 1:
            raise ValueError(f"limit {name} needs a whole number ≥ 1, not {value!r}")
        changes[name] = int(value)
    return replace(base, **changes)


def over_limit(what: str, name: str, limits: Limits, location: Location | None) -> InputError:
    """The error for input beyond a limit: names the limit and how to raise it."""
    value = getattr(limits, name)
    return InputError(what, location, f"limit {name} = {value:,}; --limit {name}=N raises it")
