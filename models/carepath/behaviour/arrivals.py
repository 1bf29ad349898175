"""Illness onsets: a non-stationary Poisson process per zone (hour-of-day and weekday profile)."""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Callable, Generator, Sequence

import numpy as np
import simpy

from ..system.clock import At
from ..system.hours import DAY_MIN
from ..system.streams import Streams
from ..system.world import World, ZonePlan
from .patient import DRAWS_PER_PATIENT, PATIENT_ID_BASE, SLOT, Patient


def pick(cumulative: tuple[float, ...], u: float) -> int:
    """The index a uniform number falls on in a cumulative distribution: the first edge above
    it (the last, if rounding left the edges short of 1)."""
    return min(bisect_right(cumulative, u), len(cumulative) - 1)


def numbers(row: np.ndarray) -> memoryview[float]:
    """A patient's numbers, read-only, each read as a Python float when it is needed (most never
    are), holding no reference to the day's array."""
    return memoryview(row.tobytes()).cast("d")


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
    """Start a patient episode for every onset in the zone before ``until_min``.

    A day's episodes are started at the start of the day, each on its own clock at its onset
    (``Patient.now``): the simulation need not stop at an onset, only where the patient first
    meets others.

    Onsets come from the zone's ``onsets`` stream and each patient's own numbers from its
    ``patients`` stream, both drawn a day at a time in onset order, so patient number k of a
    zone gets the same onset, condition and service draws in every arm.  ``own_streams`` names
    further patient streams (a mechanism's own, with the numbers it needs per patient): they are
    drawn in every arm, whether or not the mechanism is on, and touch no other stream.
    ``conditions``: cumulative condition shares of the onsets, if not the file's (illnesses of
    which only some consult, ``behaviour.seeking.illness_cumulative``).
    """
    cumulative = world.condition_cumulative if conditions is None else conditions
    onsets = streams("onsets", zone.index)
    patients = streams("patients", zone.index)
    others = {
        name: (streams(f"patients:{name}", zone.index), width)
        for name, width in (own_streams or {}).items()
    }
    seq = 0
    for day in range(math.ceil(until_min / DAY_MIN)):
        if day * DAY_MIN > env.now:
            yield At(env, day * DAY_MIN)
        times = onset_times(onsets, world, zone, day).tolist()
        draws = patients.random((len(times), DRAWS_PER_PATIENT))
        extra = {name: rng.random((len(times), width)) for name, (rng, width) in others.items()}
        for k, onset in enumerate(times):
            if onset >= until_min:
                return
            mine = numbers(draws[k])
            condition = world.conditions[pick(cumulative, mine[SLOT["condition"]])]
            own: dict[str, Sequence[float]] = {
                name: numbers(rows[k]) for name, rows in extra.items()
            }
            start(Patient(zone.index * PATIENT_ID_BASE + seq, zone, condition, onset, mine, own))
            seq += 1
