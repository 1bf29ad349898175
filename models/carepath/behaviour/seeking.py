"""An ill resident's own decisions: seek care now, later or never; where to go first; how long
to queue before leaving (``inputs.care_seeking``).

Every illness draws its numbers from its own stream (``patients:care_seeking``) in every arm,
so the same illness is as severe, as short of cash and as patient in each; what differs
between arms is what it finds (prices, credit, the waits the arm's own records show).  Urgent
conditions always seek care at once and never leave a queue.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from itertools import accumulate

import numpy as np

from ..inputs.reform_registry import PatientDraws
from ..observation.records import NO_FACILITY, Records
from ..system.durations import sampler
from ..system.hours import DAY_MIN
from ..system.world import World
from .arrivals import pick
from .choice import ChoiceModel, DayChoices
from .patient import Patient
from .wait_signal import WaitSignal

# Leaving a queue and coming back: at most this many times, then the illness goes without care.
MAX_COMEBACKS = 3
DRAWS = PatientDraws(
    "care_seeking",
    (
        "seek",
        "delay",
        "delay_days",
        "cash",
        "tolerance",
        "patience",
        *(f"come_back_{n}" for n in range(1, MAX_COMEBACKS + 1)),
    ),
)
Options = tuple[tuple[float, ...], tuple[int, ...], float]
# Where the numbers read at every illness sit in its care-seeking numbers (read directly: these
# are read for every patient, and the lookup by name costs more than the rest of the reading).
_SEEK, _DELAY, _DELAY_DAYS, _CASH = (
    DRAWS.index(purpose) for purpose in ("seek", "delay", "delay_days", "cash")
)


def illness_cumulative(world: World) -> tuple[float, ...] | None:
    """The cumulative condition shares of illnesses when not every illness consults (see
    ``ChoiceModel.illness_shares``), or None: onsets then draw the file's shares."""
    care = world.scenario.care_seeking
    if care.seek is None:
        return None
    shares = ChoiceModel.of(world).illness_shares()
    edges = list(accumulate(float(x) for x in shares))
    edges[-1] = 1.0  # so that a uniform just below 1 always lands somewhere
    return tuple(edges)


def patient_streams(world: World) -> dict[str, int]:
    """The care-seeking stream, drawn only when the scenario has patients who choose."""
    return {} if world.scenario.care_seeking.neutral else {DRAWS.stream: DRAWS.width}


class Seeking:
    """Care-seeking decisions of one arm of one replication."""

    def __init__(
        self,
        world: World,
        records: Records,
        credit_offered: Callable[[Patient], frozenset[int]],
    ) -> None:
        care = world.scenario.care_seeking
        self.records = records
        self.credit_offered = credit_offered
        self.model = None if care.choice is None else ChoiceModel.of(world)
        self.signal: WaitSignal | None = None
        if self.model is not None:
            self.signal = WaitSignal(self.model.start_wait_min, care.choice.signal_days)  # type: ignore[union-attr]
        self.seek = care.seek
        self.cash = care.cash
        self.patience = care.patience
        self.patience_min = None if care.patience is None else sampler(care.patience.patience_min)
        # (zone, condition, credit: None for a patient not short of cash, else the facilities
        # their credit line pays) -> (cumulative probabilities, facilities, chance of seeking
        # care at once), for the waits patients know today
        self._cache: dict[tuple[int, int, frozenset[int] | None], Options] = {}
        self._today: DayChoices | None = None  # every zone's choices at today's waits
        self._version = -1
        self._constrained_share = 0.0 if self.model is None else self.model.constrained_share

    # -- where -------------------------------------------------------------------------------

    def options(self, patient: Patient) -> Options:
        """(cumulative choice probabilities, facilities, chance of seeking care at once) for
        the patient today."""
        signal = self.signal
        assert signal is not None
        if signal.version != self._version:
            self._cache.clear()
            self._today = None
            self._version = signal.version
        zone, condition = patient.zone.index, patient.condition.index
        credit = None
        if patient.own[DRAWS.stream][_CASH] < self._constrained_share:
            credit = self.credit_offered(patient)
        key = (zone, condition, credit)
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = self._options(*key)
        return found

    def _options(self, zone: int, condition: int, credit: frozenset[int] | None) -> Options:
        """Options of a choice set: everywhere (``credit`` None), else where the patient can
        prepay or their credit line pays."""
        model, signal = self.model, self.signal
        assert model is not None and signal is not None
        facilities = model.options[zone].facilities
        if not credit:  # full choice, or short of cash without credit: as every zone today
            if self._today is None:
                self._today = model.day_choices(signal.minutes)
            probs, logsum = self._today.of(zone, condition, short=credit is not None)
        else:
            utilities = model.utilities(zone, condition, signal.minutes)
            probs, logsum = model.logit(utilities, self._allowed(zone, condition, credit))
        kept = [(p, f) for p, f in zip(probs.tolist(), facilities, strict=True) if p > 0]
        edges = tuple(accumulate(p for p, _ in kept))
        if edges:
            edges = (*edges[:-1], 1.0)
        return edges, tuple(f for _, f in kept), model.seek_now(condition, logsum)

    def _allowed(self, zone: int, condition: int, credit: frozenset[int]) -> np.ndarray:
        """Where a patient short of cash can go: the facilities they can prepay, and those
        their credit line pays."""
        model = self.model
        assert model is not None
        offered = np.array([f in credit for f in model.options[zone].facilities])
        return model.affordable(zone, condition) | offered

    def first_facility(self, patient: Patient) -> int:
        """The facility the patient chooses, with the patient's first-contact number."""
        edges, facilities, _ = self.options(patient)
        return facilities[pick(edges, patient.u(0, "first_contact"))]

    def short_of(self, patient: Patient, yuan: float) -> bool:
        """Whether the patient is short of cash and cannot pay ``yuan`` at once (a deposit)."""
        cash = self.cash
        return (
            cash is not None
            and DRAWS.draw(patient, "cash") < cash.constrained_share
            and cash.cash_yuan < yuan
        )

    # -- whether and when --------------------------------------------------------------------

    def sought_at(self, patient: Patient) -> float | None:
        """The minute the illness would seek formal care (its onset, or later if delayed), or
        None if it would go without (recorded by ``note``, once what happens is known)."""
        if self.model is None:
            return patient.onset_min
        _, facilities, seek_now = self.options(patient)
        if not facilities:  # nowhere the patient can pay for
            return None
        numbers = patient.own[DRAWS.stream]
        if numbers[_SEEK] < seek_now:
            return patient.onset_min
        seek = self.seek
        assert seek is not None  # seek_now is 1 without a seek block
        if numbers[_DELAY] >= seek.delay_share:
            return None
        low, high = seek.delay_days.low, seek.delay_days.high
        days = low + math.floor(numbers[_DELAY_DAYS] * (high - low + 1))
        # at the hour of day the illness began: delays do not crowd the morning
        return patient.onset_min + days * DAY_MIN

    def note(self, patient: Patient, sought: float | None) -> None:
        """Record care forgone (``sought`` None) or delayed (after onset), at onset."""
        if sought is None:
            self._record(patient, "forgone", patient.onset_min)
        elif sought > patient.onset_min:
            self._record(patient, "delayed", patient.onset_min)

    # -- how long in a queue -----------------------------------------------------------------

    def impatience(self, patient: Patient) -> tuple[int, float] | None:
        """(people waiting ahead the patient will join behind, minutes they will wait), or None
        for a patient who never leaves a queue."""
        patience = self.patience
        if patience is None or patient.condition.urgent:
            return None
        assert self.patience_min is not None
        low, high = patience.tolerance_people.low, patience.tolerance_people.high
        tolerance = low + math.floor(DRAWS.draw(patient, "tolerance") * (high - low + 1))
        return min(tolerance, high), self.patience_min(DRAWS.draw(patient, "patience"))

    def comes_back(self, patient: Patient, times_left: int) -> bool:
        """Whether a patient who has left a queue ``times_left`` times comes back another day."""
        assert self.patience is not None
        if times_left > MAX_COMEBACKS:
            return False
        return DRAWS.draw(patient, f"come_back_{times_left}") < self.patience.return_share

    def left(
        self, patient: Patient, facility: int, event: str, time_min: float, wait_min: float
    ) -> None:
        """Record a patient leaving a queue (``balked`` or ``reneged``, as ``Left.kind``)."""
        self.records.seeking.append((patient.id, facility, event, time_min, wait_min))

    def gave_up(self, patient: Patient, time_min: float) -> None:
        self._record(patient, "gave_up", time_min)

    def _record(self, patient: Patient, event: str, time_min: float) -> None:
        self.records.seeking.append((patient.id, NO_FACILITY, event, time_min, 0.0))
