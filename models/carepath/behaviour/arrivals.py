"""Illness onsets: a non-stationary Poisson process per zone (hour-of-day and weekday profile).

A zone's onsets and its patients' numbers are drawn a day at a time (``ZoneDraws``), once per
replication: every arm's onset process for the zone takes the same day's patients from a
``Handout``, which keeps a day only until the last arm has taken it.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Callable, Generator, Hashable, Sequence
from typing import Any, TypeVar

import numpy as np
import simpy

from ..system.clock import At
from ..system.hours import DAY_MIN
from ..system.streams import Streams
from ..system.world import ConditionPlan, World, ZonePlan
from .patient import DRAWS_PER_PATIENT, PATIENT_ID_BASE, SLOT, Patient

T = TypeVar("T")
OwnNumbers = dict[str, Sequence[float]]
# One patient of a zone's day: (patient id, onset minute, condition, numbers, own numbers).
Onset = tuple[int, float, ConditionPlan, Sequence[float], OwnNumbers | None]
_CONDITION = SLOT["condition"]


def pick(cumulative: tuple[float, ...], u: float) -> int:
    """The index a uniform number falls on in a cumulative distribution: the first edge above
    it (the last, if rounding left the edges short of 1)."""
    return min(bisect_right(cumulative, u), len(cumulative) - 1)


class PatientStreams:
    """The streams a zone's patients draw their numbers from, a day's patients at a time: the
    numbers per visit (``DRAWS_PER_PATIENT`` from stream ``patients``) and each own stream's
    (``own_streams``: name -> numbers per patient, from stream ``<prefix><name>``).

    Each patient gets one read-only copy of its numbers (so a patient in care holds only its
    own, never the day's arrays), read through a view per stream: cheaper than a copy per
    stream.
    """

    def __init__(
        self,
        streams: Streams,
        zone: int,
        patients: str,
        prefix: str,
        own_streams: dict[str, int] | None,
    ) -> None:
        own = own_streams or {}
        self.rngs = (streams(patients, zone), *(streams(f"{prefix}{name}", zone) for name in own))
        self.widths = (DRAWS_PER_PATIENT, *own.values())
        self.names = tuple(own)
        edges = [0]
        for width in self.widths:
            edges.append(edges[-1] + width)
        self.bounds = tuple(zip(edges[:-1], edges[1:], strict=True))
        self.row_bytes = edges[-1] * 8  # float64

    def draw(self, n: int) -> Callable[[int], tuple[Sequence[float], OwnNumbers | None]]:
        """Draw ``n`` patients' numbers: patient k's own (its numbers per visit, and its own
        streams' by name, None without any)."""
        rows = [rng.random((n, width)) for rng, width in zip(self.rngs, self.widths, strict=True)]
        data = (rows[0] if len(rows) == 1 else np.concatenate(rows, axis=1)).tobytes()
        size, names, (visits, *own) = self.row_bytes, self.names, self.bounds

        def patient(k: int) -> tuple[Sequence[float], OwnNumbers | None]:
            numbers = memoryview(data[k * size : (k + 1) * size]).cast("d")
            if not names:
                return numbers, None
            mine = numbers[visits[0] : visits[1]]
            return mine, {
                name: numbers[low:high] for name, (low, high) in zip(names, own, strict=True)
            }

        return patient


def onset_times(rng: np.random.Generator, world: World, zone: ZonePlan, day: int) -> np.ndarray:
    """One day's onsets in a zone, sorted, as minutes on the simulation clock."""
    return times_of_day(rng, world, zone.episodes_per_day, day)


def times_of_day(rng: np.random.Generator, world: World, per_day: float, day: int) -> np.ndarray:
    """One day's events of a Poisson process of ``per_day`` a day on average, with the hour-of-day
    and weekday profile of onsets, sorted, as minutes on the simulation clock."""
    rates = np.asarray(world.hour_share) * per_day * world.weekday_factor[day % 7]
    counts = rng.poisson(rates)
    hour_start = np.repeat(np.arange(24) * 60.0, counts)
    return np.sort(day * DAY_MIN + hour_start + rng.random(int(counts.sum())) * 60.0)


class Handout:
    """Values made once and handed to each of ``takers`` takers (the arms of a replication),
    held only until the last has taken them: arms that run a day in turn hold at most a day."""

    def __init__(self, takers: int) -> None:
        self.takers = takers
        self._held: dict[Hashable, list[Any]] = {}  # key -> [value, takers still to come]

    def take(self, key: Hashable, make: Callable[[], T]) -> T:
        """The value for ``key``: made by the first taker, released after the last."""
        if self.takers == 1:
            return make()
        held = self._held.get(key)
        if held is None:
            held = self._held[key] = [make(), self.takers]
        held[1] -= 1
        if not held[1]:
            del self._held[key]
        return held[0]

    def held(self) -> int:
        """How many values are waiting for a taker."""
        return len(self._held)


class DayByDay:
    """Numbers drawn a day at a time: each day once and in order, as a stream's numbers depend
    on every draw before them."""

    zone: ZonePlan
    next_day = 0

    def _turn(self, day: int) -> None:
        if day != self.next_day:
            raise ValueError(f"zone {self.zone.index}: day {day} asked for, not {self.next_day}")
        self.next_day += 1


class ZoneDraws(DayByDay):
    """A zone's onsets and its patients' numbers, drawn a day at a time in day order.

    Onsets come from the zone's ``onsets`` stream and each patient's numbers from its
    ``patients`` stream, in onset order, so patient number k of a zone gets the same onset,
    condition and service draws in every arm.  ``own_streams`` names further patient streams (a
    mechanism's own, with the numbers it needs per patient), each drawn from
    ``patients:<name>``: it touches no other stream, so a stream that no arm reads need not be
    drawn.  ``conditions``: cumulative condition shares of the onsets, if not the file's
    (illnesses of which only some consult, ``behaviour.seeking.illness_cumulative``).
    """

    def __init__(
        self,
        world: World,
        zone: ZonePlan,
        streams: Streams,
        own_streams: dict[str, int] | None = None,
        conditions: tuple[float, ...] | None = None,
    ) -> None:
        self.world = world
        self.zone = zone
        self.cumulative = world.condition_cumulative if conditions is None else conditions
        self.onsets = streams("onsets", zone.index)
        self.numbers = PatientStreams(streams, zone.index, "patients", "patients:", own_streams)
        self.first_id = zone.index * PATIENT_ID_BASE

    def day(self, day: int) -> list[Onset]:
        """The day's patients, in onset order."""
        self._turn(day)
        times = onset_times(self.onsets, self.world, self.zone, day).tolist()
        numbers = self.numbers.draw(len(times))
        conditions, cumulative = self.world.conditions, self.cumulative
        first = self.first_id
        self.first_id += len(times)
        onsets: list[Onset] = []
        for k, onset in enumerate(times):
            mine, own = numbers(k)
            condition = conditions[pick(cumulative, mine[_CONDITION])]
            onsets.append((first + k, onset, condition, mine, own))
        return onsets


def start_onsets(
    env: simpy.Environment,
    zone: ZonePlan,
    days: Callable[[int], list[Onset]],
    until_min: float,
    start: Callable[[Patient], None],
) -> Generator[simpy.Event, None, None]:
    """Start a patient episode for every onset in the zone before ``until_min``, the patients of
    each day from ``days(day)``.

    A day's episodes are started at the start of the day, each on its own clock at its onset
    (``Patient.now``): the simulation need not stop at an onset, only where the patient first
    meets others.
    """
    for day in range(math.ceil(until_min / DAY_MIN)):
        if day * DAY_MIN > env.now:
            yield At(env, day * DAY_MIN)
        for patient_id, onset, condition, mine, own in days(day):
            if onset >= until_min:
                return
            start(Patient(patient_id, zone, condition, onset, mine, own))


def zone_onsets(
    env: simpy.Environment,
    world: World,
    zone: ZonePlan,
    streams: Streams,
    until_min: float,
    start: Callable[[Patient], None],
    own_streams: dict[str, int] | None = None,
    conditions: tuple[float, ...] | None = None,
) -> Generator[simpy.Event, None, None]:
    """Start a patient episode for every onset in the zone before ``until_min``, drawn for this
    process alone (``ZoneDraws``; a replication's arms share theirs, ``start_onsets``)."""
    draws = ZoneDraws(world, zone, streams, own_streams, conditions)
    return start_onsets(env, zone, draws.day, until_min, start)
