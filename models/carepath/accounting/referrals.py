"""Referral load: who arrives at each tier referred (up or down), who bypasses primary care,
and how many visits stay inside the county (REFORMS.md 3: Suixi's in-county share).

Loads count arrivals in the measured period, whoever they are, as patients per week.  They are
folded from the rows as the run goes (``ReferralTally``); the in-county share is of the measured
episodes' visits (``episodes.EpisodeTotals``).
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import Counter, defaultdict

from ..inputs.schema import TIERS
from ..observation.records import NOT_VISITS
from ..system.hours import DAY_MIN
from ..system.world import TIER_RANK, World
from .episodes import Episode, EpisodeTotals, visits_by_place
from .exact import ExactSum
from .window import measured_window

WEEK_MIN = 7 * DAY_MIN
REFERRAL_KINDS = ("referral_up", "referral_down")


def weeks_of(world: World) -> int:
    return math.ceil(world.scenario.simulation.horizon_days / 7)


class _FacilityWeek:
    __slots__ = ("referred_up", "referred_down", "self_referred", "queued", "queued_min")

    def __init__(self) -> None:
        self.referred_up = self.referred_down = self.self_referred = self.queued = 0
        self.queued_min = ExactSum()


class ReferralTally:
    """Arrivals and queueing in the measured period by tier, facility and week, and the queueing
    of referred patients on the visit they were referred to."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.window = measured_window(world)
        self.weeks = weeks_of(world)
        self.rank = [f.rank for f in world.facilities]
        self.arrivals: Counter[tuple[str, int]] = Counter()  # (kind, rank)
        self.weekly: Counter[tuple[int, int]] = Counter()  # referred arrivals: (rank, week)
        self.facility_weeks: dict[tuple[int, int], _FacilityWeek] = {}
        self.received = 0  # referrals up arriving at a county or city hospital
        self.received_queued_min = ExactSum()

    def _week(self, time_min: float) -> int | None:
        """The measured week (from 0) of a time, None outside the measured period."""
        start, end = self.window
        if not start <= time_min < end:
            return None
        return min(int((time_min - start) // WEEK_MIN), self.weeks - 1)

    def _facility_week(self, facility: int, week: int) -> _FacilityWeek:
        key = (facility, week)
        tally = self.facility_weeks.get(key)
        if tally is None:
            tally = self.facility_weeks[key] = _FacilityWeek()
        return tally

    def _shared_week(self, times: list[float]) -> int | None:
        """The measured week of every one of ``times`` if they share one (a day's rows nearly
        always do); None if not, or if some fall outside the measured period.  The week never
        decreases as time goes on (the floor of the minutes since the start over a week's), so
        when the earliest and the latest share it, all do."""
        if not times:
            return None
        week = self._week(min(times))
        return week if week is not None and week == self._week(max(times)) else None

    def fold_visits(self, rows: list[tuple]) -> None:
        """Arrivals in the measured period by kind, tier, facility and week (``VisitRow``s),
        counted by facility, kind and week before they are added."""
        shared = self._shared_week([arrive_min for _, _, _, arrive_min in rows])
        counts: Counter[tuple[int, str, int | None]]
        if shared is not None:  # no week to work out row by row
            counts = Counter(
                {
                    (facility, kind, shared): n
                    for (facility, kind), n in visits_by_place(rows).items()
                }
            )
        else:
            counts = Counter(
                (facility, kind, self._week(arrive_min)) for _, facility, kind, arrive_min in rows
            )
        county = TIER_RANK["county"]
        for (facility, kind, week), n in counts.items():
            if week is None:
                continue
            rank = self.rank[facility]
            self.arrivals[(kind, rank)] += n
            if kind in REFERRAL_KINDS:
                self.weekly[(rank, week)] += n
            tally = self._facility_week(facility, week)
            tally.referred_up += n if kind == "referral_up" else 0
            tally.referred_down += n if kind == "referral_down" else 0
            tally.self_referred += n if kind == "first" and rank >= county else 0

    def outpatient_arrivals(self) -> int:
        """Arrivals in the measured period that were outpatient visits (``NOT_VISITS`` left
        out)."""
        return sum(n for (kind, _), n in self.arrivals.items() if kind not in NOT_VISITS)

    def fold_stations(self, rows: list[tuple]) -> None:
        """Queueing at each facility by measured week of arrival, from station rows
        (``StationRow``; a day's)."""
        shared = self._shared_week([arrive_min for _, _, _, arrive_min, _, _ in rows])
        by_key: dict[tuple[int, int], list[float]] = defaultdict(list)
        if shared is not None:  # no week to work out row by row
            by_facility: dict[int, list[float]] = defaultdict(list)
            for _, facility, _, arrive_min, start_min, _ in rows:
                by_facility[facility].append(start_min - arrive_min)
            by_key.update(((facility, shared), q) for facility, q in by_facility.items())
        else:
            start, end = self.window
            last = self.weeks - 1
            for _, facility, _, arrive_min, start_min, _ in rows:
                if start <= arrive_min < end:
                    week = min(int((arrive_min - start) // WEEK_MIN), last)  # _week, inlined
                    by_key[facility, week].append(start_min - arrive_min)
        for (facility, week), queued_min in by_key.items():
            tally = self._facility_week(facility, week)
            tally.queued += len(queued_min)
            tally.queued_min.extend(queued_min)

    def close(self, episodes: list[Episode]) -> None:
        """Queueing on each referral up the episodes made to a county or city hospital in the
        measured period: at the stations until the patient leaves or is sent home by closing
        time (each station visit belongs to the patient's latest arrival at a facility)."""
        start, end = self.window
        rank, county = self.rank, TIER_RANK["county"]
        for episode in episodes:
            arrivals = []  # a loop, not a comprehension: most episodes have a visit or two
            for _, facility, kind, arrive_min in episode.visits:
                if kind == "referral_up" and start <= arrive_min < end and rank[facility] >= county:
                    arrivals.append(arrive_min)
            if arrivals:
                self._received(episode, arrivals)

    def _received(self, episode: Episode, arrivals: list[float]) -> None:
        """Queueing on the referrals up received (``arrivals``, their arrival minutes)."""
        self.received += len(arrivals)
        received = set(arrivals)
        times = sorted(arrive_min for _, _, _, arrive_min in episode.visits)
        for _, _, _, arrive_min, start_min, _ in episode.stations:
            latest = bisect_right(times, arrive_min) - 1
            if latest >= 0 and times[latest] in received:
                self.received_queued_min.add(start_min - arrive_min)

    def metrics(self, totals: EpisodeTotals) -> dict[str, float]:
        """The loads, per week of the measured period, and the measured episodes' in-county
        share."""
        start, end = self.window
        weeks = (end - start) / WEEK_MIN

        def per_week(kinds: tuple[str, ...], tier: str) -> float:
            rank = TIER_RANK[tier]
            return float(sum(self.arrivals[(kind, rank)] for kind in kinds)) / weeks

        up, down = ("referral_up",), ("referral_down",)
        values = {
            "referral_load_township": per_week(REFERRAL_KINDS, "township"),
            "referral_load_county": per_week(REFERRAL_KINDS, "county"),
            "referral_load_city": per_week(REFERRAL_KINDS, "city"),
            "referral_up_load_county": per_week(up, "county"),
            "referral_up_load_city": per_week(up, "city"),
            "referral_down_load_township": per_week(down, "township"),
            "self_referrals_county": per_week(("first",), "county"),
            "self_referrals_city": per_week(("first",), "city"),
            "referred_wait_min": self.received_queued_min.value / self.received
            if self.received
            else 0.0,
            # Visits inside the county: at village, township or county facilities.
            "in_county_share": totals.in_county_visits / totals.visits if totals.visits else 0.0,
        }
        for tier in TIERS:
            for w in range(self.weeks):
                days = (min(end, start + (w + 1) * WEEK_MIN) - (start + w * WEEK_MIN)) / DAY_MIN
                load = float(self.weekly[(TIER_RANK[tier], w)]) * 7 / days
                values[f"referral_load_{tier}_week{w + 1:02d}"] = load
        return values

    def facility_week_rows(self) -> list[tuple]:
        """Per facility and measured week: referred arrivals (up, down), first visits straight
        to a county or city hospital, mean minutes queued at its stations, and the time-average
        number queueing (queued minutes over the week's minutes).  Facilities with no arrival
        and no queue that week are left out."""
        start, end = self.window
        rows = []
        for (facility, week), tally in sorted(self.facility_weeks.items()):
            week_min = min(end, start + (week + 1) * WEEK_MIN) - (start + week * WEEK_MIN)
            plan = self.world.facilities[facility]
            queued_min = tally.queued_min.value
            rows.append(
                (
                    plan.id,
                    plan.tier,
                    week + 1,
                    tally.referred_up,
                    tally.referred_down,
                    tally.self_referred,
                    queued_min / tally.queued if tally.queued else 0.0,
                    queued_min / week_min,
                )
            )
        return rows
