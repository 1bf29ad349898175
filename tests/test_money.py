"""Who pays: the perspectives' ledgers (accounting/money.py), their identity with society's cost
computed from resource use, transfers that cancel, reimbursement by tier and item, and cohort
accounting of programmes inside and outside the measured period.

Tiny world (tests/conftest.py): a patient with a cough at the township centre (registration 1 +
consultation 2 yuan), a lab test (30 yuan) and drugs (20 yuan); fares 5 yuan each way.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from carepath.accounting.credit_ledger import LedgerTerms, ledger
from carepath.accounting.episodes import Episode
from carepath.accounting.metrics import compute
from carepath.accounting.money import MoneyTally, time_away_min
from carepath.accounting.outreach_costs import OutreachTally
from carepath.accounting.tally import tally_of
from carepath.execution.batch import run
from carepath.inputs.arms import WITHOUT, Arm
from carepath.inputs.economics import Economics, annuity
from carepath.inputs.metric_registry import PERSPECTIVES, net_cost_name
from carepath.inputs.scenario_file import load_scenario
from carepath.inputs.schema import Scenario
from carepath.observation.records import HOME, NO_FACILITY, EpisodeRow
from carepath.system.world import World
from carepath.workflows.golden import golden_scenario
from conftest import REPO, only, run_patients, tiny_data, without_care_seeking

CLINIC, CENTRE, HOSPITAL = 0, 1, 2
PAYERS = [p for p in PERSPECTIVES if p != "society"]
ECONOMICS = {
    "cost_to_charge": 0.7,
    "reimbursement": {
        "by_tier": {"township": 0.5, "county": 0.4},
        "by_item": {"drugs": {"township": 0.8}},
    },
    "time_value_yuan_per_hour": 30.0,
    "companions_per_patient": 0.5,
}


def metrics_of(scenario: Scenario, patients, arm: Arm = WITHOUT) -> dict[str, float]:
    records = run_patients(scenario, patients, arm=arm)
    return compute(tally_of(records, World.build(scenario)))


def payers_sum(values: dict[str, float]) -> float:
    return math.fsum(values[net_cost_name(p)] for p in PAYERS)


# -- the identity: the payers add up to society's resources -----------------------------------


def test_payers_add_up_to_society_less_time_in_every_arm_of_a_three_reform_run():
    # credit (with defaults and a financed float), registration validity and recognition, with
    # reimbursement, unit costs below fees, capital and time valued: demo_county's economics
    scenario = golden_scenario(load_scenario(REPO / "scenarios" / "demo_county_factorial.yaml"))
    table = run(scenario).replications
    wide = table[table.arm != "paired"].pivot_table(
        index=["replication", "arm"], columns="metric", values="value"
    )
    assert len(wide) == 2 * 8  # two replications, eight arms
    for _, values in wide.iterrows():
        society = values[net_cost_name("society")]
        gap = payers_sum(values.to_dict()) - (society - values["time_value_yuan"])
        assert abs(gap) <= 1e-9 * max(1.0, abs(society))
        assert values["time_value_yuan"] > 0
    with_ = wide.xs("with", level="arm")
    assert (with_[net_cost_name("lender")] > 0).all()  # the float's financing, and defaults
    assert (with_[net_cost_name("insurance_fund")] > 0).all()


def test_society_from_the_event_log_matches_the_ledger_and_the_payers():
    # society computed here from resource use in the records, not from the payers
    config = {"enabled": True, "enrolment": 1.0, "default_share": 1.0, "daily_rate": 0.001}
    data = tiny_data(
        reforms={"credit": config, "registration_validity": {"enabled": True, "facilities": "all"}},
        economics=ECONOMICS,
        conditions=only(followup={"probability": 1.0, "after_days": 1}),
    )
    scenario = Scenario.model_validate(data)
    world = World.build(scenario)
    arm = Arm("with", ("credit", "registration_validity"))
    records = run_patients(scenario, [(540.0, {}), (600.0, {})], arm=arm)
    values = compute(tally_of(records, world))
    charges, waivers = records.table("charges"), records.table("waivers")
    resource = 0.7 * (charges.fee_yuan.sum() + waivers.fee_yuan.sum())
    fares = records.table("trips").travel_yuan.sum()
    terms = LedgerTerms(56.0, 0.001)
    accounts = records.table("credit_accounts")
    book = ledger(
        records.table("credit"),
        {},
        set(accounts.patient),
        terms,
        math.inf,
    )
    hours = sum(time_away_min(e) for e in _episodes(records)) / 60.0
    society = resource + fares + book["financing_cost_yuan"] + hours * 30.0 * 1.5
    assert not waivers.empty and book["defaulted_yuan"] > 0
    assert values[net_cost_name("society")] * 2 == pytest.approx(society, rel=1e-12)
    assert payers_sum(values) == pytest.approx(
        values[net_cost_name("society")] - values["time_value_yuan"], rel=1e-12
    )
    # every drawn yuan defaulted: the lender bears it, the patient keeps it
    assert values[net_cost_name("lender")] * 2 == pytest.approx(
        book["defaulted_yuan"] + book["financing_cost_yuan"], rel=1e-12
    )


def _episodes(records) -> list[Episode]:
    """Each episode of a full log, its trips and outreach rows gathered."""
    episodes = {row.patient: Episode(row) for row in records.rows("episodes")}
    for trip in records.trips:
        episodes[trip[0]].trips.append(trip)
    return list(episodes.values())


# -- transfers: a fee waived moves money between patient and facility, not resources ----------


def test_a_waived_registration_moves_patient_and_facility_by_equal_and_opposite_amounts():
    economics = {"cost_to_charge": 0.6}  # nobody reimbursed, time not valued
    validity = {"enabled": True, "facilities": "all"}
    data = tiny_data(
        reforms={"registration_validity": validity},
        economics=economics,
        conditions=only(tests=None, followup={"probability": 1.0, "after_days": 1}),
    )
    scenario = Scenario.model_validate(data)
    without = metrics_of(scenario, [(540.0, {})])
    with_ = metrics_of(scenario, [(540.0, {})], Arm("with", ("registration_validity",)))
    assert with_["registration_fees_waived_yuan"] == 3.0  # the centre's 1 + 2 yuan
    patient, facility = (
        without[net_cost_name(p)] - with_[net_cost_name(p)] for p in ("patient", "facility")
    )
    assert patient == 3.0 and facility == -3.0
    for name in (net_cost_name("society"), "resource_cost_yuan"):
        assert with_[name] == without[name]


# -- reimbursement: a rate for one item at one tier moves only that item's split ---------------


def _hand_episode() -> Episode:
    """Charges at a village clinic, the township centre, the county hospital and at home."""
    episode = Episode(EpisodeRow(0, 0, 0, 0.0, 100.0))
    episode.charges = [
        (CLINIC, "consultation", 5.0),
        (CENTRE, "registration", 1.0),
        (CENTRE, "test:lab", 30.0),
        (CENTRE, "drugs", 20.0),
        (HOSPITAL, "test:lab", 40.0),
        (HOSPITAL, "drugs", 50.0),
        (NO_FACILITY, "drugs", 20.0),
    ]
    return episode


def _split(economics: dict) -> dict[str, float]:
    scenario = Scenario.model_validate(tiny_data(economics=economics))
    world = World.build(scenario)
    money = MoneyTally(world, OutreachTally(world), ())
    money.add(_hand_episode())
    return money.totals()


@pytest.mark.parametrize(
    ("tier", "item", "fee"),
    [("township", "test:lab", 30.0), ("county", "drugs", 50.0), ("village", "drugs", 20.0)],
)
def test_a_rate_for_one_tier_and_item_moves_only_that_charge(tier, item, fee):
    base = {"reimbursement": {"by_tier": {"township": 0.5, "county": 0.4}}}
    given = {"reimbursement": {**base["reimbursement"], "by_item": {item: {tier: 0.9}}}}
    before, after = _split(base), _split(given)
    old_rate = {"township": 0.5, "county": 0.4, "village": 0.0}[tier]
    moved = fee * (0.9 - old_rate)
    fund, patient = net_cost_name("insurance_fund"), net_cost_name("patient")
    assert after[fund] - before[fund] == pytest.approx(moved, abs=1e-12)
    assert before[patient] - after[patient] == pytest.approx(moved, abs=1e-12)
    for name in ("facility", "programme", "lender", "society"):
        assert after[net_cost_name(name)] == before[net_cost_name(name)]


def test_unit_costs_by_item_and_tier_win_over_cost_to_charge():
    economics = Economics(cost_to_charge=0.5, unit_cost_yuan={"test:lab": {"county": 55.0}})
    assert economics.unit_cost("test:lab", "county", 40.0) == 55.0
    assert economics.unit_cost("test:lab", "township", 30.0) == 15.0
    assert economics.unit_cost("drugs", "county", 50.0) == 25.0


def test_capital_is_an_equivalent_annual_cost_per_day_of_the_reforms_switched_on():
    # 100,000 yuan for 5 years at 3%: 21,835.46 a year (annuity factor 4.5797)
    assert annuity(100_000, 5, 0.03) == pytest.approx(21_835.4571, rel=1e-8)
    assert annuity(100_000, 5, 0.0) == 20_000.0
    capital = [
        {
            "name": "van",
            "reform": "free_clinics",
            "units": 2,
            "price_yuan": 100_000,
            "life_years": 5,
        }
    ]
    economics = Economics.model_validate({"capital": capital, "discount_rate": 0.03})
    assert economics.capital_yuan_per_day(("free_clinics",)) == pytest.approx(
        2 * 21_835.4571 / 365, rel=1e-8
    )
    assert economics.capital_yuan_per_day(("recognition",)) == 0.0


# -- cohort accounting: inside and outside the measured period ---------------------------------


def _family_doctors(warmup_days: float, after_days: float) -> Scenario:
    doctors = {
        "enabled": True,
        "contracted": 0.5,
        "conditions": ["cough"],
        "visit_min": {"dist": "fixed", "mean": 48},
        "team_size": 2,
        "staff_day_cost_yuan": {"family_doctor": 400},
    }
    data = tiny_data(
        reforms={"family_doctors": doctors},
        conditions=only(tests=None, followup={"probability": 1.0, "after_days": after_days}),
        economics={"time_value_yuan_per_hour": 20.0},
    )
    data["simulation"] = {**data["simulation"], "warmup_days": warmup_days, "horizon_days": 1}
    return Scenario.model_validate(data)


FAMILY = Arm("with", ("family_doctors",))
CONTRACTED = {("outreach", "contract"): 0.1}
NOT_CONTRACTED = {("outreach", "contract"): 0.9}


def test_a_programme_outside_the_measured_period_shows_neither_cost_nor_benefit():
    # a contracted patient in the warm-up is followed up at home in the warm-up; the measured
    # patient has no contract
    scenario = _family_doctors(warmup_days=5, after_days=2)
    patients = [(540.0, CONTRACTED), (5 * 1440 + 540.0, NOT_CONTRACTED)]
    records = run_patients(scenario, patients, arm=FAMILY)
    assert [row.patient for row in records.rows("outreach")] == [0]  # the programme ran
    without = metrics_of(scenario, patients)
    with_ = metrics_of(scenario, patients, FAMILY)
    assert with_["home_follow_ups"] == 0 and with_[net_cost_name("programme")] == 0
    for name in [*(net_cost_name(p) for p in PERSPECTIVES), "time_away_min"]:
        assert with_[name] == without[name]


def test_a_programme_inside_whose_benefit_falls_in_the_drain_shows_cost_and_benefit():
    # measured on day 0; the follow-up at home is due on day 14, after the measured day
    scenario = _family_doctors(warmup_days=0, after_days=14)
    without = metrics_of(scenario, [(540.0, CONTRACTED)])
    with_ = metrics_of(scenario, [(540.0, CONTRACTED)], FAMILY)
    assert with_["home_follow_ups"] == 1
    # the team's 48 minutes of 2 staff over a 480-minute staff-day, at 400 yuan each
    assert with_["programme_staff_days"] == pytest.approx(0.2)
    assert with_[net_cost_name("programme")] == pytest.approx(80.0)
    # the calendar count of the old metric sees none of it
    assert with_["family_doctor_visits"] == 0 and with_["outreach_cost_yuan"] == 0
    # the benefit: no trip to the centre, no registration, no queue for the follow-up
    assert without["trips"] - with_["trips"] == 1
    assert without[net_cost_name("patient")] > with_[net_cost_name("patient")]
    assert without["time_away_min"] > with_["time_away_min"]


def test_time_away_counts_each_outing_from_home_and_the_outreach_minutes():
    episode = Episode(EpisodeRow(0, 0, 0, 0.0, 500.0))
    # out at 100, to the centre (30 min) then on to the hospital, home at 400 + 60; out again
    episode.trips = [
        (0, HOME, CENTRE, 30.0, 5.0, 100.0),
        (0, CENTRE, HOSPITAL, 40.0, 8.0, 200.0),
        (0, HOSPITAL, HOME, 60.0, 12.0, 400.0),
        (0, HOME, CENTRE, 30.0, 5.0, 1000.0),
    ]
    episode.outreach_min = [25.0]
    assert time_away_min(episode) == (460.0 - 100.0) + 25.0  # the last outing is still open


# -- neutral: without an economics section, money is fees and fares as before ---------------


def test_neutral_economics_changes_no_earlier_metric_and_prices_resources_at_fees():
    # economics moves no earlier number while patients do not weigh prices (care seeking off)
    path = REPO / "scenarios" / "demo_county_credit.yaml"
    priced = golden_scenario(without_care_seeking(load_scenario(path)))
    neutral = priced.model_copy(update={"economics": Economics()})
    a, b = run(priced).replications, run(neutral).replications
    money = {*(net_cost_name(p) for p in PERSPECTIVES), "resource_cost_yuan", "time_value_yuan"}
    earlier = ~a.metric.isin(money)
    pd.testing.assert_frame_equal(a[earlier], b[earlier.to_numpy()])
    wide = b[b.arm != "paired"].pivot_table(
        index=["replication", "arm"], columns="metric", values="value"
    )
    # fees at cost, nobody reimbursed, time not valued: a facility's net cost is what it
    # waived; what the patient does not pay of cost_total_yuan is what defaulted, which the
    # lender bears with the float's financing; society's cost is fees (charged or waived), fares
    # and that financing
    assert (wide[net_cost_name("insurance_fund")] == 0).all()
    assert (wide["time_value_yuan"] == 0).all()
    waived = wide["registration_fees_waived_yuan"]
    assert ((wide[net_cost_name("facility")] - waived).abs() < 1e-9).all()
    assert (waived.xs("with", level="arm") > 0).all()
    defaulted = wide["cost_total_yuan"] - wide[net_cost_name("patient")]
    financing = wide[net_cost_name("lender")] - defaulted
    assert (financing.xs("with", level="arm") > 0).all()
    society = wide["cost_total_yuan"] + waived + financing
    assert ((wide[net_cost_name("society")] - society).abs() < 1e-9).all()


@pytest.mark.slow
def test_suixi_family_doctors_visit_and_cost_within_its_own_timing():
    # a week measured, follow-ups after 14 days: cohort accounting follows them into the drain
    scenario = load_scenario(REPO / "scenarios" / "suixi_county.yaml")
    followups = {c.id: c.followup.after_days for c in scenario.conditions if c.followup}
    short = golden_scenario(scenario)
    summary = run(short).summary.set_index(["metric", "arm"])["mean"]
    assert summary["home_follow_ups", "with"] > 0
    assert summary["programme_staff_days", "with"] > 0
    assert summary[net_cost_name("programme"), "with"] > 0
    assert min(followups.values()) > short.simulation.horizon_days
