"""A replication's patients drawn once for all its arms (``execution.replication.SharedPatients``):
each zone's day handed to every arm and then dropped, and only the patient streams some arm
reads drawn, with the same results as every arm drawing every stream for itself."""

from __future__ import annotations

import pytest

import carepath
from carepath.accounting.metrics import compute
from carepath.behaviour.arrivals import Handout, ZoneDraws
from carepath.execution.replication import (
    ArmRun,
    ReplicationRun,
    SharedPatients,
    fold_times,
    streams_read,
)
from carepath.inputs.arms import WITHOUT, arms_for
from carepath.inputs.reform_registry import REFORMS
from carepath.system.streams import Streams
from carepath.system.world import World
from conftest import REPO

pytestmark = pytest.mark.integration  # simulates whole scenarios


def short(name: str, **levers):
    scenario = carepath.load_scenario(REPO / "scenarios" / f"{name}.yaml")
    days = {"simulation.warmup_days": 1, "simulation.horizon_days": 2, "simulation.drain_days": 2}
    return carepath.with_levers(scenario, {**days, **levers})


def test_a_handout_makes_each_value_once_and_drops_it_after_the_last_taker():
    made = []
    handout = Handout(takers=3)
    for _ in range(3):
        assert handout.take("day 0", lambda: made.append(0) or "patients") == "patients"
    assert made == [0] and handout.held() == 0
    alone = Handout(takers=1)
    assert alone.take("day 0", lambda: "patients") == "patients" and alone.held() == 0


def test_a_zone_draws_its_days_in_order_only():
    world = World.build(short("demo_county"))
    draws = ZoneDraws(world, world.zones[0], Streams(1, 0))
    draws.day(0)
    with pytest.raises(ValueError, match="day 2 asked for, not 1"):
        draws.day(2)


def test_the_arms_hold_at_most_a_day_of_patients_between_them():
    scenario = short("demo_county_credit")
    run = ReplicationRun(World.build(scenario), arms_for(scenario), Streams(5, 0)).build()
    for until_min in fold_times(run.world):
        run.advance(until_min)
        assert run.patients.handout.held() == 0  # every arm has taken the day's patients
    run.finish()


def test_only_the_streams_of_switched_on_reforms_are_read():
    world = World.build(short("demo_county_credit"))
    with_arm = arms_for(world.scenario)[-1]
    assert "credit" not in streams_read(world, [WITHOUT])
    assert "recognition" not in streams_read(world, [WITHOUT, with_arm])
    assert streams_read(world, [WITHOUT, with_arm])["credit"] == REFORMS.get("credit").draws.width


@pytest.mark.parametrize("name", ["demo_county_credit", "mianyang_outreach"])
def test_each_arm_alone_drawing_every_stream_gives_the_shared_run_s_results(name):
    scenario = short(name)
    world = World.build(scenario)
    arms = arms_for(scenario)
    shared = ReplicationRun(world, arms, Streams(5, 0)).run()
    every_stream = {**REFORMS.patient_streams(), **streams_read(world, arms)}
    for arm in arms:
        patients = SharedPatients(world, Streams(5, 0), every_stream, 1)
        alone = ArmRun(world, arm, Streams(5, 0), patients=patients)
        for until_min in fold_times(world):
            alone.advance(until_min)
        alone.finish()
        assert repr(compute(alone.tally)) == repr(compute(shared.arms[arm.name].tally))
