"""Exams booked ahead (``inputs.inpatient.Booking``): an ordered exam of a booked type takes the
next free slot; the patient goes home and comes back for it, and then back to the doctor with
the result (``FacilitySteps.do_tests``).  A recognised result is never booked.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from typing import Protocol

import simpy

from ..observation.records import BOOKED_EXAM, Records
from ..system.hours import DAY_MIN
from ..system.site import PriorityStation, Site, Station
from ..system.world import World
from .moves import Process
from .patient import Patient


class Steps(Protocol):
    """The facility steps a booked exam takes (``FacilitySteps``)."""

    world: World
    records: Records

    def _catch_up(self, patient: Patient) -> Process: ...

    def go_home(self, patient: Patient) -> None: ...

    def arrive_at(self, patient: Patient, facility: int, kind: str, arrive_min: float) -> None: ...

    def at(
        self,
        patient: Patient,
        site: Site,
        station: Station | PriorityStation | None,
        service_min: float,
        leg: int,
    ) -> Process: ...


def booked_exams(
    steps: Steps, patient: Patient, site: Site, leg: int, tests: list[str], ready: float
) -> Generator[simpy.Event, None, float]:
    """Book each of ``tests`` now, then do them at their slots, in slot order; the minute the
    last result is ready (not before ``ready``, that of the exams done today)."""
    yield from steps._catch_up(patient)  # bookings are taken in the order of their times
    plan, records = site.plan, steps.records
    order_min = patient.now
    slots = sorted((site.books[test].book(order_min), test) for test in tests)
    for slot_min, test in slots:
        records.bookings.append((patient.id, plan.index, test, order_min, slot_min))  # BookingRow
    for slot_min, test in slots:
        if math.floor(slot_min / DAY_MIN) != math.floor(patient.now / DAY_MIN):
            steps.go_home(patient)
            steps.arrive_at(patient, plan.index, BOOKED_EXAM, slot_min)
        else:  # later today: wait here
            patient.now = max(patient.now, slot_min)
        exam_min = steps.world.tests[test].exam(patient.u(leg, f"exam:{test}"))
        yield from steps.at(patient, site, site.exams[test], exam_min, leg)
        records.tests.append((patient.id, plan.index, test, "performed", patient.now))
        patient.results.append((test, plan.index, plan.index, patient.now))
        turnaround = steps.world.tests[test].turnaround(patient.u(leg, f"turnaround:{test}"))
        ready = max(ready, patient.now + turnaround)
    return ready
