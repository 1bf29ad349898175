"""A scenario reduced to a bare queueing system, and what queueing theory expects of it.

A bare system is one facility, always open, one zone with no travel and flat demand profiles
(so onsets are a homogeneous Poisson stream), exponential service at every station a patient
can reach, no walking, no reform, no referral, follow-up or second opinion.  The journey then
routes a patient of condition k through the facility's stations as a fixed sequence of stages
(``behaviour/journey.py``)::

    registration -> doctor (consultation)
      -> if any test is ordered: cashier -> each exam ordered, in test order -> result
         turnaround (a pure delay) -> doctor (review)
      -> if the drugs cost something: cashier -> pharmacy

Tests are ordered independently with the condition's probabilities, so the stage a patient
goes to next depends only on the stage it leaves: the stages form an open network with Markov
routing.  A station serves several stages (the doctor consults and reviews, the cashier takes
test and drug payments); with the same exponential service rate for all of them (review mean =
consultation mean) the network has product form (Kelly), and each station behaves as an
M/M/c queue fed at the total rate of its stages, from the traffic equations.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from ..inputs.schema import TEST_TYPES, Duration, Scenario, TestType
from ..system.hours import DAY_MIN
from ..system.world import TIER_RANK
from .queueing import MMc, traffic_equations

DELAY = "turnaround"  # the stage name of the wait for results: infinitely many servers


class NotBareSystem(ValueError):
    """A scenario that is not a bare queueing system; ``problems`` name the keys."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Stage:
    """One step of a route: served at ``station`` (``None`` for the turnaround delay)."""

    name: str
    station: str | None


@dataclass(frozen=True)
class Network:
    """Expected long-run behaviour of a bare system."""

    arrival_per_min: float  # onsets from outside
    stations: dict[str, MMc]  # by station name as in the records
    delay_per_episode_min: float  # expected time waiting for results, per episode

    def visits(self, station: str) -> float:
        """Expected visits to ``station`` per episode."""
        return self.stations[station].arrival_per_min / self.arrival_per_min

    @property
    def wait_per_episode_min(self) -> float:
        return sum(self.visits(s) * q.wait_min for s, q in self.stations.items())

    @property
    def sojourn_per_episode_min(self) -> float:
        """Expected time from onset to the end of the last step (no travel in a bare system)."""
        queues = sum(self.visits(s) * q.sojourn_min for s, q in self.stations.items())
        return queues + self.delay_per_episode_min


def expected(scenario: Scenario) -> Network:
    """The network queueing theory predicts for a bare system; ``NotBareSystem`` otherwise."""
    problems = _problems(scenario)
    if problems:
        raise NotBareSystem(problems)
    facility = scenario.facilities[0]
    zone = scenario.zones[0]
    onsets_per_min = zone.population * zone.episodes_per_person_year / 365.0 / DAY_MIN
    times = scenario.tiers[facility.tier].service_min
    service = {
        "registration": times.registration.mean,
        "cashier": times.cashier.mean,
        "pharmacy": times.pharmacy.mean,
        **{f"doctor:{d}": times.consultation.mean for d in facility.stations.doctors},
        **{f"exam:{t}": scenario.tests[t].exam_min.mean for t in facility.stations.exams},
    }
    stages: list[Stage] = []
    external: list[float] = []
    edges: list[tuple[int, int, float]] = []
    delay_mean: dict[int, float] = {}
    total_share = sum(c.share for c in scenario.conditions)
    for condition in scenario.conditions:
        share = condition.share / total_share
        first = len(stages)
        block, block_edges, block_delay = _route(scenario, condition.id)
        stages.extend(block)
        # Onsets enter at the block's first stage (registration, else the consultation).
        external.extend([onsets_per_min * share] + [0.0] * (len(block) - 1))
        edges.extend((first + a, first + b, p) for a, b, p in block_edges)
        delay_mean.update({first + i: mean for i, mean in block_delay.items()})
    routing = np.zeros((len(stages), len(stages)))
    for a, b, p in edges:
        routing[a, b] += p
    rates = traffic_equations(np.array(external), routing)
    per_station: dict[str, float] = {}
    for stage, rate in zip(stages, rates, strict=True):
        if stage.station is not None:
            per_station[stage.station] = per_station.get(stage.station, 0.0) + float(rate)
    servers = _servers(scenario)
    stations = {
        name: MMc(servers[name], rate, service[name])
        for name, rate in sorted(per_station.items())
        if rate > 0
    }
    delay = sum(rates[i] * mean for i, mean in delay_mean.items()) / onsets_per_min
    return Network(onsets_per_min, stations, float(delay))


def _servers(scenario: Scenario) -> dict[str, int]:
    s = scenario.facilities[0].stations
    return {
        "registration": s.registration,
        "cashier": s.cashier,
        "pharmacy": s.pharmacy,
        **{f"doctor:{d}": n for d, n in s.doctors.items()},
        **{f"exam:{t}": n for t, n in s.exams.items()},
    }


def _orderable(scenario: Scenario, condition_id: str) -> list[tuple[TestType, float]]:
    """Tests the condition's doctor may order here, in the journey's order, with their chance."""
    facility = scenario.facilities[0]
    condition = next(c for c in scenario.conditions if c.id == condition_id)
    chances = [
        (t, condition.tests.get(t, {}).get(facility.tier, 0.0))
        for t in TEST_TYPES
        if t in facility.stations.exams
    ]
    return [(t, p) for t, p in chances if p > 0]


def _route(
    scenario: Scenario, condition_id: str
) -> tuple[list[Stage], list[tuple[int, int, float]], dict[int, float]]:
    """One condition's stages, routing edges (from, to, chance) and delay means, as one block."""
    facility = scenario.facilities[0]
    condition = next(c for c in scenario.conditions if c.id == condition_id)
    department = (
        condition.department if condition.department in facility.stations.doctors else "general"
    )
    servers = _servers(scenario)
    doctor = f"doctor:{department}"
    tests = _orderable(scenario, condition_id)

    stages: list[Stage] = []

    def add(name: str, station: str | None) -> int | None:
        if station is not None and not servers.get(station):
            return None  # the facility has no such station: the step is skipped
        stages.append(Stage(name, station))
        return len(stages) - 1

    registration = add("registration", "registration")
    consultation = add("consultation", doctor)
    pay_tests = add("cashier_tests", "cashier") if tests else None
    exams = [add(f"exam:{t}", f"exam:{t}") for t, _ in tests]
    delay = add(DELAY, None) if tests else None
    review = add("review", doctor) if tests else None
    pay_drugs = add("cashier_drugs", "cashier") if condition.drug_fee_yuan > 0 else None
    pharmacy = add("pharmacy", "pharmacy")

    edges: list[tuple[int, int, float]] = []

    def go(origin: int | None, targets: list[tuple[int | None, float]]) -> None:
        """From ``origin`` on to the first stage of each path that exists, with its chance
        (from nowhere if the facility has no such station)."""
        if origin is None:
            return
        for target, chance in targets:
            if target is not None and chance > 0:
                edges.append((origin, target, chance))

    # Where a patient goes after the visit's treatment begins: first existing of these.
    treatment = next((s for s in (pay_drugs, pharmacy) if s is not None), None)
    order = [p for _, p in tests]
    none_from = [float(np.prod([1 - q for q in order[i:]])) for i in range(len(order) + 1)]
    any_test = 1.0 - none_from[0]

    def next_exams(after: int) -> list[tuple[int | None, float]]:
        """Exams after test index ``after`` - 1 in order: each the next one done, or none."""
        paths = [
            (exams[j], order[j] * float(np.prod([1 - q for q in order[after:j]])))
            for j in range(after, len(order))
        ]
        return [*paths, (delay, none_from[after])]

    steps = [s for s in (registration, consultation) if s is not None]
    for a, b in itertools.pairwise(steps):
        go(a, [(b, 1.0)])
    if tests:
        if pay_tests is not None:
            go(consultation, [(pay_tests, any_test)])
            go(pay_tests, [(t, p / any_test) for t, p in next_exams(0)[:-1]])
        else:
            go(consultation, next_exams(0)[:-1])
        for i, exam in enumerate(exams):
            go(exam, next_exams(i + 1))
        go(delay, [(review, 1.0)])
        go(review, [(treatment, 1.0)])
    go(consultation, [(treatment, 1.0 - any_test)])
    if pay_drugs is not None:
        go(pay_drugs, [(pharmacy, 1.0)])
    delay_means = {}
    if delay is not None:
        delay_means[delay] = scenario.tests[tests[0][0]].turnaround_min.mean
    return stages, edges, delay_means


def _problems(scenario: Scenario) -> list[str]:
    """Every way the scenario departs from a bare queueing system, with its key path."""
    problems = []
    if len(scenario.facilities) != 1:
        problems.append("facilities: a bare system has exactly one facility")
    if len(scenario.zones) != 1:
        problems.append("zones: a bare system has exactly one zone")
    if problems:
        return problems
    facility, zone = scenario.facilities[0], scenario.zones[0]
    demand = scenario.demand
    if len(set(demand.hour_profile)) != 1 or len(set(demand.weekday_profile)) != 1:
        problems.append("demand: hour_profile and weekday_profile must be flat (Poisson onsets)")
    if not facility.hours.always:
        problems.append("facilities[0].hours: a bare system is always open (always: true)")
    if facility.refers_to is not None:
        problems.append("facilities[0].refers_to: a bare system refers nobody")
    if facility.cashier_walk_min:
        problems.append("facilities[0].cashier_walk_min: must be 0")
    trip = zone.travel.get(facility.id)
    if trip is None or trip.travel_min:
        problems.append(f"zones[0].travel.{facility.id}.travel_min: must be 0")
    if scenario.switched_on():
        problems.append(f"reforms: must all be off, got {', '.join(scenario.switched_on())}")
    tier = scenario.tiers.get(facility.tier)
    if tier is None:
        return [*problems, f"tiers.{facility.tier}: missing"]
    if tier.walk_min:
        problems.append(f"tiers.{facility.tier}.walk_min: must be 0")
    servers = _servers(scenario)
    times = tier.service_min
    used = {
        "registration": servers["registration"] > 0,
        "consultation": True,
        "review": any(_orderable(scenario, c.id) for c in scenario.conditions),
        "cashier": servers["cashier"] > 0,
        "pharmacy": servers["pharmacy"] > 0,
    }
    for step, is_used in used.items():
        if is_used:
            problems.extend(
                _exponential(getattr(times, step), f"tiers.{facility.tier}.service_min.{step}")
            )
    if used["review"] and times.review.mean != times.consultation.mean:
        problems.append(
            f"tiers.{facility.tier}.service_min.review: mean must equal consultation's "
            "(one service rate per station for product form)"
        )
    turnarounds = set()
    for i, condition in enumerate(scenario.conditions):
        key = f"conditions[{i}]"
        if condition.followup is not None and condition.followup.probability > 0:
            problems.append(f"{key}.followup: a bare system has no follow-up visits")
        if condition.second_opinion is not None and condition.second_opinion.probability > 0:
            problems.append(f"{key}.second_opinion: a bare system has no second opinions")
        if TIER_RANK[condition.lowest_tier] > TIER_RANK[facility.tier]:
            problems.append(f"{key}.lowest_tier: must be at most the facility's tier")
        for test, _ in _orderable(scenario, condition.id):
            settings = scenario.tests[test]
            problems.extend(_exponential(settings.exam_min, f"tests.{test}.exam_min"))
            if facility.tier not in settings.fee_yuan:
                problems.append(f"tests.{test}.fee_yuan.{facility.tier}: missing")
            turnarounds.add((test, settings.turnaround_min))
    if len({t for t, _ in turnarounds}) > 1 and (
        len({d for _, d in turnarounds}) > 1 or any(d.dist != "fixed" for _, d in turnarounds)
    ):
        # The wait is for the last result: with several tests it is one fixed delay only then.
        problems.append("tests: with several tests ordered, turnaround_min must be one fixed value")
    return sorted(dict.fromkeys(problems))


def _exponential(duration: Duration, key: str) -> list[str]:
    if duration.dist != "exponential" or duration.mean <= 0:
        return [f"{key}: must be exponential with a positive mean, got {duration.dist}"]
    return []
