"""Admissions of chronic conditions (``conditions[].chronic``), counted by hand.

Tiny world (tests/conftest.py): 2,000 residents and one measured day, so one admission in the
measured period is 365 / 1 * 1,000 / 2,000 = 182.5 per 1,000 residents per year.
"""

from __future__ import annotations

import pytest

from carepath.accounting.tally import tally_of
from carepath.inputs.scenario_file import load_scenario, resolved
from carepath.inputs.schema import Scenario
from carepath.observation.records import EpisodeRow, Records
from carepath.system.world import World
from conftest import COUGH, DEMO, REPO, run_patients, tiny, tiny_data

ONE_A_YEAR = 182.5  # one admission in the measured day, per 1,000 residents per year
DAY = 1440.0
CENTRE, HOSPITAL = 1, 2
DIABETES = {**COUGH, "id": "diabetes", "share": 0.5, "chronic": True}


def metrics(records: Records, scenario: Scenario) -> dict[str, float]:
    return tally_of(records, World.build(scenario)).inpatient.metrics(outpatient_visits=0)


def admission(patient: int, facility: int, admitted_min: float, outcome: str = "admitted"):
    """An ``AdmissionRow`` listed and admitted at once, in a bed for a day."""
    return (patient, facility, admitted_min, admitted_min, admitted_min + DAY, outcome, False)


def test_the_fold_counts_the_admissions_of_chronic_episodes_only():
    scenario = tiny(conditions=[{**COUGH, "share": 0.5}, DIABETES])
    records = Records()
    # patients 0-2 have diabetes (condition 1), 3 a cough (condition 0)
    for patient, condition in ((0, 1), (1, 1), (2, 1), (3, 0)):
        records.episodes.append(EpisodeRow(patient, 0, condition, 100.0, 3 * DAY))
    records.admissions += [
        admission(0, HOSPITAL, 600.0),  # chronic, in the measured day
        admission(1, CENTRE, 900.0),  # chronic, in the measured day, another tier
        admission(2, HOSPITAL, DAY + 60.0),  # chronic, after the measured day
        admission(3, HOSPITAL, 700.0),  # not chronic
        admission(2, HOSPITAL, 650.0, "turned_away"),  # never in a bed
    ]
    values = metrics(records, scenario)
    assert values["admissions_per_1000_year"] == 3 * ONE_A_YEAR
    assert values["admissions_per_1000_year_chronic"] == 2 * ONE_A_YEAR


def test_an_admission_whose_episode_is_not_in_care_is_an_error():
    records = Records()
    records.admissions.append(admission(0, HOSPITAL, 600.0))
    with pytest.raises(ValueError, match="patient 0 was admitted with no episode in care"):
        metrics(records, tiny())


def admitted_once(chronic: bool) -> dict[str, float]:
    """One simulated patient, admitted to the county hospital on the measured day."""
    rule = {"probability": {"county": 1.0}, "lowest_tier": "county"}
    rule["stay_days"] = {"dist": "fixed", "mean": 2}
    condition = {**COUGH, "first_contact": {"county": 1.0}, "chronic": chronic}
    data = tiny_data(conditions=[condition], inpatient={"admission": {"cough": rule}})
    data["facilities"][HOSPITAL]["beds"] = 2
    scenario = Scenario.model_validate(data)
    return metrics(run_patients(scenario, [(540.0, {})]), scenario)


def test_a_simulated_admission_counts_as_chronic_when_its_condition_is():
    chronic, other = admitted_once(True), admitted_once(False)
    assert chronic["admissions_per_1000_year"] == other["admissions_per_1000_year"] == ONE_A_YEAR
    assert chronic["admissions_per_1000_year_chronic"] == ONE_A_YEAR
    assert other["admissions_per_1000_year_chronic"] == 0.0


def test_a_condition_not_chronic_is_left_out_of_the_dump():
    (plain,) = resolved(tiny())["conditions"]
    assert "chronic" not in plain
    (flagged,) = resolved(tiny(conditions=[{**COUGH, "chronic": True}]))["conditions"]
    assert flagged["chronic"] is True


@pytest.mark.parametrize(
    "path",
    [
        pytest.param(DEMO, id="demo_county"),
        # the county of a million takes seconds to load: make test-slow
        pytest.param(
            REPO / "scenarios" / "suixi_county.yaml", id="suixi_county", marks=pytest.mark.slow
        ),
    ],
)
def test_hypertension_and_diabetes_are_the_bundled_chronic_conditions(path):
    scenario = load_scenario(path)
    assert [c.id for c in scenario.conditions if c.chronic] == ["hypertension", "diabetes"]
