"""Patients who choose (issue 18): the logit against its closed form, cash and credit, the
exact minute a patient leaves a queue, and the fit of the constants."""

from __future__ import annotations

import math

import numpy as np
import pytest
import simpy

from carepath.behaviour.choice import ChoiceModel
from carepath.execution.batch import run
from carepath.execution.replication import simulate
from carepath.inputs.arms import WITHOUT
from carepath.inputs.scenario_file import load_scenario
from carepath.inputs.schema import Scenario
from carepath.system.site import ImpatientStation, Left, PriorityStation
from carepath.system.world import World
from carepath.workflows.choice_fit import first_contact_shares
from conftest import fixed, only, run_patients, tiny, tiny_data

CHOICE = {"travel_per_hour": -1.0, "cost_per_100_yuan": -0.5, "wait_per_hour": 0.0}


def roomy(**changes) -> dict:
    """The tiny world with many servers everywhere and a busy day of onsets: nobody queues
    long, and first contacts are many."""
    data = tiny_data(**changes)
    for facility in data["facilities"]:
        stations = facility["stations"]
        for key in ("registration", "cashier", "pharmacy"):
            if key in stations:
                stations[key] = 200
        stations["doctors"] = {"general": 200}
        if "exams" in stations:
            stations["exams"] = {"lab": 200}
    data["zones"][0]["population"] = 1_000_000
    data["zones"][0]["episodes_per_person_year"] = 9.0  # about 24,700 onsets a day
    return data


# -- facility choice -------------------------------------------------------------------------


def test_fitted_constants_reproduce_the_first_contact_shares():
    scenario = tiny(
        conditions=only(first_contact={"township": 0.6, "county": 0.4}),
        care_seeking={"choice": CHOICE},
    )
    model = ChoiceModel.of(World.build(scenario))
    shares, _ = model.predicted()
    assert np.allclose(shares, model.target, atol=1e-9)
    assert model.target[0, 1] == pytest.approx(0.6) and model.target[0, 2] == pytest.approx(0.4)


def test_first_contact_odds_multiply_a_tier_s_share_before_renormalising():
    """Odds of 2 on the county: 0.6 : 0.4 becomes 0.6 : 0.8, that is 3/7 : 4/7, and the fitted
    constants reproduce those shares; odds of 1 are today's shares, bit for bit."""
    conditions = only(first_contact={"township": 0.6, "county": 0.4})
    plain = ChoiceModel.of(
        World.build(tiny(conditions=conditions, care_seeking={"choice": CHOICE}))
    )
    ones = {**CHOICE, "first_contact_odds": {"county": 1.0, "township": 1.0}}
    same = ChoiceModel.of(World.build(tiny(conditions=conditions, care_seeking={"choice": ones})))
    assert same.target.tobytes() == plain.target.tobytes()
    doubled = {**CHOICE, "first_contact_odds": {"county": 2.0}}
    model = ChoiceModel.of(
        World.build(tiny(conditions=conditions, care_seeking={"choice": doubled}))
    )
    assert model.target[0, 1] == pytest.approx(3 / 7) and model.target[0, 2] == pytest.approx(4 / 7)
    shares, _ = model.predicted()
    assert np.allclose(shares, model.target, atol=1e-9)


def test_a_county_price_rise_moves_the_township_share_as_the_closed_form_logit_says():
    """Constants fitted at today's prices, then the county's consultation fee raised by 60
    yuan: the township's share of first contacts is the logit's, within 1 point."""
    base = Scenario.model_validate(
        roomy(
            conditions=only(first_contact={"township": 0.6, "county": 0.4}),
            care_seeking={"choice": CHOICE},
        )
    )
    fitted = ChoiceModel.of(World.build(base))
    data = roomy(
        conditions=only(first_contact={"township": 0.6, "county": 0.4}),
        care_seeking={"choice": CHOICE},
    )
    data["tiers"]["county"]["consultation_fee_yuan"] += 60
    dearer = World.build(Scenario.model_validate(data))
    model = ChoiceModel(dearer)
    model.constants = fitted.constants.copy()  # today's constants, not refitted
    dearer.fitted["choice"] = model
    # closed form: the county's utility falls by 0.5 per 100 yuan, the odds by exp(-0.3)
    odds = 0.4 / 0.6 * math.exp(-0.5 * 60 / 100)
    expected = 1 / (1 + odds)
    records = simulate(dearer, WITHOUT, seed=3, replication=0, full_log=True)
    shares = first_contact_shares(records, dearer)
    first = (records.table("visits").kind == "first").sum()
    assert first > 20_000
    assert shares[0, 1] == pytest.approx(expected, abs=0.01)
    assert shares[0, 1] - 0.6 > 0.05  # the rise moved it, well beyond the tolerance


# -- cash and credit -------------------------------------------------------------------------


def test_credit_lets_patients_short_of_cash_seek_care():
    """Everyone is short of cash (30 yuan): only the village clinic is affordable, so fewer
    seek care; with credit billing at every facility, the others are back in the choice set."""
    care = {
        "seek": {"consulted_share": 0.6},
        "choice": CHOICE,
        "cash": {"constrained_share": 1.0, "cash_yuan": 30},
    }
    data = roomy(
        conditions=only(first_contact={"village": 0.3, "township": 0.4, "county": 0.3}),
        care_seeking=care,
        reforms={"credit": {"enabled": True, "enrolment": 1.0}},
    )
    data["zones"][0]["episodes_per_person_year"] = 0.5
    scenario = Scenario.model_validate(data)
    model = ChoiceModel.of(World.build(scenario))
    assert model.affordable(0, 0).tolist() == [True, False, False]  # clinic, centre, hospital
    summary = run(scenario).summary.set_index(["metric", "arm"])
    sought = summary["mean"]["care_sought_share"]
    assert sought["without"] < sought["with"]
    difference = summary.loc[("care_sought_share", "difference")]
    assert difference["ci_high"] < 0  # without - with: credit raised care sought
    # with every facility in reach, the without arm's fit makes 0.6 consult (some delayed)
    assert sought["with"] > 0.55


def test_a_patient_who_can_afford_nothing_forgoes_care():
    care = {
        "seek": {"consulted_share": 0.6},
        "choice": CHOICE,
        "cash": {"constrained_share": 1.0, "cash_yuan": 0},
    }
    records = run_patients(tiny(care_seeking=care), [(600.0, {})])
    assert [row.event for row in records.rows("seeking")] == ["forgone"]
    assert records.rows("visits") == []


# -- balking and reneging --------------------------------------------------------------------


def test_reneging_and_balking_timeline_at_one_window():
    world = World.build(tiny())
    station = ImpatientStation(world.facilities[1], "registration", 1, rows := [])
    at_nine = 9 * 60.0  # open 08:00-17:00
    assert station.serve_or_leave(1, at_nine, 100.0, 5, 1000.0) == at_nine + 100
    # waits behind patient 1 for 30 minutes, then leaves at that exact minute
    left = station.serve_or_leave(2, at_nine + 10, 5.0, 5, 30.0)
    assert isinstance(left, Left) and left.kind == "reneged"
    assert left.time_min == at_nine + 40 and left.wait_min == 30.0
    # patient 2 is still waiting at +20: one ahead is too many for a tolerance of 0
    balk = station.serve_or_leave(3, at_nine + 20, 5.0, 0, 1000.0)
    assert isinstance(balk, Left) and balk.kind == "balked" and balk.time_min == at_nine + 20
    # at +50 patient 2 has gone: nobody waits ahead, and nobody took the server for them
    assert station.serve_or_leave(4, at_nine + 50, 5.0, 0, 60.0) == at_nine + 105
    assert [row[0] for row in rows] == [1, 4]


def test_patients_past_their_patience_leave_at_the_exact_minute():
    """Ten patients at the centre at once, one doctor, 5 minutes each, 12 minutes' patience:
    whoever would wait longer leaves the doctor's queue 12 minutes after joining it."""
    care = {
        "patience": {
            "tolerance_people": {"low": 100, "high": 100},
            "patience_min": fixed(12),
            "return_share": 0.0,
        }
    }
    scenario = tiny(care_seeking=care, conditions=only(tests={}))
    records = run_patients(scenario, [(9 * 60.0, {}) for _ in range(10)])
    stations = records.table("stations")
    left = records.rows("seeking")
    reneged = [row for row in left if row.event == "reneged"]
    assert reneged and len([r for r in left if r.event == "gave_up"]) == len(reneged)
    for row in reneged:
        registered = stations[
            (stations.patient == row.patient) & (stations.station == "registration")
        ]
        joined = float(registered.end_min.iloc[0])  # no walk inside the tiny centre
        assert row.time_min == joined + 12.0 and row.wait_min == 12.0
        seen = stations[(stations.patient == row.patient) & (stations.station == "doctor:general")]
        assert seen.empty
    # those who stayed waited at most their patience
    doctor = stations[stations.station == "doctor:general"]
    assert ((doctor.start_min - doctor.arrive_min) <= 12.0).all()


def test_an_urgent_patient_never_leaves_a_queue():
    care = {
        "patience": {
            "tolerance_people": {"low": 0, "high": 0},
            "patience_min": fixed(1),
            "return_share": 0.0,
        }
    }
    scenario = tiny(care_seeking=care, conditions=only(tests={}, urgent=True))
    records = run_patients(scenario, [(9 * 60.0, {}) for _ in range(5)])
    assert records.rows("seeking") == []
    doctor = records.table("stations")
    assert (doctor.station == "doctor:general").sum() == 5


def test_illnesses_that_consult_keep_the_files_case_mix_and_consulted_share(demo_path):
    """Severe conditions consult more often, so they are rarer among illnesses than among
    episodes; the illnesses that consult have the file's shares, and the consulted share is
    the fitted one."""
    world = World.build(load_scenario(demo_path))
    model = ChoiceModel.of(world)
    consulted = model.consulted_by_condition()
    illness = model.illness_shares()
    seek = world.scenario.care_seeking.seek
    assert seek is not None
    mix = illness * consulted / np.sum(illness * consulted)
    assert np.allclose(mix, model.episode_shares, atol=1e-12)
    assert np.sum(illness * consulted) == pytest.approx(seek.consulted_share, abs=1e-9)
    urgent = [c.index for c in world.conditions if c.urgent]
    assert urgent and all(consulted[c] == 1.0 for c in urgent)
    assert all(illness[c] < model.episode_shares[c] for c in urgent)


def test_reneging_and_balking_timeline_at_a_green_channel_window():
    """The same timeline where the line can be overtaken (two-way referral's priority)."""
    world = World.build(tiny())
    env = simpy.Environment()
    station = PriorityStation(env, world.facilities[1], "registration", 1, rows := [])
    at_nine = 9 * 60.0
    outcomes: dict[int, object] = {}

    def patient(pid: int, arrive: float, service_min: float, impatience, priority=1):
        yield env.timeout(arrive)
        outcomes[pid] = yield from station.serve_in_line(pid, service_min, priority, impatience)

    env.process(patient(1, at_nine, 100.0, None))
    env.process(patient(2, at_nine + 10, 5.0, (5, 30.0)))
    env.process(patient(3, at_nine + 20, 5.0, (0, 1000.0)))
    env.process(patient(4, at_nine + 50, 5.0, (0, 60.0)))
    env.run(until=at_nine + 300)
    assert outcomes[1] == at_nine + 100
    left = outcomes[2]
    assert isinstance(left, Left) and left.kind == "reneged"
    assert left.time_min == at_nine + 40 and left.wait_min == 30.0
    balk = outcomes[3]
    assert isinstance(balk, Left) and balk.kind == "balked" and balk.time_min == at_nine + 20
    assert outcomes[4] == at_nine + 105  # patient 2 never took the server
    assert [row[0] for row in rows] == [1, 4]
