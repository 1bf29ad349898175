"""Visiting experts: weekly sessions at township centres (Zibo workstations, Chongqing).

On a session's day and hours the township can manage the listed conditions that it would
otherwise refer to the county hospital: the patient sees the expert there instead.  A patient
the township would refer up on another day may be booked to come back for the next session
(``book_within_days``).  Each session day costs the experts' staff-days, patients or not.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from dataclasses import dataclass

import simpy

from ...inputs.schema import OpeningHours, VisitingExperts
from ...observation.records import Records
from ...system.durations import Sampler, sampler
from ...system.hours import DAY_MIN, Hours
from ...system.world import TIER_RANK, World


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
    until_min = (sim.warmup_days + sim.horizon_days) * DAY_MIN
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
            ("visiting_expert", session.site, "visiting_expert", float(session.staff), start)
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
