"""The patient journey in small worlds, with every time asserted exactly.

Tiny world (tests/conftest.py): a village clinic, a township centre and a county hospital, all
open 08:00-17:00 (minutes 480-1020 of day 0); fixed service times: registration 1, consultation
5, review 2, cashier 1, pharmacy 2, lab exam 3, lab turnaround 20; home is 30 minutes from the
centre and 60 from the hospital.
"""

from __future__ import annotations

from carepath.inputs.schema import Scenario
from carepath.observation.records import HOME, EpisodeRow
from conftest import only, run_patients, tiny, tiny_data

CLINIC, CENTRE, HOSPITAL = 0, 1, 2


def station_rows(records, patient=0):
    return [row[1:] for row in records.rows("stations") if row.patient == patient]


def test_one_patient_timeline_with_a_test():
    records = run_patients(tiny(), [(540.0, {})])
    assert station_rows(records) == [
        (CENTRE, "registration", 570.0, 570.0, 571.0),
        (CENTRE, "doctor:general", 571.0, 571.0, 576.0),
        (CENTRE, "cashier", 576.0, 576.0, 577.0),
        (CENTRE, "exam:lab", 577.0, 577.0, 580.0),
        # the result is ready 20 minutes after the exam; then back to the doctor
        (CENTRE, "doctor:general", 600.0, 600.0, 602.0),
        (CENTRE, "cashier", 602.0, 602.0, 603.0),
        (CENTRE, "pharmacy", 603.0, 603.0, 605.0),
    ]
    assert records.trips == [(0, HOME, CENTRE, 30, 5, 540.0), (0, CENTRE, HOME, 30, 5, 605.0)]
    assert [(row.item, row.fee_yuan) for row in records.rows("charges")] == [
        ("registration", 1),
        ("consultation", 2),
        ("test:lab", 30),
        ("drugs", 20),
    ]
    assert records.visits == [(0, CENTRE, "first", 570.0)]
    assert records.tests == [(0, CENTRE, "lab", "performed", 580.0)]
    assert records.episodes == [EpisodeRow(0, 0, 0, 540.0, 635.0)]


def test_second_patient_queues_for_the_doctor():
    records = run_patients(tiny(), [(540.0, {}), (541.0, {})])
    rows = station_rows(records, patient=1)
    assert rows[0] == (CENTRE, "registration", 571.0, 571.0, 572.0)
    # arrives at 572 while the first patient is with the doctor until 576
    assert rows[1] == (CENTRE, "doctor:general", 572.0, 576.0, 581.0)
    assert records.episodes[1].end_min == 640.0


def test_caught_by_closing_time_comes_back_next_opening_and_registers_again():
    records = run_patients(tiny(), [(985.0, {})])
    assert station_rows(records)[:2] == [
        (CENTRE, "registration", 1015.0, 1015.0, 1016.0),
        # a consultation under way at 17:00 is finished
        (CENTRE, "doctor:general", 1016.0, 1016.0, 1021.0),
    ]
    # the cashier is closed at 1021: home, and back for the 08:00 opening of day 1 (1920)
    assert records.trips[1:] == [
        (0, CENTRE, HOME, 30, 5, 1021.0),
        (0, HOME, CENTRE, 30, 5, 1890.0),
        (0, CENTRE, HOME, 30, 5, 1950.0),
    ]
    assert records.visits == [(0, CENTRE, "first", 1015.0), (0, CENTRE, "return", 1920.0)]
    assert station_rows(records)[2:] == [
        (CENTRE, "registration", 1920.0, 1920.0, 1921.0),
        (CENTRE, "cashier", 1921.0, 1921.0, 1922.0),
        (CENTRE, "exam:lab", 1922.0, 1922.0, 1925.0),
        (CENTRE, "doctor:general", 1945.0, 1945.0, 1947.0),
        (CENTRE, "cashier", 1947.0, 1947.0, 1948.0),
        (CENTRE, "pharmacy", 1948.0, 1948.0, 1950.0),
    ]
    fees = [row.item for row in records.rows("charges")]
    assert fees.count("registration") == 2 and fees.count("consultation") == 2
    assert records.episodes[0].end_min == 1980.0


def test_turned_away_at_the_registration_window_comes_back_and_registers_once():
    # two minutes' walk from the door to the window: in at 16:59 (1019), at the window at 1021
    data = tiny_data()
    data["tiers"]["township"]["walk_min"] = 2
    records = run_patients(Scenario.model_validate(data), [(989.0, {})])
    assert records.visits == [(0, CENTRE, "first", 1019.0), (0, CENTRE, "return", 1920.0)]
    assert records.trips[1:3] == [
        (0, CENTRE, HOME, 30, 5, 1021.0),
        (0, HOME, CENTRE, 30, 5, 1890.0),
    ]
    assert station_rows(records)[:2] == [
        (CENTRE, "registration", 1922.0, 1922.0, 1923.0),
        (CENTRE, "doctor:general", 1925.0, 1925.0, 1930.0),
    ]
    fees = [row.item for row in records.rows("charges")]
    assert fees.count("registration") == 1 and fees.count("consultation") == 1


def test_patient_in_the_queue_at_closing_is_still_seen_then_comes_back():
    # four patients reach the one doctor just before closing: consultations run 1009-1014,
    # 1014-1019 and 1019-1024; the fourth, queueing since 1012, is seen after closing time
    records = run_patients(tiny(), [(978.0, {}), (979.0, {}), (980.0, {}), (981.0, {})])
    assert station_rows(records, patient=3)[1] == (CENTRE, "doctor:general", 1012.0, 1024.0, 1029.0)
    # but the cashier is closed when the fourth gets there: back for the 08:00 opening
    assert (
        records.trips[-4:][0][1:3] == (CENTRE, HOME)
        or (3, CENTRE, HOME, 30, 5, 1029.0) in records.trips
    )
    assert (3, CENTRE, "return", 1920.0) in records.visits
    # all four come back for 08:00 and register in turn, 1920 to 1924
    registrations = sorted(
        r[3:5] for r in records.stations if r[2] == "registration" and r[3] >= 1920
    )
    assert registrations == [(1920.0, 1920.0), (1920.0, 1921.0), (1920.0, 1922.0), (1920.0, 1923.0)]


def test_result_ready_after_closing_means_a_return_visit():
    records = run_patients(tiny(), [(960.0, {})])
    # exam ends at 1000, the result is ready at 1020, when the centre closes
    assert records.trips[1] == (0, CENTRE, HOME, 30, 5, 1000.0)
    assert records.visits[1] == (0, CENTRE, "return", 1920.0)
    assert station_rows(records)[-4:] == [
        (CENTRE, "registration", 1920.0, 1920.0, 1921.0),
        (CENTRE, "doctor:general", 1921.0, 1921.0, 1923.0),
        (CENTRE, "cashier", 1923.0, 1923.0, 1924.0),
        (CENTRE, "pharmacy", 1924.0, 1924.0, 1926.0),
    ]


def test_referral_up_repeats_the_tests_at_the_next_facility():
    scenario = tiny(conditions=only(id="abdominal", lowest_tier="county", drug_fee_yuan=100))
    records = run_patients(scenario, [(540.0, {})])
    assert records.visits == [(0, CENTRE, "first", 570.0), (0, HOSPITAL, "referral_up", 662.0)]
    assert records.trips == [
        (0, HOME, CENTRE, 30, 5, 540.0),
        (0, CENTRE, HOSPITAL, 60, 12, 602.0),
        (0, HOSPITAL, HOME, 60, 12, 697.0),
    ]
    assert [(t.facility, t.test, t.outcome) for t in records.rows("tests")] == [
        (CENTRE, "lab", "performed"),
        (HOSPITAL, "lab", "performed"),
    ]
    assert station_rows(records)[4:] == [
        (CENTRE, "doctor:general", 600.0, 600.0, 602.0),
        (HOSPITAL, "registration", 662.0, 662.0, 663.0),
        (HOSPITAL, "doctor:general", 663.0, 663.0, 668.0),
        (HOSPITAL, "cashier", 668.0, 668.0, 669.0),
        (HOSPITAL, "exam:lab", 669.0, 669.0, 672.0),
        (HOSPITAL, "doctor:general", 692.0, 692.0, 694.0),
        (HOSPITAL, "cashier", 694.0, 694.0, 695.0),
        (HOSPITAL, "pharmacy", 695.0, 695.0, 697.0),
    ]
    assert records.episodes[0].end_min == 757.0


def test_onset_at_night_sets_out_to_arrive_after_opening():
    scenario = tiny(
        demand={
            "hour_profile": [1] * 24,
            "weekday_profile": [1] * 7,
            "arrive_after_opening_min": 60,
        }
    )
    records = run_patients(scenario, [(180.0, {(0, "arrive_offset"): 0.25})])
    # opening 480 plus a quarter of the hour; travel 30, so the patient leaves home at 465
    assert records.trips[0] == (0, HOME, CENTRE, 30, 5, 465.0)
    assert records.visits[0] == (0, CENTRE, "first", 495.0)


def test_village_clinic_has_only_a_doctor_who_also_dispenses():
    scenario = tiny(
        conditions=only(id="cold", first_contact={"village": 1.0}, tests=None, drug_fee_yuan=15)
    )
    records = run_patients(scenario, [(600.0, {})])
    assert station_rows(records) == [(CLINIC, "doctor:general", 610.0, 610.0, 615.0)]
    assert [(row.item, row.fee_yuan) for row in records.rows("charges")] == [
        ("registration", 0),
        ("consultation", 5),
        ("drugs", 15),
    ]
    assert records.episodes[0].end_min == 625.0


def seen_at_the_hospital_with_follow_up(referral_down: float):
    """A condition seen first at the county hospital, with a follow-up 3 days later."""
    return tiny(
        conditions=only(
            id="chest",
            lowest_tier="county",
            first_contact={"county": 1.0},
            tests=None,
            drug_fee_yuan=50,
            followup={"probability": 1.0, "after_days": 3, "referral_down": referral_down},
        )
    )


def test_follow_up_referred_down_to_the_township_centre():
    scenario = seen_at_the_hospital_with_follow_up(referral_down=1.0)
    records = run_patients(scenario, [(540.0, {(0, "order:lab"): 0.99})])
    # seen at the hospital on day 0, follow-up on day 3 at the centre, which opens at 4800
    assert records.visits == [(0, HOSPITAL, "first", 600.0), (0, CENTRE, "referral_down", 4800.0)]
    assert station_rows(records)[-4:] == [
        (CENTRE, "registration", 4800.0, 4800.0, 4801.0),
        (CENTRE, "doctor:general", 4801.0, 4801.0, 4806.0),
        (CENTRE, "cashier", 4806.0, 4806.0, 4807.0),
        (CENTRE, "pharmacy", 4807.0, 4807.0, 4809.0),
    ]
    assert records.episodes[0].end_min == 4839.0


def test_follow_up_stays_where_treated_when_not_referred_down():
    # the patient's follow-up-down number is 0.5, above the 0.4 chance
    scenario = seen_at_the_hospital_with_follow_up(referral_down=0.4)
    records = run_patients(scenario, [(540.0, {(0, "order:lab"): 0.99})])
    assert records.visits[-1] == (0, HOSPITAL, "followup", 4800.0)


def test_first_contact_skips_a_tier_the_zone_lacks():
    data_zone = {
        "id": "town",
        "population": 100,
        "episodes_per_person_year": 0,
        "travel": {
            "centre": {"travel_min": 30, "travel_yuan": 5},
            "hospital": {"travel_min": 60, "travel_yuan": 12},
        },
    }
    scenario = tiny(
        zones=[data_zone],
        conditions=only(
            id="cold", first_contact={"village": 0.5, "township": 0.5}, tests=None, drug_fee_yuan=15
        ),
    )
    # u = 0.4 would pick the village clinic, which this zone has no travel to
    records = run_patients(scenario, [(540.0, {(0, "first_contact"): 0.4})])
    assert records.visits[0][1] == CENTRE


def test_second_opinion_at_a_hospital_some_days_later():
    scenario = tiny(conditions=only(second_opinion={"probability": 1.0, "after_days": 2}))
    records = run_patients(scenario, [(540.0, {})])
    # treated at the centre on day 0; on day 2 at the county hospital when it opens (3360)
    assert records.visits == [(0, CENTRE, "first", 570.0), (0, HOSPITAL, "second_opinion", 3360.0)]
    assert [(t.facility, t.test, t.outcome) for t in records.rows("tests")] == [
        (CENTRE, "lab", "performed"),
        (HOSPITAL, "lab", "performed"),
    ]
    assert records.episodes[0].end_min == 3360.0 + 1 + 5 + 1 + 3 + 20 + 2 + 1 + 2 + 60
