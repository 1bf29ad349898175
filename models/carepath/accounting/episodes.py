"""One patient's episode while it is in care, and what the measured episodes add up to.

An episode's rows are gathered from its onset until it ends (``end_min`` set on its row in
``Records.episodes``), then folded once into the arm's totals and dropped.  An episode counts in
the per-episode metrics if its onset falls in the measured period; it is followed to its end,
follow-ups included (DESIGN.md, Outputs).
"""

from __future__ import annotations

import math
from collections import Counter

from ..inputs.schema import TEST_TYPES
from ..system.world import PRIMARY_RANKS, TIER_RANK, World
from .exact import ExactSum
from .window import measured_window

# Services with a queue: waiting there counts in ``wait_min`` like a station's queue.
QUEUED_SERVICES = ("free_clinic", "visiting_expert")


class Episode:
    """The rows of one patient's episode, gathered while it is in care."""

    __slots__ = (
        "row",
        "stations",
        "outreach_waits",
        "fees",
        "trips",
        "visits",
        "performed",
        "avoided",
        "accepted",
        "draws",
        "account",
        "waived",
        "reached",
    )

    def __init__(self, row: list) -> None:
        self.row = row  # in Records.episodes: patient, zone, condition, onset_min, end_min
        self.stations: list[tuple[float, float, str]] = []  # arrive_min, minutes queued, station
        self.outreach_waits: list[float] = []  # at free clinics and visiting experts
        self.fees: list[float] = []
        self.trips: list[tuple[float, float, bool]] = []  # travel_min, travel_yuan, outward
        self.visits: list[tuple[float, int, str]] = []  # arrive_min, facility, kind
        self.performed = 0
        self.avoided: list[str] = []  # tests skipped by recognition
        self.accepted: set[int] = set()  # facilities that recognised a result
        self.draws: list[tuple[float, float]] = []  # credit: fee_yuan, time_min
        self.account: tuple[float, bool] | None = None  # credit: repay_days, defaults
        self.waived: list[float] = []
        self.reached = False  # seen (or waited for) by an outreach team

    @property
    def patient(self) -> int:
        return self.row[0]

    @property
    def onset_min(self) -> float:
        return self.row[3]

    @property
    def time_to_care_min(self) -> float:
        """Minutes from onset to the end of the last step; NaN while still in care."""
        end = self.row[4]
        return math.nan if end is None else end - self.onset_min

    def waits(self) -> list[float]:
        """Every queue the patient waited in: stations, free clinics, visiting experts."""
        return [wait for _, wait, _ in self.stations] + self.outreach_waits

    def cashier_waits(self) -> list[float]:
        return [wait for _, wait, station in self.stations if station == "cashier"]


class EpisodeTotals:
    """Sums over the measured episodes of one arm (``analysis.metrics`` reads them)."""

    def __init__(self, world: World) -> None:
        self.window = measured_window(world)
        self.rank = [f.rank for f in world.facilities]
        self.episodes = 0
        self.finished = 0
        self.time_to_care_min = ExactSum()
        self.medical_yuan = ExactSum()
        self.travel_yuan = ExactSum()
        self.travel_min = ExactSum()
        self.trips = 0
        self.station_wait_min = ExactSum()
        self.outreach_wait_min = ExactSum()
        self.cashier_wait_min = ExactSum()
        self.visits = 0  # arrivals, returns after closing not counted again
        self.primary_visits = 0
        self.in_county_visits = 0
        self.return_visits = 0
        self.referrals = Counter()
        self.tests_performed = 0
        self.tests_avoided = Counter({test: 0 for test in TEST_TYPES})
        self.person_times = 0
        self.credit_patients = 0
        self.credit_drawn_yuan = ExactSum()
        self.waived_yuan = ExactSum()

    def measures(self, episode: Episode) -> bool:
        start, end = self.window
        return start <= episode.onset_min < end

    def add(self, episode: Episode) -> None:
        """Fold one measured episode that has ended (or is still in care at the end)."""
        self.episodes += 1
        if episode.row[4] is not None:
            self.finished += 1
            self.time_to_care_min.add(episode.time_to_care_min)
        self.medical_yuan.extend(episode.fees)
        for travel_min, travel_yuan, outward in episode.trips:
            self.travel_min.add(travel_min)
            self.travel_yuan.add(travel_yuan)
            self.trips += outward
        self.station_wait_min.extend(wait for _, wait, _ in episode.stations)
        self.outreach_wait_min.extend(episode.outreach_waits)
        self.cashier_wait_min.extend(episode.cashier_waits())
        for _, facility, kind in episode.visits:
            if kind == "return":
                self.return_visits += 1
                continue
            self.visits += 1
            self.primary_visits += self.rank[facility] in PRIMARY_RANKS
            # in the county: at village, township or county facilities, not a city hospital
            self.in_county_visits += self.rank[facility] < TIER_RANK["city"]
            self.referrals[kind] += 1
        self.tests_performed += episode.performed
        self.tests_avoided.update(episode.avoided)
        # a person-time: one patient's visit to one facility with a result recognised
        self.person_times += len(episode.accepted)
        self.credit_patients += bool(episode.draws)
        self.credit_drawn_yuan.extend(fee for fee, _ in episode.draws)
        self.waived_yuan.extend(episode.waived)
