"""Invariants as property tests over small worlds drawn by hypothesis (derandomised: see the
``ci`` profile in conftest.py).

They extend the example-based tests beside them: test_conservation.py (one busy world),
test_streams.py (stream identity, adding a zone), test_runs.py (zero differences and worker
count on the demo county), test_recognition_batch.py (more acceptance, wider windows).
"""

from __future__ import annotations

import numpy as np
import pytest
import simpy
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from carepath.accounting.metrics import compute
from carepath.accounting.tally import tally_of
from carepath.accounting.window import measured_window
from carepath.behaviour.arrivals import zone_onsets
from carepath.execution.batch import run_many
from carepath.execution.options import RunOptions
from carepath.execution.replication import simulate
from carepath.inputs.arms import WITHOUT, Arm, arms_for
from carepath.inputs.metric_registry import METRICS
from carepath.inputs.reform_registry import REFORMS
from carepath.inputs.schema import Scenario
from carepath.observation.records import Records
from carepath.system.streams import Streams, stream
from carepath.system.world import World
from conftest import only, tiny_data
from test_recognition_batch import busy_referrals, performed

pytestmark = pytest.mark.integration  # simulates whole scenarios or runs the command

SLOW_OK = settings(suppress_health_check=[HealthCheck.too_slow])


@st.composite
def small_worlds(draw) -> Scenario:
    """The tiny world with drawn demand, staffing, tests, referrals, follow-ups and closing."""
    data = tiny_data(
        simulation={
            "warmup_days": draw(st.sampled_from([0, 0.5, 1])),
            "horizon_days": draw(st.sampled_from([0.5, 1, 2])),
            "drain_days": draw(st.sampled_from([0, 0.2, 1, 10])),
            "replications": 1,
            "seed": draw(st.integers(0, 10_000)),
        }
    )
    data["zones"][0]["episodes_per_person_year"] = draw(st.floats(1, 40))
    data["tests"]["lab"]["exam_min"] = {"dist": "exponential", "mean": draw(st.floats(1, 20))}
    centre = data["facilities"][1]
    centre["stations"]["doctors"] = {"general": draw(st.integers(1, 3))}
    centre["hours"] = {"start": "08:00", "end": draw(st.sampled_from(["12:00", "17:00"]))}
    data["conditions"] = only(
        lowest_tier=draw(st.sampled_from(["township", "county"])),
        tests={"lab": {"township": draw(st.floats(0, 1)), "county": draw(st.floats(0, 1))}},
        referral_up={"township": draw(st.floats(0, 1))},
        followup={
            "probability": draw(st.floats(0, 1)),
            "after_days": draw(st.sampled_from([1, 3])),
            "tests": {"lab": draw(st.floats(0, 1))},
            "referral_down": draw(st.floats(0, 1)),
        },
    )
    return Scenario.model_validate(data)


def simulated(scenario: Scenario) -> tuple[World, Records]:
    world = World.build(scenario)
    return world, simulate(world, WITHOUT, scenario.simulation.seed, 0, full_log=True)


@SLOW_OK
@given(scenario=small_worlds())
def test_every_arrival_is_finished_referred_on_or_still_in_care(scenario):
    world, records = simulated(scenario)
    episodes = records.table("episodes")
    visits, trips = records.table("visits"), records.table("trips")
    finished = set(episodes.patient[episodes.end_min.notna()])
    in_care = set(episodes.patient[episodes.end_min.isna()])
    assert len(finished) + len(in_care) == len(episodes) == episodes.patient.nunique()
    assert set(visits.patient) <= finished | in_care
    # a referred patient arrives from the facility that refers to this one, in the same episode
    for _, rows in visits[visits.kind != "return"].groupby("patient"):
        facilities, kinds = rows.facility.tolist(), rows.kind.tolist()
        for before, here, kind in zip(facilities, facilities[1:], kinds[1:], strict=False):
            if kind == "referral_up":
                assert world.facilities[before].refers_to == here
    # nobody is lost on the way: each trip starts where the last one ended, and a finished
    # patient is home at the end
    for patient, rows in trips.groupby("patient"):
        origins, destinations = rows.origin.tolist(), rows.destination.tolist()
        assert origins == [-1, *destinations[:-1]]
        if patient in finished:
            assert destinations[-1] == -1
    metrics = compute(tally_of(records, world))
    start, end = measured_window(world)
    measured = episodes[(episodes.onset_min >= start) & (episodes.onset_min < end)]
    assert metrics["episodes"] == len(measured)
    assert metrics["episodes_in_care"] == measured.end_min.isna().sum()


@SLOW_OK
@given(scenario=small_worlds())
def test_waits_and_times_are_never_negative(scenario):
    world, records = simulated(scenario)
    stations = records.table("stations")
    assert (stations.start_min >= stations.arrive_min).all()
    assert (stations.end_min >= stations.start_min).all()
    episodes = records.table("episodes").dropna(subset=["end_min"])
    assert (episodes.end_min >= episodes.onset_min).all()
    metrics = compute(tally_of(records, world))
    for name in ("wait_min", "cashier_wait_min", "time_to_care_min", "travel_min"):
        assert metrics[name] >= 0


@st.composite
def reforms_configured_but_off(draw) -> dict:
    recognition = {
        "enabled": False,
        "paper_acceptance": draw(st.floats(0, 1)),
        "items": {"lab": {"window_days": draw(st.floats(0.5, 15)), "acceptance": 1.0}},
        "accepts": {"county": {"township": "all"}},
    }
    credit = {
        "enabled": False,
        "enrolment": draw(st.floats(0, 1)),
        "limit_yuan": draw(st.sampled_from([0, 50, 3000])),
    }
    validity = {"enabled": False, "facilities": "all", "days": draw(st.integers(1, 3))}
    referral = {"enabled": False, "green_channel": "priority"}
    return {
        "recognition": recognition,
        "credit": credit,
        "registration_validity": validity,
        "two_way_referral": referral,
    }


@SLOW_OK
@given(scenario=small_worlds(), reforms=reforms_configured_but_off())
def test_reforms_switched_off_change_nothing(scenario, reforms):
    data = scenario.model_dump()
    data["reforms"] = reforms
    scenario = Scenario.model_validate(data)
    world = World.build(scenario)
    without, with_ = arms_for(scenario)
    assert with_.reforms == ()
    # even an arm that asks for every reform: the file's switches are off
    everything = Arm("everything", REFORMS.names())
    runs = [
        simulate(world, arm, scenario.simulation.seed, 0, full_log=True)
        for arm in (without, everything)
    ]
    assert runs[0].stations == runs[1].stations
    assert runs[0].charges == runs[1].charges
    metrics = [compute(tally_of(r, world)) for r in runs]
    names = METRICS.names("arm")
    assert [metrics[0][m] for m in names] == [metrics[1][m] for m in names]


def _patients(world: World, seed: int, own_streams: dict[str, int]) -> list[tuple]:
    """Every patient a zone starts in a day: id, onset, condition, draws, the named own draws."""
    env, started = simpy.Environment(), []
    zone = world.zones[0]
    streams = Streams(seed, 0)
    env.process(zone_onsets(env, world, zone, streams, 1440.0, started.append, own_streams))
    env.run()
    return [
        (
            p.id,
            p.onset_min,
            p.condition.index,
            p.draws,
            {n: p.own[n] for n in REFORMS.patient_streams()},
        )
        for p in started
    ]


@given(
    seed=st.integers(0, 2**32),
    name=st.text("abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=12),
    width=st.integers(1, 50),
)
def test_a_new_named_stream_leaves_every_other_draw_unchanged(seed, name, width):
    assume(name not in REFORMS.patient_streams())
    data = tiny_data()
    data["zones"][0]["episodes_per_person_year"] = 30.0
    world = World.build(Scenario.model_validate(data))
    before = _patients(world, seed, REFORMS.patient_streams())
    after = _patients(world, seed, {**REFORMS.patient_streams(), name: width})
    assert len(before) > 50
    assert before == after
    # and the streams themselves: one name's numbers do not depend on another's being drawn
    alone = stream(seed, 0, "patients", 0).random(5)
    stream(seed, 0, name, 0).random(100)
    assert np.array_equal(alone, stream(seed, 0, "patients", 0).random(5))


@settings(max_examples=2, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), replications=st.integers(2, 3))
def test_results_do_not_depend_on_the_worker_count(seed, replications):
    data = tiny_data()
    data["zones"][0]["episodes_per_person_year"] = 20.0
    data["reforms"] = {
        "recognition": {
            "enabled": True,
            "items": {"lab": {"window_days": 3, "acceptance": 0.7}},
            "accepts": {"county": {"township": "all"}},
        }
    }
    scenario = Scenario.model_validate(data)
    one = run_many([scenario], RunOptions(replications, seed, jobs=1))[0]
    two = run_many([scenario], RunOptions(replications, seed, jobs=2))[0]
    assert one.replications.equals(two.replications)
    assert one.stations.equals(two.stations)
    assert one.summary.equals(two.summary)


@SLOW_OK
@given(
    on_platform=st.sets(st.sampled_from(["clinic", "centre", "hospital"])),
    more=st.sets(st.sampled_from(["clinic", "centre", "hospital"])),
    paper=st.floats(0, 0.6),
    seed=st.integers(0, 3),
)
def test_connecting_more_facilities_never_means_more_tests(on_platform, more, paper, seed):
    # With paper results accepted less often than platform results (0.6 <= 0.7), putting more
    # facilities on the platform is more recognition.
    item = {"lab": {"window_days": 3, "acceptance": 0.7}}
    fewer = busy_referrals(items=item, paper_acceptance=paper, connected=sorted(on_platform))
    wider = busy_referrals(items=item, paper_acceptance=paper, connected=sorted(on_platform | more))
    assert performed(wider, seed) <= performed(fewer, seed)


@SLOW_OK
@given(short=st.floats(0.0005, 3), long=st.floats(0.0005, 3), seed=st.integers(0, 3))
def test_longer_windows_never_mean_more_tests(short, long, seed):
    short, long = sorted((short, long))
    narrow = busy_referrals(items={"lab": {"window_days": short, "acceptance": 0.8}})
    wide = busy_referrals(items={"lab": {"window_days": long, "acceptance": 0.8}})
    assert performed(wide, seed) <= performed(narrow, seed)
