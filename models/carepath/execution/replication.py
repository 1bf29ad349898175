"""One replication: every arm simulated side by side over the same patients, a day at a time,
each folding its records into the metrics' aggregates (``accounting.tally``) after each day, and
the arms compared patient by patient as their episodes end (``accounting.paired``).

This is the one replication loop: a batch's task (``execution.batch.run_task``) and
:func:`simulate` (one arm, for analyses that read the event log) both run it.

The rows are released once folded, so memory follows the episodes in care, not the horizon,
unless the full event log is asked for (``full_log``: every row kept, and folded all the same).
Stopping the clock at each day's end does not change the simulation: SimPy processes every other
event in the same order.

The arms' patients are drawn once (``SharedPatients``): each zone's day of onsets and numbers
is drawn when the first arm reaches it and handed to the others, and dropped once the last has
taken it, so the arms start the same patients with the same numbers and at most a day is held.
Only the patient streams some arm reads are drawn (``streams_read``): each stream is its own,
so one left undrawn moves no other.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence

import simpy

from ..accounting.paired import Pairing
from ..accounting.tally import ArmTally
from ..behaviour.admission import Admissions, PaysDeposit, has_admissions
from ..behaviour.admission import patient_streams as inpatient_streams
from ..behaviour.arrivals import Handout, Onset, ZoneDraws, start_onsets
from ..behaviour.background import background_arrivals
from ..behaviour.journey import Journey
from ..behaviour.latent import LatentCase, LatentDraws, start_latent_cases
from ..behaviour.mechanisms import Decisions, switched_on
from ..behaviour.patient import Patient
from ..behaviour.seeking import Seeking, illness_cumulative, patient_streams
from ..inputs.arms import PAIRED, WITHOUT, Arm
from ..observation.records import Records
from ..system.hours import DAY_MIN
from ..system.site import Site
from ..system.streams import Streams
from ..system.world import World, ZonePlan
from .collector import collector_paused


def build_journey(
    env: simpy.Environment, world: World, records: Records, arm: Arm, streams: Streams
) -> Journey:
    """The sites, the arm's reform mechanisms, the patients' own decisions (if they choose) and
    the journey that runs patients through them."""
    decide = Decisions.build(env, world, records, arm, streams)
    care = world.scenario.care_seeking
    seeking = None if care.neutral else Seeking(world, records, decide.credit_offered)
    impatient = care.patience is not None
    waiting_list = world.scenario.inpatient.waiting_list
    sites = [
        Site(
            env,
            plan,
            records.stations,
            decide.green_channel_at(plan),
            impatient,
            records.admissions,
            waiting_list,
        )
        for plan in world.facilities
    ]
    admissions = None
    if has_admissions(world):
        admissions = Admissions(world, deposit_payer(decide, seeking))
    return Journey(env, world, sites, records, decide, seeking, admissions)


def deposit_payer(decide: Decisions, seeking: Seeking | None) -> PaysDeposit:
    """Whether a patient pays an inpatient deposit: from a credit line that pays it there, else
    from cash, unless short of it."""

    def pays(patient: Patient, site: Site, yuan: float, now: float) -> bool:
        if decide.pays_deposit(patient, site, yuan, now):
            return True  # drawn on the patient's credit line
        return seeking is None or not seeking.short_of(patient, yuan)

    return pays


def fold_times(world: World) -> list[float]:
    """Where the clock stops to fold: the end of every simulated day, then the end of the run
    (warm-up, the measured period and the drain)."""
    sim = world.scenario.simulation
    end = (sim.warmup_days + sim.horizon_days + sim.drain_days) * DAY_MIN
    return [day * DAY_MIN for day in range(1, math.ceil(end / DAY_MIN))] + [end]


def streams_read(world: World, arms: Iterable[Arm]) -> dict[str, int]:
    """The patient streams some arm reads (name -> numbers per patient): those of the reforms
    the arms switch on (a mechanism reads only the streams its reform declares), care
    seeking's and inpatient care's."""
    reforms = {
        d.stream: d.width for arm in arms for r in switched_on(world, arm) for d in r.streams
    }
    return {**reforms, **patient_streams(world), **inpatient_streams(world)}


class SharedPatients:
    """The patients of one replication, drawn once for its ``arms`` arms: each zone's day of
    onsets (and of unnoticed cases) is drawn by the first arm to reach it and dropped once the
    last has started its patients."""

    def __init__(
        self, world: World, streams: Streams, own_streams: dict[str, int], arms: int
    ) -> None:
        self.handout = Handout(arms)
        conditions = illness_cumulative(world)
        self._onsets = [ZoneDraws(world, z, streams, own_streams, conditions) for z in world.zones]
        latent = world.scenario.care_seeking.latent is not None
        zones = world.zones if latent else ()
        self._latent = [LatentDraws(world, z, streams, own_streams) for z in zones]

    def onsets(self, zone: ZonePlan) -> Callable[[int], list[Onset]]:
        """The zone's patients of a day, the same for every arm."""
        draws, take = self._onsets[zone.index], self.handout.take
        return lambda day: take(("onsets", zone.index, day), lambda: draws.day(day))

    def latent(self, zone: ZonePlan) -> Callable[[int], list[LatentCase]]:
        """The zone's unnoticed cases that would come on their own on a day, the same for every
        arm."""
        draws, take = self._latent[zone.index], self.handout.take
        return lambda day: take(("latent", zone.index, day), lambda: draws.day(day))


class ArmRun:
    """One arm of one replication, simulated as far as asked and folded so far."""

    def __init__(
        self,
        world: World,
        arm: Arm,
        streams: Streams,
        full_log: bool = False,
        keep_patients: bool = False,
        patients: SharedPatients | None = None,
    ) -> None:
        """``patients``: the replication's, shared with its other arms (drawn for this arm
        alone if None)."""
        if patients is None:
            patients = SharedPatients(world, streams, streams_read(world, (arm,)), 1)
        self.env = simpy.Environment()
        self.records = Records(keep_rows=full_log)
        self.tally = ArmTally(world, keep_patients, arm.reforms)
        self.records.folded = self.tally
        journey = build_journey(self.env, world, self.records, arm, streams)
        if journey.seeking is not None:
            self.tally.signal = journey.seeking.signal
        onsets_until = world.onsets_until_min
        for zone in world.zones:
            onsets = patients.onsets(zone)
            self.env.process(start_onsets(self.env, zone, onsets, onsets_until, journey.start))
        days = len(fold_times(world))
        for site in journey.sites:
            if site.plan.background:
                self.env.process(background_arrivals(self.env, world, site, streams, days))
        if world.scenario.care_seeking.latent is not None:
            for zone in world.zones:
                cases = start_latent_cases(
                    self.env, world, zone, patients.latent(zone), onsets_until, journey.start_latent
                )
                self.env.process(cases)

    def advance(self, until_min: float) -> None:
        """Simulate up to ``until_min``, then fold the rows recorded meanwhile."""
        self.env.run(until=until_min)
        self.tally.fold(self.records)

    def finish(self) -> None:
        """The run is over: episodes still in care count as they stand."""
        self.tally.finish()


class ReplicationRun:
    """Every arm of one replication over the same patients, and, when the arms are
    ``without`` and ``with``, their patient-by-patient comparison.

    ``stage`` names what the run is doing (an arm's name, or ``PAIRED``), so that an error can
    be reported with the arm it happened in.
    """

    def __init__(
        self,
        world: World,
        arms: Sequence[Arm],
        streams: Streams,
        full_log: bool = False,
    ) -> None:
        self.world = world
        self.streams = streams
        self.full_log = full_log
        self.stage: str | None = None
        self.plan = tuple(arms)
        self.paired = {WITHOUT.name, "with"} <= {arm.name for arm in arms}
        self.pairing = Pairing() if self.paired else None
        self.arms: dict[str, ArmRun] = {}
        self.patients: SharedPatients | None = None  # drawn for every arm, once built

    def build(self) -> ReplicationRun:
        """Set up each arm's sites, mechanisms and onsets."""
        own_streams = streams_read(self.world, self.plan)
        self.patients = SharedPatients(self.world, self.streams, own_streams, len(self.plan))
        for arm in self.plan:
            self.stage = arm.name
            self.arms[arm.name] = ArmRun(
                self.world,
                arm,
                self.streams,
                self.full_log,
                keep_patients=self.paired,
                patients=self.patients,
            )
        self.stage = None
        return self

    def run(self) -> ReplicationRun:
        """Simulate warm-up, the measured period and the drain; fold and pair as the days end."""
        if not self.arms:
            self.build()
        with collector_paused():  # the last fold too: it makes a value per measured patient
            for until_min in fold_times(self.world):
                self.advance(until_min)
            self.finish()
        return self

    def advance(self, until_min: float) -> None:
        """Every arm up to ``until_min``, folded; then the patients who have ended in both."""
        for name, arm_run in self.arms.items():
            self.stage = name
            arm_run.advance(until_min)
        self._pair()
        self.stage = None

    def finish(self) -> None:
        """Episodes still in care count as they stand; every measured patient is paired."""
        for name, arm_run in self.arms.items():
            self.stage = name
            arm_run.finish()
        self._pair(last=True)
        self.stage = None

    def _pair(self, last: bool = False) -> None:
        if self.pairing is None:
            return
        self.stage = PAIRED
        without, with_ = self.arms[WITHOUT.name].tally.ended, self.arms["with"].tally.ended
        assert without is not None and with_ is not None  # kept because the arms are paired
        self.pairing.fold(without, with_)
        if last and (without or with_):
            raise RuntimeError(
                f"{len(without) + len(with_)} measured patients are in one arm only "
                "(the arms must see the same patients)"
            )


def simulate(
    world: World, arm: Arm, seed: int, replication: int, full_log: bool = False
) -> Records:
    """One arm of one replication: warm-up plus the measured period, then let open episodes
    finish (drain).

    The records come back folded (``records.folded``: read them with ``accounting.metrics``);
    their rows are kept only with ``full_log``.
    """
    run = ReplicationRun(world, (arm,), Streams(seed, replication), full_log).run()
    return run.arms[arm.name].records
