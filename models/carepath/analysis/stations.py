"""Per-station results of one replication of one arm: visits, mean wait and utilisation.

Utilisation is the share of the servers' open minutes in the measured period spent serving
(services that start in the period, counted in full); a service finished after closing can push
it slightly above what the open hours alone would allow.
"""

from __future__ import annotations

import pandas as pd

from ..observation.records import Records
from ..system.hours import DAY_MIN, Hours
from ..system.world import World
from .metrics import measured_window

STATION_COLUMNS = ("facility", "station", "servers", "visits", "wait_min", "utilisation")


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


def station_rows(records: Records, world: World) -> list[tuple]:
    """One row per station that served anyone in the measured period, in facility order."""
    start, end = measured_window(world)
    stations = records.table("stations")
    stations = stations[(stations.start_min >= start) & (stations.start_min < end)]
    rows = []
    for (facility, station), block in stations.groupby(["facility", "station"], sort=True):
        plan = world.facilities[facility]
        servers = plan.servers(station)
        busy = float((block.end_min - block.start_min).sum())
        capacity = servers * open_minutes(plan.hours, start, end)
        rows.append(
            (
                plan.id,
                station,
                servers,
                len(block),
                float((block.start_min - block.arrive_min).mean()),
                busy / capacity if capacity else float("nan"),
            )
        )
    return rows


def as_table(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=list(STATION_COLUMNS))
