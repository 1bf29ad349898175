"""The levers a planner pulls, in planners' words and units, each tied to its key path.

A planner lever names a setting the way a health bureau speaks of it ("share of patients
enrolled in credit billing", "free clinics per village per month") and says where it lives in
a scenario file.  A path may hold one ``*``, standing for every key of the mapping there
(``reforms.recognition.items.*.acceptance``: every recognised item's acceptance, moved
together).  The setting itself is still changed by ``levers.with_levers``, so it is checked
exactly like a scenario file.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .levers import LeverError, value_at
from .schema import Scenario

WILDCARD = "*"
# The free-clinic files say "every_days: 30" for "one free clinic per village per month".
DAYS_PER_MONTH = 30.0


def _as_is(value: float) -> float:
    return value


def _per_month_to_every_days(value: float) -> float:
    """Events per month <-> days between events: the same division both ways."""
    if value <= 0:
        raise ValueError(f"must be above 0, got {value}")
    return DAYS_PER_MONTH / value


@dataclass(frozen=True)
class PlannerLever:
    """A setting in a planner's words: ``to_setting`` turns the lever's value (in ``unit``)
    into the file's, ``from_setting`` the file's into the lever's."""

    name: str
    label: str
    unit: str
    path: str
    low: float
    high: float
    step: float
    # the metrics that show what the lever does, first in a planner's table
    metrics: tuple[str, ...]
    to_setting: Callable[[float], float] = _as_is
    from_setting: Callable[[float], float] = _as_is

    @property
    def reform(self) -> str | None:
        """The reform section the lever belongs to (``reforms.<name>...``), if any."""
        parts = self.path.split(".")
        return parts[1] if parts[0] == "reforms" and len(parts) > 1 else None

    def paths(self, scenario: Scenario) -> list[str]:
        """The key paths the lever sets in ``scenario`` (the ``*`` spelt out); none when the
        scenario does not switch its reform on or has nothing at the path."""
        if self.reform is not None and not _switched_on(scenario, self.reform):
            return []
        head, star, tail = self.path.partition(WILDCARD)
        if not star:
            return [self.path] if _has(scenario, self.path) else []
        keys = value_at(scenario, head.rstrip("."))
        found = [f"{head}{key}{tail}" for key in keys] if isinstance(keys, dict) else []
        return [path for path in found if _has(scenario, path)]

    def current(self, scenario: Scenario) -> float:
        """The lever's value in ``scenario``, in the lever's unit (the mean over its paths)."""
        paths = self.paths(scenario)
        if not paths:
            raise LeverError([(self.name, f"not in scenario {scenario.name!r}")])
        values = [float(value_at(scenario, path)) for path in paths]
        return self.from_setting(sum(values) / len(values))

    def on_grid(self, value: float) -> float:
        """``value`` moved to the nearest of the lever's steps within its range (where a slider
        can stand, so a slider nobody touched reads back what it was given)."""
        steps = round((min(max(value, self.low), self.high) - self.low) / self.step)
        return round(self.low + steps * self.step, 10)


def _switched_on(scenario: Scenario, reform: str) -> bool:
    return _has(scenario, f"reforms.{reform}.enabled") and bool(
        value_at(scenario, f"reforms.{reform}.enabled")
    )


def _has(scenario: Scenario, path: str) -> bool:
    try:
        return value_at(scenario, path) is not None
    except LeverError:
        return False


PLANNER_LEVERS: dict[str, PlannerLever] = {
    lever.name: lever
    for lever in (
        PlannerLever(
            "recognition_acceptance",
            "physicians' acceptance of recognised results (every item)",
            "share of candidate results",
            "reforms.recognition.items.*.acceptance",
            0.0,
            1.0,
            0.05,
            ("tests_avoided", "tests_performed", "cost_medical_yuan", "time_to_care_min"),
        ),
        PlannerLever(
            "credit_enrolment",
            "patients enrolled in credit billing",
            "share of patients",
            "reforms.credit.enrolment",
            0.0,
            1.0,
            0.05,
            ("credit_patients", "cashier_wait_min", "wait_min"),
        ),
        PlannerLever(
            "credit_limit_yuan",
            "credit line per patient",
            "yuan",
            "reforms.credit.limit_yuan",
            500.0,
            10_000.0,
            500.0,
            ("credit_drawn_yuan", "cashier_wait_min"),
        ),
        PlannerLever(
            "free_clinics_per_month",
            "free clinics per village",
            "per month",
            "reforms.free_clinics.every_days",
            0.5,
            4.0,
            0.5,
            ("free_clinic_patients", "travel_min", "outreach_cost_per_episode_yuan"),
            to_setting=_per_month_to_every_days,
            from_setting=_per_month_to_every_days,
        ),
        PlannerLever(
            "free_clinic_wait_share",
            "ill residents who come to the free clinic (every listed condition)",
            "share of residents",
            "reforms.free_clinics.conditions.*.share",
            0.0,
            1.0,
            0.05,
            ("free_clinic_patients", "travel_min", "referral_load_county"),
        ),
    )
}


def levers_of(scenario: Scenario) -> list[PlannerLever]:
    """The planner levers that change something in ``scenario`` (their reform switched on)."""
    return [lever for lever in PLANNER_LEVERS.values() if lever.paths(scenario)]


def settings(scenario: Scenario, levers: Mapping[str, Any]) -> dict[str, Any]:
    """Key path -> file value for ``levers``: planner levers by name (in their own unit), and
    any other name taken as a key path as it is.

    Raises ``LeverError`` naming the lever when a planner lever is not in ``scenario``.
    """
    found: dict[str, Any] = {}
    missing: list[tuple[str, str]] = []
    for name, value in levers.items():
        lever = PLANNER_LEVERS.get(name)
        if lever is None:
            found[name] = value
            continue
        paths = lever.paths(scenario)
        if not paths:
            missing.append((name, f"{lever.path} is not switched on in {scenario.name!r}"))
        try:
            found.update({path: lever.to_setting(value) for path in paths})
        except (TypeError, ValueError) as error:
            missing.append((name, f"{lever.unit}: {error}"))
    if missing:
        raise LeverError(missing)
    return found
