"""The static health system of a scenario: facilities, zones and case mix, indexed for speed.

A ``World`` is built once per scenario and shared by every replication and arm; it holds no
SimPy objects and no random state.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from ..inputs.inpatient import Admission
from ..inputs.schema import TEST_TYPES, TIERS, WEEKDAYS, Facility, Scenario, Zone
from .durations import Sampler, sampler
from .hours import DAY_MIN, Hours

TIER_RANK: dict[str, int] = {tier: rank for rank, tier in enumerate(TIERS)}
PRIMARY_RANKS = (TIER_RANK["village"], TIER_RANK["township"])


@dataclass(frozen=True)
class FacilityPlan:
    index: int
    id: str
    tier: str
    rank: int
    hours: Hours
    registration: int
    doctors: dict[str, int]
    cashier: int
    pharmacy: int
    exams: dict[str, int]
    refers_to: int | None
    registration_fee_yuan: float
    consultation_fee_yuan: float
    walk_min: float
    cashier_walk_min: float
    service: dict[str, Sampler]
    test_fee_yuan: dict[str, float]
    beds: int = 0
    # Booked exam types: test -> (slots per day, the simulation weekdays with slots, earliest
    # day after the order); walk-in exam types are not here.
    bookings: dict[str, tuple[int, tuple[bool, ...], int]] = field(default_factory=dict)
    # Outpatients from beyond the area: station name -> mean arrivals per open day.
    background: dict[str, float] = field(default_factory=dict)

    def servers(self, station: str) -> int:
        """Servers at a station, by its name in the records (``doctor:general``, ``exam:ct``...)."""
        kind, _, detail = station.partition(":")
        if kind == "doctor":
            return self.doctors[detail]
        if kind == "exam":
            return self.exams[detail]
        return {
            "registration": self.registration,
            "cashier": self.cashier,
            "pharmacy": self.pharmacy,
        }[kind]

    def department(self, wanted: str) -> str:
        """The doctors' queue a patient of this department joins here."""
        return wanted if wanted in self.doctors else "general"


@dataclass(frozen=True)
class TestPlan:
    name: str
    exam: Sampler
    turnaround: Sampler


@dataclass(frozen=True)
class AdmissionPlan:
    """A condition's inpatient care (``inputs.inpatient.Admission``), by tier rank."""

    probability: dict[int, float]
    lowest_rank: int
    stay_days: Sampler
    operation: dict[int, float]


@dataclass(frozen=True)
class ConditionPlan:
    index: int
    id: str
    department: str
    lowest_rank: int
    tests: dict[str, dict[int, float]]
    referral_up: dict[int, float]
    drug_fee_yuan: float
    followup_probability: float
    followup_after_days: float
    followup_tests: dict[str, float]
    followup_referral_down: float
    second_opinion_probability: float
    second_opinion_after_days: float
    urgent: bool = False
    admission: AdmissionPlan | None = None


@dataclass(frozen=True)
class ZonePlan:
    index: int
    id: str
    episodes_per_day: float
    travel: dict[int, tuple[float, float]]
    # Per condition: (cumulative probabilities, facilities) of the first contact.
    first_contact: tuple[tuple[tuple[float, ...], tuple[int, ...]], ...]
    # The zone's own (nearest) facility of each tier, by tier rank.
    own: dict[int, int]
    # County and city hospitals the zone can reach, (tier rank, index), lowest tier then nearest.
    hospitals: tuple[tuple[int, int], ...]
    population: int = 0

    @property
    def primary(self) -> int | None:
        """The zone's own primary-care facility: its township centre, else its village clinic."""
        return self.own.get(TIER_RANK["township"], self.own.get(TIER_RANK["village"]))

    def second_opinion_site(self, treated_at: FacilityPlan) -> int | None:
        """Where a patient treated at ``treated_at`` goes for a second opinion: another hospital
        of at least the same tier, lowest tier and nearest first."""
        options = (
            f for rank, f in self.hospitals if f != treated_at.index and rank >= treated_at.rank
        )
        return next(options, None)


@dataclass(frozen=True)
class World:
    scenario: Scenario
    facilities: tuple[FacilityPlan, ...]
    zones: tuple[ZonePlan, ...]
    conditions: tuple[ConditionPlan, ...]
    condition_cumulative: tuple[float, ...]
    tests: dict[str, TestPlan]
    hour_share: tuple[float, ...]
    # By day of the simulation week (day 0 = start_weekday, as Hours.open_days): the clock's
    # day % 7 picks the factor.
    weekday_factor: tuple[float, ...]
    arrive_after_opening_min: float
    # What the behaviour fits once per scenario (the facility choice's constants), by name.
    fitted: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def onsets_until_min(self) -> float:
        """The end of the measured period: illnesses begin before it (warm-up included)."""
        sim = self.scenario.simulation
        return (sim.warmup_days + sim.horizon_days) * DAY_MIN

    @classmethod
    def build(cls, scenario: Scenario) -> World:
        index = {f.id: i for i, f in enumerate(scenario.facilities)}
        facilities = tuple(_facility(scenario, i, index) for i in range(len(scenario.facilities)))
        conditions = tuple(_condition(scenario, i) for i in range(len(scenario.conditions)))
        zones = tuple(_zone(scenario, i, facilities, index) for i in range(len(scenario.zones)))
        shares = [c.share for c in scenario.conditions]
        demand = scenario.demand
        hour_total, week_total = sum(demand.hour_profile), sum(demand.weekday_profile)
        # weekday_profile is Monday first; the factors start at start_weekday.
        first = WEEKDAYS.index(scenario.simulation.start_weekday)
        week = demand.weekday_profile
        return cls(
            scenario=scenario,
            facilities=facilities,
            zones=zones,
            conditions=conditions,
            condition_cumulative=_cumulative(shares),
            tests={
                name: TestPlan(name, sampler(t.exam_min), sampler(t.turnaround_min))
                for name, t in scenario.tests.items()
            },
            hour_share=tuple(h / hour_total for h in demand.hour_profile),
            weekday_factor=tuple(7 * week[(first + d) % 7] / week_total for d in range(7)),
            arrive_after_opening_min=demand.arrive_after_opening_min,
        )


def _cumulative(weights: list[float]) -> tuple[float, ...]:
    total, running, out = sum(weights), 0.0, []
    for w in weights:
        running += w / total
        out.append(running)
    out[-1] = 1.0  # so that a uniform just below 1 always lands somewhere
    return tuple(out)


def _facility(scenario: Scenario, i: int, index: dict[str, int]) -> FacilityPlan:
    fac = scenario.facilities[i]
    tier = scenario.tiers[fac.tier]
    times = tier.service_min
    return FacilityPlan(
        index=i,
        id=fac.id,
        tier=fac.tier,
        rank=TIER_RANK[fac.tier],
        hours=Hours(fac.hours, scenario.simulation.start_weekday),
        registration=fac.stations.registration,
        doctors=dict(fac.stations.doctors),
        cashier=fac.stations.cashier,
        pharmacy=fac.stations.pharmacy,
        exams={t: fac.stations.exams[t] for t in TEST_TYPES if t in fac.stations.exams},
        refers_to=None if fac.refers_to is None else index[fac.refers_to],
        registration_fee_yuan=tier.registration_fee_yuan,
        consultation_fee_yuan=tier.consultation_fee_yuan,
        walk_min=tier.walk_min,
        cashier_walk_min=fac.cashier_walk_min,
        service={name: sampler(getattr(times, name)) for name in type(times).model_fields},
        test_fee_yuan={
            t: s.fee_yuan[fac.tier] for t, s in scenario.tests.items() if fac.tier in s.fee_yuan
        },
        beds=fac.beds,
        bookings={t: _booking(scenario, fac, t) for t in TEST_TYPES if t in fac.bookings},
        background=fac.background.per_station(),
    )


def _booking(scenario: Scenario, fac: Facility, test: str) -> tuple[int, tuple[bool, ...], int]:
    """(slots per day, simulation weekdays with slots, earliest day) of a booked exam type."""
    booking = fac.bookings[test]  # type: ignore[index]
    hours = fac.hours
    open_min = DAY_MIN if hours.always else hours.end_min - hours.start_min
    slots = booking.slots_per_day
    if slots is None:
        units = fac.stations.exams[test]  # type: ignore[index]
        slots = max(1, math.floor(units * open_min / scenario.tests[test].exam_min.mean))  # type: ignore[index]
    names = set(booking.weekdays or (WEEKDAYS if hours.always else hours.weekdays))
    first = WEEKDAYS.index(scenario.simulation.start_weekday)
    days = tuple(WEEKDAYS[(first + d) % 7] in names for d in range(7))
    return slots, days, booking.earliest_day


def _condition(scenario: Scenario, i: int) -> ConditionPlan:
    c = scenario.conditions[i]
    f = c.followup
    return ConditionPlan(
        index=i,
        id=c.id,
        department=c.department,
        lowest_rank=TIER_RANK[c.lowest_tier],
        tests={
            t: {TIER_RANK[tier]: p for tier, p in c.tests[t].items()}
            for t in TEST_TYPES
            if t in c.tests
        },
        referral_up={TIER_RANK[t]: p for t, p in c.referral_up.items()},
        drug_fee_yuan=c.drug_fee_yuan,
        followup_probability=0.0 if f is None else f.probability,
        followup_after_days=1.0 if f is None else f.after_days,
        followup_tests={} if f is None else {t: f.tests[t] for t in TEST_TYPES if t in f.tests},
        followup_referral_down=0.0 if f is None else f.referral_down,
        second_opinion_probability=0.0
        if c.second_opinion is None
        else c.second_opinion.probability,
        second_opinion_after_days=1.0 if c.second_opinion is None else c.second_opinion.after_days,
        urgent=c.urgent,
        admission=_admission(scenario.inpatient.admission.get(c.id)),
    )


def _admission(admission: Admission | None) -> AdmissionPlan | None:
    if admission is None:
        return None
    return AdmissionPlan(
        probability={TIER_RANK[t]: p for t, p in admission.probability.items()},
        lowest_rank=TIER_RANK[admission.lowest_tier],
        stay_days=sampler(admission.stay_days),
        operation={TIER_RANK[t]: p for t, p in admission.operation.items()},
    )


def _nearest_by_tier(scenario: Scenario, i: int, index: dict[str, int]) -> dict[str, int]:
    """The zone's own facility of each tier: the nearest one (ties go to the first listed)."""
    zone = scenario.zones[i]
    nearest: dict[str, tuple[float, int]] = {}
    for fac_id, trip in zone.travel.items():
        tier = scenario.facility(fac_id).tier
        candidate = (trip.travel_min, index[fac_id])
        if tier not in nearest or candidate < nearest[tier]:
            nearest[tier] = candidate
    return {tier: fac for tier, (_, fac) in nearest.items()}


def _hospitals(
    scenario: Scenario, zone: Zone, index: dict[str, int]
) -> tuple[tuple[int, int], ...]:
    reachable = sorted(
        (TIER_RANK[scenario.facility(f).tier], trip.travel_min, index[f])
        for f, trip in zone.travel.items()
    )
    return tuple((rank, f) for rank, _, f in reachable if rank >= TIER_RANK["county"])


def _zone(
    scenario: Scenario, i: int, facilities: tuple[FacilityPlan, ...], index: dict[str, int]
) -> ZonePlan:
    zone = scenario.zones[i]
    own = _nearest_by_tier(scenario, i, index)
    first_contact = []
    for c in scenario.conditions:
        shares = zone.first_contact.get(c.id, c.first_contact)
        # A tier the zone has no facility of is dropped and the others renormalised.
        options = [(p, own[t]) for t, p in shares.items() if p > 0 and t in own]
        options.sort(key=lambda option: facilities[option[1]].rank)
        cumulative = _cumulative([p for p, _ in options])
        first_contact.append((cumulative, tuple(fac for _, fac in options)))
    # With care seeking, an onset is an illness, of which only ``consulted_share`` reach a
    # doctor in the without arm: the zone's episode rate (today's visits) is that share of its
    # illnesses.
    seek = scenario.care_seeking.seek
    consulted = 1.0 if seek is None else seek.consulted_share
    return ZonePlan(
        index=i,
        id=zone.id,
        episodes_per_day=zone.population * zone.episodes_per_person_year / 365.0 / consulted,
        travel={index[f]: (t.travel_min, t.travel_yuan) for f, t in zone.travel.items()},
        first_contact=tuple(first_contact),
        own={TIER_RANK[tier]: fac for tier, fac in own.items()},
        hospitals=_hospitals(scenario, zone, index),
        population=zone.population,
    )
