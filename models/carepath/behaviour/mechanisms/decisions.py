"""The reforms of one arm, and the journey's decision points answered by them.

The journey asks :class:`Decisions` at each step a reform may change; it asks the switched-on
mechanisms that answer that point (``inputs.reform_registry.DECISION_POINTS``), combining their
answers by the point's rule, in rank order.  With no mechanism answering, the answer is the
neutral one: the step as it is without any reform.

Each point is bound once, when the arm is built: to the neutral answer, to the one mechanism's
own method when only one answers (the journey then calls it directly: most steps of most arms),
or to the combination of several.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any

import simpy

from ...inputs.arms import Arm
from ...inputs.reform_registry import REFORMS, Reform
from ...observation.records import Records
from ...system.site import PRIORITY_NORMAL, Site
from ...system.streams import Streams
from ...system.world import FacilityPlan, World
from ..patient import Patient

Process = Generator[simpy.Event, Any, Any]


@dataclass(frozen=True)
class Build:
    """What a mechanism is built from: one arm of one replication, and its section of the
    scenario (``config``).  ``streams`` for draws that are not a patient's own (a free clinic's
    screening visitors)."""

    env: simpy.Environment
    world: World
    records: Records
    streams: Streams
    config: Any


def switched_on(world: World, arm: Arm) -> list[Reform]:
    """The reforms the arm switches on that the scenario enables, in rank order: the one place
    a reform's switch is read."""
    sections = world.scenario.reforms
    return [r for r in REFORMS if arm.has(r.name) and getattr(sections, r.name).enabled]


# -- the rules: several answers made one --------------------------------------------------------


def _fold(answers: tuple[Callable, ...]) -> Callable:
    """Each gets the answer so far (its last argument) and may change it."""

    def combined(*args: Any) -> Any:
        *question, answer = args
        for ask in answers:
            answer = ask(*question, answer)
        return answer

    return combined


def _first_not(neutral: Any) -> Callable[[tuple[Callable, ...]], Callable]:
    """The first answer that is not ``neutral``; the mechanisms after it are not asked (so a
    waiver or a credit draw is recorded once)."""

    def rule(answers: tuple[Callable, ...]) -> Callable:
        def combined(*args: Any) -> Any:
            for ask in answers:
                answer = ask(*args)
                if answer != neutral:
                    return answer
            return neutral

        return combined

    return rule


def _any(answers: tuple[Callable, ...]) -> Callable:
    return lambda *args: any(ask(*args) for ask in answers)


def _always(value: Any) -> Callable:
    return lambda *args: value


def _unchanged(*args: Any) -> Any:
    return args[-1]


def _not_near_home(patient: Patient) -> Process:
    return None
    yield  # a process that ends at once


class Decisions:
    """The switched-on mechanisms of one arm, by the decision points they answer.

    ``reader``, ``home_doctor``: the owners of ``reads_remotely`` and ``follows_up_at_home``
    (None if none), whose ``remote_reading`` and ``home_follow_up`` then do the work.
    """

    def __init__(self, mechanisms: dict[str, Any]) -> None:
        self.mechanisms = mechanisms  # reform name -> its mechanism, in rank order
        owners = {
            point: tuple(m for m in mechanisms.values() if hasattr(m, point))
            for point in (
                "seen_near_home",
                "reads_remotely",
                "referral_down_share",
                "follows_up_at_home",
                "expert_session_min",
            )
        }
        for point, found in owners.items():
            if point != "expert_session_min":
                assert len(found) <= 1, f"{point} has a single owner"  # the registry refuses
        self.reader: Any = next(iter(owners["reads_remotely"]), None)
        self.home_doctor: Any = next(iter(owners["follows_up_at_home"]), None)
        self._experts = owners["expert_session_min"]
        self._referral_down = next(iter(owners["referral_down_share"]), None)
        near_home = next(iter(owners["seen_near_home"]), None)

        def bind(point: str, neutral: Callable, rule: Callable) -> Any:
            answers = tuple(getattr(m, point) for m in mechanisms.values() if hasattr(m, point))
            if not answers:
                return neutral
            return answers[0] if len(answers) == 1 else rule(answers)

        self.seen_near_home: Callable[[Patient], Process] = (
            near_home.seen_near_home if near_home is not None else _not_near_home
        )
        self.first_contact: Callable[[Patient, int], int] = bind("first_contact", _unchanged, _fold)
        self.priority: Callable[[str], int] = bind(
            "priority", _always(PRIORITY_NORMAL), _first_not(PRIORITY_NORMAL)
        )
        self.green_channel_at: Callable[[FacilityPlan], bool] = bind(
            "green_channel_at", _always(False), _any
        )
        self.registration_due: Callable[[Patient, Site, float], bool] = bind(
            "registration_due", _always(True), _first_not(True)
        )
        self.pays_at_cashier: Callable[[Patient, Site, float, float], bool] = bind(
            "pays_at_cashier", _always(True), _first_not(True)
        )
        self.recognises: Callable[[Patient, Site, str, int, float], bool] = bind(
            "recognises", _always(False), _first_not(False)
        )
        self.reads_remotely: Callable[[Site, str], bool] = (
            self.reader.reads_remotely if self.reader is not None else _always(False)
        )
        self.follows_up_at_home: Callable[[Patient], bool] = (
            self.home_doctor.follows_up_at_home if self.home_doctor is not None else _always(False)
        )

    @classmethod
    def build(
        cls,
        env: simpy.Environment,
        world: World,
        records: Records,
        arm: Arm,
        streams: Streams,
    ) -> Decisions:
        """Build the arm's mechanisms, in rank order (which fixes the order of any processes
        they start)."""
        mechanisms = {}
        for reform in switched_on(world, arm):
            config = getattr(world.scenario.reforms, reform.name)
            mechanisms[reform.name] = reform.mechanism(Build(env, world, records, streams, config))
        return cls(mechanisms)

    def referral_down_share(self, patient: Patient) -> float:
        """Single owner; neutral: the condition's own share."""
        if self._referral_down is None:
            return patient.condition.followup_referral_down
        return float(self._referral_down.referral_down_share(patient))

    def expert_session_min(
        self, patient: Patient, site: FacilityPlan, now: float
    ) -> tuple[Any, float] | None:
        """The first mechanism with an expert session for the patient, and when; or None
        (first that is not neutral: its ``see_expert`` does the consultation)."""
        for mechanism in self._experts:
            session_min = mechanism.expert_session_min(patient, site, now)
            if session_min is not None:
                return mechanism, session_min
        return None
