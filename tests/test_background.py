"""Outpatients from beyond the simulated area (``behaviour.background``): they arrive at a
facility's stations in its opening hours, at the hours and weekdays of the demand profiles, join
the same queues as the area's own patients, are served in the tier's service times, never
leave a queue, come from their own stream (the same in every arm) and are left out of the wait
patients know and of the waits per visit the choice model is fitted to.

Exact timelines are built by hand; where the arrivals are random, the rows are checked against
the stream ``background`` drawn again here, day by day, and against the rules a queue keeps.
"""

from __future__ import annotations

import heapq
import math

import numpy as np
import pandas as pd
import pytest
import simpy

from carepath.accounting.metrics import compute
from carepath.behaviour.arrivals import times_of_day
from carepath.behaviour.background import STREAM, _service, arrival_times, open_hour_weights
from carepath.behaviour.wait_signal import WaitSignal
from carepath.execution.replication import ReplicationRun, build_journey, fold_times, simulate
from carepath.inputs.arms import WITHOUT, arms_for
from carepath.inputs.levers import with_levers
from carepath.inputs.loading import ScenarioError
from carepath.inputs.scenario_file import load_scenario
from carepath.inputs.schema import WEEKDAYS, Background, Scenario
from carepath.observation.records import BACKGROUND, Records
from carepath.system.hours import DAY_MIN
from carepath.system.site import ImpatientStation, PriorityStation, Site, Station
from carepath.system.streams import Streams
from carepath.system.world import FacilityPlan, World
from carepath.workflows.choice_fit import measured_waits
from conftest import DEMO, REPO, fixed, tiny, tiny_data, write_yaml

# An hour profile with a lunch hour nobody sets out in (12:00) and a busy 17:00 hour.
PROFILE = [0] * 8 + [2, 2, 2, 2, 0, 1, 1, 1, 1, 3] + [0] * 6
PROFILE_TOTAL = sum(PROFILE)  # 15
# Monday first: busy Mondays, quiet weekends.
WEEK = [3, 2, 2, 2, 2, 1, 1]
MON_TO_SAT = ["mon", "tue", "wed", "thu", "fri", "sat"]


def centre_of(hours: dict, hour_profile=PROFILE, weekday_profile=WEEK, start_weekday="mon"):
    """The tiny world with its township centre open at ``hours``; the world and the centre."""
    data = tiny_data(
        demand={
            "hour_profile": list(hour_profile),
            "weekday_profile": list(weekday_profile),
            "arrive_after_opening_min": 0,
        }
    )
    data["simulation"]["start_weekday"] = start_weekday
    data["facilities"][1]["hours"] = hours
    world = World.build(Scenario.model_validate(data))
    return world, world.facilities[1]


# -- when they come ---------------------------------------------------------------------------


def assert_parts(parts: list[tuple[float, float, float]], expected: list[tuple]) -> None:
    """The same open hours, to the minute, with the same weights (to rounding)."""
    assert [(start, end) for start, end, _ in parts] == [(start, end) for start, end, _ in expected]
    assert [weight for _, _, weight in parts] == pytest.approx([w for _, _, w in expected])


def test_each_open_hour_weighs_its_profile_share_times_the_part_of_it_open():
    world, centre = centre_of({"start": "08:00", "end": "17:30"})
    two, one, three = 2 / PROFILE_TOTAL, 1 / PROFILE_TOTAL, 3 / PROFILE_TOTAL
    expected = [
        (480.0, 540.0, two),
        (540.0, 600.0, two),
        (600.0, 660.0, two),
        (660.0, 720.0, two),
        # 12:00 has no weight: left out
        (780.0, 840.0, one),
        (840.0, 900.0, one),
        (900.0, 960.0, one),
        (960.0, 1020.0, one),
        (1020.0, 1050.0, three / 2),  # open until 17:30: half the hour
    ]
    assert_parts(open_hour_weights(world, centre), expected)


def test_a_late_opening_takes_part_of_the_first_hour_and_always_open_takes_every_hour():
    world, centre = centre_of({"start": "08:45", "end": "12:00"})
    two = 2 / PROFILE_TOTAL
    assert_parts(
        open_hour_weights(world, centre),
        [(525.0, 540.0, two / 4), (540.0, 600.0, two), (600.0, 660.0, two), (660.0, 720.0, two)],
    )
    world, centre = centre_of({"always": True})
    expected = [
        (hour * 60.0, hour * 60.0 + 60.0, weight / PROFILE_TOTAL)
        for hour, weight in enumerate(PROFILE)
        if weight
    ]
    assert_parts(open_hour_weights(world, centre), expected)


def test_no_open_hour_with_weight_means_nobody_comes():
    world, centre = centre_of({"start": "12:00", "end": "13:00"})  # the lunch hour only
    assert open_hour_weights(world, centre) == []
    rng = np.random.default_rng(1)
    assert all(len(arrival_times(rng, world, centre, 50.0, day)) == 0 for day in range(7))


@pytest.mark.parametrize("start_weekday", ["mon", "wed"])
def test_arrivals_keep_to_opening_hours_weekdays_and_the_mean_per_day(start_weekday):
    """Over 200 weeks, each weekday's mean count is per_day times its weekday factor (Monday
    first, whatever weekday the clock starts on), within five standard errors of a Poisson
    mean; each open hour's share of arrivals is its weight's, within five standard errors of a
    binomial share.  The draws are seeded, so the test is exact; the tolerances say that it
    would pass for nearly any seed (a miss of five standard errors has odds below 1 in 10^6
    per comparison)."""
    hours = {"start": "08:00", "end": "17:30", "weekdays": MON_TO_SAT}
    world, centre = centre_of(hours, start_weekday=start_weekday)
    first = WEEKDAYS.index(start_weekday)
    per_day, weeks = 30.0, 200
    rng = np.random.default_rng(2024)
    counts: dict[str, list[int]] = {day: [] for day in WEEKDAYS}
    minutes_of_day = []
    for day in range(7 * weeks):
        times = arrival_times(rng, world, centre, per_day, day)
        weekday = WEEKDAYS[(first + day) % 7]
        counts[weekday].append(len(times))
        assert (np.diff(times) >= 0).all()
        of_day = times - day * DAY_MIN
        assert ((of_day >= 480.0) & (of_day < 1050.0)).all()  # 08:00-17:30 of that day
        assert not ((of_day >= 720.0) & (of_day < 780.0)).any()  # the lunch hour has no weight
        minutes_of_day.extend(of_day.tolist())
    assert sum(counts["sun"]) == 0  # closed on Sundays
    for weekday, profile in zip(WEEKDAYS[:6], WEEK, strict=False):
        mean = per_day * 7 * profile / sum(WEEK)
        error = math.sqrt(mean / weeks)
        assert np.mean(counts[weekday]) == pytest.approx(mean, abs=5 * error), weekday
    parts = open_hour_weights(world, centre)
    total = sum(weight for _, _, weight in parts)
    minutes = np.asarray(minutes_of_day)
    n = len(minutes)
    for start, end, weight in parts:
        share = weight / total
        inside = ((minutes >= start) & (minutes < end)).sum()
        assert inside / n == pytest.approx(share, abs=5 * math.sqrt(share * (1 - share) / n))


def test_the_weekday_profile_is_monday_first_whatever_day_the_clock_starts_on():
    """``demand.weekday_profile`` is written Monday first; a clock that starts on a Saturday
    has no onsets and no outpatients from beyond the area on its days 0 and 1 when the profile
    gives weekends no weight."""
    weekdays_only = [1, 1, 1, 1, 1, 0, 0]
    world, centre = centre_of({"always": True}, [1] * 24, weekdays_only, start_weekday="sat")
    assert world.weekday_factor == pytest.approx([0, 0, 1.4, 1.4, 1.4, 1.4, 1.4])
    rng = np.random.default_rng(5)
    counts = [len(arrival_times(rng, world, centre, 100.0, day)) for day in range(14)]
    onsets = [len(times_of_day(rng, world, 100.0, day)) for day in range(14)]
    for day in range(14):
        weekend = day % 7 in (0, 1)
        assert (counts[day] == 0) == weekend and (onsets[day] == 0) == weekend, day


def test_a_facility_names_its_background_stations_as_the_records_do():
    background = Background(
        registration=120,
        doctors={"internal": 30, "surgery": 0},
        pharmacy=0,
        exams={"ct": 12.5},
    )
    assert background.per_station() == {
        "registration": 120,
        "doctor:internal": 30,
        "exam:ct": 12.5,
    }
    assert Background().per_station() == {}


def test_a_site_finds_its_stations_by_the_records_names():
    world = World.build(tiny())
    centre = Site(simpy.Environment(), world.facilities[1], [])
    assert centre.station("registration") is centre.registration
    assert centre.station("doctor:general") is centre.doctors["general"]
    assert centre.station("cashier") is centre.cashier
    assert centre.station("pharmacy") is centre.pharmacy
    assert centre.station("exam:lab") is centre.exams["lab"]
    assert centre.station("doctor:surgery") is None and centre.station("exam:ct") is None
    clinic = Site(simpy.Environment(), world.facilities[0], [])
    assert clinic.station("registration") is None  # a village clinic has no windows


# -- what they meet ---------------------------------------------------------------------------


def drawn(world: World, plan: FacilityPlan, streams: Streams) -> dict[tuple, float]:
    """The facility's background arrivals as stream ``background`` gives them, drawn again:
    (facility, station, arrival minute) -> service minutes."""
    out = {}
    for day in range(len(fold_times(world))):
        rng = streams(STREAM, plan.index, day)
        for name, per_day in plan.background.items():
            times = arrival_times(rng, world, plan, per_day, day)
            service = _service(world, plan, name)
            for arrive, u in zip(times.tolist(), rng.random(len(times)).tolist(), strict=True):
                out[plan.index, name, arrive] = service(u)
    return out


def background_rows(records: Records) -> pd.DataFrame:
    stations = records.table("stations")
    return stations[stations.patient == BACKGROUND]


def assert_every_arrival_served(records: Records, world: World, streams: Streams) -> None:
    """Every background arrival the stream gives has exactly one station row, at its minute,
    served for its minutes; and there is no other background row."""
    expected: dict[tuple, float] = {}
    for plan in world.facilities:
        if plan.background:
            expected.update(drawn(world, plan, streams))
    assert expected, "nobody from beyond the area was drawn"
    rows = background_rows(records)
    seen = {}
    for row in rows.itertuples():
        key = (row.facility, row.station, row.arrive_min)
        assert key not in seen
        seen[key] = row
    assert seen.keys() == expected.keys()
    for key, row in seen.items():
        assert row.start_min >= row.arrive_min
        assert row.end_min == row.start_min + expected[key]


# One station of two doctors, open 08:00-17:30 on weekdays; onsets only in its hours.
ONE_STATION = {
    "name": "one_station",
    "simulation": {
        "warmup_days": 1,
        "horizon_days": 5,
        "drain_days": 1,
        "replications": 1,
        "seed": 11,
    },
    "demand": {
        "hour_profile": [0] * 8 + [1] * 10 + [0] * 6,
        "weekday_profile": [1] * 7,
        "arrive_after_opening_min": 0,
    },
    "tiers": {
        "village": {
            "registration_fee_yuan": 0,
            "consultation_fee_yuan": 0,
            "walk_min": 0,
            "service_min": {
                "registration": fixed(0),
                "consultation": {"dist": "exponential", "mean": 10},
                "review": {"dist": "exponential", "mean": 10},
                "cashier": fixed(0),
                "pharmacy": fixed(0),
            },
        }
    },
    "facilities": [
        {
            "id": "station",
            "tier": "village",
            "hours": {"start": "08:00", "end": "17:30", "weekdays": MON_TO_SAT[:5]},
            "stations": {"doctors": {"general": 2}},
        }
    ],
    "zones": [
        {
            "id": "everyone",
            "population": 365,
            "episodes_per_person_year": 30,  # 30 onsets a day
            "travel": {"station": {"travel_min": 0, "travel_yuan": 0}},
        }
    ],
    "conditions": [
        {
            "id": "any",
            "share": 1.0,
            "lowest_tier": "village",
            "first_contact": {"village": 1.0},
            "drug_fee_yuan": 0,
        }
    ],
}


def one_station(per_day: float) -> World:
    scenario = Scenario.model_validate(ONE_STATION)
    if per_day:
        background = {"doctors": {"general": per_day}}
        scenario = with_levers(scenario, {"facilities[station].background": background})
    return World.build(scenario)


def test_one_station_serves_the_area_and_those_from_beyond_it_first_come_first_served():
    world = one_station(40.0)
    streams = Streams(11, 0)
    records = simulate(world, WITHOUT, 11, 0, full_log=True)
    rows = records.table("stations")
    outside = rows[rows.patient == BACKGROUND]
    own = rows[rows.patient >= 0]
    assert len(outside) > 100 and len(own) > 100
    assert set(rows.patient[rows.patient < 0]) == {BACKGROUND}
    assert_every_arrival_served(records, world, streams)
    # They come in opening hours, Monday to Friday (days 5 and 6 are a weekend).
    day = np.floor(outside.arrive_min / DAY_MIN)
    of_day = outside.arrive_min - day * DAY_MIN
    assert ((of_day >= 480.0) & (of_day < 1050.0)).all()
    assert set(day.astype(int)) <= {0, 1, 2, 3, 4}
    # First come, first served across both: joined in the order of arrival, each starting at
    # its arrival or when the first of the two doctors is free.
    free = [-math.inf, -math.inf]
    last_arrival = -math.inf
    for row in rows.itertuples():
        assert row.arrive_min >= last_arrival
        last_arrival = row.arrive_min
        assert row.start_min == max(row.arrive_min, free[0])
        heapq.heapreplace(free, row.end_min)
    # The queues mix: someone of the area waited for a doctor taken by someone from beyond it.
    ends_outside = set(outside.end_min)
    assert any(r.start_min > r.arrive_min and r.start_min in ends_outside for r in own.itertuples())


def test_the_areas_own_patients_wait_longer_behind_those_from_beyond_it():
    quiet = simulate(one_station(0.0), WITHOUT, 11, 0, full_log=True)
    busy = simulate(one_station(40.0), WITHOUT, 11, 0, full_log=True)
    assert background_rows(quiet).empty
    quiet_metrics, busy_metrics = compute(quiet.folded), compute(busy.folded)
    assert quiet_metrics["episodes"] == busy_metrics["episodes"]  # the same patients
    assert busy_metrics["wait_min"] > quiet_metrics["wait_min"]
    own = busy.table("stations")
    own = own[own.patient >= 0]
    assert sorted(own.patient) == sorted(quiet.table("stations").patient)
    assert (own.start_min - own.arrive_min).mean() > (
        quiet.table("stations").start_min - quiet.table("stations").arrive_min
    ).mean()


def test_the_tiers_service_times_serve_them_station_by_station():
    """The tiny centre's windows and doctor are fixed-time (registration 1, consultation 5,
    cashier 1, pharmacy 2 minutes, the lab's exam 3)."""
    centre = {"registration": 20, "doctors": {"general": 10}, "cashier": 15, "pharmacy": 5}
    scenario = with_levers(
        tiny(), {"facilities[centre].background": {**centre, "exams": {"lab": 8}}}
    )
    world = World.build(scenario)
    records = simulate(world, WITHOUT, 3, 0, full_log=True)
    rows = background_rows(records)
    minutes = dict.fromkeys(["registration", "cashier"], 1.0)
    minutes |= {"doctor:general": 5.0, "pharmacy": 2.0, "exam:lab": 3.0}
    assert set(rows.station) == set(minutes)
    assert set(rows.facility) == {1}
    for row in rows.itertuples():
        assert row.end_min - row.start_min == pytest.approx(minutes[row.station])
    assert_every_arrival_served(records, world, Streams(3, 0))


# -- the same in every arm --------------------------------------------------------------------

CITY_AND_COUNTY = {
    "facilities[city_hospital].background": {
        "registration": 300,
        "doctors": {"internal": 60},
        "cashier": 200,
        "pharmacy": 150,
        "exams": {"ct": 30},
    },
    "facilities[county_hospital].background": {
        "registration": 150,
        "doctors": {"general": 40},
        "exams": {"lab": 40},
    },
    "simulation.warmup_days": 1,
    "simulation.horizon_days": 2,
    "simulation.drain_days": 3,
}


def run_arms(name: str, replication: int = 0) -> tuple[World, dict[str, Records]]:
    scenario = with_levers(load_scenario(REPO / "scenarios" / f"{name}.yaml"), CITY_AND_COUNTY)
    world = World.build(scenario)
    streams = Streams(scenario.simulation.seed, replication)
    run = ReplicationRun(world, arms_for(scenario), streams, full_log=True).run()
    return world, {arm: arm_run.records for arm, arm_run in run.arms.items()}


def arrivals_and_services(records: Records) -> list[tuple]:
    rows = background_rows(records)
    return sorted(
        zip(
            rows.facility, rows.station, rows.arrive_min, rows.end_min - rows.start_min, strict=True
        )
    )


def test_the_reform_does_not_reach_those_from_beyond_the_area():
    """Common random numbers: with mutual recognition on or off, the same outpatients from
    beyond the area arrive at the same minutes for the same services; the area's patients are
    cared for differently."""
    world, arms = run_arms("demo_county_recognition")
    without, with_ = arms["without"], arms["with"]
    assert arrivals_and_services(without) == arrivals_and_services(with_)
    assert len(background_rows(without)) > 1000
    own = [r for r in without.stations if r[0] != BACKGROUND]
    assert own != [r for r in with_.stations if r[0] != BACKGROUND]
    assert without.tests != with_.tests
    # another replication, other outpatients
    _, other = run_arms("demo_county_recognition", replication=1)
    assert arrivals_and_services(other["without"]) != arrivals_and_services(without)


def test_impatient_queues_lose_the_areas_patients_never_those_from_beyond_it():
    """demo_county's patients balk and renege (``care_seeking.patience``); those from beyond
    the area wait as long as it takes, so each of their arrivals has its station row."""
    scenario = with_levers(load_scenario(DEMO), CITY_AND_COUNTY)
    world = World.build(scenario)
    streams = Streams(scenario.simulation.seed, 0)
    journey = build_journey(simpy.Environment(), world, Records(), WITHOUT, streams)
    city = next(site for site in journey.sites if site.plan.id == "city_hospital")
    assert isinstance(city.registration, ImpatientStation)
    assert isinstance(city.doctors["internal"], ImpatientStation)
    records = simulate(world, WITHOUT, scenario.simulation.seed, 0, full_log=True)
    left = {row.event for row in records.rows("seeking")}
    assert {"balked", "reneged"} & left  # the queues are long enough to lose the area's
    assert_every_arrival_served(records, world, streams)


# -- a green channel --------------------------------------------------------------------------


def test_at_a_green_channel_they_queue_at_normal_priority_and_never_leave():
    """A hand-made timeline at a county window with a green channel: patient 1 is served
    09:00-10:40; an outpatient from beyond the area joins at 09:10, an ordinary patient 2 at
    09:15, a referred patient 3 at 09:20; the referred goes first, then the others in the
    order they came.  Joining while the facility is closed leaves no row."""
    world = World.build(tiny())
    env = simpy.Environment()
    window = PriorityStation(env, world.facilities[2], "registration", 1, rows := [])
    nine = 9 * 60.0

    def patient(pid: int, arrive: float, service_min: float, priority: int = 1):
        yield env.timeout(arrive)
        yield from window.serve_in_line(pid, service_min, priority)

    def from_beyond(arrive: float, service_min: float):
        yield env.timeout(arrive)
        window.join_unattended(BACKGROUND, service_min)

    env.process(patient(1, nine, 100.0))
    env.process(from_beyond(nine + 10, 5.0))
    env.process(patient(2, nine + 15, 5.0))
    env.process(patient(3, nine + 20, 5.0, priority=0))
    env.process(from_beyond(18 * 60.0, 5.0))  # closed at 18:00: turned away
    env.process(from_beyond(nine + DAY_MIN, 7.0))  # the next morning: nobody ahead
    env.run(until=2 * DAY_MIN)
    assert rows == [
        (1, 2, "registration", nine, nine, nine + 100),
        (3, 2, "registration", nine + 20, nine + 100, nine + 105),
        (BACKGROUND, 2, "registration", nine + 10, nine + 105, nine + 110),
        (2, 2, "registration", nine + 15, nine + 110, nine + 115),
        (BACKGROUND, 2, "registration", nine + DAY_MIN, nine + DAY_MIN, nine + DAY_MIN + 7),
    ]


def test_chongqings_green_channel_serves_them_in_turn():
    """chongqing_three_links switches on two-way referral's green channel: in its ``with`` arm
    the hospitals' stations keep a line by priority, which those from beyond the area join at
    normal priority.  They are all served, each in the order of arrival among themselves, a
    waiting one as a server frees, never more at once than the station's servers."""
    world, arms = run_arms("chongqing_three_links")
    arm = next(a for a in arms_for(world.scenario) if a.name == "with")
    streams = Streams(world.scenario.simulation.seed, 0)
    journey = build_journey(simpy.Environment(), world, Records(), arm, streams)
    for plan in world.facilities:
        for name in plan.background:
            assert isinstance(journey.sites[plan.index].station(name), PriorityStation)
    records = arms["with"]
    assert_every_arrival_served(records, world, streams)
    rows = records.table("stations")
    outside = background_rows(records)
    for (facility, station), theirs in outside.groupby(["facility", "station"]):
        theirs = theirs.sort_values("arrive_min")
        assert theirs.start_min.is_monotonic_increasing, station
        here = rows[(rows.facility == facility) & (rows.station == station)]
        ends = set(here.end_min)
        waited = theirs[theirs.start_min > theirs.arrive_min]
        assert waited.start_min.isin(ends).all()
        servers = world.facilities[facility].servers(station)
        events = sorted([(t, 1) for t in here.start_min] + [(t, -1) for t in here.end_min])
        busy = np.cumsum([step for _, step in events])  # an end sorts before a start at a tie
        assert busy.max() <= servers


# -- what patients know and what the choice model is fitted to ---------------------------------


def test_the_wait_signal_counts_the_areas_visits_only():
    """Patients hear of the waits of their neighbours' visits: a queue's rows of those from
    beyond the area (who make no visit of the area's) add nothing to the minutes per visit."""
    visits = [(0, 0, "first", 540.0), (1, 0, "first", 560.0), (2, 1, "referral_up", 600.0)]
    own = [
        (0, 0, "registration", 540.0, 550.0, 551.0),
        (1, 0, "doctor:general", 560.0, 590.0, 595.0),
        (2, 1, "registration", 600.0, 604.0, 605.0),
    ]
    outside = [
        (BACKGROUND, 0, "registration", 530.0, 545.0, 546.0),
        (BACKGROUND, 1, "doctor:general", 600.0, 700.0, 705.0),
        (BACKGROUND, 2, "pharmacy", 600.0, 660.0, 662.0),
    ]
    plain, mixed = WaitSignal([7.0, 7.0, 7.0], 3), WaitSignal([7.0, 7.0, 7.0], 3)
    plain.fold(own, visits)
    mixed.fold(own + outside, visits)
    assert mixed.minutes == plain.minutes == [20.0, 4.0, 7.0]  # facility 2: nobody of the area


def test_the_measured_waits_per_visit_leave_out_those_from_beyond_the_area():
    world = World.build(tiny(simulation={**tiny_data()["simulation"], "warmup_days": 1}))
    day = DAY_MIN

    def records(with_outside: bool) -> Records:
        made = Records()
        made.visits += [(0, 1, "first", day + 540.0), (1, 2, "first", day + 600.0)]
        made.stations += [
            (0, 1, "registration", day + 540.0, day + 546.0, day + 547.0),
            (1, 2, "doctor:general", day + 600.0, day + 612.0, day + 617.0),
        ]
        if with_outside:
            made.stations += [
                (BACKGROUND, 1, "registration", day + 530.0, day + 540.0, day + 541.0),
                (BACKGROUND, 2, "exam:lab", day + 600.0, day + 700.0, day + 703.0),
            ]
        return made

    assert measured_waits(records(True), world) == measured_waits(records(False), world)
    assert measured_waits(records(True), world) == {"township": 6.0, "county": 12.0}


# -- refused input ----------------------------------------------------------------------------


def test_a_background_at_a_station_the_facility_lacks_is_refused_where_it_is_written(tmp_path):
    """demo_county's town_chc has general doctors only and no CT; a village clinic has no
    windows.  Each refused key is named with the file that wrote it."""
    ids = [f.id for f in load_scenario(DEMO).facilities]
    town, village = ids.index("town_chc"), ids.index("north_v1_clinic")
    path = write_yaml(
        tmp_path / "beyond.yaml",
        {
            "extends": str(DEMO),
            "name": "beyond",
            "merge": "by_id",
            "facilities": [
                {
                    "id": "town_chc",
                    "background": {"doctors": {"general": 30, "surgery": 5}, "exams": {"ct": 4}},
                },
                {"id": "north_v1_clinic", "background": {"registration": 10, "pharmacy": 2}},
            ],
        },
    )
    with pytest.raises(ScenarioError) as refused:
        load_scenario(path)
    lines = str(refused.value).splitlines()
    assert lines == [
        f"{path}: facilities[{town}].background.doctors.surgery: "
        "no 'surgery' doctors under stations.doctors to queue at",
        f"{path}: facilities[{town}].background.exams.ct: no ct exam units under stations.exams "
        "to queue at",
        f"{path}: facilities[{village}].background.registration: no registration windows under "
        "stations to queue at",
        f"{path}: facilities[{village}].background.pharmacy: no pharmacy windows under stations "
        "to queue at",
    ]
    # at stations it has, the same file is accepted
    accepted = write_yaml(
        tmp_path / "beyond_ok.yaml",
        {
            "extends": str(DEMO),
            "name": "beyond_ok",
            "merge": "by_id",
            "facilities": [
                {
                    "id": "town_chc",
                    "background": {"doctors": {"general": 30}, "exams": {"lab": 4}},
                },
                {"id": "north_v1_clinic", "background": {"doctors": {"general": 3}}},
            ],
        },
    )
    scenario = load_scenario(accepted)
    assert World.build(scenario).facilities[town].background == {
        "doctor:general": 30,
        "exam:lab": 4,
    }


def test_without_background_a_facility_has_none():
    """Only the facilities that say so have outpatients from beyond the area (the demo county's
    city hospital); the others' dumps leave the key out, so their files keep their hashes."""
    scenario = load_scenario(DEMO)
    world = World.build(scenario)
    assert [plan.id for plan in world.facilities if plan.background] == ["city_hospital"]
    dumped = scenario.model_dump(mode="json")["facilities"]
    assert ["background" in f for f in dumped] == [
        p.id == "city_hospital" for p in world.facilities
    ]
    assert isinstance(Site(simpy.Environment(), world.facilities[1], []).registration, Station)
