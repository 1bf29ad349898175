"""One patient's episode while it is in care, and what the measured episodes add up to.

An episode's rows are gathered from its onset until it ends (``end_min`` set on its
``EpisodeRow``), then folded once into the arm's totals and dropped: together with the other
episodes that ended since the last fold, their rows gathered into columns
(:class:`EndedEpisodes`) so that each total takes a column in one exact addition.  An episode
counts in the per-episode metrics if its onset falls in the measured period; it is followed to
its end, follow-ups included (DESIGN.md, Outputs).
"""

from __future__ import annotations

import math
from collections import Counter
from itertools import chain, compress, repeat
from operator import and_, attrgetter, contains, itemgetter, methodcaller, not_, or_, sub

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
        "listed",
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
        # (facility, listed_min) of each time a bed was needed: the outpatient visit ends there
        self.listed: list[tuple[int, float]] = []

    @property
    def patient(self) -> int:
        return self.row.patient

    @property
    def onset_min(self) -> float:
        return self.row.onset_min

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

    @property
    def forgone(self) -> bool:
        """Care not sought at all, or given up after leaving a queue."""
        return "forgone" in self.seeking or "gave_up" in self.seeking


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
        self.add_ended(EndedEpisodes([episode]))

    def add_ended(self, ended: EndedEpisodes) -> None:
        """Fold measured episodes that have ended (or are still in care at the end), a column
        of values at a time."""
        self.episodes += len(ended.episodes)
        self.finished += ended.finished
        self.cared += len(ended.cared_min)
        self.time_to_care_min.extend(ended.cared_min)
        self.diagnosed += len(ended.to_diagnosis_min)
        self.onset_to_diagnosis_min.extend(ended.to_diagnosis_min)
        self.seeking.update(ended.seeking)
        self.seeking["forgone_any"] += sum(ended.forgone)
        self.left_wait_min.extend(ended.left_waits)
        self.medical_yuan.extend(ended.fees_yuan)
        self.travel_min.extend(ended.travel_min)
        self.travel_yuan.extend(ended.travel_yuan)
        self.trips += ended.outward_trips
        self.station_wait_min.extend(ended.station_waits)
        self.outreach_wait_min.extend(ended.outreach_waits)
        self.cashier_wait_min.extend(ended.cashier_waits)
        self._add_visits(ended.visits)
        self.tests_performed += ended.performed
        self.tests_avoided.update(ended.avoided)
        # a person-time: one patient's visit to one facility with a result recognised
        self.person_times += ended.person_times
        self.credit_patients += len(ended.on_credit)
        self.credit_drawn_yuan.extend([fee for e in ended.on_credit for fee, _ in e.draws])
        self.waived_yuan.extend([fee_yuan for _, fee_yuan in ended.waived])

    def _add_visits(self, visits: list[tuple]) -> None:
        """Count visits (``VisitRow``) by facility and kind, then each kind of count once."""
        for (facility, kind), n in visits_by_place(visits).items():
            if kind == "return":
                self.return_visits += n
                continue
            if kind in NOT_VISITS:
                self.extra_trips += n if kind in EXTRA_TRIP_KINDS else 0
                continue
            rank = self.rank[facility]
            self.visits += n
            self.tier_visits[rank] += n
            self.primary_visits += n if rank in PRIMARY_RANKS else 0
            # in the county: at village, township or county facilities, not a city hospital
            self.in_county_visits += n if rank < TIER_RANK["city"] else 0
            self.referrals[kind] += n


def visits_by_place(visits: list[tuple]) -> Counter[tuple[int, str]]:
    """Visits (``VisitRow``) counted by facility and kind: many share them, so each count is
    added once."""
    return Counter(map(itemgetter(1, 2), visits))


class EndedEpisodes:
    """Measured episodes folded together (those that ended since the last fold), their rows
    gathered into columns.

    Each total then takes a whole column in one exact addition rather than a few values per
    episode, and what several totals read (whether care was forgone, the time to care, the
    fares) is worked out once.  Exact sums make the grouping change no bit.
    """

    def __init__(self, episodes: list[Episode]) -> None:
        self.episodes = episodes
        self._seeking(list(map(attrgetter("seeking"), episodes)))
        self._time_to_care(list(map(attrgetter("row.end_min"), episodes)))
        self.charges: list[tuple[int, str, float]] = []  # facility, item, fee_yuan
        self.trips: list[tuple] = []  # TripRow
        self.stations: list[tuple] = []  # StationRow
        self.visits: list[tuple] = []  # VisitRow
        self.outreach_waits: list[float] = []
        self.avoided: list[str] = []
        self.waived: list[tuple[int, float]] = []
        self.staff: list[tuple[str, float]] = []
        self._gather()
        self._columns()
        self.performed = sum(map(attrgetter("performed"), episodes))
        self.person_times = sum(map(len, map(attrgetter("accepted"), episodes)))
        self.on_credit = list(filter(attrgetter("draws"), episodes))  # drew on a credit line

    def _gather(self) -> None:
        """The episodes' rows of each kind, one after another."""
        charges, trips, stations, visits = self.charges, self.trips, self.stations, self.visits
        outreach_waits, avoided, waived, staff = (
            self.outreach_waits,
            self.avoided,
            self.waived,
            self.staff,
        )
        for episode in self.episodes:
            charges += episode.charges
            trips += episode.trips
            stations += episode.stations
            visits += episode.visits
            outreach_waits += episode.outreach_waits
            avoided += episode.avoided
            waived += episode.waived
            staff += episode.staff

    def _seeking(self, seeking: list[list[str]]) -> None:
        """Each episode's care seeking (``Episode.seeking``): care forgone, the illnesses that
        went without formal care at onset (as ``care_sought_share`` counts them) and delays;
        every event, and the minutes in queues left."""
        self.forgone = list(
            map(
                or_,
                map(contains, seeking, repeat("forgone")),
                map(contains, seeking, repeat("gave_up")),
            )
        )
        self.not_sought = list(map(methodcaller("count", "forgone"), seeking))
        self.delayed = list(map(methodcaller("count", "delayed"), seeking))
        self.seeking = list(chain.from_iterable(seeking))
        self.left_waits = _gathered(list(compress(self.episodes, seeking)), "left_waits")

    def _time_to_care(self, end_min: list[float | None]) -> None:
        """Which episodes were cared for (ended, and not forgone), each one's time to care
        (NaN while still in care), and the onset to diagnosis of those cared for."""
        episodes = self.episodes
        began = list(map(attrgetter("row.onset_min"), episodes))
        for i, episode in enumerate(episodes):
            if episode.began_min is not None:  # a case found before its onset: rare
                began[i] = episode.began
        in_care = end_min.count(None)
        self.finished = len(end_min) - in_care
        if in_care:  # only when the run is over
            self.time_to_care_min = [
                math.nan if end is None else end - start
                for end, start in zip(end_min, began, strict=True)
            ]
            ended = [end is not None for end in end_min]
            self.cared = list(map(and_, ended, map(not_, self.forgone)))
        else:
            self.time_to_care_min = list(map(sub, end_min, began))
            self.cared = list(map(not_, self.forgone))
        self.cared_min = list(compress(self.time_to_care_min, self.cared))
        diagnosed = compress(
            zip(map(attrgetter("diagnosed_min"), episodes), began, strict=True), self.cared
        )
        self.to_diagnosis_min = [end - start for end, start in diagnosed if end is not None]

    def _columns(self) -> None:
        """The values the totals take from the rows: fees, fares and minutes travelled,
        journeys to a facility (from home or from another), minutes queued at stations and at
        the cashier."""
        self.fees_yuan = [fee_yuan for _, _, fee_yuan in self.charges]
        trips = self.trips
        self.travel_min = [travel_min for _, _, _, travel_min, _, _ in trips]
        self.travel_yuan = [travel_yuan for _, _, _, _, travel_yuan, _ in trips]
        self.outward_trips = sum(destination != HOME for _, _, destination, _, _, _ in trips)
        self.station_waits = [start - arrive for _, _, _, arrive, start, _ in self.stations]
        self.cashier_waits = [
            start - arrive
            for _, _, station, arrive, start, _ in self.stations
            if station == "cashier"
        ]


def _gathered(episodes: list[Episode], rows: str) -> list:
    """The rows of one kind (an ``Episode`` list) of all the episodes, one after another."""
    return list(chain.from_iterable(map(attrgetter(rows), episodes)))
