"""Registration validity ("one registration valid three days", REFORMS.md 2) on its own, in
the tiny world (tests/conftest.py) with times asserted exactly.

The tiny world's patient registers at the township centre (fees 1 + 2 yuan) or, referred, at
the county hospital (10 + 15 yuan); both open 08:00-17:00.
"""

from __future__ import annotations

import pytest

from carepath.behaviour.mechanisms.decisions import Build
from carepath.behaviour.mechanisms.registration_validity import RegistrationValidity
from carepath.behaviour.patient import DRAWS_PER_PATIENT, Patient
from carepath.inputs.arms import Arm
from carepath.inputs.schema import Scenario
from carepath.observation.records import Records
from carepath.system.site import Site
from carepath.system.streams import Streams
from carepath.system.world import World
from conftest import only, run_patients, tiny_data

CENTRE, HOSPITAL = 1, 2
WITH = Arm("with", ("registration_validity",))
AT_CENTRE = {"facilities": "all"}  # the default lists county and city hospitals only


def valid(conditions: list[dict] | None = None, **config) -> Scenario:
    data = tiny_data(reforms={"registration_validity": {"enabled": True, **config}})
    if conditions is not None:
        data["conditions"] = conditions
    return Scenario.model_validate(data)


def follow_ups(after_days: float, probability: float = 1.0) -> list[dict]:
    return only(tests=None, followup={"probability": probability, "after_days": after_days})


def registrations(records: Records) -> list[tuple[int, float]]:
    return [
        (s.facility, s.arrive_min) for s in records.rows("stations") if s.station == "registration"
    ]


@pytest.mark.parametrize(("after_days", "pays_again"), [(2, False), (3, True)])
def test_valid_three_days_first_day_included(after_days, pays_again):
    # registered on day 0 (the first day); a follow-up on day 2 is the third day, day 3 the fourth
    scenario = valid(follow_ups(after_days), **AT_CENTRE)
    records = run_patients(scenario, [(540.0, {})], arm=WITH)
    fees = [row for row in records.rows("charges") if row.item == "registration"]
    assert len(registrations(records)) == len(fees) == (2 if pays_again else 1)
    assert len(records.waivers) == (0 if pays_again else 1)
    if not pays_again:
        waiver = records.rows("waivers")[0]
        assert (waiver.facility, waiver.fee_yuan) == (CENTRE, 1 + 2)


def test_by_default_only_county_and_city_hospitals_honour_it():
    records = run_patients(valid(follow_ups(2)), [(540.0, {})], arm=WITH)
    assert len(registrations(records)) == 2 and records.waivers == []


def test_coming_back_next_morning_for_results_needs_no_new_registration():
    # the lab result is ready at closing time: the patient comes back on day 1
    records = run_patients(valid(**AT_CENTRE), [(960.0, {})], arm=WITH)
    assert [v.kind for v in records.rows("visits")] == ["first", "return"]
    assert registrations(records) == [(CENTRE, 990.0)]
    assert len(records.waivers) == 1


def test_one_return_is_covered_the_next_registers_again():
    # back the next morning for the lab result (free), then the follow-up on day 1: it pays
    scenario = valid(only(followup={"probability": 1.0, "after_days": 1}), **AT_CENTRE)
    records = run_patients(scenario, [(960.0, {})], arm=WITH)
    assert [v.kind for v in records.rows("visits")] == ["first", "return", "followup"]
    assert [facility for facility, _ in registrations(records)] == [CENTRE, CENTRE]
    assert len(records.waivers) == 1


def test_without_credit_billing_and_only_in_the_arm_that_switches_it_on():
    scenario = valid(follow_ups(2), **AT_CENTRE)
    assert scenario.switched_on() == ("registration_validity",)
    without = run_patients(scenario, [(540.0, {})], arm=Arm("without"))
    assert without.waivers == [] and len(registrations(without)) == 2


def _patient(world: World, department: str) -> Patient:
    condition = next(c for c in world.conditions if c.department == department)
    return Patient(0, world.zones[0], condition, 0.0, [0.5] * DRAWS_PER_PATIENT)


def test_the_same_department_only():
    data = tiny_data(reforms={"registration_validity": {"enabled": True, "facilities": "all"}})
    cough = data["conditions"][0]
    data["conditions"] = [
        {**cough, "share": 0.5},
        {**cough, "id": "sprain", "share": 0.5, "department": "surgery"},
    ]
    data["facilities"][1]["stations"]["doctors"] = {"general": 1, "surgery": 1}
    world = World.build(Scenario.model_validate(data))
    records = Records()
    validity = RegistrationValidity(
        Build(None, world, records, Streams(0, 0), world.scenario.reforms.registration_validity)
    )
    centre = Site.__new__(Site)
    centre.plan = world.facilities[CENTRE]
    general, surgery = _patient(world, "general"), _patient(world, "surgery")
    assert validity.registration_due(general, centre, 600.0)
    assert validity.registration_due(surgery, centre, 700.0)  # another department: registers
    assert not validity.registration_due(general, centre, 800.0)  # its return: waived
    assert not validity.registration_due(surgery, centre, 900.0)
    assert [row[0:3] for row in records.waivers] == [(0, CENTRE, 3.0), (0, CENTRE, 3.0)]
