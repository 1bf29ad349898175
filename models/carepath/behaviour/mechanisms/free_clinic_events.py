"""Free-clinic events: a team holds a clinic in each village on a calendar (REFORMS.md 3).

A village's events fall every ``every_days`` days.  The villages' first events are spread evenly
over the first cycle, so that the teams are not all out on the same day (an assumption: the
published programme says only "one free clinic per village per month").  An event is a queue
for the team: every member sees patients, one at a time, during the session hours; whoever has
not been seen when the session ends, or when the event has seen ``max_patients``, is not seen.
Residents without an illness episode come for a check (screening) and take the team's time too:
``attendance_per_event`` of them, plus ``attendance_share`` of the village's residents.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from dataclasses import dataclass

import numpy as np
import simpy

from ...observation.records import NO_EPISODE, NO_FACILITY, Records
from ...system.durations import Sampler, sampler
from ...system.hours import DAY_MIN
from ...system.streams import Streams
from ...system.world import World
from .free_clinic_config import FreeClinicsConfig

ROLES = (
    ("city_expert", "city_experts"),
    ("county_doctor", "county_doctors"),
    ("township_staff", "township_staff"),
)


@dataclass
class Event:
    """One free clinic in one village on one day."""

    zone: int
    number: int
    start_min: float
    end_min: float
    team: simpy.Resource
    closed: simpy.Event
    seen: int = 0


class Calendar:
    """When each village's free clinics are held."""

    def __init__(self, config: FreeClinicsConfig, zones: list[int]) -> None:
        self.every_days = config.every_days
        self.start_min = config.session.start_min
        self.end_min = config.session.end_min
        count = len(zones)
        self.first_day = {z: i * config.every_days / count for i, z in enumerate(zones)}

    def day(self, zone: int, number: int) -> int:
        return math.floor(self.first_day[zone] + number * self.every_days)

    def session(self, zone: int, number: int) -> tuple[float, float]:
        """Start and end of the zone's event ``number``, in minutes on the simulation clock."""
        day_min = self.day(zone, number) * DAY_MIN
        return day_min + self.start_min, day_min + self.end_min

    def next_event(self, zone: int, now: float) -> tuple[int, float, float] | None:
        """The zone's next event still open at ``now``: (number, start, end), or None."""
        if zone not in self.first_day:
            return None
        today = now / DAY_MIN
        number = max(0, math.floor((today - self.first_day[zone]) / self.every_days))
        while True:
            start, end = self.session(zone, number)
            if end > now:
                return number, start, end
            number += 1


class FreeClinicService:
    """The events of one arm of one replication; made when first needed."""

    def __init__(
        self,
        env: simpy.Environment,
        world: World,
        records: Records,
        config: FreeClinicsConfig,
        streams: Streams,
    ) -> None:
        self.env = env
        self.records = records
        self.config = config
        if config.zones == "villages":
            kinds = [z.kind for z in world.scenario.zones]
            zones = [i for i, kind in enumerate(kinds) if kind == "village"]
        else:
            index = {z.id: z.index for z in world.zones}
            zones = [index[z] for z in config.zones]
        holds_events = config.team.size > 0 and config.max_patients != 0
        self.calendar = Calendar(config, zones if holds_events else [])
        assert config.consult_min is not None  # needed when enabled (the schema checks)
        self.consult: Sampler = sampler(config.consult_min)
        self.screening_min: Sampler = sampler(config.screening.screening_min)
        self.events: dict[tuple[int, int], Event] = {}
        screening = config.screening
        # Residents who come for a check at each of a village's events, on average
        self.attendance = {
            z.index: screening.attendance_per_event + screening.attendance_share * z.population
            for z in world.zones
        }
        until_min = world.onsets_until_min
        if holds_events:
            for zone in zones:
                rng = streams("free_clinic", zone)
                env.process(self.hold_events(zone, until_min, rng))

    def event(self, zone: int, number: int) -> Event:
        key = (zone, number)
        if key not in self.events:
            start, end = self.calendar.session(zone, number)
            team = simpy.Resource(self.env, self.config.team.size)
            closed = self.env.timeout(max(0.0, end - self.env.now))
            self.events[key] = Event(zone, number, start, end, team, closed)
        return self.events[key]

    def hold_events(
        self, zone: int, until_min: float, rng: np.random.Generator
    ) -> Generator[simpy.Event, None, None]:
        """The village's events: the team's staff-days, and the residents who come for a check."""
        env, number = self.env, 0
        while True:
            start, _ = self.calendar.session(zone, number)
            if start >= until_min:
                return
            yield env.timeout(max(0.0, start - env.now))
            event = self.event(zone, number)
            for role, attribute in ROLES:
                staff = getattr(self.config.team, attribute)
                if staff:
                    self.records.outreach_staff.append(
                        ("free_clinic", zone, role, staff, start, NO_EPISODE)
                    )
            visitors = int(rng.poisson(self.attendance[zone]))
            session_min = event.end_min - event.start_min
            for _ in range(visitors):
                arrive = start + float(rng.random()) * session_min
                u_service, u_refer = float(rng.random()), float(rng.random())
                env.process(self.screen(event, arrive, u_service, u_refer))
            number += 1

    def screen(
        self, event: Event, arrive: float, u_service: float, u_refer: float
    ) -> Generator[simpy.Event, None, None]:
        """A resident without an illness episode comes for a check."""
        yield self.env.timeout(arrive - self.env.now)
        referred = u_refer < self.config.screening.referral_share
        yield from self.see(
            event,
            NO_EPISODE,
            self.screening_min(u_service),
            "screening",
            "referred" if referred else "checked",
        )

    def see(
        self, event: Event, patient: int, service_min: float, service: str, outcome: str
    ) -> Generator[simpy.Event, None, bool]:
        """Queue for the team; False if the event ends or fills up before the patient is seen."""
        env, arrive = self.env, self.env.now
        limit = self.config.max_patients
        seen = False
        if env.now < event.end_min and (limit is None or event.seen < limit):
            with event.team.request() as request:
                yield request | event.closed
                # Served only if a member was free before the session ended and room remains.
                if request.triggered and (limit is None or event.seen < limit):
                    event.seen += 1
                    start = env.now
                    yield env.timeout(service_min)
                    seen = True
        if not seen:
            start, outcome = env.now, "unseen"
        self.records.outreach.append(
            (patient, event.zone, NO_FACILITY, service, arrive, start, env.now, outcome)
        )
        return seen
