"""Every reform a plug-in: the one registry of reforms, and the decision points they answer.

A reform is declared once (:class:`Reform`): its name, its place in the fold order (``rank``),
its scenario section (a :class:`~carepath.inputs.schema.ReformSwitch` subclass, read as
``reforms.<name>``), the mechanism built for an arm that switches it on, its named random
streams, its checks, its metrics, its record and output tables, and its in-run tally.  From the
registry come the schema's ``reforms:`` section, the reforms' own patient streams, the arms
(``Scenario.switched_on``), the draw names the tests set by hand and the extra output files.
The built-in reforms are registered in ``carepath/reforms.py``, one line each.

The registry sits in the lowest layer, so it holds the upper layers' parts (the mechanism, the
tally) as plain callables: it never imports them.

Decision points are the journey's questions a mechanism may answer (``DECISION_POINTS``).  A
mechanism answers one by defining a method of that name; when no switched-on mechanism answers,
the journey gets the neutral answer, as without the reform.  Each point says how two answers
combine, so that results never depend on the order in which reforms happen to be registered:

* ``single``: one owner; registering a second mechanism that answers it is refused.
* ``first``: asked in rank order, the first answer that is not neutral is taken and the
  mechanisms after it are not asked (a waiver, a credit draw is recorded once).
* ``fold``: in rank order, each mechanism gets the answer so far and may change it.
* ``any``: true if any mechanism says so.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from .metric_registry import METRICS, Metric
from .schema import ReformSwitch, Scenario, use_reform_sections

Combine = Literal["single", "first", "fold", "any"]
Problem = tuple[tuple[str | int, ...], str]  # (key path, message)
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class DecisionPoint:
    """A question the journey asks at one step, and how answers combine."""

    name: str
    combine: Combine
    neutral: str  # the answer without any reform, in words
    question: str


DECISION_POINTS: dict[str, DecisionPoint] = {
    point.name: point
    for point in (
        DecisionPoint(
            "seen_near_home",
            "single",
            "seek care the usual way",
            "when care would be sought (or not): is the patient seen at a free clinic near "
            "home instead (and resolved there, or referred up)?",
        ),
        DecisionPoint(
            "called_home",
            "single",
            "go to a facility",
            "a contracted patient's new chronic episode: does the family doctor see it at home "
            "(and finish it there, or send the patient on)?",
        ),
        DecisionPoint(
            "finds_case",
            "single",
            "not found: care starts when the case comes on its own, if it does",
            "an unnoticed chronic case: the free clinic at which a check finds it, if any",
        ),
        DecisionPoint(
            "first_contact",
            "fold",
            "the facility the patient chose",
            "where does the patient go first, given the facility chosen so far?",
        ),
        DecisionPoint(
            "priority",
            "first",
            "normal priority",
            "the patient's queue priority on a visit of this kind",
        ),
        DecisionPoint(
            "green_channel_at",
            "any",
            "no green channel",
            "do referred patients go ahead of others at this facility's stations?",
        ),
        DecisionPoint(
            "registration_due",
            "first",
            "register and pay the registration and consultation fees",
            "does the patient register and pay again here (False: waived)?",
        ),
        DecisionPoint(
            "pays_at_cashier",
            "first",
            "pay at the cashier window",
            "does the patient pay these fees at a cashier window (False: billed otherwise)?",
        ),
        DecisionPoint(
            "pays_deposit",
            "first",
            "pay it from cash",
            "an inpatient deposit at admission: does a credit line pay it (True: drawn on it)?",
        ),
        DecisionPoint(
            "recognises",
            "first",
            "do the exam",
            "does the doctor accept a result the patient carries instead of a new exam?",
        ),
        DecisionPoint(
            "reads_remotely",
            "single",
            "read where the exam was done",
            "is this facility's exam read by a reading centre elsewhere?",
        ),
        DecisionPoint(
            "referral_down_share",
            "single",
            "the condition's own share",
            "the chance a follow-up after county or city care is sent down to primary care",
        ),
        DecisionPoint(
            "follows_up_at_home",
            "single",
            "a follow-up visit at a facility",
            "is the follow-up done at home?",
        ),
        DecisionPoint(
            "expert_session_min",
            "first",
            "referred up",
            "when can a patient the township would refer up see an expert here instead?",
        ),
        DecisionPoint(
            "credit_offered",
            "single",
            "no credit line",
            "at which facilities would the patient's credit line pay the charges?",
        ),
    )
}


@dataclass(frozen=True)
class PatientDraws:
    """A reform's own per-patient stream (``patients:<stream>``): uniform numbers drawn for
    every patient, the same in every arm, whenever some arm of the replication switches the
    reform on; streams are independent, so switching it on moves nobody else's draws.

    ``names`` are the purposes of one block of numbers; ``blocks`` repeats it (per visit and test
    type, say).  Reforms may share a stream only by sharing this very declaration.
    """

    stream: str
    names: tuple[str, ...]
    blocks: int = 1
    _slot: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_slot", {name: i for i, name in enumerate(self.names)})

    @property
    def width(self) -> int:
        return len(self.names) * self.blocks

    def index(self, purpose: str, block: int = 0) -> int:
        """Where the number for ``purpose`` of block ``block`` sits in a patient's numbers."""
        return block * len(self.names) + self._slot[purpose]

    def draw(self, patient: Any, purpose: str, block: int = 0) -> float:
        """The patient's own number for ``purpose`` (of block ``block``) from this stream."""
        return patient.own[self.stream][block * len(self.names) + self._slot[purpose]]


@dataclass(frozen=True)
class OutputTable:
    """An extra file of a results folder, one row per tally row, after ``scenario``,
    ``replication`` and ``arm``; written only when some arm has rows.  ``manifest`` adds entries
    to the manifest when the file is written."""

    file: str
    columns: tuple[str, ...]
    manifest: Callable[[Scenario], dict[str, Any]] | None = None


@dataclass(frozen=True)
class Reform:
    """One reform's parts.

    ``mechanism(build)`` makes the reform's mechanism for an arm that switches it on
    (``behaviour.mechanisms.Build``); ``tally(world)`` its in-run tally, made in every arm
    (``accounting.tally.ReformTally``: fold, close, metrics, tables).  ``records`` names extra
    record tables (a NamedTuple each) its mechanism appends to; ``metrics`` are added to the
    metric registry (their values come from the tally); ``checks(scenario, section)`` returns
    problems with key paths under ``reforms.<name>``.  ``more_draws``: further streams of its
    own, named later than ``draws`` (a stream's layout never grows: a new purpose is a new
    stream).
    """

    name: str
    rank: int
    config: type[ReformSwitch]
    mechanism: Callable[[Any], Any]
    description: str = ""
    draws: PatientDraws | None = None
    checks: Callable[[Scenario, Any], list[Problem]] | None = None
    metrics: tuple[Metric, ...] = ()
    records: Mapping[str, type] = field(default_factory=dict)
    tables: tuple[OutputTable, ...] = ()
    tally: Callable[[Any], Any] | None = None
    more_draws: tuple[PatientDraws, ...] = ()

    @property
    def streams(self) -> tuple[PatientDraws, ...]:
        """Its own patient streams, ``draws`` first."""
        return (*((self.draws,) if self.draws else ()), *self.more_draws)

    def answers(self) -> tuple[str, ...]:
        """The decision points its mechanism answers, in the table's order."""
        return tuple(p for p in DECISION_POINTS if callable(getattr(self.mechanism, p, None)))


class ReformRegistry:
    """The registered reforms, in rank order."""

    def __init__(self) -> None:
        self._reforms: dict[str, Reform] = {}

    def register(self, reform: Reform, tally: Callable[[Any], Any] | None = None) -> Reform:
        """Add a reform (with ``tally``, if given, as its in-run tally); refused with a
        ValueError if it clashes with one already registered."""
        if tally is not None:
            reform = replace(reform, tally=tally)
        self._refuse_clashes(reform)
        METRICS.add(*reform.metrics)
        self._reforms[reform.name] = reform
        self._changed()
        return reform

    def unregister(self, name: str) -> None:
        reform = self._reforms.pop(name)
        METRICS.remove(*(m.name for m in reform.metrics))
        self._changed()

    @contextmanager
    def registered(self, reform: Reform) -> Iterator[Reform]:
        """Registered for the duration of a ``with`` block (tests, one-off studies)."""
        self.register(reform)
        try:
            yield reform
        finally:
            self.unregister(reform.name)

    def _refuse_clashes(self, new: Reform) -> None:
        if not _NAME.match(new.name):
            raise ValueError(f"reform name {new.name!r}: lower-case letters, digits and _")
        if not issubclass(new.config, ReformSwitch):
            raise ValueError(f"reform {new.name!r}: its config must subclass ReformSwitch")
        try:
            new.config()
        except ValueError as error:  # pydantic's ValidationError is one
            raise ValueError(
                f"reform {new.name!r}: its section must be valid switched off with every lever "
                f"left out (the default of a scenario that does not name it): {error}"
            ) from None
        for old in self._reforms.values():
            if old.name == new.name:
                raise ValueError(f"reform {new.name!r} is registered twice")
            if old.rank == new.rank:
                raise ValueError(
                    f"reform {new.name!r}: rank {new.rank} is {old.name!r}'s; "
                    "the fold order must be fixed, give it a rank of its own"
                )
            for point in set(new.answers()) & set(old.answers()):
                if DECISION_POINTS[point].combine == "single":
                    raise ValueError(
                        f"reform {new.name!r}: decision point {point!r} has a single owner, "
                        f"already {old.name!r}"
                    )
            for draws in new.streams:
                for theirs in old.streams:
                    if theirs.stream == draws.stream and theirs != draws:
                        raise ValueError(
                            f"reform {new.name!r}: stream {draws.stream!r} belongs to "
                            f"{old.name!r} with another layout; name a new stream"
                        )
            shared = {t.file for t in old.tables} & {t.file for t in new.tables}
            shared |= set(old.records) & set(new.records)
            if shared:
                raise ValueError(f"reform {new.name!r}: {sorted(shared)} belong to {old.name!r}")

    def _changed(self) -> None:
        use_reform_sections({r.name: r.config for r in self})

    def __iter__(self) -> Iterator[Reform]:
        return iter(sorted(self._reforms.values(), key=lambda r: r.rank))

    def __contains__(self, name: object) -> bool:
        return name in self._reforms

    def get(self, name: str) -> Reform:
        return self._reforms[name]

    def names(self) -> tuple[str, ...]:
        return tuple(r.name for r in self)

    def owners(self, point: str) -> tuple[Reform, ...]:
        """The reforms whose mechanism answers a decision point, in rank order."""
        return tuple(r for r in self if point in r.answers())

    def patient_streams(self) -> dict[str, int]:
        """Every reform's own patient stream: name -> numbers per patient."""
        return {d.stream: d.width for r in self for d in r.streams}

    def draw_names(self) -> dict[str, tuple[str, ...]]:
        """Each patient stream's purposes (of its first block)."""
        return {d.stream: d.names for r in self for d in r.streams}

    def record_tables(self) -> dict[str, type]:
        return {name: kind for r in self for name, kind in r.records.items()}

    def tables(self) -> tuple[OutputTable, ...]:
        return tuple(table for r in self for table in r.tables)

    def problems(self, scenario: Scenario) -> list[Problem]:
        """Every reform's own checks of a scenario, with key paths from the file's top."""
        problems: list[Problem] = []
        for reform in self:
            if reform.checks is not None:
                section = getattr(scenario.reforms, reform.name)
                for path, message in reform.checks(scenario, section):
                    problems.append((("reforms", reform.name, *path), message))
        return problems


REFORMS = ReformRegistry()
