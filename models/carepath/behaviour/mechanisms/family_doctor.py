"""Family doctors (REFORMS.md 3): contracted residents' chronic follow-ups and drug refills at
home, and the family doctor on call.

A contracted patient whose condition is on the contract's list gets the follow-up visit from
the zone's family-doctor team on the day it falls due, with the drugs delivered: no trip, no
registration; at a time spread over the team's hours, or (``booked_visits: from_start``) on the
team's round from the start of its hours, in the order booked.  On call: a share of contracted
patients (``on_call_share``) call the team when a new episode of such a condition begins
instead of going to a facility; the team comes within its hours (at once if they are on, else
at the next day's start), finishes the episode at home (``managed_at_home``) or sends the
patient on to the zone's primary-care facility.  An urgent condition never waits for a home
visit.  The teams are a resource (``teams_per_zone``, or ``teams_by_zone``, each ``team_size``
staff); a visit takes ``visit_min`` of its time, travel included.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from typing import ClassVar, Literal

import simpy
from pydantic import Field

from ...inputs.added_keys import added_key
from ...inputs.reform_registry import PatientDraws, Reform
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
from .decisions import RESOLVED, Build, NearHome
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
    teams_by_zone: dict[ZoneRef, Capacity] = added_key(
        default_factory=dict,
        description="zone -> teams serving it, overriding teams_per_zone (at most 10,000)",
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
    booked_visits: Literal["spread", "from_start"] = added_key(
        "spread",
        description="when a booked follow-up falls in the team's hours: spread over them, or "
        "the day's round from their start, in the order booked",
    )
    on_call_share: Probability = added_key(
        0.0,
        description="share of contracted patients who call the team when a new episode of a "
        "listed condition begins, instead of going to a facility",
        json_schema_extra=unit("share"),
    )
    managed_at_home: Probability = added_key(
        1.0,
        description="share of those home visits on call that finish the episode; the others "
        "go on to the zone's primary-care facility",
        json_schema_extra=unit("share"),
    )


# The team on call (a new stream: the outreach stream's layout never grows).
ON_CALL_DRAWS = PatientDraws("family_doctor", ("on_call", "managed", "visit"))


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
        self.teams = [
            simpy.Resource(env, config.teams_by_zone.get(z.id, config.teams_per_zone))
            for z in world.zones
        ]
        self.visit = sampler(config.visit_min)
        self.staff_day_min = config.staff_day_min

    def follows_up_at_home(self, patient: Patient) -> bool:
        """Whether this patient's follow-up is the family doctor's."""
        return patient.condition.index in self.conditions and (
            OUTREACH_DRAWS.draw(patient, "contract") < self.contracted[patient.zone.index]
        )

    def home_follow_up(self, patient: Patient, day: float) -> Generator[simpy.Event, None, None]:
        """On ``day``, the team comes by in its session hours and leaves the drugs."""
        session = self.config.session
        ask = day * DAY_MIN + session.start_min
        if self.config.booked_visits == "spread":
            u_offset = OUTREACH_DRAWS.draw(patient, "home_offset")
            ask += u_offset * (session.end_min - session.start_min)
        yield from self.visit_home(
            patient.id,
            patient.zone.index,
            ask,
            self.visit(OUTREACH_DRAWS.draw(patient, "home_visit")),
            patient.condition.drug_fee_yuan,
            "followed_up",
        )

    def called_home(
        self, patient: Patient
    ) -> Generator[simpy.Event, None, int | Literal[NearHome.RESOLVED] | None]:
        """A new episode of a listed condition, on call: ``RESOLVED`` if the team finishes it
        at home, the zone's primary-care facility if it sends the patient on, None if the
        patient does not call (or is urgent, or not contracted)."""
        if (
            patient.condition.urgent
            or self.config.on_call_share <= 0.0
            or not self.follows_up_at_home(patient)
            or ON_CALL_DRAWS.draw(patient, "on_call") >= self.config.on_call_share
        ):
            return None
        managed = ON_CALL_DRAWS.draw(patient, "managed") < self.config.managed_at_home
        drug_fee_yuan = patient.condition.drug_fee_yuan if managed else 0.0
        yield from self.visit_home(
            patient.id,
            patient.zone.index,
            self.within_hours(patient.now),
            self.visit(ON_CALL_DRAWS.draw(patient, "visit")),
            drug_fee_yuan,
            "on_call" if managed else "sent_on",
        )
        patient.now = self.env.now
        return RESOLVED if managed else patient.zone.primary

    def within_hours(self, now: float) -> float:
        """``now`` if the team's hours are on, else the start of its next day's hours."""
        session = self.config.session
        day = math.floor(now / DAY_MIN)
        if now < day * DAY_MIN + session.start_min:
            return day * DAY_MIN + session.start_min
        if now < day * DAY_MIN + session.end_min:
            return now
        return (day + 1) * DAY_MIN + session.start_min

    def visit_home(
        self,
        patient: int,
        zone: int,
        ask: float,
        visit_min: float,
        drug_fee_yuan: float,
        outcome: str,
    ) -> Generator[simpy.Event, None, None]:
        env = self.env
        yield env.timeout(max(0.0, ask - env.now))
        arrive = env.now
        with self.teams[zone].request() as request:
            yield request
            start = env.now
            yield env.timeout(visit_min)
        records = self.records
        records.outreach.append(
            (patient, zone, NO_FACILITY, "family_doctor", arrive, start, env.now, outcome)
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
    more_draws=(ON_CALL_DRAWS,),
)
