"""Opening hours on the simulation clock.

The clock counts minutes from midnight at the start of day 0, which falls on the scenario's
``start_weekday``.
"""

from __future__ import annotations

import math

from ..inputs.schema import WEEKDAYS, OpeningHours

DAY_MIN = 1440.0


class Hours:
    """When a facility's outpatient stations serve patients."""

    __slots__ = ("always", "start_min", "end_min", "open_days")

    def __init__(self, hours: OpeningHours, start_weekday: str) -> None:
        self.always = hours.always
        self.start_min = hours.start_min
        self.end_min = hours.end_min
        first = WEEKDAYS.index(start_weekday)
        open_names = set(hours.weekdays)
        # Which days of the simulation week (day 0 = start_weekday) the facility opens.
        self.open_days = tuple(WEEKDAYS[(first + d) % 7] in open_names for d in range(7))

    def is_open(self, now: float) -> bool:
        return self.opening(now) is not None

    def opening(self, now: float) -> tuple[float, float] | None:
        """The opening (start, end) that ``now`` falls in, or None if closed at ``now``."""
        if self.always:
            return -math.inf, math.inf
        day = math.floor(now / DAY_MIN)
        start, end = day * DAY_MIN + self.start_min, day * DAY_MIN + self.end_min
        return (start, end) if self.open_days[day % 7] and start <= now < end else None

    def next_opening(self, now: float) -> float:
        """The earliest time at or after ``now`` when the facility is open."""
        if self.is_open(now):
            return now
        day = math.floor(now / DAY_MIN)
        if now - day * DAY_MIN >= self.start_min:
            day += 1
        while not self.open_days[day % 7]:
            day += 1
        return day * DAY_MIN + self.start_min
