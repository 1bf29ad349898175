"""One replication of one arm: build the sites, start the onsets, run, return the records."""

from __future__ import annotations

import simpy

from ..arms import Arm
from ..behaviour.arrivals import zone_onsets
from ..behaviour.journey import Journey
from ..behaviour.mechanisms import PATIENT_STREAMS, Mechanisms
from ..observation.records import Records
from ..system.hours import DAY_MIN
from ..system.site import Site
from ..system.world import World
from .collector import collector_paused


def build_journey(
    env: simpy.Environment, world: World, records: Records, arm: Arm, seed: int, replication: int
) -> Journey:
    """The sites, the arm's reform mechanisms and the journey that runs patients through them."""
    mechanisms = Mechanisms.build(env, world, records, arm, seed, replication)
    sites = [
        Site(env, plan, records.stations, mechanisms.outreach.green_channel_at(plan))
        for plan in world.facilities
    ]
    return Journey(env, world, sites, records, mechanisms)


def simulate(world: World, arm: Arm, seed: int, replication: int) -> Records:
    """Simulate warm-up plus the measured period, then let open episodes finish (drain)."""
    env = simpy.Environment()
    records = Records()
    journey = build_journey(env, world, records, arm, seed, replication)
    sim = world.scenario.simulation
    onsets_until = (sim.warmup_days + sim.horizon_days) * DAY_MIN
    for zone in world.zones:
        onsets = zone_onsets(
            env, world, zone, seed, replication, onsets_until, journey.start, PATIENT_STREAMS
        )
        env.process(onsets)
    with collector_paused():
        env.run(until=onsets_until + sim.drain_days * DAY_MIN)
    return records
