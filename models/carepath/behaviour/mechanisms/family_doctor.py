"""Family doctors (REFORMS.md 3): contracted residents' chronic follow-ups and drug refills at home.

A contracted patient whose condition is on the contract's list gets the follow-up visit from
the zone's family-doctor team on the day it falls due, with the drugs delivered: no trip, no
registration.  The team is a resource (``teams_per_zone``, each ``team_size`` staff); a visit
takes ``visit_min`` of its time, travel included, and is booked in the team's session hours.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import ClassVar, Literal

import simpy
from pydantic import Field

from ...inputs.reform_registry import Reform
from ...inputs.schema import (
    Capacity,
    ConditionRef,
    Duration,
    PositiveMinutes,
    Probability,
    ReformSwitch,
    Session,
    StaffDayYuan,
    ZoneRef,
)
from ...inputs.units import unit
from ...observation.records import NO_FACILITY
from ...system.durations import sampler
from ...system.hours import DAY_MIN
from ..patient import Patient
from .decisions import Build
from .outreach_draws import OUTREACH_DRAWS


class FamilyDoctorsConfig(ReformSwitch):
    """Family-doctor contracts: follow-ups and drug refills of chronic conditions at home."""

    needed_when_enabled: ClassVar[tuple[str, ...]] = ("visit_min",)

    contracted: Probability = Field(
        0.0,
        description="share of residents with a family-doctor contract",
        json_schema_extra=unit("share"),
    )
    contracted_by_zone: dict[ZoneRef, Probability] = Field(
        default_factory=dict,
        description="zone -> contracted share there, overriding contracted",
        json_schema_extra=unit("share"),
    )
    conditions: list[ConditionRef] = Field(
        default_factory=list, description="chronic conditions whose follow-ups are done at home"
    )
    teams_per_zone: Capacity = Field(
        1,
        description="family-doctor teams serving each zone (at most 10,000)",
        json_schema_extra=unit("people"),
    )
    team_size: Capacity = Field(
        3,
        description="members of one team, each paid a staff-day (at most 10,000)",
        json_schema_extra=unit("people"),
    )
    visit_min: Duration | None = Field(
        None, description="team time per home follow-up, travel included (mean at most 10,080)"
    )
    session: Session = Field(
        default_factory=Session, description="the teams' working hours each day"
    )
    staff_day_cost_yuan: dict[Literal["family_doctor"], StaffDayYuan] = Field(
        default_factory=dict,
        description="what one staff-day of a family doctor costs (at most 1,000,000)",
    )
    staff_day_min: PositiveMinutes = Field(
        480.0, description="working minutes in one staff-day (at most 1,440)"
    )


class FamilyDoctors:
    """The family-doctor teams of every zone, in one arm of one replication."""

    def __init__(self, build: Build) -> None:
        config: FamilyDoctorsConfig = build.config
        env, world = build.env, build.world
        assert config.visit_min is not None  # needed when enabled (the schema checks)
        self.env = env
        self.records = build.records
        self.config = config
        self.contracted = [
            config.contracted_by_zone.get(z.id, config.contracted) for z in world.zones
        ]
        index = {c.id: c.index for c in world.conditions}
        self.conditions = frozenset(index[c] for c in config.conditions)
        self.teams = [simpy.Resource(env, config.teams_per_zone) for _ in world.zones]
        self.visit = sampler(config.visit_min)
        self.staff_day_min = config.staff_day_min

    def follows_up_at_home(self, patient: Patient) -> bool:
        """Whether this patient's follow-up is the family doctor's."""
        return patient.condition.index in self.conditions and (
            OUTREACH_DRAWS.draw(patient, "contract") < self.contracted[patient.zone.index]
        )

    def home_follow_up(self, patient: Patient, day: float) -> Generator[simpy.Event, None, None]:
        """On ``day``, the team comes by in its session hours and leaves the drugs."""
        yield from self.visit_home(
            patient.id,
            patient.zone.index,
            day,
            OUTREACH_DRAWS.draw(patient, "home_offset"),
            OUTREACH_DRAWS.draw(patient, "home_visit"),
            patient.condition.drug_fee_yuan,
        )

    def visit_home(
        self,
        patient: int,
        zone: int,
        day: float,
        u_offset: float,
        u_visit: float,
        drug_fee_yuan: float,
    ) -> Generator[simpy.Event, None, None]:
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
        records.outreach_staff.append(
            ("family_doctor", zone, "family_doctor", staff_days, start, patient)
        )
        if drug_fee_yuan > 0:
            records.charges.append((patient, NO_FACILITY, "drugs", drug_fee_yuan, env.now))


REFORM = Reform(
    name="family_doctors",
    rank=50,
    config=FamilyDoctorsConfig,
    mechanism=FamilyDoctors,
    description="family doctors: contracted chronic follow-ups at home",
    draws=OUTREACH_DRAWS,
)
