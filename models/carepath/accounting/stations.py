"""Per-station results of one replication of one arm: visits, mean wait and utilisation.

Utilisation is the share of the servers' open minutes in the measured period spent serving
(services that start in the period, counted in full); a service finished after closing can push
it slightly above what the open hours alone would allow.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

import pandas as pd

from ..observation.results_folder import STATION_COLUMNS
from ..system.hours import DAY_MIN, Hours
from ..system.world import World
from .exact import ExactSum
from .window import measured_window


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


class _Served:
    __slots__ = ("count", "queued_min", "busy_min")

    def __init__(self) -> None:
        self.count = 0
        self.queued_min = ExactSum()
        self.busy_min = ExactSum()


class StationTally:
    """Per station, the services that started in the measured period: how many, minutes
    queued and minutes serving, folded row by row (``Records.stations``)."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.window = measured_window(world)
        self.by_station: dict[tuple[int, str], _Served] = {}

    def fold(self, rows: Iterable[tuple]) -> None:
        """Fold station rows (``StationRow``; a day's), station by station: the services that
        started in the measured period."""
        start, stop = self.window
        by_key: dict[tuple[int, str], tuple[list[float], list[float]]] = defaultdict(
            lambda: ([], [])
        )
        for _, facility, station, arrive_min, start_min, end_min in rows:
            if start <= start_min < stop:
                queued, busy = by_key[facility, station]
                queued.append(start_min - arrive_min)
                busy.append(end_min - start_min)
        for key, (queued, busy) in by_key.items():
            served = self.by_station.get(key)
            if served is None:
                served = self.by_station[key] = _Served()
            served.count += len(queued)
            served.queued_min.extend(queued)
            served.busy_min.extend(busy)

    def rows(self) -> list[tuple]:
        """One row per station that served anyone in the measured period, in facility order."""
        start, end = self.window
        rows = []
        for (facility, station), served in sorted(self.by_station.items()):
            plan = self.world.facilities[facility]
            servers = plan.servers(station)
            capacity = servers * open_minutes(plan.hours, start, end)
            rows.append(
                (
                    plan.id,
                    station,
                    servers,
                    served.count,
                    served.queued_min.value / served.count,
                    served.busy_min.value / capacity if capacity else float("nan"),
                )
            )
        return rows


def as_table(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=list(STATION_COLUMNS))
