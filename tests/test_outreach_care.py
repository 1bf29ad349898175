"""Outreach that adds care (issue 19): the family doctor on call, unnoticed chronic cases found by
free-clinic checks, attendance from the village, and no urgent patient kept waiting.

Tiny world as in test_outreach.py: one village zone 10 minutes from its village clinic and 30
from the township centre, all open 08:00-17:00; its free clinic falls on day 0, 30, 60...
"""

from __future__ import annotations

import math
from collections import defaultdict

import pytest
import simpy
from hypothesis import given, settings
from hypothesis import strategies as st

from carepath.behaviour.latent import LATENT_ID_OFFSET, zone_latent_cases
from carepath.behaviour.mechanisms.free_clinic import FreeClinics
from carepath.behaviour.patient import PATIENT_ID_BASE
from carepath.execution.batch import run
from carepath.execution.replication import simulate
from carepath.inputs.arms import WITHOUT
from carepath.inputs.scenario_file import load_scenario
from carepath.inputs.schema import Scenario
from carepath.system.streams import Streams
from carepath.system.world import World
from conftest import REPO, fixed, only, run_patients, tiny, tiny_data
from test_outreach import CENTRE, VILLAGE, WITH, clinics, outreach, rows_of

HOURS = {"start": "08:00", "end": "17:00"}


def doctors(**changes) -> dict:
    config = {
        "contracted": 1.0,
        "conditions": ["cough"],
        "visit_min": fixed(40),
        "session": HOURS,
        "on_call_share": 1.0,
        "managed_at_home": 1.0,
    }
    config.update(changes)
    return config


# -- the family doctor on call ---------------------------------------------------------------


def test_a_call_in_the_teams_hours_is_seen_at_once_and_finished_at_home():
    scenario = tiny(conditions=only(followup=None), **outreach(family_doctors=doctors()))
    records = run_patients(scenario, [(600.0, {})], arm=WITH)
    assert rows_of(records) == [(0, 0, VILLAGE, "family_doctor", 600.0, 600.0, 640.0, "on_call")]
    assert records.visits == [] and records.trips == []
    assert records.charges == [(0, VILLAGE, "drugs", 20, 640.0)]
    assert [(e.onset_min, e.end_min) for e in records.episodes] == [(600.0, 640.0)]


def test_a_call_after_hours_is_seen_at_the_start_of_the_next_day():
    scenario = tiny(conditions=only(followup=None), **outreach(family_doctors=doctors()))
    records = run_patients(scenario, [(18 * 60.0, {})], arm=WITH)
    morning = 1440.0 + 8 * 60.0
    assert rows_of(records) == [
        (0, 0, VILLAGE, "family_doctor", morning, morning, morning + 40.0, "on_call")
    ]


def test_a_patient_the_team_cannot_finish_goes_on_to_the_township_centre():
    scenario = tiny(
        conditions=only(followup=None),
        **outreach(family_doctors=doctors(managed_at_home=0.5)),
    )
    records = run_patients(scenario, [(600.0, {("family_doctor", "managed"): 0.9})], arm=WITH)
    assert rows_of(records) == [(0, 0, VILLAGE, "family_doctor", 600.0, 600.0, 640.0, "sent_on")]
    assert records.visits[0] == (0, CENTRE, "first", 670.0)
    assert [c for c in records.charges if c[2] == "drugs" and c[1] == VILLAGE] == []


def test_a_patient_who_does_not_call_goes_the_usual_way():
    scenario = tiny(**outreach(family_doctors=doctors(on_call_share=0.3)))
    records = run_patients(scenario, [(600.0, {("family_doctor", "on_call"): 0.5})], arm=WITH)
    assert [r for r in records.rows("outreach") if r.outcome in ("on_call", "sent_on")] == []
    assert records.visits[0] == (0, CENTRE, "first", 630.0)


# -- no urgent patient waits for outreach ----------------------------------------------------


@settings(max_examples=25, deadline=None)
@given(
    onset_min=st.floats(0, 20 * 1440),
    wait_share=st.floats(0, 1),
    max_days=st.integers(0, 30),
    on_call_share=st.floats(0, 1),
    book_within_days=st.integers(0, 7),
    u=st.floats(0, 0.999),
)
def test_no_urgent_patient_waits_for_an_outreach_event_session_or_home_visit(
    onset_min, wait_share, max_days, on_call_share, book_within_days, u
):
    """Urgent patients go straight to care however the outreach programmes are set: no free
    clinic, no home visit, no expert's session, no booked trip, no delay."""
    willing = {"cough": {"share": wait_share, "max_days": max_days, "resolved_on_site": 0.5}}
    sessions = [
        {
            "sites": ["centre"],
            "weekdays": ["mon", "wed", "fri"],
            "session": {"start": "13:00", "end": "16:00"},
            "conditions": ["cough"],
            "consult_min": fixed(15),
            "book_within_days": book_within_days,
        }
    ]
    scenario = tiny(
        conditions=only(urgent=True, referral_up={"township": 1.0}, first_contact={"village": 1.0}),
        **outreach(
            free_clinics=clinics(conditions=willing),
            family_doctors=doctors(on_call_share=on_call_share),
            visiting_experts=sessions,
        ),
    )
    draws = {(stream, purpose): u for stream, purpose in (("outreach", "wait"),)}
    draws |= {("family_doctor", "on_call"): u, ("outreach", "expert_takes_on"): u}
    records = run_patients(scenario, [(onset_min, draws)], arm=WITH, until_min=60 * 1440)
    assert records.rows("outreach") == []
    visits = records.rows("visits")
    assert visits and all(v.kind in ("first", "referral_up", "followup", "return") for v in visits)
    # straight to the village clinic: at onset, or to arrive at its next opening
    assert records.rows("trips")[0].depart_min == _depart_for_clinic(onset_min)


def _depart_for_clinic(onset_min: float) -> float:
    arrive = onset_min + 10.0  # the tiny village clinic: 10 minutes away, open 08:00-17:00
    if 8 * 60 <= arrive % 1440 < 17 * 60:
        return onset_min
    day = math.floor(arrive / 1440) + (arrive % 1440 >= 17 * 60)
    return day * 1440 + 8 * 60 - 10.0


# -- unnoticed chronic cases -----------------------------------------------------------------

LATENT = {
    "latent": {
        "cases_per_1000_year": {"cough": 600.0},
        "presents_share": 0.5,
        "presents_after_days": {"low": 10, "high": 40},
    }
}


def latent_world(attendance_share: float = 1.0, detection: float = 1.0) -> Scenario:
    data = tiny_data(
        care_seeking=LATENT,
        **outreach(
            free_clinics=clinics(
                every_days=10,
                team={"county_doctors": 30},
                screening={
                    "attendance_share": attendance_share,
                    "detection": detection,
                    "screening_min": fixed(2),
                },
            )
        ),
    )
    data["simulation"].update({"warmup_days": 5, "horizon_days": 30, "drain_days": 20})
    data["zones"][0]["population"] = 2000
    return Scenario.model_validate(data)


def cases_drawn(scenario: Scenario, own_streams: dict[str, int]) -> list[tuple]:
    world = World.build(scenario)
    env = simpy.Environment()
    started: list[tuple] = []

    def start(patient, begin_min, presents):
        started.append((patient.id, patient.condition.id, patient.onset_min, begin_min, presents))

    sim = scenario.simulation
    until = (sim.warmup_days + sim.horizon_days) * 1440
    env.process(
        zone_latent_cases(env, world, world.zones[0], Streams(3, 0), until, start, own_streams)
    )
    env.run()
    return started


def test_unnoticed_cases_are_the_same_whatever_else_is_drawn():
    scenario = latent_world()
    cases = cases_drawn(scenario, {"outreach": 10})
    assert cases == cases_drawn(scenario, {"outreach": 10, "another": 7})
    # about 600 per 1,000 a year of 2,000 residents over 35 + 40 days
    assert 150 < len(cases) < 350
    ids = [c[0] for c in cases]
    assert ids == sorted(ids) and ids[0] == LATENT_ID_OFFSET  # zone 0
    assert all(10 * 1440 <= onset - begin <= 40 * 1440 for _, _, onset, begin, _ in cases)
    assert 0.35 < sum(c[4] for c in cases) / len(cases) < 0.65


def _latent_episodes(records) -> dict[int, tuple]:
    return {
        e.patient: (e.onset_min, e.end_min)
        for e in records.episodes
        if e.patient % PATIENT_ID_BASE >= LATENT_ID_OFFSET
    }


def test_screening_changes_when_a_case_starts_care_never_whether_it_exists():
    scenario = latent_world()
    world = World.build(scenario)
    without = simulate(world, WITHOUT, 5, 0, full_log=True)
    with_ = simulate(world, WITH, 5, 0, full_log=True)
    until = 35 * 1440
    before = {p: v for p, v in _latent_episodes(without).items() if v[0] < until}
    after = {p: v for p, v in _latent_episodes(with_).items() if v[0] < until}
    assert before.keys() == after.keys() and len(before) > 50
    assert all(before[p][0] == after[p][0] for p in before)  # the same onsets
    found = {
        r.patient: r.arrive_min
        for r in with_.rows("outreach")
        if r.service == "case_finding" and r.outcome == "found"
    }
    assert found
    # found at a check before the case would have come on its own
    assert all(found[p] < after[p][0] for p in found if p in after)
    # without the checks a case that does not come on its own goes without care
    forgone = {r.patient for r in without.rows("seeking") if r.event == "forgone"}
    assert forgone and forgone <= before.keys()
    assert all(before[p][1] == before[p][0] for p in forgone)
    assert forgone - found.keys() == {
        r.patient for r in with_.rows("seeking") if r.event == "forgone"
    } - {p for p in found if p not in after}


def test_checks_find_cases_and_more_care_is_sought():
    summary = run(latent_world()).summary
    found = summary.set_index(["metric", "arm"])["mean"]
    assert found["cases_found", "with"] > 0
    assert found["cases_found", "without"] == 0
    # more care sought: cases that would never have come on their own were found
    assert found["care_sought_share", "with"] > found["care_sought_share", "without"]


def test_a_found_case_counts_its_time_to_care_from_the_check():
    from carepath.accounting.episodes import Episode
    from carepath.accounting.tally import ArmTally
    from carepath.observation.records import EpisodeRow, Records

    world = World.build(latent_world())
    records = Records()
    # a case that would have come on day 20 is found at a check on day 12 and cared for to day 21
    onset, check, end = 20 * 1440.0, 12 * 1440.0 + 600.0, 21 * 1440.0
    row = EpisodeRow(LATENT_ID_OFFSET, 0, 0, onset)
    records.episodes.append(row)
    records.outreach.append(
        (LATENT_ID_OFFSET, 0, -1, "case_finding", check, check, check + 2.0, "found")
    )
    tally = ArmTally(world)
    tally.fold(records)
    episode = tally.in_care[LATENT_ID_OFFSET]  # still in care: folded, not closed
    row.end_min = end
    assert episode.began_min == check
    assert episode.time_to_care_min == end - check
    assert Episode(EpisodeRow(1, 0, 0, onset, end)).time_to_care_min == end - onset


def test_the_finding_event_is_geometric_over_the_events():
    """With a chance c of being found at each event, the share found at the k-th event of the
    case's unnoticed time is c (1 - c)^k."""
    scenario = latent_world(attendance_share=0.5, detection=0.5)
    world = World.build(scenario)
    env = simpy.Environment()
    from carepath.behaviour.mechanisms.decisions import Build
    from carepath.observation.records import Records

    clinics_ = FreeClinics(
        Build(env, world, Records(), Streams(0, 0), scenario.reforms.free_clinics)
    )
    counts: dict[int | None, int] = defaultdict(int)
    n = 4000
    for i in range(n):
        u = (i + 0.5) / n

        class Case:
            zone = world.zones[0]
            onset_min = 200 * 1440.0
            own = {"screening": [u, 0.5, 0.5]}

        found = clinics_.finds_case(Case, 5 * 1440.0)  # type: ignore[arg-type]
        counts[None if found is None else found[0]] += 1
    first = min(k for k in counts if k is not None)
    for k in range(3):
        assert counts[first + k] / n == pytest.approx(0.25 * 0.75**k, abs=0.01)
    # the last event before the onset is the last that can find it
    assert max(k for k in counts if k is not None) <= math.floor(200 / 10)


# -- attendance ------------------------------------------------------------------------------


def test_a_villages_attendance_is_its_share_of_the_residents():
    data = tiny_data(
        **outreach(
            free_clinics=clinics(
                every_days=2, screening={"attendance_share": 0.02}, max_patients=None
            )
        )
    )
    data["simulation"].update({"warmup_days": 0, "horizon_days": 100, "drain_days": 1})
    data["zones"][0]["population"] = 1500
    records = simulate(World.build(Scenario.model_validate(data)), WITH, 1, 0, full_log=True)
    per_event: dict[float, int] = defaultdict(int)
    for row in records.rows("outreach"):
        if row.service == "screening":
            per_event[row.arrive_min // 1440] += 1
    assert len(per_event) >= 45
    mean = sum(per_event.values()) / len(per_event)
    assert mean == pytest.approx(30.0, rel=0.1)  # 2% of 1,500


def test_mianyang_villages_are_the_size_of_a_mianyang_village():
    outreach_file = load_scenario(REPO / "scenarios" / "mianyang_outreach.yaml")
    villages = [z for z in outreach_file.zones if z.kind == "village"]
    assert villages and {z.population for z in villages} == {1500}
