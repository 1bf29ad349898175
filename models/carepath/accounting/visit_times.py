"""What a visit to one facility is like inside it: minutes on site, minutes queueing at each
kind of station, the consultation's wait and length.  The status quo the reforms meet
(EVIDENCE.md a: waits at hospital windows, time on site, primary care's waits and
consultations) is judged by these, visit by visit.

A visit is an outpatient arrival at a facility (``VisitRow`` kinds first, referral_up,
referral_down, followup, second_opinion, booked; not a come-back after closing, an admission, a
booked exam or the trip back with its result).  It lasts from the arrival until the patient
leaves: the first trip out of that facility after the arrival, or the moment a bed was needed
there (admitted at once, listed, turned away), or an admission there.  Its
stations are the services at that facility whose queue the patient joined while there; its
consultation is the first of them at a doctor (the later ones review results).

Folded from the measured episodes as they end (``tally.ArmTally``), in exact sums, so a run
folded a day at a time gives the same numbers as its full log.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Iterable

from ..observation.records import NOT_VISITS
from ..system.world import TIER_RANK, World
from .episodes import Episode
from .exact import ExactSum, Mean

# The Shanghai surveys' long visit: at least two hours at the hospital (EVIDENCE.md a).
LONG_VISIT_MIN = 120.0
# The windows whose waits the Ministry's standard speaks to (EVIDENCE.md a): at most 10 minutes.
WINDOWS = ("registration", "cashier", "pharmacy")
HOSPITAL_RANKS = (TIER_RANK["county"], TIER_RANK["city"])
DOCTOR_PREFIX = "doctor:"


class _Tier:
    """Sums over the measured visits to one tier's facilities."""

    __slots__ = (
        "visits",
        "long_visits",
        "on_site_min",
        "wait_min",
        "consult_wait_min",
        "consult_min",
        "window_wait_min",
    )

    def __init__(self) -> None:
        self.visits = 0
        self.long_visits = 0
        self.on_site_min = ExactSum()
        self.wait_min = ExactSum()  # every queue of the visit
        self.consult_wait_min = Mean()
        self.consult_min = Mean()
        self.window_wait_min = {window: Mean() for window in WINDOWS}


class VisitTimesTally:
    """Minutes on site and queueing per visit, by tier, over the measured episodes."""

    def __init__(self, world: World) -> None:
        self.rank = [f.rank for f in world.facilities]
        self.tiers = [_Tier() for _ in TIER_RANK]

    def add_ended(self, episodes: Iterable[Episode]) -> None:
        """Fold the visits of measured episodes that have ended (or are still in care at the
        end: a visit not yet left counts until the episode's last row)."""
        for episode in episodes:
            if episode.visits:
                self._add_episode(episode)

    def _add_episode(self, episode: Episode) -> None:
        leaving = _leaving_times(episode)
        stations = sorted(episode.stations, key=lambda row: row[3])  # by arrival at the queue
        arrivals = [row[3] for row in stations]
        for _, facility, kind, arrive_min in episode.visits:
            if kind in NOT_VISITS:
                continue
            left_min = _first_after(leaving.get(facility, ()), arrive_min)
            if math.isinf(left_min):  # still there when the run stopped
                left_min = max([arrive_min, *(row[5] for row in stations)])
            first, last = bisect_left(arrivals, arrive_min), bisect_left(arrivals, left_min)
            here = [row for row in stations[first:last] if row[1] == facility]
            self._add_visit(self.tiers[self.rank[facility]], left_min - arrive_min, here)

    @staticmethod
    def _add_visit(tier: _Tier, on_site_min: float, stations: list[tuple]) -> None:
        tier.visits += 1
        tier.long_visits += on_site_min >= LONG_VISIT_MIN
        tier.on_site_min.add(on_site_min)
        waits = [start - arrive for _, _, _, arrive, start, _ in stations]
        tier.wait_min.extend(waits)
        consulted = False
        for (_, _, station, _, start, end), wait in zip(stations, waits, strict=True):
            if not consulted and station.startswith(DOCTOR_PREFIX):
                consulted = True
                tier.consult_wait_min.add(wait)
                tier.consult_min.add(end - start)
            elif station in tier.window_wait_min:
                tier.window_wait_min[station].add(wait)

    def metrics(self) -> dict[str, float]:
        """The status-quo metrics (``inputs.metric_registry``): NaN where a tier has no visits
        (a scenario without a city hospital has no city waits)."""
        city, township = self.tiers[TIER_RANK["city"]], self.tiers[TIER_RANK["township"]]
        hospitals = [self.tiers[rank] for rank in HOSPITAL_RANKS]
        visits = sum(t.visits for t in hospitals)
        return {
            "city_consult_wait_min": city.consult_wait_min.value,
            **{f"city_{w}_wait_min": city.window_wait_min[w].value for w in WINDOWS},
            "city_long_visit_share": _ratio(city.long_visits, city.visits),
            "township_wait_min": _ratio(township.wait_min.value, township.visits),
            "township_consult_min": township.consult_min.value,
            "hospital_wait_min": _ratio(math.fsum(t.wait_min.value for t in hospitals), visits),
            "hospital_on_site_min": _ratio(
                math.fsum(t.on_site_min.value for t in hospitals), visits
            ),
        }


def _leaving_times(episode: Episode) -> dict[int, list[float]]:
    """When the patient left each facility's outpatient care, sorted: trips out of it,
    admissions there, and the moments a bed was needed there (an outpatient visit ends where the
    wait for a bed, or the stay on a ward, begins)."""
    leaving: dict[int, list[float]] = {}
    for _, origin, _, _, _, depart_min in episode.trips:
        leaving.setdefault(origin, []).append(depart_min)
    for _, facility, kind, arrive_min in episode.visits:
        if kind == "admission":
            leaving.setdefault(facility, []).append(arrive_min)
    for facility, listed_min in episode.listed:
        leaving.setdefault(facility, []).append(listed_min)
    for times in leaving.values():
        times.sort()
    return leaving


def _first_after(times: list[float] | tuple[()], moment: float) -> float:
    i = bisect_left(times, moment)
    return times[i] if i < len(times) else math.inf


def _ratio(total: float, count: int) -> float:
    return total / count if count else math.nan
