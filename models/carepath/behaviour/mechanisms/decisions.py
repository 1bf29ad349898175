"""The reforms of one arm, and the journey's decision points answered by them.

The journey asks :class:`Decisions` at each step a reform may change; it asks the switched-on
mechanisms that answer that point (``inputs.reform_registry.DECISION_POINTS``), combining their
answers by the point's rule, in rank order.  With no mechanism answering, the answer is the
neutral one: the step as it is without any reform.

Each point is bound once, when the arm is built: to the neutral answer, to the one mechanism's
own method when only one answers (the journey then calls it directly: most steps of most arms),
or to the combination of several by the rule ``DECISION_POINTS`` gives it.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass
from enum import Enum
from typing import Any, Final

import simpy

from ...inputs.arms import Arm
from ...inputs.reform_registry import DECISION_POINTS, REFORMS, Reform
from ...observation.records import Records
from ...system.site import PRIORITY_NORMAL, Site
from ...system.streams import Streams
from ...system.world import FacilityPlan, World
from ..patient import Patient

Process = Generator[simpy.Event, Any, Any]


class NearHome(Enum):
    """What care near home (a free clinic, a family doctor on call) made of an episode, when it
    was not a referral."""

    RESOLVED = "resolved"  # finished there; the follow-up as after treatment


RESOLVED: Final = NearHome.RESOLVED


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


def _not_near_home(patient: Patient, *when: float | None) -> Process:
    return None
    yield  # a process that ends at once


def _single_owner(answers: tuple[Callable, ...], neutral: Callable) -> Callable:
    raise AssertionError("a single-owner decision point with two owners")  # registry refuses


# How several answers combine, by the point's rule in DECISION_POINTS.
_RULES: dict[str, Callable[[tuple[Callable, ...], Callable], Callable]] = {
    "fold": lambda answers, neutral: _fold(answers),
    "first": lambda answers, neutral: _first_not(neutral())(answers),
    "any": lambda answers, neutral: _any(answers),
    "single": _single_owner,
}

# Each point's answer when no switched-on mechanism gives one: the step without any reform.
_NEUTRAL: dict[str, Callable] = {
    "seen_near_home": _not_near_home,
    "called_home": _not_near_home,
    "finds_case": _always(None),
    "first_contact": _unchanged,
    "priority": _always(PRIORITY_NORMAL),
    "green_channel_at": _always(False),
    "registration_due": _always(True),
    "pays_at_cashier": _always(True),
    "pays_deposit": _always(False),
    "recognises": _always(False),
    "reads_remotely": _always(False),
    "referral_down_share": lambda patient: patient.condition.followup_referral_down,
    "follows_up_at_home": _always(False),
    "expert_session_min": _always(None),
    "credit_offered": _always(frozenset()),
}


class Decisions:
    """The switched-on mechanisms of one arm, by the decision points they answer.

    Each point (an attribute named for it) is bound once: to its neutral answer, to the one
    answering mechanism's own method, or to several combined by the point's rule.
    ``reader``, ``home_doctor``, ``screener``: the owners of ``reads_remotely``,
    ``follows_up_at_home`` and ``finds_case`` (None if none), whose ``remote_reading``,
    ``home_follow_up`` and ``check_found_case`` then do the work; ``near_home``, ``on_call``:
    whether any mechanism answers ``seen_near_home``, ``called_home``; an
    ``expert_session_min`` answer is (the mechanism whose ``see_expert`` does it, when).
    """

    seen_near_home: Callable[[Patient, float | None], Process]
    called_home: Callable[[Patient], Process]
    finds_case: Callable[[Patient, float], tuple[int, float] | None]
    first_contact: Callable[[Patient, int], int]
    priority: Callable[[str], int]
    green_channel_at: Callable[[FacilityPlan], bool]
    registration_due: Callable[[Patient, Site, float], bool]
    pays_at_cashier: Callable[[Patient, Site, float, float], bool]
    pays_deposit: Callable[[Patient, Site, float, float], bool]
    recognises: Callable[[Patient, Site, str, int, float], bool]
    reads_remotely: Callable[[Site, str], bool]
    referral_down_share: Callable[[Patient], float]
    follows_up_at_home: Callable[[Patient], bool]
    expert_session_min: Callable[[Patient, FacilityPlan, float], tuple[Any, float] | None]
    credit_offered: Callable[[Patient], frozenset[int]]

    def __init__(self, mechanisms: dict[str, Any]) -> None:
        self.mechanisms = mechanisms  # reform name -> its mechanism, in rank order
        for point, spec in DECISION_POINTS.items():
            answers = tuple(getattr(m, point) for m in mechanisms.values() if hasattr(m, point))
            neutral = _NEUTRAL[point]
            if len(answers) > 1:
                bound = _RULES[spec.combine](answers, neutral)
            else:
                bound = answers[0] if answers else neutral
            setattr(self, point, bound)
        self.reader: Any = self._owner("reads_remotely")
        self.home_doctor: Any = self._owner("follows_up_at_home")
        self.screener: Any = self._owner("finds_case")
        # Whether anyone answers the near-home points: the journey need not ask otherwise.
        self.near_home = self._owner("seen_near_home") is not None
        self.on_call = self._owner("called_home") is not None

    def _owner(self, point: str) -> Any:
        return next((m for m in self.mechanisms.values() if hasattr(m, point)), None)

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
