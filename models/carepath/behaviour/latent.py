"""Unnoticed chronic cases (``care_seeking.latent``): illness that has begun but that nobody
knows of yet, drawn the same in every arm.

A case begins some days (``presents_after_days``) before the day it would come to care on its
own; that day is its onset (``Patient.onset_min``), by which it is measured like any episode.
A share of cases never comes on its own within the run (``presents_share``): their illness goes
without care unless found.  A free clinic's check may find a case sooner
(``mechanisms.free_clinic.FreeClinics.finds_case``); what the arms change is when its care
starts, never whether the case exists.

Cases come from a zone's own streams: ``latent`` (how many, when, which condition, how long
unnoticed, whether it would come on its own), ``latent:patients`` (the patient's numbers per
visit, as an onset's from ``patients``), ``latent:screening`` (``LATENT_DRAWS``) and
``latent:<name>`` for each further patient stream; no other stream moves.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator

import simpy

from ..inputs.reform_registry import PatientDraws
from ..system.clock import At
from ..system.hours import DAY_MIN
from ..system.streams import Streams
from ..system.world import World, ZonePlan
from .arrivals import DayByDay, Onset, PatientStreams, pick, times_of_day
from .patient import PATIENT_ID_BASE, Patient

# The finding check: whether (geometric over the events), when in the session, how long.
LATENT_DRAWS = PatientDraws("screening", ("found", "arrive", "check"))
# Unnoticed cases' ids follow the zone's onsets' (ids are zone * PATIENT_ID_BASE + count).
LATENT_ID_OFFSET = 90_000_000

# begin_min (when the case began), presents (whether it would come to care on its own)
StartLatent = Callable[[Patient, float, bool], None]
# An unnoticed case: the patient (as an onset), when the case began, whether it would come on
# its own.
LatentCase = tuple[Onset, float, bool]


def latent_rates(world: World, zone: ZonePlan) -> tuple[float, tuple[float, ...], tuple[int, ...]]:
    """New unnoticed cases per day in the zone, their cumulative condition shares and the
    conditions' indexes; no cases without a ``latent`` block."""
    latent = world.scenario.care_seeking.latent
    if latent is None:
        return 0.0, (), ()
    index = {c.id: c.index for c in world.conditions}
    per_day = [
        (rate * zone.population / 1000.0 / 365.0, index[cid])
        for cid, rate in latent.cases_per_1000_year.items()
        if rate > 0.0
    ]
    total = sum(rate for rate, _ in per_day)
    if total <= 0.0:
        return 0.0, (), ()
    edges, cumulative = 0.0, []
    for rate, _ in per_day:
        edges += rate / total
        cumulative.append(edges)
    cumulative[-1] = 1.0
    return total, tuple(cumulative), tuple(c for _, c in per_day)


class LatentDraws(DayByDay):
    """A zone's unnoticed cases and their numbers, drawn by the day they would come on their
    own, in day order (a replication's arms share them through a ``Handout``)."""

    def __init__(
        self, world: World, zone: ZonePlan, streams: Streams, own_streams: dict[str, int]
    ) -> None:
        latent = world.scenario.care_seeking.latent
        self.world = world
        self.zone = zone
        self.per_day, self.cumulative, self.conditions = latent_rates(world, zone)
        after = None if latent is None else latent.presents_after_days
        self.low, self.high = (0, 0) if after is None else (after.low, after.high)
        self.presents_share = 0.0 if latent is None else latent.presents_share
        self.cases = streams("latent", zone.index)
        own = {**own_streams, LATENT_DRAWS.stream: LATENT_DRAWS.width}
        self.numbers = PatientStreams(streams, zone.index, "latent:patients", "latent:", own)
        self.first_id = zone.index * PATIENT_ID_BASE + LATENT_ID_OFFSET

    def day(self, day: int) -> list[LatentCase]:
        """The cases that would come on their own on ``day``, in onset order."""
        self._turn(day)
        times = times_of_day(self.cases, self.world, self.per_day, day).tolist()
        # per case: its condition, days unnoticed, whether it would come on its own
        which = self.cases.random((len(times), 3)).tolist()
        numbers = self.numbers.draw(len(times))
        low, high = self.low, self.high
        first = self.first_id
        self.first_id += len(times)
        cases: list[LatentCase] = []
        for k, onset in enumerate(times):
            u_condition, u_days, u_presents = which[k]
            condition = self.world.conditions[self.conditions[pick(self.cumulative, u_condition)]]
            days = min(high, low + math.floor(u_days * (high - low + 1)))
            mine, own = numbers(k)
            patient = (first + k, onset, condition, mine, own)
            cases.append((patient, onset - days * DAY_MIN, u_presents < self.presents_share))
        return cases


def start_latent_cases(
    env: simpy.Environment,
    world: World,
    zone: ZonePlan,
    days: Callable[[int], list[LatentCase]],
    until_min: float,
    start: StartLatent,
) -> Generator[simpy.Event, None, None]:
    """Start every unnoticed case of the zone that could start care before ``until_min``, the
    cases of each day from ``days(day)``.

    Cases are drawn by the day they would come on their own, up to the longest unnoticed time
    past ``until_min`` (a check may find those sooner), each when it begins (or at once if it
    began before the run): the run starts with the unnoticed cases it would have.
    """
    latent = world.scenario.care_seeking.latent
    per_day, _, _ = latent_rates(world, zone)
    if latent is None or per_day <= 0.0:
        return
    high = latent.presents_after_days.high
    for day in range(math.ceil(until_min / DAY_MIN) + high):
        earliest = max(0, day - high) * DAY_MIN  # the soonest a case of this day can begin
        if earliest > env.now:
            yield At(env, earliest)
        for (patient_id, onset, condition, mine, own), begin_min, presents in days(day):
            start(Patient(patient_id, zone, condition, onset, mine, own), begin_min, presents)


def zone_latent_cases(
    env: simpy.Environment,
    world: World,
    zone: ZonePlan,
    streams: Streams,
    until_min: float,
    start: StartLatent,
    own_streams: dict[str, int],
) -> Generator[simpy.Event, None, None]:
    """Start every unnoticed case of the zone that could start care before ``until_min``,
    drawn for this process alone (``LatentDraws``; a replication's arms share theirs)."""
    draws = LatentDraws(world, zone, streams, own_streams)
    return start_latent_cases(env, world, zone, draws.day, until_min, start)
