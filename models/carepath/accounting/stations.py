"""Per-station results of one replication of one arm: visits, mean wait and utilisation, and
how the station fared day by day.

Utilisation is the share of the servers' open minutes in the measured period spent serving
(services that start in the period, counted in full); a service finished after closing can push
it slightly above what the open hours alone would allow.

The daily checks (issue 23) take each measured day's services by the day the patients joined
the queue: that day's utilisation is their serving minutes (counted in full) over the servers'
open minutes that day, and the day's queue was cleared if it emptied before closing: at some
moment of the last ``CLOSING_WINDOW_MIN`` minutes before closing nobody was waiting.  A queue
that ran on without a break into closing time is a backlog the day did not clear (a patient who
joins before closing is served after it, ``system.site.Station.serve``); one who comes to an
idle window a minute before closing and is served at once, or after the one ahead, is not.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable

import pandas as pd

from ..observation.results_folder import STATION_COLUMNS
from ..system.hours import DAY_MIN, Hours
from ..system.world import World
from .exact import ExactSum
from .window import measured_window

# The end of the day a queue must have emptied in, at some moment, to count as cleared.
CLOSING_WINDOW_MIN = 30.0


def open_minutes(hours: Hours, start: float, end: float) -> float:
    """Minutes between ``start`` and ``end`` during which the facility is open."""
    if hours.always:
        return end - start
    total = 0.0
    for day in range(int(start // DAY_MIN), int(end // DAY_MIN) + 1):
        if hours.open_days[day % 7]:
            opens, closes = day * DAY_MIN + hours.start_min, day * DAY_MIN + hours.end_min
            total += max(0.0, min(closes, end) - max(opens, start))
    return total


def waiting_before_closing(
    hours: Hours, day: int, arrive_min: float, start_min: float
) -> tuple[float, float] | None:
    """The part of a patient's wait (from joining the queue on ``day`` to being taken) that
    falls in the last ``CLOSING_WINDOW_MIN`` minutes before that day's closing, or None."""
    # A facility open around the clock never closes: a queue running past midnight is still
    # served in opening hours, so there is no closing for it to miss and every day is cleared.
    if hours.always:
        return None
    closes = day * DAY_MIN + hours.end_min
    low, high = max(arrive_min, closes - CLOSING_WINDOW_MIN), min(start_min, closes)
    return (low, high) if high > low else None


def emptied_before_closing(hours: Hours, day: int, waits: list[tuple[float, float]]) -> bool:
    """Whether nobody was waiting at some moment of the last minutes before ``day``'s closing:
    the waits falling there (``waiting_before_closing``) leave a gap."""
    if hours.always:
        return True
    closes = day * DAY_MIN + hours.end_min
    covered = closes - CLOSING_WINDOW_MIN
    for low, high in sorted(waits):
        if low > covered:
            return True
        covered = max(covered, high)
    return covered < closes


class _Served:
    __slots__ = ("count", "queued_min", "busy_min")

    def __init__(self) -> None:
        self.count = 0
        self.queued_min = ExactSum()
        self.busy_min = ExactSum()


class _Day:
    """One measured day at a station, of the patients who joined its queue that day: minutes
    serving them, and their waits in the last minutes before closing."""

    __slots__ = ("busy_min", "waits", "past_closing")

    def __init__(self) -> None:
        self.busy_min = ExactSum()
        self.waits: list[tuple[float, float]] = []
        self.past_closing = False  # someone was still waiting when the facility closed


# A station's services in a fold, as (arrive_min, start_min, end_min).
_Services = list[tuple[float, float, float]]


class StationTally:
    """Per station, the services that started in the measured period: how many, minutes
    queued and minutes serving; and per measured day, the services of the patients who joined
    the queue that day: minutes serving and whether the queue emptied before closing.  Folded row
    by row (``Records.stations``), in any order and batches."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.window = measured_window(world)
        start, stop = self.window
        self.measured_days = range(int(start // DAY_MIN), int(stop // DAY_MIN))
        self.by_station: dict[tuple[int, str], _Served] = {}
        # (facility, station) -> measured day -> its services; at most the measured days each
        self.days: dict[tuple[int, str], dict[int, _Day]] = {}

    def fold(self, rows: Iterable[tuple]) -> None:
        """Fold station rows (``StationRow``; a day's), station by station: the services that
        started in the measured period, and those of patients who joined a queue in it."""
        start, stop = self.window
        by_key: dict[tuple[int, str], tuple[list[float], list[float]]] = defaultdict(
            lambda: ([], [])
        )
        joined: dict[tuple[int, str], _Services] = defaultdict(list)
        for _, facility, station, arrive_min, start_min, end_min in rows:
            if start <= start_min < stop:
                queued, busy = by_key[facility, station]
                queued.append(start_min - arrive_min)
                busy.append(end_min - start_min)
            # The period starts and stops at midnight: joined in it = joined on a measured day.
            if start <= arrive_min < stop:
                joined[facility, station].append((arrive_min, start_min, end_min))
        for key, (queued, busy) in by_key.items():
            served = self.by_station.get(key)
            if served is None:
                served = self.by_station[key] = _Served()
            served.count += len(queued)
            served.queued_min.extend(queued)
            served.busy_min.extend(busy)
        for key, services in joined.items():
            self._fold_days(key, services)

    def _fold_days(self, key: tuple[int, str], services: _Services) -> None:
        """A station's services, each into the day its patient joined the queue."""
        hours = self.world.facilities[key[0]].hours
        busy_by_day: dict[int, list[float]] = defaultdict(list)
        waits: dict[int, list[tuple[float, float]]] = defaultdict(list)
        past_closing: set[int] = set()
        for arrive_min, start_min, end_min in services:
            day = int(arrive_min // DAY_MIN)
            busy_by_day[day].append(end_min - start_min)
            late = waiting_before_closing(hours, day, arrive_min, start_min)
            if late is not None:
                waits[day].append(late)
                if start_min > day * DAY_MIN + hours.end_min:
                    past_closing.add(day)
        days = self.days.setdefault(key, {})
        for day, busy in busy_by_day.items():
            tally = days.get(day)
            if tally is None:
                tally = days[day] = _Day()
            tally.busy_min.extend(busy)
            # Kept as a few floats: hundreds of days' totals would otherwise each hold a
            # list of values until it reached the length that compacts it.
            tally.busy_min.compact()
            tally.waits += waits.get(day, ())
            tally.past_closing = tally.past_closing or day in past_closing

    def rows(self) -> list[tuple]:
        """One row per station that served anyone in the measured period, in facility order."""
        start, end = self.window
        rows = []
        for (facility, station), served in sorted(self.by_station.items()):
            plan = self.world.facilities[facility]
            servers = plan.servers(station)
            capacity = servers * open_minutes(plan.hours, start, end)
            days = self.days.get((facility, station), {})
            rows.append(
                (
                    plan.id,
                    station,
                    servers,
                    served.count,
                    served.queued_min.value / served.count,
                    served.busy_min.value / capacity if capacity else float("nan"),
                    peak_day_utilisation(plan.hours, servers, days, self.measured_days),
                    cleared_day_share(plan.hours, days),
                )
            )
        return rows


def peak_day_utilisation(
    hours: Hours, servers: int, days: dict[int, _Day], measured_days: range
) -> float:
    """The highest share of a measured day's open server minutes spent serving the patients who
    joined the queue that day, over the measured days the facility opened (a day open with
    nobody joining counts as 0); NaN if it opened on none."""
    peak = math.nan
    for day in measured_days:
        capacity_min = servers * open_minutes(hours, day * DAY_MIN, (day + 1) * DAY_MIN)
        if not capacity_min:
            continue  # closed that day
        tally = days.get(day)
        utilisation = tally.busy_min.value / capacity_min if tally is not None else 0.0
        peak = utilisation if math.isnan(peak) else max(peak, utilisation)
    return peak


def cleared_day_share(hours: Hours, days: dict[int, _Day]) -> float:
    """Of the measured days on which anyone joined the station's queue, the share on which it
    emptied before closing: nobody was still waiting at closing, or the queue had a moment
    empty in the last minutes before it (``emptied_before_closing``); NaN if there were none."""
    if not days:
        return math.nan
    cleared = [
        not tally.past_closing or emptied_before_closing(hours, day, tally.waits)
        for day, tally in days.items()
    ]
    return sum(cleared) / len(days)


def as_table(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=list(STATION_COLUMNS))
