"""Metrics folded from the records as the run goes (``accounting.tally``): the same numbers with
the full event log kept, whatever the order and the batches the rows come in, with rows
released as they are folded so that what is held follows the episodes in care."""

from __future__ import annotations

import math
import random

import pytest

import carepath
from carepath.accounting.exact import ExactSum, Mean
from carepath.accounting.metrics import compute
from carepath.accounting.paired import Pairing
from carepath.accounting.tally import ArmTally, tally_of
from carepath.execution.batch import Task, run_task
from carepath.execution.replication import ArmRun, fold_times, simulate
from carepath.inputs.arms import arms_for
from carepath.observation.records import (
    BACKGROUND,
    COLUMNS,
    NO_EPISODE,
    EpisodeRow,
    Records,
    StationRow,
    VisitRow,
)
from carepath.system.streams import Streams
from carepath.system.world import World
from conftest import REPO, TINY, tiny

pytestmark = pytest.mark.integration  # simulates whole scenarios or runs the command

# One scenario per reform family, cut to one day of warm-up and three measured days.
REFORM_SCENARIOS = (
    "demo_county_recognition",
    "demo_county_credit",
    "chongqing_three_links",
    "demo_county_credit+wards",
)
# Tables whose rows belong to one patient's episode, and the column with the row's latest time.
PATIENT_TIMES = {
    "visits": "arrive_min",
    "stations": "end_min",
    "charges": "time_min",
    "trips": "depart_min",
    "tests": "time_min",
    "recognition": "time_min",
    "credit": "time_min",
    "waivers": "time_min",
    "outreach": "end_min",
    "admissions": "discharge_min",
    "bookings": "slot_min",
    "diagnoses": "time_min",
}


# demo_county_credit with a small ward at the county hospital (a waiting list, deposits on the
# credit line) and its CT booked: every table of beds and bookings gets rows.
WARDS = "demo_county_credit+wards"  # a name in REFORM_SCENARIOS
WARD_LEVERS = {
    "simulation.warmup_days": 3,
    "inpatient": {
        "deposit_yuan": {"county": 1000},
        "admission": {
            "abdominal": {
                "probability": {"county": 0.5, "city": 0.5},
                "lowest_tier": "county",
                "stay_days": {"dist": "exponential", "mean": 1},
                "operation": {"county": 0.3},
            }
        },
    },
    "facilities[county_hospital].beds": 3,
    "facilities[city_hospital].beds": 3,
    "facilities[county_hospital].bookings": {"ct": {"slots_per_day": 4}},
}


def short(name: str):
    file, _, variant = name.partition("+")
    scenario = carepath.load_scenario(REPO / "scenarios" / f"{file}.yaml")
    levers = {"simulation.warmup_days": 1, "simulation.horizon_days": 3}
    return carepath.with_levers(scenario, {**levers, **(WARD_LEVERS if variant else {})})


def shuffled_copy(records: Records, seed: int) -> Records:
    """The same rows in a fresh full log, each table in another order."""
    rng = random.Random(seed)
    copy = Records()
    for name in COLUMNS:
        rows = [
            EpisodeRow(*row.astuple()) if name == "episodes" else row
            for row in getattr(records, name)
        ]
        rng.shuffle(rows)
        getattr(copy, name).extend(rows)
    return copy


def everything(tally: ArmTally) -> tuple:
    return (
        compute(tally),
        tally.stations.rows(),
        tally.reform_tables(),
        tally.referrals.facility_week_rows(),
    )


@pytest.fixture(scope="module", params=REFORM_SCENARIOS)
def both_modes(request):
    task = Task(short(request.param), replication=0, seed=5)
    return task, run_task(task), run_task(task, full_log=True)


def test_aggregated_results_equal_those_with_the_full_log_kept(both_modes):
    task, aggregated, full = both_modes
    # repr: exact floats, and NaN (an undefined paired saving) equal to itself
    assert repr(aggregated) == repr(full)
    arms = {arm for arm, _, _ in aggregated.metrics}
    assert arms == {"without", "with", "paired"}


def test_the_reform_acts_in_the_short_runs(both_modes):
    task, aggregated, _ = both_modes
    metrics = {(arm, metric): value for arm, metric, value in aggregated.metrics}
    reform = task.scenario.switched_on()
    if "recognition" in reform:
        assert metrics[("with", "tests_avoided")] > 0
    if "credit" in reform:
        assert metrics[("with", "credit_patients")] > 0 and aggregated.parts["credit.csv"]
    if {"free_clinics", "family_doctors", "visiting_experts"} & set(reform):
        assert metrics[("paired", "outreach_patients")] > 0


@pytest.mark.parametrize("name", REFORM_SCENARIOS)
def test_folding_once_in_any_row_order_gives_the_same_numbers(name):
    """The rows of a full log, shuffled and folded in one go, give exactly what the daily folds
    gave: sums are exact and nothing depends on the order of rows within a table."""
    scenario = short(name)
    world = World.build(scenario)
    tallies = {}
    for arm in arms_for(scenario):
        records = simulate(world, arm, seed=5, replication=0, full_log=True)
        tally = ArmTally(world, keep_patients=True, reforms_on=arm.reforms)
        tally.fold(shuffled_copy(records, seed=len(arm.name)))
        tally.finish()
        assert repr(everything(tally)) == repr(everything(records.folded))
        tallies[arm.name] = tally
    pairing = Pairing()
    pairing.fold(tallies["without"].ended, tallies["with"].ended)
    assert not tallies["without"].ended and not tallies["with"].ended
    expected = run_task(Task(scenario, replication=0, seed=5))
    paired = [(metric, value) for arm, metric, value in expected.metrics if arm == "paired"]
    assert repr(paired) == repr(list(pairing.metrics().items()))


@pytest.mark.parametrize("name", REFORM_SCENARIOS)
def test_every_row_of_an_episode_is_recorded_before_it_ends(name):
    """What the fold relies on to drop an episode once it has ended."""
    scenario = short(name)
    world = World.build(scenario)
    for arm in arms_for(scenario):
        records = simulate(world, arm, seed=5, replication=0, full_log=True)
        ends = {row.patient: row.end_min for row in records.episodes}
        for table, column in PATIENT_TIMES.items():
            rows = records.table(table)
            for patient, time in zip(rows.patient, rows[column], strict=True):
                if patient == NO_EPISODE and table == "outreach":
                    continue  # a screening visitor, with no episode
                if patient == BACKGROUND and table == "stations":
                    continue  # an outpatient from beyond the area, with no episode
                assert patient in ends, (table, patient)
                assert ends[patient] is None or time <= ends[patient], (table, patient)


def held_by_episodes(tally: ArmTally) -> int:
    """Rows' worth of values the tally holds for the episodes in care."""
    return sum(
        len(e.stations) + len(e.visits) + len(e.charges) + len(e.trips) + len(e.draws)
        for e in tally.in_care.values()
    )


def test_rows_are_released_as_they_are_folded_and_what_is_held_follows_the_episodes_in_care():
    simulation = {**TINY["simulation"], "warmup_days": 2, "horizon_days": 40, "drain_days": 30}
    scenario = tiny(
        simulation=simulation, zones=[{**TINY["zones"][0], "episodes_per_person_year": 10.0}]
    )
    world = World.build(scenario)
    arm = arms_for(scenario)[0]
    released = ArmRun(world, arm, Streams(3, 0))
    kept = ArmRun(world, arm, Streams(3, 0), full_log=True)
    most_in_care = 0
    for until_min in fold_times(world):
        released.advance(until_min)
        kept.advance(until_min)
        assert released.records.held() == 0
        in_care = [row for row in kept.records.episodes if row.end_min is None]
        assert len(released.tally.in_care) == len(in_care)
        mine = {row.patient for row in in_care}
        rows_in_care = sum(
            1
            for table in ("visits", "stations", "charges", "trips", "credit")
            for row in kept.records.rows(table)
            if row.patient in mine
        )
        assert held_by_episodes(released.tally) == rows_in_care
        most_in_care = max(most_in_care, len(in_care))
    total = kept.records.count("episodes")
    assert released.records.count("episodes") == total
    assert released.records.count("stations") == len(kept.records.stations) > 0
    # Over 70 simulated days only a few days' episodes are ever in care at once.
    assert 0 < most_in_care < total / 5
    released.finish()
    kept.finish()
    assert repr(everything(released.tally)) == repr(everything(kept.tally))


def test_released_rows_cannot_be_read_as_tables():
    records = Records(keep_rows=False)
    records.stations.append(StationRow(1, 0, "cashier", 0.0, 1.0, 2.0))
    assert records.take("stations") == [(1, 0, "cashier", 0.0, 1.0, 2.0)]
    assert records.stations == [] and records.count("stations") == 1
    with pytest.raises(RuntimeError, match="full_log=True"):
        records.table("stations")
    kept = Records()
    kept.visits.append(VisitRow(1, 0, "first", 5.0))
    assert kept.take("visits") == [(1, 0, "first", 5.0)]
    kept.visits.append(VisitRow(1, 0, "return", 9.0))
    assert kept.take("visits") == [(1, 0, "return", 9.0)]
    assert len(kept.table("visits")) == 2 == kept.count("visits")


def test_tally_of_hand_filled_records_folds_them_once():
    world = World.build(tiny())
    records = Records()
    records.episodes.append(EpisodeRow(1, 0, 0, 600.0, 700.0))
    records.stations.append(StationRow(1, 0, "cashier", 610.0, 615.0, 620.0))
    tally = tally_of(records, world)
    assert tally_of(records, world) is tally
    assert tally.totals.episodes == 1 and tally.totals.station_wait_min.value == 5.0


def test_exact_sum_is_the_correctly_rounded_sum_in_any_order():
    rng = random.Random(1)
    values = [rng.uniform(-1, 1) * 10 ** rng.randint(-8, 12) for _ in range(3000)]
    values += [1e16, 1.0, -1e16]  # cancellation that plain float addition loses
    expected = math.fsum(values)
    for _ in range(3):
        rng.shuffle(values)
        total = ExactSum()
        for i, value in enumerate(values):
            (total.add(value) if i % 2 else total.extend([value]))
        assert total.value == expected
    assert sum([1e16, 1.0, -1e16]) != 1.0
    small = ExactSum()
    small.extend([1e16, 1.0, -1e16])
    assert small.value == 1.0


def test_mean_leaves_nan_out():
    mean = Mean()
    assert math.isnan(mean.value)
    for value in (1.0, math.nan, 2.0):
        mean.add(value)
    assert mean.value == 1.5
