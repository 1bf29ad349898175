"""Mutual recognition of test results: each rule on its own, then whole timelines.

Tiny world (tests/conftest.py): the patient has abdominal pain, which only the county hospital
can manage; the township centre does a lab test, then refers the patient up.  Every draw is 0.5.
"""

from __future__ import annotations

import pytest

from carepath.inputs.arms import WITHOUT, Arm
from carepath.inputs.schema import Scenario
from conftest import only, run_patients, tiny_data

CLINIC, CENTRE, HOSPITAL, HOME = 0, 1, 2, -1
WITH = Arm("with", ("recognition",))

ABDOMINAL = only(id="abdominal", lowest_tier="county", drug_fee_yuan=100)[0]


def recognising(**config) -> Scenario:
    reform = {
        "enabled": True,
        "items": {"lab": {"window_days": 3, "acceptance": 1.0}},
        "accepts": {"county": {"township": ["lab"], "county": "all"}},
        **config,
    }
    data = tiny_data(conditions=[ABDOMINAL], reforms={"recognition": reform})
    return Scenario.model_validate(data)


def timeline(row):
    return (row.station, row.arrive_min, row.start_min, row.end_min)


def decisions(records):
    return [(r.facility, r.test, r.owner, r.decision) for r in records.rows("recognition")]


def outcomes(records):
    return [(r.facility, r.test, r.outcome) for r in records.rows("tests")]


def test_referred_patient_is_not_tested_again():
    records = run_patients(recognising(), [(540.0, {})], arm=WITH)
    assert decisions(records) == [(HOSPITAL, "lab", CENTRE, "accepted")]
    assert outcomes(records) == [(CENTRE, "lab", "performed"), (HOSPITAL, "lab", "avoided")]
    hospital = [timeline(row) for row in records.rows("stations") if row.facility == HOSPITAL]
    # no cashier for the test, no exam, no turnaround, no second trip to the doctor
    assert hospital == [
        ("registration", 662.0, 662.0, 663.0),
        ("doctor:general", 663.0, 663.0, 668.0),
        ("cashier", 668.0, 668.0, 669.0),
        ("pharmacy", 669.0, 669.0, 671.0),
    ]
    assert [row.item for row in records.rows("charges") if row.facility == HOSPITAL] == [
        "registration",
        "consultation",
        "drugs",
    ]
    assert records.episodes[0].end_min == 731.0


def test_without_arm_ignores_the_switched_on_reform():
    records = run_patients(recognising(), [(540.0, {})], arm=WITHOUT)
    assert records.recognition == []
    assert outcomes(records) == [(CENTRE, "lab", "performed"), (HOSPITAL, "lab", "performed")]
    assert records.episodes[0].end_min == 757.0


def test_result_outside_its_window_is_not_a_candidate():
    # the lab was done at 580 and the hospital doctor asks at 668: 88 minutes later
    scenario = recognising(items={"lab": {"window_days": 80 / 1440, "acceptance": 1.0}})
    records = run_patients(scenario, [(540.0, {})], arm=WITH)
    assert records.recognition == []
    assert outcomes(records)[-1] == (HOSPITAL, "lab", "performed")


@pytest.mark.parametrize(("paper", "expected"), [(0.0, "performed"), (1.0, "avoided")])
def test_result_from_a_facility_off_the_platform_needs_paper_acceptance(paper, expected):
    scenario = recognising(connected=["hospital"], paper_acceptance=paper)
    records = run_patients(scenario, [(540.0, {})], arm=WITH)
    assert outcomes(records)[-1] == (HOSPITAL, "lab", expected)


def test_a_tier_not_accepted_for_the_item_is_never_recognised():
    scenario = recognising(accepts={"county": {"township": ["xray"], "county": "all"}})
    records = run_patients(scenario, [(540.0, {})], arm=WITH)
    assert records.recognition == []
    assert outcomes(records)[-1] == (HOSPITAL, "lab", "performed")


def test_an_exclusion_that_applies_stops_recognition_and_is_named():
    # the exclusion draw is 0.5: inside 'emergency' (0.2 to 0.6), after 'condition_changed'
    scenario = recognising(exclusions={"condition_changed": 0.2, "emergency": 0.4})
    records = run_patients(scenario, [(540.0, {})], arm=WITH)
    assert decisions(records) == [(HOSPITAL, "lab", CENTRE, "excluded:emergency")]
    assert outcomes(records)[-1] == (HOSPITAL, "lab", "performed")


def test_exclusions_that_miss_the_draw_leave_recognition_alone():
    scenario = recognising(exclusions={"condition_changed": 0.2, "quality_doubt": 0.2})
    records = run_patients(scenario, [(540.0, {})], arm=WITH)
    assert decisions(records) == [(HOSPITAL, "lab", CENTRE, "accepted")]


def test_physician_may_decline():
    # acceptance 0.4, and the patient's acceptance draw is 0.5
    scenario = recognising(items={"lab": {"window_days": 3, "acceptance": 0.4}})
    records = run_patients(scenario, [(540.0, {})], arm=WITH)
    assert decisions(records) == [(HOSPITAL, "lab", CENTRE, "declined")]
    assert outcomes(records)[-1] == (HOSPITAL, "lab", "performed")


def test_remote_reading_makes_the_township_exam_the_hospitals_own_result():
    reading = {
        "reader": "hospital",
        "readers": 1,
        "tests": ["lab"],
        "sites": ["centre"],
        "reading_min": {"dist": "fixed", "mean": 15},
    }
    # the county hospital accepts only county results: only a remote reading can be recognised
    scenario = recognising(accepts={"county": {"county": "all"}}, remote_reading=[reading])
    records = run_patients(scenario, [(540.0, {})], arm=WITH)
    assert records.readings == [(0, HOSPITAL, CENTRE, "lab", 580.0, 580.0, 595.0)]
    # read at 595 instead of the local 20-minute turnaround (600)
    assert [timeline(row) for row in records.rows("stations") if row.facility == CENTRE][-1] == (
        "doctor:general",
        595.0,
        595.0,
        597.0,
    )
    assert decisions(records) == [(HOSPITAL, "lab", HOSPITAL, "accepted")]
    assert records.episodes[0].end_min == 726.0

    plain = run_patients(
        recognising(accepts={"county": {"county": "all"}}), [(540.0, {})], arm=WITH
    )
    assert outcomes(plain)[-1] == (HOSPITAL, "lab", "performed")


def test_a_result_done_at_the_same_facility_is_not_recognition():
    # a follow-up at the hospital orders a lab again: same institution, outside the reform
    condition = dict(
        ABDOMINAL,
        first_contact={"county": 1.0},
        followup={"probability": 1.0, "after_days": 1, "tests": {"lab": 1.0}},
    )
    data = recognising().model_dump()
    data["conditions"] = [condition]
    records = run_patients(Scenario.model_validate(data), [(540.0, {})], arm=WITH)
    assert records.recognition == []
    assert [o for o in outcomes(records) if o[2] == "avoided"] == []


def test_second_opinion_within_the_window_reuses_the_result():
    condition = dict(
        ABDOMINAL,
        lowest_tier="township",
        second_opinion={"probability": 1.0, "after_days": 2},
    )
    data = recognising().model_dump()
    data["conditions"] = [condition]
    records = run_patients(Scenario.model_validate(data), [(540.0, {})], arm=WITH)
    # the centre's lab of day 0 (minute 580) is 2 days old when the hospital sees the patient
    assert decisions(records) == [(HOSPITAL, "lab", CENTRE, "accepted")]
    assert outcomes(records) == [(CENTRE, "lab", "performed"), (HOSPITAL, "lab", "avoided")]
