"""Outreach (REFORMS.md 3) in the tiny world, with times asserted exactly.

Tiny world (tests/conftest.py): home is a village zone 10 minutes from its village clinic, 30
from the township centre and 60 from the county hospital, all open 08:00-17:00.  With one
village zone, its free clinic falls on day 0, 30, 60...; the session below runs 09:00-16:00
(minutes 540-960 of day 0) and the team's consultation takes 10 minutes.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from carepath.accounting.metrics import compute
from carepath.accounting.tally import tally_of
from carepath.behaviour.mechanisms.free_clinic_config import FreeClinicsConfig
from carepath.behaviour.mechanisms.free_clinic_events import Calendar
from carepath.execution.replication import simulate
from carepath.inputs.arms import Arm
from carepath.observation.records import (
    HOME,
    NO_EPISODE,
    NO_FACILITY,
    EpisodeRow,
    OutreachRow,
    Records,
)
from carepath.system.world import World
from conftest import TINY, fixed, only, run_patients, tiny

CLINIC, CENTRE, HOSPITAL = 0, 1, 2
VILLAGE = NO_FACILITY  # a free clinic's or family doctor's rows: in the village or at home
PROGRAMMES = ("free_clinics", "family_doctors", "visiting_experts", "primary_first")
WITH = Arm("with", (*PROGRAMMES, "two_way_referral"))


def clinics(**changes) -> dict:
    config = {
        "team": {"county_doctors": 1},
        "consult_min": fixed(10),
        "session": {"start": "09:00", "end": "16:00"},
        "conditions": {"cough": {"share": 1.0, "max_days": 10, "resolved_on_site": 0.0}},
        "refer_to": "county",
    }
    config.update(changes)
    return config


def outreach(enabled: bool = True, referral: dict | None = None, **programmes) -> dict:
    """The outreach programmes given, each switched on (or all off), as scenario sections;
    ``visiting_experts`` a list of sessions, ``referral`` two-way referral's levers."""
    sections = {}
    for name, config in programmes.items():
        assert name in PROGRAMMES, name
        levers = {"sessions": config} if name == "visiting_experts" else config
        sections[name] = {"enabled": enabled, **levers}
    if referral is not None:
        sections["two_way_referral"] = {"enabled": enabled, **referral}
    return {"reforms": sections}


def rows_of(records, patient=0):
    return [row for row in records.rows("outreach") if row.patient == patient]


def test_a_screened_case_waits_for_the_free_clinic_and_is_referred_up_to_the_county():
    scenario = tiny(**outreach(free_clinics=clinics()))
    records = run_patients(scenario, [(600.0, {})], arm=WITH)
    # The event is on (09:00-16:00): seen at once, in the village, for 10 minutes.
    assert rows_of(records) == [
        (0, 0, VILLAGE, "free_clinic", 600.0, 600.0, 610.0, "referred"),
    ]
    # No trip to the village clinic or the township centre: straight from home to the county.
    assert records.trips[0] == (0, HOME, HOSPITAL, 60, 12, 610.0)
    assert records.visits[0] == (0, HOSPITAL, "referral_up", 670.0)
    assert [(row.facility, row.station) for row in records.rows("stations") if row.patient == 0][
        :2
    ] == [
        (HOSPITAL, "registration"),
        (HOSPITAL, "doctor:general"),
    ]


def test_a_case_the_team_resolves_travels_nothing_and_pays_only_for_drugs():
    scenario = tiny(
        **outreach(
            free_clinics=clinics(
                conditions={"cough": {"share": 1.0, "max_days": 10, "resolved_on_site": 1.0}}
            )
        )
    )
    records = run_patients(scenario, [(600.0, {})], arm=WITH)
    assert rows_of(records) == [
        (0, 0, VILLAGE, "free_clinic", 600.0, 600.0, 610.0, "resolved"),
    ]
    assert records.trips == []
    assert records.visits == []
    assert records.stations == []
    assert records.charges == [(0, VILLAGE, "drugs", 20, 610.0)]
    assert records.episodes == [EpisodeRow(0, 0, 0, 600.0, 610.0)]


def test_an_illness_seeking_care_at_once_never_waits_for_the_event():
    patient = tiny(
        **outreach(
            free_clinics=clinics(
                conditions={"cough": {"share": 1.0, "max_days": 30, "resolved_on_site": 1.0}}
            )
        )
    )
    # Onset on day 1 at 10:00, the next event on day 30, within max_days: the usual way at once.
    records = run_patients(patient, [(1440.0 + 600.0, {})], arm=WITH, until_min=40 * 1440)
    assert records.outreach == []
    assert records.visits[0] == (0, CENTRE, "first", 1440.0 + 630.0)


def test_an_illness_that_would_go_without_care_comes_to_the_event_within_max_days():
    # Nobody can pay anything: without the free clinic the illness goes without care.
    care = {
        "seek": {"consulted_share": 0.6},
        "choice": {"travel_per_hour": -1.0, "cost_per_100_yuan": -0.5, "wait_per_hour": 0.0},
        "cash": {"constrained_share": 1.0, "cash_yuan": 0},
    }
    willing = {"cough": {"share": 1.0, "max_days": 30, "resolved_on_site": 1.0}}
    scenario = tiny(care_seeking=care, **outreach(free_clinics=clinics(conditions=willing)))
    records = run_patients(scenario, [(1440.0 + 600.0, {})], arm=WITH, until_min=40 * 1440)
    # Turns up over the first hour of the session: 09:00 + 0.5 * 60 minutes on day 30.
    arrive = 30 * 1440.0 + 540.0 + 30.0
    assert rows_of(records) == [
        (0, 0, VILLAGE, "free_clinic", arrive, arrive, arrive + 10.0, "resolved")
    ]
    assert records.rows("seeking") == []  # cared for: neither forgone nor delayed
    nearer = {"cough": {"share": 1.0, "max_days": 20, "resolved_on_site": 1.0}}
    scenario = tiny(care_seeking=care, **outreach(free_clinics=clinics(conditions=nearer)))
    records = run_patients(scenario, [(1440.0 + 600.0, {})], arm=WITH, until_min=40 * 1440)
    assert records.outreach == []  # the event is 29 days off
    assert [row.event for row in records.rows("seeking")] == ["forgone"]


def test_a_case_the_team_resolves_keeps_its_follow_up_at_the_village_clinic():
    resolved = {"cough": {"share": 1.0, "max_days": 10, "resolved_on_site": 1.0}}
    scenario = tiny(
        conditions=only(followup={"probability": 1.0, "after_days": 3, "tests": {}}),
        **outreach(free_clinics=clinics(conditions=resolved)),
    )
    records = run_patients(scenario, [(600.0, {})], arm=WITH)
    assert rows_of(records) == [(0, 0, VILLAGE, "free_clinic", 600.0, 600.0, 610.0, "resolved")]
    # three days later, at the village clinic: 10 minutes from home, after opening
    assert [(v.facility, v.kind) for v in records.rows("visits")] == [(CLINIC, "followup")]
    assert records.rows("visits")[0].arrive_min // 1440 == 3
    (episode,) = records.episodes
    assert episode.end_min > 3 * 1440


def test_unwilling_residents_go_the_usual_way():
    willing = {"cough": {"share": 0.9, "max_days": 10, "resolved_on_site": 0.0}}
    scenario = tiny(**outreach(free_clinics=clinics(conditions=willing)))
    records = run_patients(scenario, [(600.0, {("outreach", "wait"): 0.999})], arm=WITH)
    assert records.outreach == []
    assert records.visits == [(0, CENTRE, "first", 630.0)]


def test_the_event_sees_at_most_max_patients_and_the_others_go_the_usual_way():
    scenario = tiny(**outreach(free_clinics=clinics(max_patients=1)))
    records = run_patients(scenario, [(600.0, {}), (601.0, {})], arm=WITH)
    assert rows_of(records, 1) == [
        # patient 0 was seen from 600: the event is full when patient 1 comes at 601
        (1, 0, VILLAGE, "free_clinic", 601.0, 601.0, 601.0, "unseen"),
    ]
    assert [v for v in records.visits if v[0] == 1] == [(1, CENTRE, "first", 631.0)]


def test_whoever_is_still_queued_when_the_session_ends_is_not_seen():
    scenario = tiny(**outreach(free_clinics=clinics(consult_min=fixed(50))))
    # Onsets at 15:00 and 15:01: the first is seen 900-950, the session ends at 960.
    records = run_patients(scenario, [(900.0, {}), (901.0, {})], arm=WITH)
    assert rows_of(records, 0)[0][5:] == (900.0, 950.0, "referred")
    # queued at 901, seen from 950: before the end, so the consultation is finished
    assert rows_of(records, 1) == [(1, 0, VILLAGE, "free_clinic", 901.0, 950.0, 1000.0, "referred")]
    scenario = tiny(**outreach(free_clinics=clinics(consult_min=fixed(61))))
    records = run_patients(scenario, [(900.0, {}), (901.0, {})], arm=WITH)
    assert rows_of(records, 1) == [(1, 0, VILLAGE, "free_clinic", 901.0, 960.0, 960.0, "unseen")]


def test_screening_visitors_take_the_teams_time_and_staff_days_are_recorded():
    config = clinics(
        team={"city_experts": 1, "county_doctors": 2},
        screening={"attendance_per_event": 40, "referral_share": 0.5},
    )
    records = run_patients(tiny(**outreach(free_clinics=config)), [], arm=WITH)
    roles = sorted((role, staff) for service, _, role, staff, _, _ in records.outreach_staff)
    assert roles == [("city_expert", 1), ("county_doctor", 2)]
    screened = [row for row in records.rows("outreach") if row.service == "screening"]
    assert 20 <= len(screened) <= 65  # Poisson(40), far tails excluded
    assert all(540.0 <= row.arrive_min < 960.0 for row in screened)
    assert {row.outcome for row in screened} <= {"checked", "referred"}
    # Three team members serve at once: never more than three overlapping consultations.
    spans = sorted((row.start_min, row.end_min) for row in screened if row.outcome != "unseen")
    for start, _ in spans:
        assert sum(1 for s, e in spans if s <= start < e) <= 3


def test_calendar_spreads_villages_over_the_cycle():
    calendar = Calendar(FreeClinicsConfig.model_validate(clinics(every_days=30)), [4, 7, 9])
    assert [calendar.day(z, 0) for z in (4, 7, 9)] == [0, 10, 20]
    assert calendar.day(7, 2) == 70
    # After day 10's session has ended, zone 7's next event is day 40.
    number, start, end = calendar.next_event(7, 10 * 1440.0 + 961.0)
    assert (number, start, end) == (1, 40 * 1440.0 + 540.0, 40 * 1440.0 + 960.0)


def test_family_doctor_does_a_contracted_chronic_follow_up_at_home():
    scenario = tiny(
        conditions=only(followup={"probability": 1.0, "after_days": 3}),
        **outreach(
            family_doctors={
                "contracted": 1.0,
                "conditions": ["cough"],
                "visit_min": fixed(40),
                "session": {"start": "09:00", "end": "17:00"},
            }
        ),
    )
    records = run_patients(scenario, [(540.0, {})], arm=WITH)
    # Treated at the centre on day 0; the team calls on day 3, 09:00 + 0.5 * 8 h.
    ask = 3 * 1440.0 + 540.0 + 240.0
    assert rows_of(records) == [
        (0, 0, VILLAGE, "family_doctor", ask, ask, ask + 40.0, "followed_up")
    ]
    assert [v[2] for v in records.visits] == ["first"]
    assert records.charges[-1] == (0, VILLAGE, "drugs", 20, ask + 40.0)
    ((service, place, role, staff_days, _, _),) = records.outreach_staff
    assert (service, role) == ("family_doctor", "family_doctor")
    assert staff_days == pytest.approx(3 * 40 / 480)  # team of three, 40 minutes


def test_uncontracted_patients_follow_up_at_the_facility():
    scenario = tiny(
        conditions=only(followup={"probability": 1.0, "after_days": 3}),
        **outreach(
            family_doctors={"contracted": 0.0, "conditions": ["cough"], "visit_min": fixed(40)}
        ),
    )
    records = run_patients(scenario, [(540.0, {})], arm=WITH)
    assert records.outreach == []
    assert [v[2] for v in records.visits] == ["first", "followup"]


def experts(**changes) -> dict:
    config = {
        "sites": ["centre"],
        "weekdays": ["mon"],
        "session": {"start": "13:00", "end": "16:00"},
        "conditions": ["cough"],
        "consult_min": fixed(15),
    }
    config.update(changes)
    return config


NEEDS_COUNTY = {"lowest_tier": "county", "tests": None}


def test_a_visiting_expert_manages_at_the_township_what_it_would_refer_up():
    # Day 0 is a Monday; the patient reaches the centre at 09:30 and waits for 13:00.
    scenario = tiny(conditions=only(**NEEDS_COUNTY), **outreach(visiting_experts=[experts()]))
    records = run_patients(scenario, [(540.0, {})], arm=WITH)
    assert rows_of(records) == [(0, 0, CENTRE, "visiting_expert", 780.0, 780.0, 795.0, "managed")]
    assert [v[1:3] for v in records.visits] == [(CENTRE, "first")]
    without = run_patients(scenario, [(540.0, {})])
    assert [v[1:3] for v in without.visits] == [(CENTRE, "first"), (HOSPITAL, "referral_up")]


def test_a_patient_is_booked_to_the_next_session_if_near_enough():
    # Tuesday (day 1): the next Monday session is 6 days away.
    tuesday = 1440.0 + 540.0
    booked = tiny(
        conditions=only(**NEEDS_COUNTY),
        **outreach(visiting_experts=[experts(book_within_days=7)]),
    )
    records = run_patients(booked, [(tuesday, {})], arm=WITH)
    session = 7 * 1440.0 + 780.0
    assert [v[1:] for v in records.visits] == [
        (CENTRE, "first", tuesday + 30.0),
        (CENTRE, "booked", session),
    ]
    assert rows_of(records)[0][4] >= session
    too_far = tiny(
        conditions=only(**NEEDS_COUNTY),
        **outreach(visiting_experts=[experts(book_within_days=5)]),
    )
    records = run_patients(too_far, [(tuesday, {})], arm=WITH)
    assert records.outreach == []
    assert [v[1:3] for v in records.visits] == [(CENTRE, "first"), (HOSPITAL, "referral_up")]


def test_green_channel_puts_the_referred_patient_ahead_at_the_county_hospital():
    # Patients 0 and 1 go to the hospital first: registered 630-631 and 631-632, 0 with the
    # doctor 631-636, 1 queued from 632.  Patient 2 is seen at the free clinic 570-572,
    # referred up, 60 minutes to the hospital, registered 632-633 and queued from 633.
    base = {
        "conditions": only(first_contact={"county": 1.0}, tests=None),
    }
    clinic = clinics(
        conditions={"cough": {"share": 0.9, "max_days": 10, "resolved_on_site": 0.0}},
        consult_min=fixed(2),
    )
    unwilling = {("outreach", "wait"): 0.999}
    patients = [(570.0, unwilling), (571.0, unwilling), (540.0, {})]

    def doctor_start(records, patient):
        return next(r[4] for r in records.stations if r[0] == patient and r[2] == "doctor:general")

    plain = tiny(**base, **outreach(free_clinics=clinic))
    records = run_patients(plain, patients, arm=WITH)
    fifo = [doctor_start(records, p) for p in range(3)]
    green = tiny(
        **base,
        **outreach(free_clinics=clinic, referral={"green_channel": "priority"}),
    )
    records = run_patients(green, patients, arm=WITH)
    ahead = [doctor_start(records, p) for p in range(3)]
    assert fifo == [631.0, 636.0, 641.0]  # first come, first served
    assert ahead == [631.0, 641.0, 636.0]  # the referred patient goes ahead of patient 1


def test_referral_down_sends_follow_ups_after_county_care_to_primary_care():
    conditions = only(first_contact={"county": 1.0}, followup={"probability": 1.0, "after_days": 2})
    scenario = tiny(conditions=conditions, **outreach(referral={"referral_down": {"cough": 1.0}}))
    records = run_patients(scenario, [(540.0, {})], arm=WITH)
    assert [v[1:3] for v in records.visits] == [(HOSPITAL, "first"), (CENTRE, "referral_down")]
    records = run_patients(scenario, [(540.0, {})])
    assert [v[1:3] for v in records.visits] == [(HOSPITAL, "first"), (HOSPITAL, "followup")]


# -- properties -------------------------------------------------------------------------------

PATIENT_TABLES = ("episodes", "visits", "stations", "charges", "trips")


def busy_tiny(**changes):
    """The tiny world with a few dozen onsets a day over three days."""
    zone = {**TINY["zones"][0], "episodes_per_person_year": 6}
    simulation = {
        "warmup_days": 0,
        "horizon_days": 3,
        "drain_days": 10,
        "replications": 1,
        "seed": 3,
    }
    return tiny(zones=[zone], simulation=simulation, **changes)


def patient_rows(scenario, arm):
    records = simulate(World.build(scenario), arm, seed=3, replication=0, full_log=True)
    return {name: getattr(records, name) for name in PATIENT_TABLES}, records


@settings(max_examples=12)
@given(
    team=st.integers(0, 4),
    share=st.floats(0.0, 1.0),
    max_days=st.floats(0.0, 40.0),
    attendance=st.floats(0.0, 30.0),
    empty=st.sampled_from(["no_one_waits", "no_capacity", "no_team"]),
)
def test_free_clinics_nobody_can_use_change_nothing(team, share, max_days, attendance, empty):
    config = clinics(
        team={"county_doctors": team},
        conditions={"cough": {"share": share, "max_days": max_days, "resolved_on_site": 0.5}},
        screening={"attendance_per_event": attendance},
    )
    if empty == "no_one_waits":
        config["conditions"]["cough"]["share"] = 0.0
    elif empty == "no_capacity":
        config["max_patients"] = 0
    else:
        config["team"] = {}
    scenario = busy_tiny(**outreach(free_clinics=config))
    without, _ = patient_rows(scenario, Arm("without"))
    with_, records = patient_rows(scenario, WITH)
    assert with_ == without
    assert all(
        row.patient == NO_EPISODE for row in records.rows("outreach")
    )  # only screening visitors, if any


def test_outreach_switched_off_changes_nothing_even_with_every_part_configured():
    every_part = dict(
        free_clinics=clinics(),
        family_doctors={"contracted": 1.0, "conditions": ["cough"], "visit_min": fixed(20)},
        visiting_experts=[experts()],
        referral={"green_channel": "priority", "referral_down": {"cough": 1.0}},
    )
    parts = outreach(enabled=False, **every_part)
    scenario = busy_tiny(conditions=only(followup={"probability": 0.5, "after_days": 2}), **parts)
    without, _ = patient_rows(scenario, Arm("without"))
    with_, records = patient_rows(scenario, WITH)
    assert with_ == without
    assert records.outreach == [] and records.outreach_staff == []
    # and switched on, the same patients are cared for differently
    parts = outreach(**every_part)
    scenario = busy_tiny(conditions=only(followup={"probability": 0.5, "after_days": 2}), **parts)
    on, records = patient_rows(scenario, WITH)
    assert on != without
    assert len(on["episodes"]) == len(without["episodes"])
    assert {row.service for row in records.rows("outreach")} >= {"free_clinic", "family_doctor"}


def test_conditions_first_diagnosed_at_primary_level_send_compliant_patients_to_primary_care():
    straight_to_county = only(first_contact={"county": 1.0}, tests=None)
    rule = {"conditions": ["cough"], "compliance": 0.6}
    scenario = tiny(conditions=straight_to_county, **outreach(primary_first=rule))
    complies = run_patients(scenario, [(540.0, {("outreach", "primary_first"): 0.3})], arm=WITH)
    refuses = run_patients(scenario, [(540.0, {("outreach", "primary_first"): 0.7})], arm=WITH)
    # the zone's own primary-care facility is its township centre
    assert [v[1:3] for v in complies.visits] == [(CENTRE, "first")]
    assert [v[1:3] for v in refuses.visits] == [(HOSPITAL, "first")]


def test_facility_week_rows_count_referred_and_self_referred_arrivals_and_queueing():
    scenario = tiny(
        conditions=only(lowest_tier="county", first_contact={"township": 0.5, "county": 0.5})
    )
    # Patient 0 starts at the centre and is referred up; patient 1 goes straight to the county.
    records = run_patients(
        scenario, [(540.0, {(0, "first_contact"): 0.2}), (540.0, {(0, "first_contact"): 0.8})]
    )
    rows = {
        row[0]: row
        for row in tally_of(records, World.build(scenario)).referrals.facility_week_rows()
    }
    assert rows["hospital"][:6] == ("hospital", "county", 1, 1, 0, 1)
    assert rows["centre"][:6] == ("centre", "township", 1, 0, 0, 0)
    hospital = [r for r in records.rows("stations") if r.facility == HOSPITAL]
    queued = sum(r.start_min - r.arrive_min for r in hospital)
    assert rows["hospital"][6] == pytest.approx(queued / len(hospital))
    assert rows["hospital"][7] == pytest.approx(queued / 1440.0)  # a one-day measured week


def test_outreach_queueing_counts_for_a_measured_episode_even_after_the_measured_period():
    scenario = tiny(simulation={**TINY["simulation"], "warmup_days": 1, "horizon_days": 1})
    world = World.build(scenario)
    records = Records()
    # Two episodes begin in the measured day; patient 7's free clinic is 30 days later.
    records.episodes.append(EpisodeRow(7, 0, 0, 1500.0, 31 * 1440.0 + 40))
    records.episodes.append(EpisodeRow(8, 0, 0, 1500.0, 1580.0))
    day_31 = 31 * 1440.0
    records.outreach.append(
        OutreachRow(7, 0, VILLAGE, "free_clinic", day_31, day_31 + 25, 0, "resolved")
    )
    records.outreach.append(
        OutreachRow(8, 0, VILLAGE, "family_doctor", 1500.0, 1540.0, 1580.0, "followed_up")
    )
    # A screening visitor (no episode) waits too, but is no measured episode.
    records.outreach.append(
        OutreachRow(NO_EPISODE, 0, VILLAGE, "screening", 1600.0, 1700.0, 1710.0, "checked")
    )
    metrics = compute(tally_of(records, world))
    assert metrics["outreach_wait_min"] == pytest.approx(25 / 2)  # the home visit is no queue
    assert metrics["wait_min"] == pytest.approx(25 / 2)
    assert metrics["free_clinic_screened"] == 1.0
