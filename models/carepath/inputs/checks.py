"""Checks that span sections of a scenario, run once every section is valid on its own.

Each problem is a key path (as in the YAML) and a message, so the loader can name the file that
defined the key.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from .arms import arms_problems
from .metric_registry import METRICS, Scope, residents_scaling
from .reform_registry import REFORMS, Problem
from .schema import TIERS, Facility, Scenario
from .targets import entry_problems


def _duplicates(items: list, section: str) -> list[Problem]:
    seen: dict[str, int] = {}
    problems: list[Problem] = []
    for i, item in enumerate(items):
        if item.id in seen:
            problems.append(
                ((section, i, "id"), f"duplicate id {item.id!r} (also {section}[{seen[item.id]}])")
            )
        seen.setdefault(item.id, i)
    return problems


def _referral_chain(scenario: Scenario, start: str) -> list[str]:
    chain: list[str] = []
    current: str | None = start
    while current is not None and current not in chain:
        chain.append(current)
        current = scenario.facility(current).refers_to
    return chain


def _facility_problems(scenario: Scenario) -> list[Problem]:
    problems: list[Problem] = []
    rank = {t: i for i, t in enumerate(TIERS)}
    departments = {c.department for c in scenario.conditions}
    for i, fac in enumerate(scenario.facilities):
        if fac.tier not in scenario.tiers:
            problems.append(
                (("facilities", i, "tier"), f"no settings for tier {fac.tier!r} under tiers")
            )
        if fac.refers_to is not None:
            target = scenario.facility(fac.refers_to)
            if rank[target.tier] <= rank[fac.tier]:
                problems.append(
                    (
                        ("facilities", i, "refers_to"),
                        f"must name a tier above {fac.tier!r}, got {target.id!r} ({target.tier})",
                    )
                )
        for test in fac.stations.exams:
            settings = scenario.tests.get(test)
            if settings is None or fac.tier not in settings.fee_yuan:
                problems.append(
                    (
                        ("facilities", i, "stations", "exams", test),
                        f"no fee for {test!r} at tier {fac.tier!r} under tests",
                    )
                )
        problems += _background_problems(fac, i)
        doctors = fac.stations.doctors
        missing = sorted(d for d in departments if d not in doctors and "general" not in doctors)
        if missing:
            problems.append(
                (
                    ("facilities", i, "stations", "doctors"),
                    f"no 'general' doctors and no department {missing}",
                )
            )
    return problems


def _background_problems(fac: Facility, i: int) -> list[Problem]:
    """Outpatients from beyond the area need the station they queue at."""
    here = ("facilities", i, "background")
    bg, stations = fac.background, fac.stations
    problems: list[Problem] = [
        ((*here, window), f"no {window} windows under stations to queue at")
        for window in ("registration", "cashier", "pharmacy")
        if getattr(bg, window) > 0 and getattr(stations, window) == 0
    ]
    problems += [
        ((*here, "doctors", d), f"no {d!r} doctors under stations.doctors to queue at")
        for d in bg.doctors
        if d not in stations.doctors
    ]
    problems += [
        ((*here, "exams", t), f"no {t} exam units under stations.exams to queue at")
        for t in bg.exams
        if t not in stations.exams
    ]
    return problems


def _zone_problems(scenario: Scenario) -> list[Problem]:
    problems: list[Problem] = []
    tier_of = {f.id: f.tier for f in scenario.facilities}
    for i, zone in enumerate(scenario.zones):
        reachable = set()
        for fac_id in zone.travel:
            reachable.update(_referral_chain(scenario, fac_id))
        missing = sorted(reachable - set(zone.travel))
        if missing:
            problems.append(
                (("zones", i, "travel"), f"no travel to {missing}, reached by referral")
            )
        tiers_here = {tier_of[f] for f in zone.travel}
        for c in scenario.conditions:
            shares = zone.first_contact.get(c.id, c.first_contact)
            if not any(p > 0 and t in tiers_here for t, p in shares.items()):
                problems.append(
                    (
                        ("zones", i, "travel"),
                        f"no facility of a tier condition {c.id!r} goes to first",
                    )
                )
    return problems


def _management_problems(scenario: Scenario) -> list[Problem]:
    """A facility patients reach first with a condition it cannot manage must refer them on,
    up a chain that reaches a tier that can (else they would be treated where they cannot be)."""
    rank = {t: i for i, t in enumerate(TIERS)}
    index = {f.id: i for i, f in enumerate(scenario.facilities)}
    problems: list[Problem] = []
    reported: set[tuple[str, str]] = set()
    for zone in scenario.zones:
        for condition in scenario.conditions:
            shares = zone.first_contact.get(condition.id, condition.first_contact)
            for fac_id in zone.travel:
                facility = scenario.facility(fac_id)
                needed = rank[condition.lowest_tier]
                if shares.get(facility.tier, 0.0) <= 0 or rank[facility.tier] >= needed:
                    continue
                chain = _referral_chain(scenario, fac_id)
                if any(rank[scenario.facility(f).tier] >= needed for f in chain):
                    continue
                if (fac_id, condition.id) in reported:
                    continue
                reported.add((fac_id, condition.id))
                problems.append(
                    (
                        ("facilities", index[fac_id], "refers_to"),
                        f"patients with {condition.id!r} come here first but it cannot manage "
                        f"them (lowest tier {condition.lowest_tier!r}) and refers them nowhere "
                        "that can",
                    )
                )
    return problems


def _condition_problems(scenario: Scenario) -> list[Problem]:
    problems: list[Problem] = []
    total = sum(c.share for c in scenario.conditions)
    if not math.isclose(total, 1.0, abs_tol=1e-6):
        problems.append((("conditions",), f"shares must sum to 1, got {total:.6g}"))
    rank = {t: i for i, t in enumerate(TIERS)}
    top = max((rank[f.tier] for f in scenario.facilities), default=0)
    for i, c in enumerate(scenario.conditions):
        if rank[c.lowest_tier] > top:
            problems.append(
                (
                    ("conditions", i, "lowest_tier"),
                    f"no facility of tier {c.lowest_tier!r} or above",
                )
            )
        for test in c.tests:
            if test not in scenario.tests:
                problems.append(
                    (("conditions", i, "tests", test), f"test {test!r} has no settings under tests")
                )
    return problems


def _plausibility_problems(scenario: Scenario) -> list[Problem]:
    problems: list[Problem] = []
    for here, benchmark in scenario.benchmarks():
        scope: Scope = "paired" if benchmark.arm == "paired" else "arm"
        if not METRICS.knows(benchmark.metric, scope):
            message = f"no metric {benchmark.metric!r} for arm {benchmark.arm!r}"
            problems.append(((*here, "metric"), message))
        elif benchmark.residents is not None and (
            residents_scaling(METRICS.get(benchmark.metric)) is None
        ):
            message = f"metric {benchmark.metric!r} cannot be put per residents per year"
            problems.append(((*here, "residents"), message))
        if benchmark.source not in scenario.sources:
            problems.append(((*here, "source"), f"no source {benchmark.source!r} under sources"))
    return problems


def _target_problems(scenario: Scenario) -> list[Problem]:
    """Calibration targets, entry by entry (``inputs.targets``): a fit or held-out figure has
    a published range, a point value its own sd, an sd its reason.  That a file which fits has
    uncertain inputs and keeps a figure back is checked on the loaded file alone
    (``targets.calibration_problems``), since a drawn point has no ``uncertainty:`` block."""
    return entry_problems(scenario)


def _economics_problems(scenario: Scenario) -> list[Problem]:
    """Capital must serve a reform the registry knows."""
    names = REFORMS.names()
    return [
        (("economics", "capital", i, "reform"), f"no reform {item.reform!r} (one of {names})")
        for i, item in enumerate(scenario.economics.capital)
        if item.reform not in names
    ]


def _unnamed(
    keys: Iterable[str], known: set[str], path: tuple[str, ...], message: str
) -> list[Problem]:
    """A problem at ``path + (key,)`` for each key that is not among ``known``."""
    return [((*path, key), message) for key in keys if key not in known]


def _care_seeking_problems(scenario: Scenario) -> list[Problem]:
    """Severities and unnoticed cases must name conditions of the file (unnoticed ones not
    urgent); starting waits, tiers or facilities."""
    care = scenario.care_seeking
    conditions = {c.id for c in scenario.conditions}
    problems: list[Problem] = []
    if care.seek is not None:
        severity = ("care_seeking", "seek", "severity")
        problems += _unnamed(care.seek.severity, conditions, severity, "no condition with this id")
    if care.choice is not None:
        places = {*TIERS, *(f.id for f in scenario.facilities)}
        waits = ("care_seeking", "choice", "start_wait_min")
        problems += _unnamed(
            care.choice.start_wait_min, places, waits, "no tier or facility so named"
        )
    if care.latent is not None:
        rates, latent = ("care_seeking", "latent", "cases_per_1000_year"), care.latent
        problems += _unnamed(
            latent.cases_per_1000_year, conditions, rates, "no condition with this id"
        )
        not_urgent = {c.id for c in scenario.conditions if not c.urgent}
        problems += _unnamed(
            (c for c in latent.cases_per_1000_year if c in conditions),
            not_urgent,
            rates,
            "an urgent condition cannot go unnoticed",
        )
    return problems


def ward_warmup_days(scenario: Scenario) -> float:
    """The shortest warm-up a scenario with wards needs (three times the longest mean stay), or
    0 without them."""
    stays = [a.stay_days.mean for a in scenario.inpatient.admission.values()]
    if not stays or not any(f.beds for f in scenario.facilities):
        return 0.0
    return 3 * max(stays)


def _inpatient_problems(scenario: Scenario) -> list[Problem]:
    """Booked exam types need exam units; a ward needs a warm-up of three mean stays, so that
    its beds have filled (DESIGN.md: warm-up is not measured)."""
    problems: list[Problem] = []
    for i, fac in enumerate(scenario.facilities):
        for test in fac.bookings:
            if test not in fac.stations.exams:
                problems.append(
                    (
                        ("facilities", i, "bookings", test),
                        f"no {test} exam units under stations.exams to book",
                    )
                )
    conditions = {c.id for c in scenario.conditions}
    for condition in scenario.inpatient.admission:
        if condition not in conditions:
            problems.append(
                (
                    ("inpatient", "admission", condition),
                    "no condition with this id under conditions",
                )
            )
    needed = ward_warmup_days(scenario)
    if needed and scenario.simulation.warmup_days < needed:
        problems.append(
            (
                ("simulation", "warmup_days"),
                f"must be at least 3 x the longest mean stay in a bed ({needed:g} days) when "
                f"facilities have beds, got {scenario.simulation.warmup_days:g}",
            )
        )
    return problems


def cross_checks(scenario: Scenario) -> list[Problem]:
    """Every problem that needs more than one section to see, in file order."""
    problems = _duplicates(scenario.facilities, "facilities")
    problems += _duplicates(scenario.zones, "zones")
    problems += _duplicates(scenario.conditions, "conditions")
    if problems:
        return problems
    return (
        _facility_problems(scenario)
        + _zone_problems(scenario)
        + _condition_problems(scenario)
        + _management_problems(scenario)
        + REFORMS.problems(scenario)
        + _plausibility_problems(scenario)
        + _target_problems(scenario)
        + _economics_problems(scenario)
        + _care_seeking_problems(scenario)
        + _inpatient_problems(scenario)
        + arms_problems(scenario)
    )
