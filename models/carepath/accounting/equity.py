"""Equity (issue 19): care sought, forgone and delayed, and time to care, by where people live.

Every measured episode (onset in the measured period, ``episodes.EpisodeTotals.measures``) counts
in two groups of its zone: the zone's kind (grouping ``zone_kind``: ``village``, ``community``)
and its band of travel minutes to the nearest county hospital (grouping ``county_travel_min``):
the smallest ``travel_min`` among the facilities the zone lists whose tier is ``county``, in
[0, 30) ``< 30``, [30, 60) ``30-60``, [60, 90) ``60-90`` or [90, inf) ``> 90``; a zone that lists
no county facility is in ``no county hospital``.  Only groups with at least one zone are listed.

The definitions are the arm metrics' (``accounting.metrics``): care is sought unless the illness
went without at onset (``care_sought_share``); forgone, at onset or after leaving a queue
(``episodes_forgone``); delayed (``episodes_delayed``).  Each is a count over the group's
measured episodes per 1,000 of its residents (its zones' population) per year, scaled as
``budget.csv`` is (``inputs.economics.residents_year_factor``).  ``time_to_care_min`` is the mean
over the group's measured episodes that ended and were not forgone; NaN where there were none.
"""

from __future__ import annotations

import math

from ..inputs.economics import residents_year_factor
from ..system.world import World, ZonePlan
from .episodes import EndedEpisodes, Episode
from .exact import ExactSum

ZONE_KIND = "zone_kind"
COUNTY_TRAVEL = "county_travel_min"
# Upper edge (excluded) and name of each band of minutes to the nearest county hospital.
BANDS = ((30.0, "< 30"), (60.0, "30-60"), (90.0, "60-90"), (math.inf, "> 90"))
NO_COUNTY = "no county hospital"
PER_1000 = 1000
METRICS = (
    "care_sought_per_1000_year",
    "forgone_per_1000_year",
    "delayed_per_1000_year",
    "time_to_care_min",
)


def nearest_county_min(world: World, zone: ZonePlan) -> float | None:
    """Minutes from the zone to the nearest county hospital it lists; None if it lists none."""
    minutes = [
        travel_min
        for facility, (travel_min, _) in zone.travel.items()
        if world.facilities[facility].tier == "county"
    ]
    return min(minutes) if minutes else None


def travel_band(minutes: float | None) -> str:
    """The band of minutes to the nearest county hospital (None: the zone lists none)."""
    if minutes is None:
        return NO_COUNTY
    return next(name for upper, name in BANDS if minutes < upper)


def zone_groups(world: World) -> list[tuple[tuple[str, str], ...]]:
    """Each zone's groups, (grouping, group), by zone index."""
    return [
        (
            (ZONE_KIND, world.scenario.zones[zone.index].kind),
            (COUNTY_TRAVEL, travel_band(nearest_county_min(world, zone))),
        )
        for zone in world.zones
    ]


def _order(key: tuple[str, str]) -> tuple:
    """Zone kinds by name, then the bands from the nearest, then no county hospital."""
    grouping, group = key
    if grouping == ZONE_KIND:
        return (0, group)
    names = [name for _, name in BANDS]
    return (1, names.index(group) if group in names else len(names))


class _Group:
    __slots__ = (
        "residents",
        "episodes",
        "not_sought",
        "forgone",
        "delayed",
        "cared",
        "time_to_care_min",
        "times_min",
    )

    def __init__(self) -> None:
        self.residents = 0
        self.episodes = 0  # measured
        self.not_sought = 0  # illnesses that went without formal care at onset
        self.forgone = 0  # at onset, or given up after leaving a queue
        self.delayed = 0
        self.cared = 0  # ended, and not forgone
        self.time_to_care_min = ExactSum()
        self.times_min: list[float] = []  # of a zone's episodes folded together, cared for

    def add(self, other: _Group) -> None:
        """Add the counts of a zone's episodes folded together."""
        self.episodes += other.episodes
        self.not_sought += other.not_sought
        self.forgone += other.forgone
        self.delayed += other.delayed
        self.cared += other.cared
        self.time_to_care_min.extend(other.times_min)


class EquityTally:
    """Care sought, forgone and delayed and time to care of one arm's measured episodes, by the
    groups of their zones (the module's doc)."""

    def __init__(self, world: World) -> None:
        self.days = world.scenario.simulation.horizon_days
        self.groups: dict[tuple[str, str], _Group] = {}
        self.of_zone: list[tuple[_Group, ...]] = []
        for zone, keys in zip(world.zones, zone_groups(world), strict=True):
            for key in keys:
                self.groups.setdefault(key, _Group()).residents += zone.population
            self.of_zone.append(tuple(self.groups[key] for key in keys))

    def add(self, episode: Episode) -> None:
        """Count one measured episode (the arm's tally asks ``EpisodeTotals.measures``) that
        has ended, or is still in care at the end."""
        self.add_ended(EndedEpisodes([episode]))

    def add_ended(self, ended: EndedEpisodes) -> None:
        """Count measured episodes that have ended (or are still in care at the end): zone by
        zone, then each zone's counts into its groups."""
        by_zone: dict[int, _Group] = {}
        for episode, not_sought, forgone, delayed, cared, time_min in zip(
            ended.episodes,
            ended.not_sought,
            ended.forgone,
            ended.delayed,
            ended.cared,
            ended.time_to_care_min,
            strict=True,
        ):
            counts = by_zone.get(episode.row.zone)
            if counts is None:
                counts = by_zone[episode.row.zone] = _Group()
            counts.episodes += 1
            counts.not_sought += not_sought
            counts.forgone += forgone
            counts.delayed += delayed
            if cared:
                counts.cared += 1
                counts.times_min.append(time_min)
        for zone, counts in by_zone.items():
            for group in self.of_zone[zone]:
                group.add(counts)

    def rows(self) -> list[tuple]:
        """(grouping, group, residents, metric, value) per group, in order (zone kinds by
        name, then the bands), each group's ``METRICS`` in order."""
        rows: list[tuple] = []
        for key in sorted(self.groups, key=_order):
            group = self.groups[key]
            factor = residents_year_factor(self.days, group.residents, PER_1000)
            sought = group.episodes - group.not_sought
            values = (
                sought * factor,
                group.forgone * factor,
                group.delayed * factor,
                group.time_to_care_min.value / group.cared if group.cared else math.nan,
            )
            rows.extend(
                (*key, group.residents, metric, float(value))
                for metric, value in zip(METRICS, values, strict=True)
            )
        return rows
