"""Moving a patient on their own clock: trips between home and facilities, and the simulation
clock catching up with the patient where the patient meets others.

Each patient keeps their own clock (``Patient.now``): walking, travelling, waiting for a result
and being served at a first-come-first-served station only move it on, since the station knows
on joining when service starts.  The simulation clock catches up with the patient
(``_catch_up``) where the patient meets others: on joining a station's queue, and before a
reform's shared team, expert or reader.  So a station visit costs one event.
"""

from __future__ import annotations

from collections.abc import Generator

import simpy

from ..observation.records import HOME, RESULT_REVIEW, Records
from ..system.clock import At
from ..system.site import Site
from ..system.world import World
from .patient import Patient

Process = Generator[simpy.Event, None, None]
# Trips back to a facility already visited for the episode's visit: after closing time, and
# with a booked exam's result (``booked_exams``).
RETURNS = ("return", RESULT_REVIEW)


class Moves:
    """The sites of one arm of one replication, and a patient's trips between them."""

    def __init__(
        self, env: simpy.Environment, world: World, sites: list[Site], records: Records
    ) -> None:
        self.env = env
        self.world = world
        self.sites = sites
        self.records = records

    def _catch_up(self, patient: Patient) -> Process:
        """Let the simulation clock reach the patient's."""
        if patient.now > self.env.now:
            yield At(self.env, patient.now)

    def travel(
        self, patient: Patient, facility: int, kind: str, leg: int, not_before: float = 0.0
    ) -> None:
        """Go to a facility, timing the trip to arrive when it is open."""
        travel_min = patient.zone.travel[facility][0]
        hours = self.sites[facility].plan.hours
        arrive = max(patient.now, not_before) + travel_min
        if not hours.is_open(arrive):
            self.go_home(patient)
            offset = patient.u(leg, "return_offset" if kind in RETURNS else "arrive_offset")
            opening = hours.next_opening(max(patient.now, not_before) + travel_min)
            arrive = opening + offset * self.world.arrive_after_opening_min
        self.arrive_at(patient, facility, kind, arrive)

    def arrive_at(self, patient: Patient, facility: int, kind: str, arrive_min: float) -> None:
        """Go to a facility to arrive at ``arrive_min`` (a booked slot, a bed: whatever its
        outpatient hours), or as soon as the trip allows."""
        travel_min, travel_yuan = patient.zone.travel[facility]
        depart = max(patient.now, arrive_min - travel_min)
        origin = HOME if patient.location is None else patient.location
        self.records.trips.append((patient.id, origin, facility, travel_min, travel_yuan, depart))
        # Waiting at home and travelling are one stretch: nothing happens to the patient between.
        patient.now = max(patient.now, depart + travel_min)
        patient.location = facility
        self.records.visits.append((patient.id, facility, kind, patient.now))

    def go_home(self, patient: Patient) -> None:
        if patient.location is None:
            return
        travel_min, travel_yuan = patient.zone.travel[patient.location]
        self.records.trips.append(
            (patient.id, patient.location, HOME, travel_min, travel_yuan, patient.now)
        )
        patient.location = None
        patient.now += travel_min
