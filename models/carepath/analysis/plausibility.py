"""The model's outputs beside the figures published about the real reforms (REFORMS.md).

A scenario lists benchmarks (metric, arm, published figure and range, source); this module puts
the model's mean and 95% interval next to each, so a reader sees where they agree and where not.
"""

from __future__ import annotations

import math

import pandas as pd

from ..inputs.metric_registry import METRICS
from ..inputs.schema import Scenario
from ..observation.results_folder import PLAUSIBILITY_COLUMNS
from .planner import RESIDENT_WORDS, in_residents, summary_in_residents


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
            mean = low = high = math.nan
        else:
            mean, low, high = (float(match.iloc[0][c]) for c in ("mean", "ci_low", "ci_high"))
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


def replication_values(
    replications: pd.DataFrame, scenario: Scenario, metric: str, arm: str, residents: int | None
) -> pd.Series:
    """A published figure's model value in each replication, indexed by replication: ``metric``
    in ``arm`` (``difference``: without - with; ``paired``: the patient-paired row), per
    ``residents`` a year if the figure asks for planner units.  What a calibration fits and
    what the report sets beside a posterior run's figures, computed once.  KeyError if the
    run has no row of that arm."""
    rows = replications
    if residents is not None:
        rows = in_residents(rows, scenario, [metric], residents)
    rows = rows[rows.metric == metric]
    by_arm = rows.pivot(index="replication", columns="arm", values="value").sort_index()
    values = by_arm["without"] - by_arm["with"] if arm == "difference" else by_arm[arm]
    return values.astype(float)


def lines(table: pd.DataFrame) -> list[str]:
    """Plain-text lines for the terminal."""
    return [
        f"{r.scenario}: {r.metric} ({r.arm}) = {r.model_mean:.4g} "
        f"[95% CI {r.model_ci_low:.4g} to {r.model_ci_high:.4g}] {r.unit}; "
        f"published: {r.published} "
        f"(overlap: {r.overlaps})"
        for r in table.itertuples()
    ]
