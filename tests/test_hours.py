"""Opening hours on the simulation clock (day 0 starts at midnight on the start weekday)."""

from __future__ import annotations

import pytest

from carepath.inputs.schema import OpeningHours
from carepath.system.hours import Hours

DAY = 1440.0


def weekdays_only(start_weekday: str = "mon") -> Hours:
    hours = OpeningHours(start="08:00", end="17:30", weekdays=["mon", "tue", "wed", "thu", "fri"])
    return Hours(hours, start_weekday)


@pytest.mark.parametrize(
    ("now", "is_open"),
    [(479.0, False), (480.0, True), (1049.0, True), (1050.0, False), (DAY + 600, True)],
)
def test_open_from_start_to_before_end(now, is_open):
    assert weekdays_only().is_open(now) is is_open


def test_next_opening_same_day_next_day_and_after_the_weekend():
    hours = weekdays_only()
    assert hours.next_opening(100.0) == 480.0
    assert hours.next_opening(600.0) == 600.0
    assert hours.next_opening(1050.0) == DAY + 480.0
    # Friday evening (day 4) to Monday morning (day 7)
    assert hours.next_opening(4 * DAY + 1100) == 7 * DAY + 480.0


def test_start_weekday_shifts_the_week():
    # day 0 is a Saturday: closed until Monday, day 2
    assert weekdays_only("sat").next_opening(500.0) == 2 * DAY + 480.0


def test_always_open():
    hours = Hours(OpeningHours(always=True), "mon")
    assert hours.is_open(3.0) and hours.next_opening(3.0) == 3.0


def test_end_not_after_start_is_refused():
    with pytest.raises(ValueError, match="end must be after start"):
        OpeningHours(start="17:00", end="08:00")
