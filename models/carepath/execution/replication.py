"""One replication of one arm: build the sites, start the onsets, run a day at a time, folding
the records into the metrics' aggregates after each day (``analysis.tally``).

The rows are released once folded, so memory follows the episodes in care, not the horizon,
unless the full event log is asked for (``full_log``: every row kept, for analyses that read
tables, and folded all the same).  Stopping the clock at each day's end does not change the
simulation: SimPy processes every other event in the same order.
"""

from __future__ import annotations

import math

import simpy

from ..accounting.tally import ArmTally
from ..behaviour.arrivals import zone_onsets
from ..behaviour.journey import Journey
from ..behaviour.mechanisms import PATIENT_STREAMS, Mechanisms
from ..inputs.arms import Arm
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


def fold_times(world: World) -> list[float]:
    """Where the clock stops to fold: the end of every simulated day, then the end of the run
    (warm-up, the measured period and the drain)."""
    sim = world.scenario.simulation
    end = (sim.warmup_days + sim.horizon_days + sim.drain_days) * DAY_MIN
    return [day * DAY_MIN for day in range(1, math.ceil(end / DAY_MIN))] + [end]


class ArmRun:
    """One arm of one replication, simulated as far as asked and folded so far."""

    def __init__(
        self,
        world: World,
        arm: Arm,
        seed: int,
        replication: int,
        full_log: bool = False,
        keep_patients: bool = False,
    ) -> None:
        self.env = simpy.Environment()
        self.records = Records(keep_rows=full_log)
        self.tally = ArmTally(world, keep_patients)
        self.records.folded = self.tally
        journey = build_journey(self.env, world, self.records, arm, seed, replication)
        sim = world.scenario.simulation
        onsets_until = (sim.warmup_days + sim.horizon_days) * DAY_MIN
        for zone in world.zones:
            onsets = zone_onsets(
                self.env,
                world,
                zone,
                seed,
                replication,
                onsets_until,
                journey.start,
                PATIENT_STREAMS,
            )
            self.env.process(onsets)

    def advance(self, until_min: float) -> None:
        """Simulate up to ``until_min``, then fold the rows recorded meanwhile."""
        self.env.run(until=until_min)
        self.tally.fold(self.records)

    def finish(self) -> None:
        """The run is over: episodes still in care count as they stand."""
        self.tally.finish()


def simulate(
    world: World, arm: Arm, seed: int, replication: int, full_log: bool = False
) -> Records:
    """Simulate warm-up plus the measured period, then let open episodes finish (drain).

    The records come back folded (``records.folded``: read them with ``analysis.metrics``);
    their rows are kept only with ``full_log``.
    """
    run = ArmRun(world, arm, seed, replication, full_log)
    with collector_paused():
        for until_min in fold_times(world):
            run.advance(until_min)
    run.finish()
    return run.records
