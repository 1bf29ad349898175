"""Results in planners' units: per 1,000 or 10,000 residents per year, and per year for the area.

A run measures ``horizon_days`` of the modelled zones.  An amount per measured episode times the
replication's episodes is the measured period's total; a count is already one.  Scaled by
365 / measured days (seasonality is not modelled) and by residents over the modelled zones'
population, it is per that many residents per year; times the area's population over 10,000,
for the area a year.  Each replication is scaled before it is summarised, so the intervals
are those of the scaled values (the episodes vary between replications).
"""

from __future__ import annotations

import math

import pandas as pd

from ..inputs.economics import residents_year_factor
from ..inputs.metric_registry import METRICS, PERSPECTIVES, net_cost_name, residents_scaling
from ..inputs.schema import Scenario
from ..observation.results_folder import BUDGET_COLUMNS
from .statistics import summarise

PER_10K = 10_000
RESIDENT_WORDS = {1000: "per 1,000 residents per year", 10_000: "per 10,000 residents per year"}


def modelled_population(scenario: Scenario) -> int:
    """Residents of the scenario's zones."""
    return sum(zone.population for zone in scenario.zones)


def per_residents_year(scenario: Scenario, residents: int) -> float:
    """What turns a total over the measured period into one per ``residents`` per year."""
    days = scenario.simulation.horizon_days
    return residents_year_factor(days, modelled_population(scenario), residents)


def scalable(metric: str) -> bool:
    """Whether a metric can be put per resident per year."""
    return METRICS.knows(metric) and residents_scaling(METRICS.get(metric)) is not None


def in_residents(
    replications: pd.DataFrame, scenario: Scenario, metrics: list[str], residents: int
) -> pd.DataFrame:
    """The rows of ``metrics`` (per arm) scaled per ``residents`` per year, same columns."""
    arms = replications[replications.arm != "paired"]
    episodes = arms[arms.metric == "episodes"].set_index(["replication", "arm"])["value"]
    factor = per_residents_year(scenario, residents)
    rows = arms[arms.metric.isin(metrics)].copy()
    if rows.empty:
        return rows
    per_episode = rows.metric.map(lambda m: residents_scaling(METRICS.get(m)) == "episode")
    count = episodes.reindex(pd.MultiIndex.from_frame(rows[["replication", "arm"]])).to_numpy()
    rows["value"] = rows["value"].to_numpy() * factor
    rows.loc[per_episode.to_numpy(), "value"] *= count[per_episode.to_numpy()]
    return rows


def summary_in_residents(
    replications: pd.DataFrame, scenario: Scenario, metrics: list[str], residents: int
) -> pd.DataFrame:
    """``summary.csv``'s rows (each arm, each difference ``without - with``) of ``metrics`` per
    ``residents`` per year."""
    scaled = in_residents(replications, scenario, metrics, residents)
    if scaled.empty:
        return pd.DataFrame(columns=["scenario", "metric", "arm", "n", "mean", "ci_low", "ci_high"])
    return summarise(scaled)


def budget(replications: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """``budget.csv``: each perspective's net cost per 10,000 residents per year and for the
    area per year, per arm and as the net saving (``difference``: without - with, positive =
    that payer better off)."""
    names = {net_cost_name(p): p for p in PERSPECTIVES}
    summary = summary_in_residents(replications, scenario, list(names), PER_10K)
    area = scenario.area
    to_area = area.population / PER_10K if area is not None else math.nan
    rows = []
    for metric, arm, n, *amounts in zip(
        summary.metric,
        summary.arm,
        summary.n,
        summary["mean"],
        summary.ci_low,
        summary.ci_high,
        strict=True,
    ):
        rows.append(
            (
                scenario.name,
                names[str(metric)],
                arm,
                int(n),
                *amounts,
                area.name if area is not None else "",
                area.population if area is not None else math.nan,
                *(float(amount) * to_area for amount in amounts),
            )
        )
    return pd.DataFrame(rows, columns=list(BUDGET_COLUMNS))
