"""Credit billing and registration validity: timelines, limits, invariants, the money side.

Tiny world (tests/conftest.py): a patient with a cough at the township centre, who has a lab test
(30 yuan) and drugs (20 yuan); every draw is 0.5.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

import carepath
from carepath import ScenarioError, load_scenario
from carepath.accounting.metrics import compute
from carepath.accounting.tally import tally_of
from carepath.cli import main
from carepath.execution.replication import simulate
from carepath.inputs.arms import WITHOUT, Arm
from carepath.inputs.schema import Scenario
from carepath.system.world import World
from conftest import REPO, run_patients, shorter, tiny_data, write_yaml

CLINIC, CENTRE, HOSPITAL, HOME = 0, 1, 2, -1
WITH = Arm("with", ("credit",))
CREDIT = REPO / "scenarios" / "demo_county_credit.yaml"


def crediting(conditions=None, **config) -> Scenario:
    reform = {"enabled": True, "enrolment": 1.0, **config}
    data = tiny_data(reforms={"credit": reform})
    if conditions is not None:
        data["conditions"] = conditions
    return Scenario.model_validate(data)


def stations_of(records, patient=0):
    return [
        (row.station, row.arrive_min, row.start_min, row.end_min)
        for row in records.rows("stations")
        if row.patient == patient
    ]


def test_enrolled_patient_never_queues_at_a_cashier():
    records = run_patients(crediting(), [(540.0, {})], arm=WITH)
    assert stations_of(records) == [
        ("registration", 570.0, 570.0, 571.0),
        ("doctor:general", 571.0, 571.0, 576.0),
        ("exam:lab", 576.0, 576.0, 579.0),
        ("doctor:general", 599.0, 599.0, 601.0),
        ("pharmacy", 601.0, 601.0, 603.0),
    ]
    assert records.credit == [(0, CENTRE, 30, 576.0), (0, CENTRE, 20, 601.0)]
    assert records.episodes[0].end_min == 633.0


def test_past_the_limit_the_patient_pays_at_the_window_for_the_rest():
    # 30 yuan of tests fit in a 40-yuan line; the 20 yuan of drugs would pass it
    records = run_patients(crediting(limit_yuan=40), [(540.0, {})], arm=WITH)
    assert records.credit == [(0, CENTRE, 30, 576.0)]
    assert [s for s in stations_of(records) if s[0] == "cashier"] == [
        ("cashier", 601.0, 601.0, 602.0)
    ]


def test_not_enrolled_or_without_arm_pays_at_the_window():
    for scenario, arm in ((crediting(enrolment=0.4), WITH), (crediting(), WITHOUT)):
        records = run_patients(scenario, [(540.0, {})], arm=arm)
        assert records.credit == []
        assert [s[0] for s in stations_of(records)].count("cashier") == 2


def test_family_pay_puts_a_non_enrolled_patient_on_a_relatives_line():
    records = run_patients(crediting(enrolment=0.0, family_pay=0.6), [(540.0, {})], arm=WITH)
    assert len(records.credit) == 2


def test_facility_that_does_not_offer_credit_keeps_its_cashier():
    records = run_patients(crediting(facilities=["hospital"]), [(540.0, {})], arm=WITH)
    assert records.credit == []


def test_cashier_on_another_floor_adds_the_walk():
    data = crediting().model_dump()
    data["facilities"][1]["cashier_walk_min"] = 4
    scenario = Scenario.model_validate(data)
    paying = run_patients(scenario, [(540.0, {})], arm=WITHOUT)
    # without credit: 4 minutes to the cashier before the tests and before the drugs
    assert stations_of(paying)[2] == ("cashier", 580.0, 580.0, 581.0)
    assert paying.episodes[0].end_min == 635.0 + 8
    on_credit = run_patients(scenario, [(540.0, {})], arm=WITH)
    assert on_credit.episodes[0].end_min == 633.0


def busy(**config) -> World:
    data = tiny_data(
        simulation={
            "warmup_days": 0,
            "horizon_days": 3,
            "drain_days": 20,
            "replications": 1,
            "seed": 9,
        }
    )
    data["zones"][0]["episodes_per_person_year"] = 60.0
    data["tiers"]["township"]["service_min"]["cashier"] = {"dist": "exponential", "mean": 2.5}
    data["reforms"] = {"credit": {"enabled": True, **config}}
    return World.build(Scenario.model_validate(data))


def cashier_wait(world: World, seed: int) -> float:
    return compute(tally_of(simulate(world, WITH, seed=seed, replication=0), world))[
        "cashier_wait_min"
    ]


@pytest.mark.integration
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_more_enrolment_never_means_longer_cashier_waits(seed):
    waits = [cashier_wait(busy(enrolment=share), seed) for share in (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)]
    assert waits == sorted(waits, reverse=True)
    assert waits[0] > waits[-1] == 0.0


@pytest.mark.integration
def test_zero_enrolment_gives_exactly_zero_difference(tmp_path):
    off = {
        "credit": {
            "enabled": True,
            "enrolment": 0.0,
            "family_pay": 0.0,
        },
        "registration_validity": {"enabled": False},
    }
    result = carepath.run(shorter(CREDIT, tmp_path, "nobody", replications=2, reforms=off))
    differences = result.summary[result.summary.arm == "difference"]
    assert (differences["mean"] == 0.0).all() and (differences["ci_low"] == 0.0).all()


def test_money_side_balances():
    world = busy(
        enrolment=0.7,
        interest_free_days=1.0,
        repayment_days={"dist": "exponential", "mean": 0.5},
        default_share=0.3,
        daily_rate=0.001,
    )
    records = simulate(world, WITH, seed=4, replication=0, full_log=True)
    book = compute(tally_of(records, world))
    assert book["credit_defaulted_yuan"] > 0 and book["credit_repaid_yuan"] > 0
    assert book["credit_outstanding_yuan"] > 0 and book["credit_financing_cost_yuan"] > 0
    total = (
        book["credit_repaid_yuan"] + book["credit_defaulted_yuan"] + book["credit_outstanding_yuan"]
    )
    assert book["credit_charged_yuan"] == pytest.approx(total, rel=1e-12)
    assert book["credit_charged_yuan"] <= sum(row.fee_yuan for row in records.rows("credit"))


@pytest.mark.integration
def test_credit_run_saves_cashier_queueing_own_and_spill_over(tmp_path):
    result = carepath.run(shorter(CREDIT, tmp_path, "credit_short", replications=2))
    paired = result.summary[result.summary.arm == "paired"].set_index("metric")
    assert paired.loc["own_cashier_wait_saved_min", "mean"] > 0
    assert paired.loc["spillover_cashier_wait_saved_min", "mean"] > 0
    difference = result.summary[result.summary.arm == "difference"].set_index("metric")
    assert difference.loc["registration_fees_waived_yuan", "mean"] < 0


def test_enrolment_by_an_unknown_zone_is_refused(tmp_path):
    data = tiny_data(reforms={"credit": {"enabled": True, "enrolment_by_zone": {"hom": 0.5}}})
    path = write_yaml(tmp_path / "bad.yaml", data)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    assert caught.value.problems == [
        f"{path}: reforms.credit.enrolment_by_zone.hom: no zone with this id under zones, got 'hom'"
    ]


@pytest.mark.integration
def test_credit_run_writes_the_daily_balance_and_names_who_bears_the_cost(tmp_path):
    path = shorter(CREDIT, tmp_path, "credit_files", replications=1)
    assert main(["run", str(path), "--out", str(tmp_path / "out"), "--quiet"]) == 0
    folder = tmp_path / "out" / "credit_files"
    balance = pd.read_csv(folder / "credit.csv")
    assert set(balance.arm) == {"with"}
    assert balance.outstanding_yuan.max() > 0
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["credit_financing_borne_by"] == "bank"
    assert "credit.csv" in manifest["files"]
