"""A facility's inpatient beds: a day-scale resource, first come first served.

A patient's stay is drawn before they are listed, so the moment a bed takes them is known as
they are listed: their listing, or the earliest moment a bed frees if every bed is taken
(Lindley's recursion over the beds' free times, as ``site.Station``).  Listings must come in the
order of their times, which holds when each is made on the simulation clock.
"""

from __future__ import annotations

import math
from heapq import heapreplace

from .world import FacilityPlan


class Ward:
    """``beds`` beds; with ``waiting_list`` a full ward lists the patient until a bed frees,
    without it the patient is turned away (as in Erlang's loss system)."""

    __slots__ = ("facility", "rows", "free_min", "waiting_list")

    def __init__(
        self, facility: FacilityPlan, beds: int, waiting_list: bool, rows: list[tuple]
    ) -> None:
        self.facility = facility
        self.rows = rows
        self.free_min = [-math.inf] * beds  # each bed's next free moment, a heap
        self.waiting_list = waiting_list

    def full_at(self, listed_min: float) -> bool:
        """Whether every bed is taken at ``listed_min``."""
        return self.free_min[0] > listed_min

    def admit(
        self, patient: int, listed_min: float, stay_min: float, operation: bool
    ) -> float | None:
        """List the patient at ``listed_min`` for ``stay_min``; the minute a bed takes them, or
        None if the ward is full and keeps no waiting list."""
        free = self.free_min
        if free[0] > listed_min and not self.waiting_list:
            self.refuse(patient, listed_min, "turned_away")
            return None
        start = free[0] if free[0] > listed_min else listed_min
        heapreplace(free, start + stay_min)
        # AdmissionRow
        self.rows.append(
            (
                patient,
                self.facility.index,
                listed_min,
                start,
                start + stay_min,
                "admitted",
                operation,
            )
        )
        return start

    def refuse(self, patient: int, listed_min: float, outcome: str) -> None:
        """Record a patient who needed a bed here and did not take one (``outcome``)."""
        at = listed_min
        self.rows.append((patient, self.facility.index, at, at, at, outcome, False))  # AdmissionRow
