"""Quick mode: with ``CAREPATH_QUICK=1`` set, notebooks run in seconds (the test suite runs them
so), on a short horizon with few replications and few sweep points.  The numbers are then too
noisy to read; quick mode is for checking that a notebook runs, not for its results.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any, TypeVar

from ..inputs.checks import ward_warmup_days
from ..inputs.levers import with_levers
from ..inputs.schema import Scenario

QUICK_ENV = "CAREPATH_QUICK"
# A day of warm-up and two measured days still sends patients through every step (tests,
# referrals, follow-ups within the drain), which is what a notebook needs to exercise.
QUICK_LEVERS = {
    "simulation.warmup_days": 1,
    "simulation.horizon_days": 2,
    "simulation.drain_days": 30,
    "simulation.replications": 2,
}
QUICK_POINTS = 3

T = TypeVar("T")


def quick_mode() -> bool:
    """Whether quick mode is on (``CAREPATH_QUICK`` set to anything but empty or 0)."""
    return os.environ.get(QUICK_ENV, "").strip() not in ("", "0")


def quick(scenario: Scenario) -> Scenario:
    """The scenario as it is, or shortened to run in seconds when quick mode is on (a scenario
    with wards keeps the warm-up they need to fill)."""
    if not quick_mode():
        return scenario
    levers: dict[str, Any] = dict(QUICK_LEVERS)
    warmup = ward_warmup_days(scenario)
    if warmup:
        levers["simulation.warmup_days"] = warmup
    return with_levers(scenario, levers)


def quick_values(values: Sequence[T]) -> list[T]:
    """A sweep's values as they are, or only the first, middle and last in quick mode."""
    values = list(values)
    if not quick_mode() or len(values) <= QUICK_POINTS:
        return values
    middle = len(values) // 2
    return [values[0], values[middle], values[-1]]


def describe_mode() -> str:
    """One line for a notebook to print, so nobody reads quick-mode numbers as results."""
    if quick_mode():
        shown: dict[str, Any] = {k.split(".")[-1]: v for k, v in QUICK_LEVERS.items()}
        return f"QUICK MODE ({QUICK_ENV} is set): {shown}; numbers are not meant to be read"
    return "full mode: the scenario's own horizon and replications"
