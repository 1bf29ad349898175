"""One patient's episode while it is in care, and what the measured episodes add up to.

An episode's rows are gathered from its onset until it ends (``end_min`` set on its
``EpisodeRow``), then folded once into the arm's totals and dropped.  An episode counts in
the per-episode metrics if its onset falls in the measured period; it is followed to its end,
follow-ups included (DESIGN.md, Outputs).
"""

from __future__ import annotations

import math
from collections import Counter

from ..inputs.schema import TEST_TYPES
from ..observation.records import EXTRA_TRIP_KINDS, HOME, NOT_VISITS, EpisodeRow
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
        "outreach_min",
        "charges",
        "trips",
        "visits",
        "performed",
        "avoided",
        "accepted",
        "draws",
        "account",
        "waived",
        "staff",
        "reached",
        "seeking",
        "left_waits",
        "began_min",
        "diagnosed_min",
        "_station_waits",
    )

    def __init__(self, row: EpisodeRow) -> None:
        self.row = row
        self.stations: list[tuple] = []  # StationRow
        self.outreach_waits: list[float] = []  # at free clinics and visiting experts
        self.outreach_min: list[float] = []  # with an outreach team, from arrival to the end
        self.charges: list[tuple[int, str, float]] = []  # facility, item, fee_yuan
        self.trips: list[tuple] = []  # TripRow
        self.visits: list[tuple] = []  # VisitRow
        self.performed = 0
        self.avoided: list[str] = []  # tests skipped by recognition
        self.accepted: set[int] = set()  # facilities that recognised a result
        self.draws: list[tuple[float, float]] = []  # credit: fee_yuan, time_min
        self.account: tuple[float, bool] | None = None  # credit: repay_days, defaults
        self.waived: list[tuple[int, float]] = []  # facility, fee_yuan
        self.staff: list[tuple[str, float]] = []  # outreach role and staff-days for this episode
        self.reached = False  # seen (or waited for) by an outreach team
        self.seeking: list[str] = []  # care-seeking events (SeekingRow.event), in order
        self.left_waits: list[float] = []  # minutes in queues the patient left
        # when a free clinic's check found an unnoticed case, before its onset (None if not)
        self.began_min: float | None = None
        # the end of the last first or referred visit's diagnosis (DiagnosisRow), if any
        self.diagnosed_min: float | None = None
        self._station_waits: list[float] | None = None  # once the episode has ended

    @property
    def patient(self) -> int:
        return self.row.patient

    @property
    def onset_min(self) -> float:
        return self.row.onset_min

    @property
    def fees(self) -> list[float]:
        """Every fee charged to the patient, in the order charged."""
        return [fee_yuan for _, _, fee_yuan in self.charges]

    @property
    def ended(self) -> bool:
        return self.row.end_min is not None

    @property
    def began(self) -> float:
        """The onset, or the check that found an unnoticed case before it."""
        return self.onset_min if self.began_min is None else min(self.began_min, self.onset_min)

    @property
    def time_to_care_min(self) -> float:
        """Minutes from onset (or from the check that found an unnoticed case before it) to the
        end of the last step; NaN while still in care."""
        end = self.row.end_min
        return math.nan if end is None else end - self.began

    def station_waits(self) -> list[float]:
        """Minutes queued at each station, in the order of ``stations`` (worked out once the
        episode has ended: the totals and the paired comparison both read them)."""
        if self._station_waits is None:
            self._station_waits = [
                start_min - arrive_min for _, _, _, arrive_min, start_min, _ in self.stations
            ]
        return self._station_waits

    @property
    def forgone(self) -> bool:
        """Care not sought at all, or given up after leaving a queue."""
        return "forgone" in self.seeking or "gave_up" in self.seeking

    def waits(self) -> list[float]:
        """Every queue the patient waited in: stations (those left included), free clinics,
        visiting experts."""
        return self.station_waits() + self.outreach_waits + self.left_waits

    def cashier_waits(self) -> list[float]:
        return [
            wait
            for (_, _, station, _, _, _), wait in zip(
                self.stations, self.station_waits(), strict=True
            )
            if station == "cashier"
        ]

    def outward_trips(self) -> int:
        """Journeys to a facility (from home or from another facility)."""
        return sum(destination != HOME for _, _, destination, _, _, _ in self.trips)


class EpisodeTotals:
    """Sums over the measured episodes of one arm (``accounting.metrics`` reads them)."""

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
        self.referrals: Counter[str] = Counter()
        self.tests_performed = 0
        self.tests_avoided: Counter[str] = Counter({test: 0 for test in TEST_TYPES})
        self.person_times = 0
        self.credit_patients = 0
        self.credit_drawn_yuan = ExactSum()
        self.waived_yuan = ExactSum()
        self.cared = 0  # ended, and not forgone: the episodes time to care is the mean of
        self.left_wait_min = ExactSum()
        self.seeking: Counter[str] = Counter()  # illnesses with each care-seeking event
        self.tier_visits = [0] * len(TIER_RANK)
        self.extra_trips = 0  # to booked exams and back to the doctor with their results
        self.onset_to_diagnosis_min = ExactSum()
        self.diagnosed = 0

    def measures(self, episode: Episode) -> bool:
        start, end = self.window
        return start <= episode.onset_min < end

    def add(self, episode: Episode) -> None:
        """Fold one measured episode that has ended (or is still in care at the end)."""
        self.episodes += 1
        forgone = episode.forgone
        if episode.ended:
            self.finished += 1
            if not forgone:
                self.cared += 1
                self.time_to_care_min.add(episode.time_to_care_min)
                if episode.diagnosed_min is not None:
                    self.diagnosed += 1
                    self.onset_to_diagnosis_min.add(episode.diagnosed_min - episode.began)
        if episode.seeking:
            self.seeking.update(episode.seeking)
            self.seeking["forgone_any"] += forgone
            self.left_wait_min.extend(episode.left_waits)
        self.medical_yuan.extend(episode.fees)
        self.travel_min.extend([travel_min for _, _, _, travel_min, _, _ in episode.trips])
        self.travel_yuan.extend([travel_yuan for _, _, _, _, travel_yuan, _ in episode.trips])
        self.trips += episode.outward_trips()
        self.station_wait_min.extend(episode.station_waits())
        self.outreach_wait_min.extend(episode.outreach_waits)
        self.cashier_wait_min.extend(episode.cashier_waits())
        for _, facility, kind, _ in episode.visits:
            if kind == "return":
                self.return_visits += 1
                continue
            if kind in NOT_VISITS:
                self.extra_trips += kind in EXTRA_TRIP_KINDS
                continue
            rank = self.rank[facility]
            self.visits += 1
            self.tier_visits[rank] += 1
            self.primary_visits += rank in PRIMARY_RANKS
            # in the county: at village, township or county facilities, not a city hospital
            self.in_county_visits += rank < TIER_RANK["city"]
            self.referrals[kind] += 1
        self.tests_performed += episode.performed
        self.tests_avoided.update(episode.avoided)
        # a person-time: one patient's visit to one facility with a result recognised
        self.person_times += len(episode.accepted)
        self.credit_patients += bool(episode.draws)
        self.credit_drawn_yuan.extend(fee for fee, _ in episode.draws)
        self.waived_yuan.extend(fee_yuan for _, fee_yuan in episode.waived)
