"""A booked exam type's slots at one facility: an ordered exam takes the next free slot.

Slots are spread evenly over the opening hours of the days with slots; slot ``k`` of a day with
``n`` begins ``k / n`` of the opening after it opens.  Bookings must come in the order of their
times (each made on the simulation clock), so that an earlier order never finds its slot taken
by a later one.
"""

from __future__ import annotations

import math

from .hours import DAY_MIN, Hours


class SlotBook:
    """The slots of one exam type at one facility, and how many of each day's are taken."""

    __slots__ = ("slots_per_day", "days", "earliest_day", "start_min", "step_min", "taken")

    def __init__(
        self, hours: Hours, slots_per_day: int, days: tuple[bool, ...], earliest_day: int
    ) -> None:
        self.slots_per_day = slots_per_day
        self.days = days
        self.earliest_day = earliest_day
        open_min = DAY_MIN if hours.always else hours.end_min - hours.start_min
        self.start_min = 0.0 if hours.always else hours.start_min
        self.step_min = open_min / slots_per_day
        self.taken: dict[int, int] = {}  # day -> slots taken; days before the last are gone

    def book(self, order_min: float) -> float:
        """Take the first free slot on or after the earliest day for an order at
        ``order_min`` (later than ``order_min`` itself on the order's day); its start."""
        today = math.floor(order_min / DAY_MIN)
        day = today + self.earliest_day
        while True:
            if self.days[day % 7]:
                taken = self.taken.get(day, 0)
                first = taken
                if day == today:  # only slots still ahead today
                    ahead = (order_min - day * DAY_MIN - self.start_min) / self.step_min
                    first = max(taken, math.floor(ahead) + 1 if ahead >= 0 else 0)
                if first < self.slots_per_day:
                    self.taken[day] = first + 1
                    self._forget_before(today)
                    return day * DAY_MIN + self.start_min + first * self.step_min
            day += 1

    def _forget_before(self, today: int) -> None:
        """Days before today can take no more bookings."""
        if len(self.taken) > 64:
            for day in [d for d in self.taken if d < today]:
                del self.taken[day]
