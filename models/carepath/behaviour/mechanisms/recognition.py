"""Mutual recognition of test results between facilities (REFORMS.md section 1).

When a doctor orders a test, a result the patient already carries from another facility may
stand in for it: the result must be of a recognised item, inside its recognition window, from a
tier the receiving tier accepts for that item ("tiered and graded"), and not hit by one of the
listed exclusions; then the physician accepts it with the item's probability, or with the paper
acceptance when either facility is off the platform.  A recognised result skips payment, the
exam, the turnaround and the return to the doctor.

Remote reading: exams done at a township centre served by a reading centre are read there (in
the centre's queue, during its hours); the result is then the reading hospital's own, so a
patient referred up to it is not tested again.

Each decision is recorded as a row (``Records.recognition``); reading-centre work in
``Records.readings``.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Literal

import simpy
from pydantic import Field, field_validator

from ...inputs.reform_registry import PatientDraws, Problem, Reform
from ...inputs.schema import (
    TEST_TYPES,
    TIERS,
    Capacity,
    Duration,
    FacilityRef,
    Identifier,
    PositiveDays,
    Probability,
    ReformSwitch,
    Scenario,
    Strict,
    TestType,
    Tier,
)
from ...inputs.units import unit
from ...system.durations import sampler
from ...system.hours import DAY_MIN
from ...system.site import Site
from ...system.world import TIER_RANK, FacilityPlan
from ..patient import MAX_LEGS, Patient
from .decisions import Build

# Per visit and test type: the exclusion draw, the physician's acceptance draw, the reading time.
DRAWS = PatientDraws(
    "recognition", ("exclusion", "acceptance", "reading"), blocks=MAX_LEGS * len(TEST_TYPES)
)


class RecognitionItem(Strict):
    """A recognised test type: how long a result stays valid, and how often a doctor accepts it."""

    window_days: PositiveDays = Field(
        description="days a result stays valid for recognition (at most 3,650)"
    )
    acceptance: Probability = Field(
        description="chance the receiving physician accepts a valid result on the platform",
        json_schema_extra=unit("share"),
    )


class RemoteReading(Strict):
    """A reading centre ("primary-level test, hospital diagnosis, results recognised")."""

    reader: FacilityRef = Field(description="the facility whose reading centre reads the exams")
    readers: Capacity = Field(
        description="readers at work at once (at most 10,000)", json_schema_extra=unit("people")
    )
    tests: list[TestType] = Field(min_length=1, description="the test types read remotely")
    sites: list[FacilityRef] = Field(
        min_length=1, description="facilities whose exams the centre reads"
    )
    reading_min: Duration = Field(description="minutes a reader takes to read one exam")


class RecognitionConfig(ReformSwitch):
    """Mutual recognition of test results (REFORMS.md section 1)."""

    connected: Literal["all"] | list[FacilityRef] = Field(
        "all", description="facilities on the results platform: all, or a list of ids"
    )
    paper_acceptance: Probability = Field(
        0.0,
        description="acceptance of a result when either facility is off the platform",
        json_schema_extra=unit("share"),
    )
    items: dict[TestType, RecognitionItem] = Field(
        default_factory=dict, description="test type -> its validity window and acceptance"
    )
    accepts: dict[Tier, dict[Tier, Literal["all"] | list[TestType]]] = Field(
        default_factory=dict, description="receiving tier -> source tier -> tests it accepts"
    )
    exclusions: dict[Identifier, Probability] = Field(
        default_factory=dict,
        description="situation -> share of draws in which a result is not recognised",
        json_schema_extra=unit("share"),
    )
    remote_reading: list[RemoteReading] = Field(
        default_factory=list, description="reading centres that read other facilities' exams"
    )

    @field_validator("exclusions")
    @classmethod
    def _at_most_certain(cls, exclusions: dict[str, float]) -> dict[str, float]:
        if sum(exclusions.values()) > 1.0 + 1e-9:
            raise ValueError("exclusion probabilities are shares of one draw and must sum to <= 1")
        return exclusions


def _draw(patient: Patient, leg: int, test: str, purpose: str) -> float:
    """The visit's and test type's number for ``purpose``."""
    return DRAWS.draw(patient, purpose, leg * len(TEST_TYPES) + TEST_TYPES.index(test))


class ReadingCentre:
    """A hospital's imaging or ECG reading centre: readers reading other facilities' exams."""

    def __init__(
        self, env: simpy.Environment, plan: FacilityPlan, readers: int, reading, rows: list
    ):
        self.env = env
        self.plan = plan
        self.resource = simpy.Resource(env, readers)
        self.reading = reading
        self.rows = rows

    def read(
        self, patient: Patient, site: Site, test: str, u: float
    ) -> Generator[simpy.Event, None, None]:
        """Queue the exam for reading; when read, the patient carries the reader's result."""
        env, hours = self.env, self.plan.hours
        done_at = arrive = env.now
        while True:
            if not hours.is_open(env.now):
                yield env.timeout(hours.next_opening(env.now) - env.now)
            with self.resource.request() as request:
                yield request
                if hours.is_open(env.now):
                    start = env.now
                    yield env.timeout(self.reading(u))
                    break
        self.rows.append(
            (patient.id, self.plan.index, site.plan.index, test, arrive, start, env.now)
        )
        patient.results.append((test, self.plan.index, site.plan.index, done_at))


class Recognition:
    """Decides, test by test, whether a result the patient carries is recognised."""

    def __init__(self, build: Build) -> None:
        config: RecognitionConfig = build.config
        env, world, records = build.env, build.world, build.records
        self.env = env
        self.world = world
        self.records = records
        index = {f.id: f.index for f in world.facilities}
        everyone = range(len(world.facilities))
        connected = everyone if config.connected == "all" else (index[f] for f in config.connected)
        self.connected = frozenset(connected)
        self.paper_acceptance = config.paper_acceptance
        self.window_min = {t: item.window_days * DAY_MIN for t, item in config.items.items()}
        self.acceptance = {t: item.acceptance for t, item in config.items.items()}
        self.accepts = {
            (TIER_RANK[receiving], TIER_RANK[source]): frozenset(
                TEST_TYPES if tests == "all" else tests
            )
            for receiving, sources in config.accepts.items()
            for source, tests in sources.items()
        }
        edge, self.exclusions = 0.0, []
        for name, probability in config.exclusions.items():
            edge += probability
            self.exclusions.append((edge, name))
        self.centres: dict[tuple[int, str], ReadingCentre] = {}
        for centre in config.remote_reading:
            reader = world.facilities[index[centre.reader]]
            unit = ReadingCentre(
                env, reader, centre.readers, sampler(centre.reading_min), records.readings
            )
            for site in centre.sites:
                for test in centre.tests:
                    self.centres[(index[site], test)] = unit

    def _acceptance(self, site: Site, test: str, owner: int) -> float:
        """How likely the doctor at ``site`` accepts ``test`` from ``owner``; 0 if never."""
        tests = self.accepts.get((site.plan.rank, self.world.facilities[owner].rank), frozenset())
        if test not in tests:
            return 0.0
        on_platform = owner in self.connected and site.plan.index in self.connected
        return self.acceptance[test] if on_platform else self.paper_acceptance

    def candidate(
        self, patient: Patient, site: Site, test: str, now: float
    ) -> tuple[float, int] | None:
        """The best result the patient carries for ``test`` at ``now``: (acceptance, owner), or
        None."""
        if test not in self.window_min:
            return None
        best = None
        for kind, owner, done_where, done_at in patient.results:
            if (
                kind != test
                or done_where == site.plan.index
                or now - done_at > self.window_min[test]
            ):
                continue
            chance = self._acceptance(site, test, owner)
            if chance > 0.0 and (best is None or chance >= best[0]):
                best = (chance, owner)
        return best

    def recognises(self, patient: Patient, site: Site, test: str, leg: int, now: float) -> bool:
        """Whether the doctor at ``site`` accepts, at ``now``, a result the patient carries, not
        a new exam."""
        best = self.candidate(patient, site, test, now)
        if best is None:
            return False
        chance, owner = best
        decision = "accepted"
        u = _draw(patient, leg, test, "exclusion")
        excluded = next((name for edge, name in self.exclusions if u < edge), None)
        if excluded is not None:
            decision = f"excluded:{excluded}"
        elif _draw(patient, leg, test, "acceptance") >= chance:
            decision = "declined"
        row = (patient.id, site.plan.index, test, owner, decision, now)
        self.records.recognition.append(row)
        return decision == "accepted"

    def reads_remotely(self, site: Site, test: str) -> bool:
        """Whether a reading centre reads this facility's exams of ``test``."""
        return (site.plan.index, test) in self.centres

    def remote_reading(self, patient: Patient, site: Site, test: str, leg: int) -> simpy.Process:
        """Send a just-done exam to its reading centre (``reads_remotely``)."""
        centre = self.centres[(site.plan.index, test)]
        return self.env.process(
            centre.read(patient, site, test, _draw(patient, leg, test, "reading"))
        )


def problems(scenario: Scenario, config: RecognitionConfig) -> list[Problem]:
    """Items without test settings, reading centres reading their own tier or above."""
    found: list[Problem] = []
    if config.enabled and not config.items:
        found.append((("items",), "no recognised items: nothing to recognise"))
    for test in config.items:
        if test not in scenario.tests:
            found.append((("items", test), f"test {test!r} has no settings under tests"))
    rank = {t: i for i, t in enumerate(TIERS)}
    for i, centre in enumerate(config.remote_reading):
        reader = scenario.facility(centre.reader)
        for j, site_id in enumerate(centre.sites):
            site = scenario.facility(site_id)
            key = ("remote_reading", i, "sites", j)
            if rank[site.tier] >= rank[reader.tier]:
                found.append((key, f"{site_id!r} is not below the reader's tier {reader.tier!r}"))
            missing = [t for t in centre.tests if t not in site.stations.exams]
            if missing:
                found.append((key, f"{site_id!r} has no exam unit for {missing}"))
    return found


REFORM = Reform(
    name="recognition",
    rank=10,
    config=RecognitionConfig,
    mechanism=Recognition,
    description="mutual recognition of test results, and remote reading",
    draws=DRAWS,
    checks=problems,
)
