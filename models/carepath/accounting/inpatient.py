"""Beds and bookings in the measured period: admissions and operations per 1,000 residents per
year by tier, bed occupancy, the wait for a bed, and how far ahead booked exams fall.

Rows count by when they happened, like station services: an admission by its admission, a bed
by the part of each stay inside the measured period, a listing and a booking by when they were
made.  (Per episode, the extra trips and the time to diagnosis are in ``episodes``.)

An admission row does not carry the patient's condition; the episode does.  Every admitted
patient has an episode, whose row is folded before (or in the same fold as) its admission and
dropped only once it has ended, after its last row: so the condition of an admission is that
of the patient's episode in care when the row is folded (``ArmTally.in_care``), found without a
second pass over the log.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from ..inputs.economics import residents_year_factor
from ..inputs.schema import TIERS
from ..system.hours import DAY_MIN
from ..system.world import World
from .episodes import Episode
from .exact import ExactSum
from .window import measured_window


class InpatientTally:
    """Admissions, bed-days and bookings of one arm, folded a day at a time."""

    def __init__(self, world: World) -> None:
        self.window = measured_window(world)
        self.rank = [f.rank for f in world.facilities]
        self.beds = sum(f.beds for f in world.facilities)
        sim = world.scenario.simulation
        population = sum(z.population for z in world.zones)
        self.per_1000_year = residents_year_factor(sim.horizon_days, population, 1000)
        self.horizon_days = sim.horizon_days
        self.admitted = [0] * len(TIERS)
        self.operations = [0] * len(TIERS)
        # By condition index (EpisodeRow.condition): whether it is chronic.
        self.chronic = [c.chronic for c in world.scenario.conditions]
        self.admitted_chronic = 0
        self.bed_days = ExactSum()
        self.listed = 0  # needed a bed at a facility with a ward, listed in the period
        self.turned_away = 0
        self.bed_wait_days = ExactSum()
        self.waits = 0
        self.booked = 0
        self.lead_days = ExactSum()

    def fold_admissions(self, rows: list[tuple], in_care: Mapping[int, Episode]) -> None:
        """Admission rows (``AdmissionRow``); ``in_care``: the episodes in care by patient, each
        admitted patient's among them."""
        start, end = self.window
        for patient, facility, listed, admitted, discharge, outcome, operation in rows:
            if start <= listed < end:
                self.listed += 1
                if outcome == "admitted":
                    self.waits += 1
                    self.bed_wait_days.add((admitted - listed) / DAY_MIN)
                elif outcome == "turned_away":
                    self.turned_away += 1
            if outcome != "admitted":
                continue
            if start <= admitted < end:
                rank = self.rank[facility]
                self.admitted[rank] += 1
                self.operations[rank] += bool(operation)
                self.admitted_chronic += self._chronic(patient, in_care)
            inside = min(discharge, end) - max(admitted, start)
            if inside > 0:
                self.bed_days.add(inside / DAY_MIN)

    def _chronic(self, patient: int, in_care: Mapping[int, Episode]) -> bool:
        episode = in_care.get(patient)
        if episode is None:  # never: only a patient with an episode in care is admitted
            raise ValueError(f"patient {patient} was admitted with no episode in care")
        return self.chronic[episode.row.condition]

    def fold_bookings(self, rows: list[tuple]) -> None:
        start, end = self.window
        for _, _, _, order_min, slot_min in rows:
            if start <= order_min < end:
                self.booked += 1
                self.lead_days.add((slot_min - order_min) / DAY_MIN)

    def metrics(self, outpatient_visits: int) -> dict[str, float]:
        """``outpatient_visits``: arrivals in the measured period that were outpatient visits."""
        per = 0.0 if math.isnan(self.per_1000_year) else self.per_1000_year
        admitted = sum(self.admitted)
        values: dict[str, float] = {
            "admissions_per_1000_year": admitted * per,
            "admissions_per_1000_year_chronic": self.admitted_chronic * per,
            "admissions_per_100_visits": 100 * admitted / outpatient_visits
            if outpatient_visits
            else 0.0,
        }
        for tier in TIERS:
            rank = TIERS.index(tier)
            values[f"admissions_per_1000_year_{tier}"] = self.admitted[rank] * per
            values[f"operations_per_1000_year_{tier}"] = self.operations[rank] * per
        bed_days_offered = self.beds * self.horizon_days
        values["bed_occupancy"] = (
            self.bed_days.value / bed_days_offered if bed_days_offered else 0.0
        )
        values["bed_wait_days"] = self.bed_wait_days.value / self.waits if self.waits else 0.0
        values["beds_turned_away_share"] = self.turned_away / self.listed if self.listed else 0.0
        values["booking_lead_days"] = self.lead_days.value / self.booked if self.booked else 0.0
        return values
