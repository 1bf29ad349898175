"""A patient episode and the random numbers that belong to it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType

from ..inputs.schema import TEST_TYPES
from ..system.site import PRIORITY_NORMAL
from ..system.world import ConditionPlan, ZonePlan

# What each of a patient's uniform numbers decides, per facility visit (leg) of the episode.
# A step skipped by a reform leaves its number unused, so no other draw moves.
SLOTS: tuple[str, ...] = (
    "condition",
    "first_contact",
    "arrive_offset",
    "return_offset",
    "registration",
    "consultation",
    "review",
    "cashier_tests",
    "cashier_drugs",
    "pharmacy",
    "referral_up",
    "followup",
    "followup_down",
    "second_opinion",
    *(f"{step}:{test}" for test in TEST_TYPES for step in ("order", "exam", "turnaround")),
)
SLOT = {name: i for i, name in enumerate(SLOTS)}
_WIDTH = len(SLOTS)
# First contact, up to three referrals up (village to city), one follow-up, one second opinion.
MAX_LEGS = 6
FOLLOWUP_LEG, SECOND_OPINION_LEG = 4, 5
DRAWS_PER_PATIENT = MAX_LEGS * len(SLOTS)
# A patient without own streams' numbers: shared, never written to.
_NO_OWN: Mapping[str, Sequence[float]] = MappingProxyType({})
# Patient ids are zone index * PATIENT_ID_BASE + the zone's onset count: the same in every arm.
PATIENT_ID_BASE = 100_000_000


class Patient:
    """One episode of care: who, from where, with what, and since when."""

    __slots__ = (
        "id",
        "zone",
        "condition",
        "onset_min",
        "draws",
        "own",
        "location",
        "results",
        "priority",
        "now",
        "impatience",
        "times_left",
    )

    def __init__(
        self,
        patient_id: int,
        zone: ZonePlan,
        condition: ConditionPlan,
        onset_min: float,
        draws: Sequence[float],
        own: Mapping[str, Sequence[float]] | None = None,
    ) -> None:
        self.id = patient_id
        self.zone = zone
        self.condition = condition
        self.onset_min = onset_min
        self.draws = draws
        # Numbers of a mechanism's own patient stream, by stream name (see arrivals).
        self.own = _NO_OWN if own is None else own
        self.location: int | None = None  # a facility index, or None at home
        # Results the patient carries, for recognition: (test, facility whose result it is,
        # facility where the exam was done, time of the exam).
        self.results: list[tuple[str, int, int, float]] = []
        self.priority = PRIORITY_NORMAL  # in queues with a green channel (two-way referral)
        # The patient's own clock, ahead of the simulation's between meetings (see Journey).
        self.now = onset_min
        # Care seeking (behaviour.seeking): (people ahead tolerated, minutes of patience), or
        # None for a patient who never leaves a queue; and how often they have left one.
        self.impatience: tuple[int, float] | None = None
        self.times_left = 0

    def u(self, leg: int, slot: str) -> float:
        """The patient's uniform number for one purpose on one visit."""
        return self.draws[leg * _WIDTH + SLOT[slot]]
