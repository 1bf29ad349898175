"""Queue statistics of each station, read from the ``stations`` records of one run.

Customers are those who arrived at the station in the measured window.  The time-average
number waiting is integrated over the window from everyone's arrive and start times, whoever
they are, so that Little's law (time-average number waiting = arrival rate x mean wait) is a
check on the records rather than true by construction: the two differ by the waiting of those
who straddle the window's edges, which averages out in the long run.
"""

from __future__ import annotations

import numpy as np

from ..observation.records import Records

QUANTITIES = (
    "arrival_per_min",
    "wait_min",
    "p_wait",
    "sojourn_min",
    "queue_length",
    "little_gap",
)


def station_queues(records: Records, start: float, end: float) -> dict[str, dict[str, float]]:
    """Per station name (over all facilities): the ``QUANTITIES`` over ``[start, end)``."""
    table = records.table("stations")
    span = end - start
    out = {}
    for station, rows in table.groupby("station", sort=True):
        arrive = rows.arrive_min.to_numpy()
        begin = rows.start_min.to_numpy()
        inside = (arrive >= start) & (arrive < end)
        waits = begin[inside] - arrive[inside]
        # Minutes of waiting that fall inside the window, summed over everyone who waited.
        overlap = np.clip(np.minimum(begin, end) - np.maximum(arrive, start), 0.0, None).sum()
        rate = inside.sum() / span
        mean_wait = float(waits.mean()) if len(waits) else 0.0
        queue = float(overlap) / span
        out[str(station)] = {
            "arrival_per_min": float(rate),
            "wait_min": mean_wait,
            "p_wait": float((waits > 0).mean()) if len(waits) else 0.0,
            "sojourn_min": float((rows.end_min.to_numpy()[inside] - arrive[inside]).mean())
            if len(waits)
            else 0.0,
            "queue_length": queue,
            "little_gap": queue - float(rate) * mean_wait,
        }
    return out
