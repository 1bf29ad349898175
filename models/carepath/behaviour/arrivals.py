"""Illness onsets: a non-stationary Poisson process per zone (hour-of-day and weekday profile)."""

from __future__ import annotations

import math
from collections.abc import Callable, Generator

import numpy as np
import simpy

from ..streams import stream
from ..system.hours import DAY_MIN
from ..system.world import World, ZonePlan
from .patient import DRAWS_PER_PATIENT, PATIENT_ID_BASE, SLOT, Patient


def pick(cumulative: tuple[float, ...], u: float) -> int:
    """The index a uniform number falls on in a cumulative distribution."""
    for i, edge in enumerate(cumulative):
        if u < edge:
            return i
    return len(cumulative) - 1


def onset_times(rng: np.random.Generator, world: World, zone: ZonePlan, day: int) -> np.ndarray:
    """One day's onsets in a zone, sorted, as minutes on the simulation clock."""
    rates = np.asarray(world.hour_share) * zone.episodes_per_day * world.weekday_factor[day % 7]
    counts = rng.poisson(rates)
    hour_start = np.repeat(np.arange(24) * 60.0, counts)
    return np.sort(day * DAY_MIN + hour_start + rng.random(int(counts.sum())) * 60.0)


def zone_onsets(
    env: simpy.Environment,
    world: World,
    zone: ZonePlan,
    seed: int,
    replication: int,
    until_min: float,
    start: Callable[[Patient], None],
    own_streams: dict[str, int] | None = None,
) -> Generator[simpy.Event, None, None]:
    """Start a patient episode at every onset in the zone before ``until_min``.

    Onsets come from the zone's ``onsets`` stream and each patient's own numbers from its
    ``patients`` stream, both drawn a day at a time in onset order, so patient number k of a
    zone gets the same onset, condition and service draws in every arm.  ``own_streams`` names
    further patient streams (a mechanism's own, with the numbers it needs per patient): they are
    drawn in every arm, whether or not the mechanism is on, and touch no other stream.
    """
    onsets = stream(seed, replication, "onsets", zone.index)
    patients = stream(seed, replication, "patients", zone.index)
    others = {
        name: (stream(seed, replication, f"patients:{name}", zone.index), width)
        for name, width in (own_streams or {}).items()
    }
    seq = 0
    for day in range(math.ceil(until_min / DAY_MIN)):
        times = onset_times(onsets, world, zone, day).tolist()
        draws = patients.random((len(times), DRAWS_PER_PATIENT)).tolist()
        extra = {
            name: rng.random((len(times), width)).tolist() for name, (rng, width) in others.items()
        }
        for k, onset in enumerate(times):
            if onset >= until_min:
                return
            yield env.timeout(onset - env.now)
            mine = draws[k]
            condition = world.conditions[pick(world.condition_cumulative, mine[SLOT["condition"]])]
            own = {name: rows[k] for name, rows in extra.items()}
            start(Patient(zone.index * PATIENT_ID_BASE + seq, zone, condition, onset, mine, own))
            seq += 1
