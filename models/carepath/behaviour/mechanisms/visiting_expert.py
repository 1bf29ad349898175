"""Visiting experts (REFORMS.md 3): weekly sessions at township centres (Zibo workstations,
Chongqing).

On a session's day and hours the township can manage the listed conditions that it would
otherwise refer to the county hospital: a patient there that day sees the expert instead.  An
urgent patient is referred up at once, never kept for a session.  A non-urgent patient the
township would refer up on another day may be booked to come back for the next session
(``book_within_days``; the bundled scenarios book nobody).  Each session day costs the
experts' staff-days, patients or not.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from dataclasses import dataclass
from typing import ClassVar, Literal

import simpy
from pydantic import Field

from ...inputs.reform_registry import Problem, Reform
from ...inputs.schema import (
    Capacity,
    ConditionRef,
    Days,
    Duration,
    FacilityRef,
    OpeningHours,
    Probability,
    ReformSwitch,
    Scenario,
    Session,
    StaffDayYuan,
    Strict,
    Weekday,
)
from ...inputs.units import unit
from ...observation.records import NO_EPISODE, Records
from ...system.durations import Sampler, sampler
from ...system.hours import DAY_MIN, Hours
from ...system.world import TIER_RANK, FacilityPlan, World
from ..patient import Patient
from .decisions import Build
from .outreach_draws import OUTREACH_DRAWS


class VisitingExperts(Strict):
    """An expert's weekly session at township centres (Zibo workstations, Chongqing)."""

    sites: Literal["townships"] | list[FacilityRef] = Field(
        "townships", description="where the sessions are held: every township centre, or a list"
    )
    weekdays: list[Weekday] = Field(
        min_length=1, description="the weekdays of the expert's sessions"
    )
    session: Session = Field(
        default_factory=Session, description="the hours of each session on its day"
    )
    experts: Capacity = Field(
        1,
        description="experts at the session (at most 10,000)",
        json_schema_extra=unit("people"),
    )
    conditions: list[ConditionRef] = Field(
        min_length=1, description="conditions the township manages when the expert is there"
    )
    share: Probability = Field(
        1.0,
        description="share of those patients the expert can take on; the rest are referred",
        json_schema_extra=unit("share"),
    )
    consult_min: Duration = Field(description="minutes of the expert's consultation with a patient")
    book_within_days: Days = Field(
        0.0,
        description="a non-urgent patient the township would refer up comes back for a "
        "session this near (0: only patients there on a session's day; at most 3,650)",
    )


class VisitingExpertsConfig(ReformSwitch):
    """Visiting experts' sessions at township centres (REFORMS.md 3)."""

    needed_when_enabled: ClassVar[tuple[str, ...]] = ("sessions",)

    sessions: list[VisitingExperts] = Field(
        default_factory=list, description="the session plans, one per group of sites"
    )
    staff_day_cost_yuan: dict[Literal["visiting_expert"], StaffDayYuan] = Field(
        default_factory=dict,
        description="what one staff-day of an expert costs (at most 1,000,000)",
    )


@dataclass
class ExpertSession:
    """One site's weekly expert session."""

    site: int
    hours: Hours
    experts: simpy.Resource
    staff: int
    conditions: frozenset[int]
    share: float
    consult: Sampler
    book_within_min: float


def sessions(
    env: simpy.Environment, world: World, records: Records, config: list[VisitingExperts]
) -> dict[int, ExpertSession]:
    """The sessions by site, each recording its experts' staff-days while onsets happen."""
    index = {f.id: f.index for f in world.facilities}
    condition_index = {c.id: c.index for c in world.conditions}
    township = TIER_RANK["township"]
    sim = world.scenario.simulation
    until_min = world.onsets_until_min
    by_site: dict[int, ExpertSession] = {}
    for entry in config:
        if entry.sites == "townships":
            sites = [f.index for f in world.facilities if f.rank == township]
        else:
            sites = [index[s] for s in entry.sites]
        window = OpeningHours(
            start=entry.session.start, end=entry.session.end, weekdays=entry.weekdays
        )
        for site in sites:
            session = ExpertSession(
                site=site,
                hours=Hours(window, sim.start_weekday),
                experts=simpy.Resource(env, entry.experts),
                staff=entry.experts,
                conditions=frozenset(condition_index[c] for c in entry.conditions),
                share=entry.share,
                consult=sampler(entry.consult_min),
                book_within_min=entry.book_within_days * DAY_MIN,
            )
            by_site[site] = session
            env.process(record_staff(env, records, session, until_min))
    return by_site


def record_staff(
    env: simpy.Environment, records: Records, session: ExpertSession, until_min: float
) -> Generator[simpy.Event, None, None]:
    """One staff-day per expert on every session day."""
    while True:
        start = session.hours.next_opening(env.now)
        if start >= until_min:
            return
        yield env.timeout(start - env.now)
        records.outreach_staff.append(
            (
                "visiting_expert",
                session.site,
                "visiting_expert",
                float(session.staff),
                start,
                NO_EPISODE,
            )
        )
        yield env.timeout(session.hours.end_min - session.hours.start_min)


def next_session_min(
    session: ExpertSession, condition: int, u_manage: float, now: float
) -> float | None:
    """When a patient with ``condition`` can see the expert: now or later today if there is a
    session today, else the next session if it is near enough to come back for; None if the
    expert does not take the patient on."""
    if condition not in session.conditions or u_manage >= session.share:
        return None
    start = session.hours.next_opening(now)
    today = math.floor(start / DAY_MIN) == math.floor(now / DAY_MIN)
    if not today and start - now > session.book_within_min:
        return None
    return start


def see_expert(
    env: simpy.Environment,
    records: Records,
    session: ExpertSession,
    patient: int,
    zone: int,
    u_consult: float,
) -> Generator[simpy.Event, None, None]:
    """Queue for the visiting expert and be seen."""
    arrive = env.now
    with session.experts.request() as request:
        yield request
        start = env.now
        yield env.timeout(session.consult(u_consult))
    records.outreach.append(
        (patient, zone, session.site, "visiting_expert", arrive, start, env.now, "managed")
    )


class ExpertSessions:
    """The expert sessions of one arm: where the township manages instead of referring up."""

    def __init__(self, build: Build) -> None:
        config: VisitingExpertsConfig = build.config
        self.env = build.env
        self.records = build.records
        self.sessions = sessions(build.env, build.world, build.records, config.sessions)

    def expert_session_min(
        self, patient: Patient, site: FacilityPlan, now: float
    ) -> tuple[ExpertSessions, float] | None:
        """When a patient the township would refer up at ``now`` can see a visiting expert here
        instead (with these sessions, whose ``see_expert`` does it), or None."""
        session = self.sessions.get(site.index)
        if session is None:
            return None
        start = next_session_min(
            session, patient.condition.index, OUTREACH_DRAWS.draw(patient, "expert_takes_on"), now
        )
        return None if start is None else (self, start)

    def see_expert(
        self, patient: Patient, site: FacilityPlan
    ) -> Generator[simpy.Event, None, None]:
        yield from see_expert(
            self.env,
            self.records,
            self.sessions[site.index],
            patient.id,
            patient.zone.index,
            OUTREACH_DRAWS.draw(patient, "expert"),
        )


def problems(scenario: Scenario, config: VisitingExpertsConfig) -> list[Problem]:
    """Sessions only at township centres and village clinics, one session plan per site."""
    found: list[Problem] = []
    townships = [f.id for f in scenario.facilities if f.tier == "township"]
    first_entry: dict[str, int] = {}  # site -> the entry that first holds sessions there
    for i, entry in enumerate(config.sessions):
        where = ("sessions", i, "sites")
        if entry.sites == "townships":
            if not townships:
                found.append((where, "no township centre under facilities"))
            sites: list[tuple[str, tuple[str | int, ...]]] = [(s, where) for s in townships]
        else:
            sites = [(site, (*where, j)) for j, site in enumerate(entry.sites)]
        for site_id, key in sites:
            tier = scenario.facility(site_id).tier
            if tier not in ("village", "township"):
                message = (
                    f"{site_id!r} is a {tier} facility; "
                    "visiting experts go to township centres or village clinics"
                )
                found.append((key, message))
            elif site_id in first_entry:
                message = (
                    f"{site_id!r} already has sessions under sessions[{first_entry[site_id]}]; "
                    "list a site once (one session plan per site)"
                )
                found.append((key, message))
            else:
                first_entry[site_id] = i
    return found


REFORM = Reform(
    name="visiting_experts",
    rank=60,
    config=VisitingExpertsConfig,
    mechanism=ExpertSessions,
    description="visiting experts at township centres: managed there instead of referred up",
    draws=OUTREACH_DRAWS,
    checks=problems,
)
