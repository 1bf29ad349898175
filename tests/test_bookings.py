"""Exams booked ahead, in small worlds with every time asserted exactly.

Tiny world (tests/conftest.py): the township centre (open 08:00-17:00, minutes 480-1020 of day
0) has one lab unit; exam 3 minutes, turnaround 20; home is 30 minutes from the centre and 60
from the county hospital.  With the lab booked, its 540 opening minutes make 180 slots of 3
minutes a day (exam units x opening minutes / mean exam minutes).
"""

from __future__ import annotations

import pytest

from carepath.inputs.arms import WITHOUT, Arm
from carepath.inputs.schema import Scenario
from carepath.system.booking import SlotBook
from carepath.system.hours import Hours
from carepath.system.world import World
from conftest import only, run_patients, tiny_data

CLINIC, CENTRE, HOSPITAL, HOME = 0, 1, 2, -1
WITH = Arm("with", ("recognition",))


def booking(facility: int = CENTRE, **lab) -> dict:
    data = tiny_data()
    data["facilities"][facility]["bookings"] = {"lab": lab}
    return data


def stations(records, patient=0):
    return [row[1:] for row in records.rows("stations") if row.patient == patient]


def test_a_booked_exam_timeline_slot_trips_result_and_review():
    records = run_patients(Scenario.model_validate(booking()), [(540.0, {})])
    # ordered at 577 after paying; the first slot from tomorrow is 08:00 of day 1 (1920)
    assert records.bookings == [(0, CENTRE, "lab", 577.0, 1920.0)]
    assert stations(records) == [
        (CENTRE, "registration", 570.0, 570.0, 571.0),
        (CENTRE, "doctor:general", 571.0, 571.0, 576.0),
        (CENTRE, "cashier", 576.0, 576.0, 577.0),
        (CENTRE, "exam:lab", 1920.0, 1920.0, 1923.0),
        # the result is ready at 1943: registered again (another day), then the review
        (CENTRE, "registration", 1943.0, 1943.0, 1944.0),
        (CENTRE, "doctor:general", 1944.0, 1944.0, 1946.0),
        (CENTRE, "cashier", 1946.0, 1946.0, 1947.0),
        (CENTRE, "pharmacy", 1947.0, 1947.0, 1949.0),
    ]
    assert records.trips == [
        (0, HOME, CENTRE, 30, 5, 540.0),
        (0, CENTRE, HOME, 30, 5, 577.0),
        (0, HOME, CENTRE, 30, 5, 1890.0),
        (0, CENTRE, HOME, 30, 5, 1949.0),
    ]
    assert records.visits == [(0, CENTRE, "first", 570.0), (0, CENTRE, "booked_exam", 1920.0)]
    assert records.tests == [(0, CENTRE, "lab", "performed", 1923.0)]
    fees = [row.item for row in records.rows("charges")]
    assert fees.count("registration") == 2 and fees.count("test:lab") == 1
    assert records.diagnoses == [(0, CENTRE, 1946.0)]
    assert records.episodes[0].end_min == 1979.0


def test_a_result_ready_after_closing_brings_the_patient_back_with_it():
    # one slot a day at 08:00, booked from the order day: ordered at 577, the slot of day 0 is
    # gone, so 08:00 of day 1; a turnaround of 600 minutes makes the result ready at 2523, after
    # closing (day 1 closes at 2460): back at 08:00 of day 2 (3360) with the result
    data = booking(slots_per_day=1, earliest_day=0)
    data["tests"]["lab"]["turnaround_min"] = {"dist": "fixed", "mean": 600}
    records = run_patients(Scenario.model_validate(data), [(540.0, {})])
    assert records.bookings == [(0, CENTRE, "lab", 577.0, 1920.0)]
    assert records.visits == [
        (0, CENTRE, "first", 570.0),
        (0, CENTRE, "booked_exam", 1920.0),
        (0, CENTRE, "result_review", 3360.0),
    ]
    assert stations(records)[3:5] == [
        (CENTRE, "exam:lab", 1920.0, 1920.0, 1923.0),
        (CENTRE, "registration", 3360.0, 3360.0, 3361.0),
    ]


def test_a_slot_later_today_is_waited_for_at_the_centre():
    # slots from the order day: ordered at 577 (slot 32.3 of the day), the next is 33, at 579
    records = run_patients(Scenario.model_validate(booking(earliest_day=0)), [(540.0, {})])
    assert records.bookings == [(0, CENTRE, "lab", 577.0, 579.0)]
    assert stations(records)[3:5] == [
        (CENTRE, "exam:lab", 579.0, 579.0, 582.0),
        # the same day: no second registration
        (CENTRE, "doctor:general", 602.0, 602.0, 604.0),
    ]
    assert [v[2] for v in records.visits] == ["first"]


def test_slots_are_taken_in_order_and_fill_a_day():
    # two slots a day from tomorrow: the third order goes to the day after
    records = run_patients(
        Scenario.model_validate(booking(slots_per_day=2)),
        [(540.0, {}), (541.0, {}), (542.0, {})],
    )
    assert [row[4] for row in records.bookings] == [1920.0, 1920.0 + 270.0, 2 * 1440.0 + 480.0]


def test_a_recognised_result_skips_the_booking_and_its_trips():
    data = tiny_data(
        conditions=only(id="abdominal", lowest_tier="county", drug_fee_yuan=100),
        reforms={
            "recognition": {
                "enabled": True,
                "items": {"lab": {"window_days": 3, "acceptance": 1.0}},
                "accepts": {"county": {"township": ["lab"], "county": "all"}},
            }
        },
    )
    data["facilities"][HOSPITAL]["bookings"] = {"lab": {}}
    scenario = Scenario.model_validate(data)
    without = run_patients(scenario, [(540.0, {})], arm=WITHOUT)
    assert [(r[1], r[2]) for r in without.bookings] == [(HOSPITAL, "lab")]
    assert (0, HOSPITAL, "booked_exam", without.bookings[0][4]) in without.visits
    recognised = run_patients(scenario, [(540.0, {})], arm=WITH)
    assert recognised.bookings == []
    assert [v[2] for v in recognised.visits] == ["first", "referral_up"]
    # without: booked at 669 for 08:00 of day 1, home and back, the review at 1946, home at 2009
    assert without.episodes[0].end_min == 2009.0
    assert recognised.episodes[0].end_min == 731.0  # as with no booking (test_recognition)


def test_default_slots_come_from_capacity_opening_minutes_and_exam_minutes():
    data = booking()
    data["facilities"][CENTRE]["stations"]["exams"]["lab"] = 2
    world = World.build(Scenario.model_validate(data))
    slots, days, earliest = world.facilities[CENTRE].bookings["lab"]
    assert (slots, earliest) == (2 * 540 // 3, 1)
    assert days == (True,) * 7


def test_slot_book_skips_days_without_slots():
    scenario = Scenario.model_validate(booking())
    hours = Hours(scenario.facilities[CENTRE].hours, "mon")
    book = SlotBook(hours, 1, (True, True, True, True, True, False, False), 1)
    # ordered on a Friday (day 4): Saturday and Sunday have no slots, so Monday (day 7)
    assert book.book(4 * 1440 + 600.0) == 7 * 1440 + 480.0


def test_booking_an_exam_type_without_units_is_an_error_naming_the_key():
    data = booking(facility=CLINIC)
    with pytest.raises(Exception, match="no lab exam units"):
        from carepath.inputs.checks import cross_checks

        problems = cross_checks(Scenario.model_validate(data))
        raise ValueError("; ".join(message for _, message in problems))
