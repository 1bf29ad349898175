"""Each station's measured days (``accounting.stations``): the busiest day's utilisation and the
share of days whose queue was empty at closing, on hand-made timelines, folded in any order and
batches."""

from __future__ import annotations

import math
import random

from hypothesis import given
from hypothesis import strategies as st

from carepath.accounting.stations import StationTally
from carepath.observation.results_folder import STATION_COLUMNS
from carepath.system.hours import DAY_MIN
from carepath.system.world import World
from conftest import TINY, tiny

CENTRE = 1  # the tiny world's township centre: one server at every station
OPEN_MIN, CLOSE_MIN = 8 * 60, 17 * 60 + 30  # 08:00-17:30: 570 open minutes a day
PEAK = STATION_COLUMNS.index("peak_day_utilisation")
CLEARED = STATION_COLUMNS.index("cleared_day_share")


def world(hours: dict, warmup_days: int = 1, horizon_days: int = 3) -> World:
    """The tiny world, its centre open ``hours``, measuring days ``warmup_days`` on."""
    simulation = {**TINY["simulation"], "warmup_days": warmup_days, "horizon_days": horizon_days}
    facilities = list(TINY["facilities"])
    facilities[CENTRE] = {**facilities[CENTRE], "hours": hours}
    return World.build(tiny(simulation=simulation, facilities=facilities))


def at(day: int, minute: float) -> float:
    """Minute ``minute`` after midnight of ``day`` on the simulation clock."""
    return day * DAY_MIN + minute


def cashier(patient: int, arrive_min: float, start_min: float, end_min: float) -> tuple:
    return (patient, CENTRE, "cashier", arrive_min, start_min, end_min)


# Days 1-3 are measured (one day of warm-up), the centre open 08:00-17:30 every day.
TIMELINE = [
    cashier(0, at(0, 1000), at(0, 1000), at(0, 1030)),  # warm-up: in no column
    # day 1: 57 + 114 minutes serving, nobody waiting at 17:30
    cashier(1, at(1, OPEN_MIN), at(1, OPEN_MIN), at(1, OPEN_MIN + 57)),
    cashier(2, at(1, 600), at(1, 600), at(1, 714)),
    # day 2: 285 + 57 + 57; patient 5 joined at 16:55, waited through the last half hour and
    # was taken at 17:57, after closing: a backlog at closing
    cashier(3, at(2, 520), at(2, 520), at(2, 805)),
    cashier(4, at(2, 1010), at(2, 1010), at(2, 1077)),
    cashier(5, at(2, 1015), at(2, 1077), at(2, 1134)),
    # day 3: one patient, taken at opening
    cashier(6, at(3, OPEN_MIN), at(3, OPEN_MIN), at(3, OPEN_MIN + 57)),
    cashier(7, at(4, 600), at(4, 600), at(4, 660)),  # the drain: in no column
]


def folded(world: World, batches: list[list[tuple]]) -> StationTally:
    tally = StationTally(world)
    for rows in batches:
        tally.fold(rows)
    return tally


def by_day_recorded(rows: list[tuple]) -> list[list[tuple]]:
    """Rows in the folds of a run: each at the end of the day its service started (a patient
    taken after midnight is folded a day after they joined)."""
    days: dict[int, list[tuple]] = {}
    for row in rows:
        days.setdefault(int(row[4] // DAY_MIN), []).append(row)
    return [days[day] for day in sorted(days)]


def test_the_busiest_day_and_the_days_cleared_by_closing():
    hours = {"start": "08:00", "end": "17:30"}
    [row] = folded(world(hours), [TIMELINE]).rows()
    assert row == (
        "centre",
        "cashier",
        1,
        6,
        62 / 6,  # patient 5 queued 62 minutes
        (171 + 409 + 57) / (3 * 570),
        409 / 570,  # day 2 (days 1 and 3: 0.3 and 0.1)
        2 / 3,  # day 2's queue still held patient 5 at 17:30
    )


def test_folding_day_by_day_equals_folding_all_at_once_in_any_order():
    day_world = world({"start": "08:00", "end": "17:30"})
    once = folded(day_world, [TIMELINE]).rows()
    assert repr(folded(day_world, by_day_recorded(TIMELINE)).rows()) == repr(once)
    shuffled = list(TIMELINE)
    random.Random(3).shuffle(shuffled)
    assert repr(folded(day_world, [[row] for row in shuffled]).rows()) == repr(once)


def test_a_patient_who_meets_an_empty_line_before_closing_leaves_the_day_cleared():
    """Taken after closing, but the line had a moment empty in the last half hour: cleared."""
    hours = {"start": "08:00", "end": "17:30"}
    one_ahead = [
        cashier(1, at(1, 1000), at(1, 1000), at(1, CLOSE_MIN + 2)),
        cashier(2, at(1, CLOSE_MIN - 1), at(1, CLOSE_MIN + 2), at(1, CLOSE_MIN + 5)),
    ]
    [row] = folded(world(hours), [one_ahead]).rows()
    assert row[CLEARED] == 1.0
    backlog = [*one_ahead, cashier(3, at(1, 1015), at(1, CLOSE_MIN + 5), at(1, CLOSE_MIN + 8))]
    [row] = folded(world(hours), [backlog]).rows()
    assert row[CLEARED] == 0.0


def test_a_service_started_at_closing_time_leaves_the_day_cleared():
    on_time = [cashier(1, at(1, 1000), at(1, CLOSE_MIN), at(1, CLOSE_MIN + 30))]
    [row] = folded(world({"start": "08:00", "end": "17:30"}), [on_time]).rows()
    assert row[CLEARED] == 1.0
    late = [cashier(1, at(1, 1000), at(1, CLOSE_MIN + 0.5), at(1, CLOSE_MIN + 30))]
    [row] = folded(world({"start": "08:00", "end": "17:30"}), [late]).rows()
    assert row[CLEARED] == 0.0


def test_days_closed_are_left_out_and_open_days_without_patients_count_as_idle():
    # Day 0 is a Monday (start_weekday); open Monday and Wednesday only, measuring days 0-3.
    hours = {"start": "08:00", "end": "17:30", "weekdays": ["mon", "wed"]}
    rows = [cashier(1, at(2, 600), at(2, 600), at(2, 885))]  # Wednesday: 285 of 570
    [row] = folded(world(hours, warmup_days=0, horizon_days=4), [rows]).rows()
    assert row[PEAK] == 0.5 and row[CLEARED] == 1.0
    # Only Monday's 0 and Wednesday's 0.5 are days: Tuesday and Thursday have no open minutes.
    assert row[STATION_COLUMNS.index("utilisation")] == 285 / (2 * 570)


def test_a_facility_open_around_the_clock_has_no_closing_to_miss():
    rows = [
        cashier(1, at(1, 1430), at(1, 1430), at(1, 1450)),
        cashier(2, at(1, 1435), at(1, 1450), at(1, 1510)),  # taken after midnight
    ]
    [row] = folded(world({"always": True}), [rows]).rows()
    # day 1: 80 minutes of 1440; days 2 and 3 open but idle
    assert row[PEAK] == 80 / 1440 and row[CLEARED] == 1.0


def test_a_station_whose_patients_all_joined_before_the_period_has_no_days():
    # joined the last warm-up day, around the clock, and taken after midnight
    rows = [cashier(1, at(0, 1430), at(1, 10), at(1, 40))]
    [row] = folded(world({"always": True}), [rows]).rows()
    assert row[PEAK] == 0.0  # open every measured day, nobody joined on any
    assert math.isnan(row[CLEARED])


# A service at the centre's cashier: joined on day 0-4 at an open minute, waited, served.
services = st.tuples(
    st.integers(0, 4),
    st.floats(OPEN_MIN, CLOSE_MIN - 1, allow_nan=False),
    st.floats(0, 300, allow_nan=False),
    st.floats(0.5, 120, allow_nan=False),
)


@given(drawn=st.lists(services, min_size=1, max_size=40), seed=st.integers(0, 1000))
def test_any_batches_in_any_order_give_the_same_row(drawn, seed):
    rows = [
        cashier(p, at(day, minute), at(day, minute) + wait, at(day, minute) + wait + service)
        for p, (day, minute, wait, service) in enumerate(drawn)
    ]
    day_world = world({"start": "08:00", "end": "17:30"})
    once = folded(day_world, [rows]).rows()
    rng = random.Random(seed)
    shuffled = list(rows)
    rng.shuffle(shuffled)
    cuts = sorted(rng.sample(range(len(shuffled) + 1), k=min(3, len(shuffled) + 1)))
    batches = [shuffled[a:b] for a, b in zip([0, *cuts], [*cuts, len(shuffled)], strict=True)]
    assert repr(folded(day_world, batches).rows()) == repr(once)
