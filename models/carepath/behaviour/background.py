"""Outpatients from beyond the simulated area, who queue at a facility's stations too.

A scenario simulates the residents of a slice (a county, a few districts), but a city
hospital's windows, doctors and exam units serve a whole city: the slice's patients meet queues
that others make.  A facility's ``background`` gives the mean arrivals per open day at each of
its stations; each arrives as a Poisson process at the hours of ``demand.hour_profile`` within
the opening hours, on the weekdays of ``demand.weekday_profile``, joins the queue, is served in
the tier's service time (a doctor's consultation, an exam's minutes) and is gone.  Nobody
follows them from one station to the next: what they are for is the queue they make.

Their numbers come from stream ``background``, keyed by facility and day, the same in every
arm: the reforms of the slice do not reach them.  They are recorded as station rows of patient
``BACKGROUND``, so a station's waits and utilisation count them, and no episode does.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Generator
from itertools import repeat

import numpy as np
import simpy

from ..observation.records import BACKGROUND
from ..system.clock import At
from ..system.durations import Sampler
from ..system.hours import DAY_MIN
from ..system.site import ImpatientStation, PriorityStation, Site, Station
from ..system.streams import Streams
from ..system.world import FacilityPlan, World

STREAM = "background"
HOUR_MIN = 60.0


def open_hour_weights(world: World, plan: FacilityPlan) -> list[tuple[float, float, float]]:
    """(start, end, weight) of each hour of a day the facility is open in, as minutes of the
    day: the hour-of-day profile's weight, times the share of the hour it is open."""
    hours = plan.hours
    opens, closes = (0.0, DAY_MIN) if hours.always else (hours.start_min, hours.end_min)
    parts = []
    for hour, share in enumerate(world.hour_share):
        start, end = max(opens, hour * HOUR_MIN), min(closes, (hour + 1) * HOUR_MIN)
        if end > start and share > 0:
            parts.append((start, end, share * (end - start) / HOUR_MIN))
    return parts


class DayProfile:
    """A facility's open hours of a day as arrays: where each starts, how long it is open and
    its share of the day's arrivals (``open_hour_weights``, worked out once per facility)."""

    __slots__ = ("starts", "lengths", "shares")

    def __init__(self, parts: list[tuple[float, float, float]]) -> None:
        total = sum(weight for _, _, weight in parts)
        self.starts = np.array([s for s, _, _ in parts])
        self.lengths = np.array([e - s for s, e, _ in parts])
        self.shares = np.array([w / total for _, _, w in parts]) if total else np.empty(0)


def arrival_times(
    rng: np.random.Generator,
    world: World,
    plan: FacilityPlan,
    per_day: float,
    day: int,
    profile: DayProfile | None = None,
) -> np.ndarray:
    """One open day's arrivals at one station, sorted minutes on the simulation clock: Poisson,
    ``per_day`` a day on average (times the weekday's factor), spread by the hour profile over
    the opening hours (``profile``, the facility's, made here if not given); none on a closed
    day or when no open hour has any weight."""
    if not (plan.hours.always or plan.hours.open_days[day % 7]):
        return np.empty(0)
    if profile is None:
        profile = DayProfile(open_hour_weights(world, plan))
    if not len(profile.shares):
        return np.empty(0)
    counts = rng.poisson(profile.shares * per_day * world.weekday_factor[day % 7])
    starts = np.repeat(profile.starts, counts)
    lengths = np.repeat(profile.lengths, counts)
    return np.sort(day * DAY_MIN + starts + rng.random(int(counts.sum())) * lengths)


def _service(world: World, plan: FacilityPlan, station: str) -> Sampler:
    """A station's service time: a doctor's consultation, an exam's minutes, a window's."""
    kind, _, detail = station.partition(":")
    if kind == "doctor":
        return plan.service["consultation"]
    if kind == "exam":
        return world.tests[detail].exam
    return plan.service[kind]


Join = Callable[[float, float], None]


def _join(station: Station | PriorityStation) -> Join:
    """How an outpatient from beyond the area joins this station at a minute, for a service of
    so many minutes: in turn, never balking or reneging, nobody waiting on the outcome."""
    if isinstance(station, PriorityStation):

        def in_line(_arrive: float, service_min: float) -> None:
            station.join_unattended(BACKGROUND, service_min)

        return in_line
    if isinstance(station, ImpatientStation):

        def patiently(arrive: float, service_min: float) -> None:
            station.serve_or_leave(BACKGROUND, arrive, service_min, sys.maxsize, math.inf)

        return patiently

    def served(arrive: float, service_min: float) -> None:
        station.serve(BACKGROUND, arrive, service_min)

    return served


def background_arrivals(
    env: simpy.Environment, world: World, site: Site, streams: Streams, days: int
) -> Generator[simpy.Event, None, None]:
    """The process of a facility's outpatients from beyond the area, a day at a time: each day's
    arrivals at every station drawn at once (stream ``background``, keyed by facility and day),
    then each joins its queue at its minute."""
    plan = site.plan
    stations = []
    for name, per_day in plan.background.items():
        station = site.station(name)
        if station is not None:
            stations.append((per_day, _service(world, plan, name), _join(station)))
    profile = DayProfile(open_hour_weights(world, plan))
    for day in range(days):
        rng = streams(STREAM, plan.index, day)
        arrivals: list[tuple[float, int, float]] = []
        for k, (per_day, _, _) in enumerate(stations):
            times = arrival_times(rng, world, plan, per_day, day, profile)
            arrivals += zip(times.tolist(), repeat(k), rng.random(len(times)).tolist())
        arrivals.sort()
        for arrive, k, u in arrivals:
            if arrive > env.now:
                yield At(env, arrive)
            _, service, join = stations[k]
            join(arrive, service(u))
