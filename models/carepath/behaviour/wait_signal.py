"""The wait patients can know: each facility's mean queueing per visit over the last days.

Patients do not see queues before they set out; they know what neighbours said of last week.
So the signal is updated once a day, at the day's fold, from the arm's own records (station
queues and arrivals of the day), as the mean queueing minutes per arrival over the last
``days`` days; a facility nobody visited in that time keeps its last value, starting from the
scenario's ``start_wait_min`` of its tier.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence

from ..observation.records import BACKGROUND, NOT_VISITS


class WaitSignal:
    """Expected queueing minutes per visit, by facility index, as patients know them today."""

    def __init__(self, start_wait_min: Sequence[float], days: int) -> None:
        self.minutes = list(start_wait_min)
        self.version = 0  # bumped at each update, for choice caches
        self._days: deque[tuple[list[float], list[int]]] = deque(maxlen=days)

    def fold(self, stations: list[tuple], visits: list[tuple]) -> None:
        """One day's rows: ``StationRow`` and ``VisitRow`` tuples."""
        count = len(self.minutes)
        waited = [0.0] * count
        arrived = [0] * count
        # per visit of the area's own patients: those from beyond it make no visit here
        for patient, facility, _, arrive_min, start_min, _ in stations:
            if patient != BACKGROUND:
                waited[facility] += start_min - arrive_min
        for _, facility, kind, _ in visits:
            if kind not in NOT_VISITS:
                arrived[facility] += 1
        self._days.append((waited, arrived))
        for f in range(count):
            visits_f = sum(day[1][f] for day in self._days)
            if visits_f:
                self.minutes[f] = sum(day[0][f] for day in self._days) / visits_f
        self.version += 1
