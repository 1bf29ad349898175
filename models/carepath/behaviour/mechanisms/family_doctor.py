"""Family doctors: contracted residents' chronic follow-ups and drug refills at home.

A contracted patient whose condition is on the contract's list gets the follow-up visit from
the zone's family-doctor team on the day it falls due, with the drugs delivered: no trip, no
registration.  The team is a resource (``teams_per_zone``, each ``team_size`` staff); a visit
takes ``visit_min`` of its time, travel included, and is booked in the team's session hours.
"""

from __future__ import annotations

from collections.abc import Generator

import simpy

from ...inputs.schema import FamilyDoctors
from ...observation.records import NO_FACILITY, Records
from ...system.durations import sampler
from ...system.hours import DAY_MIN
from ...system.world import World


class FamilyDoctorService:
    """The family-doctor teams of every zone, in one arm of one replication."""

    def __init__(
        self, env: simpy.Environment, world: World, records: Records, config: FamilyDoctors
    ) -> None:
        self.env = env
        self.records = records
        self.config = config
        self.contracted = [
            config.contracted_by_zone.get(z.id, config.contracted) for z in world.zones
        ]
        index = {c.id: c.index for c in world.conditions}
        self.conditions = frozenset(index[c] for c in config.conditions)
        self.teams = [simpy.Resource(env, config.teams_per_zone) for _ in world.zones]
        self.visit = sampler(config.visit_min)
        self.staff_day_min = world.scenario.reforms.outreach.staff_day_min

    def covers(self, zone: int, condition: int, u_contract: float) -> bool:
        """Whether this patient's follow-up is the family doctor's."""
        return condition in self.conditions and u_contract < self.contracted[zone]

    def home_follow_up(
        self,
        patient: int,
        zone: int,
        day: float,
        u_offset: float,
        u_visit: float,
        drug_fee_yuan: float,
    ) -> Generator[simpy.Event, None, None]:
        """On ``day``, the team comes by in its session hours and leaves the drugs."""
        env, session = self.env, self.config.session
        ask = day * DAY_MIN + session.start_min + u_offset * (session.end_min - session.start_min)
        yield env.timeout(max(0.0, ask - env.now))
        arrive = env.now
        with self.teams[zone].request() as request:
            yield request
            start = env.now
            visit_min = self.visit(u_visit)
            yield env.timeout(visit_min)
        records = self.records
        records.outreach.append(
            (patient, zone, NO_FACILITY, "family_doctor", arrive, start, env.now, "followed_up")
        )
        staff_days = self.config.team_size * visit_min / self.staff_day_min
        records.outreach_staff.append(("family_doctor", zone, "family_doctor", staff_days, start))
        if drug_fee_yuan > 0:
            records.charges.append((patient, NO_FACILITY, "drugs", drug_fee_yuan, env.now))
