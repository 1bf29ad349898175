"""Inpatient admissions in small worlds, every time asserted exactly.

Tiny world (tests/conftest.py): the township centre and the county hospital, open 08:00-17:00,
one server at every station and a lab (exam 3 minutes, result 20 minutes later); home is 30
minutes from the centre and 60 from the hospital.  Every draw is 0.5 unless a test sets it.
"""

from __future__ import annotations

import pytest
import yaml

import carepath.execution.replication as replication
from carepath import load_scenario
from carepath.inputs.arms import WITHOUT, Arm
from carepath.inputs.loading import ScenarioError
from carepath.inputs.schema import Scenario
from conftest import COUGH, only, run_patients, tiny_data

CLINIC, CENTRE, HOSPITAL, HOME = 0, 1, 2, -1
DAY = 1440.0
STAY = {"dist": "fixed", "mean": 2}
INPATIENT = {
    "bed_day_yuan": {"township": 80, "county": 300},
    "operation_yuan": {"county": 6000},
    "deposit_yuan": {"county": 3000},
}


def admitting(
    beds: dict[int, int], first: str = "county", urgent: bool = False, **admission
) -> dict:
    rule = {"probability": {"township": 1.0, "county": 1.0}, "lowest_tier": "county"}
    rule.update({"stay_days": STAY, **admission})
    condition = only(first_contact={first: 1.0}, urgent=urgent or None)
    data = tiny_data(conditions=condition, inpatient={**INPATIENT, "admission": {"cough": rule}})
    for facility, count in beds.items():
        data["facilities"][facility]["beds"] = count
    return data


def run(data: dict, onsets: list[float], arm: Arm = WITHOUT, draws: dict | None = None):
    scenario = Scenario.model_validate(data)
    return run_patients(scenario, [(t, dict(draws or {})) for t in onsets], arm=arm)


def test_an_admission_timeline_bed_stay_bill_and_home():
    records = run(admitting({HOSPITAL: 2}), [540.0])
    # at the hospital at 600: registration, doctor, lab (paid 606-607, done 610, result 630),
    # the review 630-632: the diagnosis, then a bed at once, for two days
    assert records.diagnoses == [(0, HOSPITAL, 632.0)]
    assert records.admissions == [(0, HOSPITAL, 632.0, 632.0, 632.0 + 2 * DAY, "admitted", False)]
    bill = [(r.item, r.fee_yuan, r.time_min) for r in records.rows("charges")][-1:]
    assert bill == [("bed_days", 600.0, 632.0 + 2 * DAY)]
    # no outpatient drugs or pharmacy: discharged home
    assert [row.station for row in records.rows("stations")][-1] == "doctor:general"
    assert records.trips[-1] == (0, HOSPITAL, HOME, 60, 12, 632.0 + 2 * DAY)
    assert records.episodes[0].end_min == 692.0 + 2 * DAY


def test_a_tier_below_the_lowest_admitting_tier_refers_up():
    records = run(admitting({CENTRE: 5, HOSPITAL: 2}, first="township"), [540.0])
    assert [v[1:3] for v in records.visits] == [(CENTRE, "first"), (HOSPITAL, "referral_up")]
    assert [(r[1], r[5]) for r in records.admissions] == [(HOSPITAL, "admitted")]


def test_a_full_ward_lists_the_patient_at_home_until_a_bed_frees():
    records = run(admitting({HOSPITAL: 1}), [540.0, 541.0])
    first, second = records.admissions
    assert first[5] == second[5] == "admitted"
    # the second is listed after the first, and takes the bed the moment it is freed
    assert second[2] > first[2] and second[3] == first[4]
    assert (1, HOSPITAL, "admission", first[4]) in records.visits
    trips = [t for t in records.trips if t[0] == 1]
    assert trips[1][1:3] == (HOSPITAL, HOME) and trips[2][1:3] == (HOME, HOSPITAL)


def test_an_urgent_patient_finding_the_ward_full_is_referred_up():
    data = admitting(
        {CENTRE: 1, HOSPITAL: 1}, first="township", urgent=True, lowest_tier="township"
    )
    records = run(data, [540.0, 541.0])
    assert [(r[0], r[1], r[5]) for r in records.admissions] == [
        (0, CENTRE, "admitted"),
        (1, CENTRE, "referred"),
        (1, HOSPITAL, "admitted"),
    ]


def test_without_a_waiting_list_a_full_ward_turns_the_patient_away():
    data = admitting({HOSPITAL: 1})
    data["inpatient"]["waiting_list"] = False
    records = run(data, [540.0, 541.0])
    assert [(r[0], r[5]) for r in records.admissions] == [(0, "admitted"), (1, "turned_away")]
    # at the top tier there is nowhere to refer: treated as an outpatient
    assert "pharmacy" in [r.station for r in records.rows("stations") if r.patient == 1]


def test_an_operation_is_drawn_and_billed():
    data = admitting({HOSPITAL: 2}, operation={"county": 0.6})
    records = run(data, [540.0])
    assert records.admissions[0][6] is True
    items = [r.item for r in records.rows("charges")]
    assert items[-2:] == ["bed_days", "operation"]
    no_operation = run(admitting({HOSPITAL: 2}, operation={"county": 0.4}), [540.0])
    assert no_operation.admissions[0][6] is False


def cannot_pay(decide, seeking):
    return lambda patient, site, yuan, now: False


def test_a_patient_without_the_deposit_forgoes_the_admission(monkeypatch):
    monkeypatch.setattr(replication, "deposit_payer", cannot_pay)
    data = admitting({HOSPITAL: 2})
    data["inpatient"]["forgo_share"] = 0.6  # the forgo draw is 0.5
    records = run(data, [540.0])
    assert [(r[5], r[2]) for r in records.admissions] == [("forgone", 632.0)]
    assert [r.item for r in records.rows("charges")][-1] == "drugs"  # an outpatient after all


def test_a_patient_without_the_deposit_raises_it_and_is_listed_days_later(monkeypatch):
    monkeypatch.setattr(replication, "deposit_payer", cannot_pay)
    data = admitting({HOSPITAL: 2})
    data["inpatient"].update(forgo_share=0.4, raise_deposit_days=3)
    records = run(data, [540.0])
    # home at 632 (there at 692), three days raising the money, then back for the bed
    listed = 692.0 + 3 * DAY
    assert records.admissions == [
        (0, HOSPITAL, listed, listed, listed + 2 * DAY, "admitted", False)
    ]
    assert (0, HOSPITAL, "admission", listed + 60.0) in records.visits


def test_a_credit_line_pays_the_deposit():
    data = admitting({HOSPITAL: 2})
    data["reforms"] = {"credit": {"enabled": True, "enrolment": 1.0, "limit_yuan": 5000}}
    records = run(data, [540.0], arm=Arm("with", ("credit",)))
    # the lab test's 40 yuan on the line too (no cashier queue: the diagnosis a minute earlier)
    assert records.credit == [(0, HOSPITAL, 40.0, 606.0), (0, HOSPITAL, 3000.0, 631.0)]
    assert records.admissions[0][5] == "admitted"


def test_a_credit_line_pays_the_deposit_only_where_the_file_says():
    data = admitting({HOSPITAL: 2})
    credit = {"enabled": True, "enrolment": 1.0, "limit_yuan": 5000, "deposits": ["centre"]}
    data["reforms"] = {"credit": credit}
    records = run(data, [540.0], arm=Arm("with", ("credit",)))
    assert records.credit == [(0, HOSPITAL, 40.0, 606.0)]  # the lab test; the deposit in cash


def test_a_deposit_past_the_line_s_limit_is_paid_in_cash():
    data = admitting({HOSPITAL: 2})
    data["reforms"] = {"credit": {"enabled": True, "enrolment": 1.0, "limit_yuan": 2000}}
    records = run(data, [540.0], arm=Arm("with", ("credit",)))
    assert records.credit == [(0, HOSPITAL, 40.0, 606.0)]
    assert records.admissions[0][5] == "admitted"  # nobody is short of cash here


def test_the_deposit_payer_reads_the_line_then_the_cash():
    class Decide:
        def __init__(self, on_line: bool) -> None:
            self.on_line = on_line

        def pays_deposit(self, patient, site, yuan, now) -> bool:
            return self.on_line

    class Short:
        def short_of(self, patient, yuan) -> bool:
            return yuan > 100

    pays = replication.deposit_payer
    assert pays(Decide(True), Short())(None, None, 3000.0, 0.0)  # the line pays
    assert not pays(Decide(False), Short())(None, None, 3000.0, 0.0)  # short, no line
    assert pays(Decide(False), Short())(None, None, 50.0, 0.0)  # the cash is enough
    assert pays(Decide(False), None)(None, None, 3000.0, 0.0)  # nobody is short of cash


def test_a_ward_needs_a_warm_up_of_three_mean_stays(tmp_path):
    data = admitting({HOSPITAL: 2}, stay_days={"dist": "exponential", "mean": 8})
    data["simulation"]["warmup_days"] = 10
    path = tmp_path / "beds.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(ScenarioError, match=r"beds.yaml.*simulation.warmup_days.*at least 3 x"):
        load_scenario(path)


def test_no_condition_needing_a_bed_leaves_the_journey_as_it_was():
    plain = run(tiny_data(), [540.0])
    with_beds = tiny_data(inpatient=INPATIENT)
    with_beds["facilities"][HOSPITAL]["beds"] = 3
    assert run(with_beds, [540.0]).stations == plain.stations
    assert "admission" not in INPATIENT and COUGH["id"] == "cough"


def test_an_admission_rule_for_an_unknown_condition_is_an_error_naming_the_key(tmp_path):
    data = admitting({HOSPITAL: 2})
    data["inpatient"]["admission"]["asthma"] = data["inpatient"]["admission"]["cough"]
    path = tmp_path / "beds.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(
        ScenarioError, match=r"inpatient.admission.asthma: no condition with this id"
    ):
        load_scenario(path)
