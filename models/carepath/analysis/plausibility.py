"""The model's outputs beside the figures published about the real reforms (REFORMS.md).

A scenario lists benchmarks (metric, arm, published figure and range, source); this module puts
the model's mean and 95% interval next to each, so a reader sees where they agree and where not.

A benchmark's ``arm`` is an arm (``without``, ``with``), a comparison of the two
(``difference``: without - with; ``paired``: patient by patient) or the change as a share of
the without arm (``relative``: (without - with) / without, per replication, then summarised,
so a published fall of 9.4% is +0.094).  A replication whose without value is 0 has no relative
change: it is left out of the mean and interval, and the row's unit says in how many
replications it was defined (a calibration refuses it instead: ``workflows.calibrate``).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..inputs.arms import RELATIVE
from ..inputs.metric_registry import METRICS
from ..inputs.schema import Benchmark, Scenario
from ..observation.results_folder import PLAUSIBILITY_COLUMNS
from .planner import RESIDENT_WORDS, in_residents, summary_in_residents
from .statistics import describe

RELATIVE_UNIT = "share of the without arm"


def _overlaps(
    low: float, high: float, published_low: float | None, published_high: float | None
) -> str:
    """Whether the model's interval meets the published range: yes, no, or n/a."""
    if published_low is None and published_high is None:
        return "n/a"
    if math.isnan(low) or math.isnan(high):
        return "n/a"
    below = published_high is not None and low > published_high
    above = published_low is not None and high < published_low
    return "no" if below or above else "yes"


def beside_published(
    scenario: Scenario, summary: pd.DataFrame, replications: pd.DataFrame | None = None
) -> pd.DataFrame:
    """One row per benchmark of the scenario, with the model's summary next to it: in the
    metric's own unit, or per ``residents`` per year (from ``replications``) where the
    benchmark asks for planner units."""
    rows = []
    for _, b in scenario.benchmarks():
        if b.arm == RELATIVE:
            unit, (mean, low, high) = _relative(scenario, b, replications)
        else:
            unit, (mean, low, high) = _summarised(scenario, b, summary, replications)
        citation = f"{b.source}: {scenario.sources[b.source]}"
        overlap = _overlaps(low, high, b.low, b.high)
        rows.append(
            (
                scenario.name,
                b.metric,
                b.arm,
                unit,
                mean,
                low,
                high,
                b.published,
                b.low,
                b.high,
                overlap,
                citation,
            )
        )
    return pd.DataFrame(rows, columns=list(PLAUSIBILITY_COLUMNS))


Interval = tuple[float, float, float]
NO_INTERVAL: Interval = (math.nan, math.nan, math.nan)


def _summarised(
    scenario: Scenario, b: Benchmark, summary: pd.DataFrame, replications: pd.DataFrame | None
) -> tuple[str, Interval]:
    """An arm's, a difference's or a paired row's unit, mean and 95% interval: from the summary,
    or per ``residents`` per year from the replications."""
    unit = METRICS.get(b.metric).unit if METRICS.knows(b.metric) else ""
    table = summary
    if b.residents is not None:
        unit = RESIDENT_WORDS[b.residents]
        table = (
            summary_in_residents(replications, scenario, [b.metric], b.residents)
            if replications is not None
            else summary.iloc[0:0]
        )
    match = table[(table.metric == b.metric) & (table.arm == b.arm)]
    if match.empty:
        return unit, NO_INTERVAL
    mean, low, high = (float(match.iloc[0][c]) for c in ("mean", "ci_low", "ci_high"))
    return unit, (mean, low, high)


def _relative(
    scenario: Scenario, b: Benchmark, replications: pd.DataFrame | None
) -> tuple[str, Interval]:
    """The relative change's unit, mean and 95% interval over the replications where it is
    defined (the without value not 0); the unit says how many those were when not all."""
    if replications is None:
        return RELATIVE_UNIT, NO_INTERVAL
    by_replication = replication_values(replications, scenario, b.metric, RELATIVE, b.residents)
    values = by_replication.to_numpy(dtype=float)
    defined = values[~np.isnan(values)]
    unit = RELATIVE_UNIT
    if len(defined) < len(values):
        left_out = "the without arm is 0 in the rest"
        unit += f" ({len(defined)} of {len(values)} replications: {left_out})"
    if not len(defined):
        return unit, NO_INTERVAL
    found = describe(defined)
    return unit, (found["mean"], found["ci_low"], found["ci_high"])


def comparison_values(rows: pd.DataFrame, arm: str) -> pd.Series:
    """One metric's value per replication (``replications.csv`` rows of that metric) in a
    benchmark's ``arm``, by replication: an arm's own value, ``difference`` (without - with) or
    ``relative`` ((without - with) / without: NaN where the without value is 0, a change that
    is no share of anything).  Empty when the run lacks the arms it needs."""
    by_arm = rows.pivot(index="replication", columns="arm", values="value").sort_index()
    needed = ("without", "with") if arm in ("difference", RELATIVE) else (arm,)
    if any(a not in by_arm.columns for a in needed):
        return pd.Series(dtype=float)
    if arm == "difference":
        return by_arm["without"] - by_arm["with"]
    if arm == RELATIVE:
        return relative_change(by_arm["without"], by_arm["with"])
    return by_arm[arm]


def relative_change(without: pd.Series, with_: pd.Series) -> pd.Series:
    """(without - with) / without, replication by replication; NaN where without is 0."""
    return (without - with_) / without.where(without != 0)


def replication_values(
    replications: pd.DataFrame, scenario: Scenario, metric: str, arm: str, residents: int | None
) -> pd.Series:
    """A published figure's model value in each replication, indexed by replication: ``metric``
    in ``arm`` (as ``comparison_values``), per ``residents`` a year if the figure asks for
    planner units.  What a calibration fits and what the report sets beside a posterior run's
    figures, computed once.  Empty if the run lacks the arms it needs."""
    rows = replications
    if residents is not None:
        rows = in_residents(rows, scenario, [metric], residents)
    return comparison_values(rows[rows.metric == metric], arm).astype(float)


def lines(table: pd.DataFrame) -> list[str]:
    """Plain-text lines for the terminal."""
    return [
        f"{r.scenario}: {r.metric} ({r.arm}) = {r.model_mean:.4g} "
        f"[95% CI {r.model_ci_low:.4g} to {r.model_ci_high:.4g}] {r.unit}; "
        f"published: {r.published} "
        f"(overlap: {r.overlaps})"
        for r in table.itertuples()
    ]
