"""Checks that span sections of a scenario, run once every section is valid on its own.

Each problem is a key path (as in the YAML) and a message, so the loader can name the file that
defined the key.
"""

from __future__ import annotations

import math

from .metric_registry import METRICS, Scope
from .schema import TIERS, Scenario

Problem = tuple[tuple[str | int, ...], str]  # (key path, message)


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


def _recognition_problems(scenario: Scenario) -> list[Problem]:
    config = scenario.reforms.recognition
    where = ("reforms", "recognition")
    problems: list[Problem] = []
    if config.enabled and not config.items:
        problems.append(((*where, "items"), "no recognised items: nothing to recognise"))
    for test in config.items:
        if test not in scenario.tests:
            problems.append(((*where, "items", test), f"test {test!r} has no settings under tests"))
    rank = {t: i for i, t in enumerate(TIERS)}
    for i, centre in enumerate(config.remote_reading):
        reader = scenario.facility(centre.reader)
        for j, site_id in enumerate(centre.sites):
            site = scenario.facility(site_id)
            key = (*where, "remote_reading", i, "sites", j)
            if rank[site.tier] >= rank[reader.tier]:
                problems.append(
                    (key, f"{site_id!r} is not below the reader's tier {reader.tier!r}")
                )
            missing = [t for t in centre.tests if t not in site.stations.exams]
            if missing:
                problems.append((key, f"{site_id!r} has no exam unit for {missing}"))
    return problems


def _outreach_problems(scenario: Scenario) -> list[Problem]:
    where = ("reforms", "outreach", "visiting_experts")
    problems: list[Problem] = []
    townships = [f.id for f in scenario.facilities if f.tier == "township"]
    first_entry: dict[str, int] = {}  # site -> the entry that first holds sessions there
    for i, entry in enumerate(scenario.reforms.outreach.visiting_experts):
        if entry.sites == "townships":
            if not townships:
                problems.append(((*where, i, "sites"), "no township centre under facilities"))
            sites: list[tuple[str, tuple[str | int, ...]]] = [
                (site, (*where, i, "sites")) for site in townships
            ]
        else:
            sites = [(site, (*where, i, "sites", j)) for j, site in enumerate(entry.sites)]
        for site_id, key in sites:
            tier = scenario.facility(site_id).tier
            if tier not in ("village", "township"):
                message = (
                    f"{site_id!r} is a {tier} facility; "
                    "visiting experts go to township centres or village clinics"
                )
                problems.append((key, message))
            elif site_id in first_entry:
                earlier = first_entry[site_id]
                message = (
                    f"{site_id!r} already has sessions under visiting_experts[{earlier}]; "
                    "list a site once (one session plan per site)"
                )
                problems.append((key, message))
            else:
                first_entry[site_id] = i
    return problems


def _plausibility_problems(scenario: Scenario) -> list[Problem]:
    problems: list[Problem] = []
    for i, benchmark in enumerate(scenario.plausibility):
        scope: Scope = "paired" if benchmark.arm == "paired" else "arm"
        if not METRICS.knows(benchmark.metric, scope):
            message = f"no metric {benchmark.metric!r} for arm {benchmark.arm!r}"
            problems.append((("plausibility", i, "metric"), message))
        if benchmark.source not in scenario.sources:
            problems.append(
                (("plausibility", i, "source"), f"no source {benchmark.source!r} under sources")
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
        + _recognition_problems(scenario)
        + _outreach_problems(scenario)
        + _plausibility_problems(scenario)
    )
