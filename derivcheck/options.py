"""How a run checks: the seed, the points, the safety nets of the clock, and the limits."""

from __future__ import annotations

from dataclasses import dataclass

from .limits import DEFAULT_LIMITS, Limits


@dataclass(frozen=True)
class Options:
    seed: int = 0
    points: int = 8  # random points per instance
    timeout: float = 3.0  # seconds per phase of a claim (numeric checks, diagnosis, proof): the safety nets
    prove: bool = True
    file_timeout: float = 120.0  # seconds for a whole file (enforced by the runner's worker processes)
    strict: bool = False  # a note's equations that cannot be read or evaluated are errors, not skipped
    limits: Limits = DEFAULT_LIMITS
