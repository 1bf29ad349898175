"""The headline numbers of a run: saved cost, saved waiting and referral load, with 95% CIs."""

from __future__ import annotations

import math

import pandas as pd

from ..inputs.metric_registry import METRICS, Better
from .shapley import SHAPLEY

# (what it is, metric, arm): "saved" rows are the paired difference without - with.
HEADLINE = (
    ("saved cost per episode (yuan)", "cost_total_yuan", "difference"),
    ("saved medical fees per episode (yuan)", "cost_medical_yuan", "difference"),
    ("saved travel cost per episode (yuan)", "cost_travel_yuan", "difference"),
    # Who gains (docs/economics.md): resources and time, and what patients pay themselves.
    ("net saving to society per episode (yuan)", "net_cost_society_yuan", "difference"),
    ("net saving to patients per episode (yuan)", "net_cost_patient_yuan", "difference"),
    ("saved waiting per episode (min)", "wait_min", "difference"),
    ("saved time to care (min)", "time_to_care_min", "difference"),
    ("referral load, county (per week)", "referral_load_county", "without"),
    ("referral load, county (per week)", "referral_load_county", "with"),
    ("referral load, city (per week)", "referral_load_city", "without"),
    ("referral load, city (per week)", "referral_load_city", "with"),
)
COLUMNS = ["measure", "metric", "arm", "n", "mean", "ci_low", "ci_high"]


def headline_table(summary: pd.DataFrame) -> pd.DataFrame:
    """The headline rows of a summary table (``RunResult.summary`` or ``summary.csv``), in a
    fixed order; measures whose metric the summary lacks are left out."""
    indexed = summary.drop_duplicates(["metric", "arm"]).set_index(["metric", "arm"])
    rows = [
        {"measure": measure, "metric": metric, "arm": arm, **indexed.loc[(metric, arm)].to_dict()}
        for measure, metric, arm in HEADLINE
        if (metric, arm) in indexed.index
    ]
    return pd.DataFrame(rows, columns=COLUMNS).astype({"n": "int64"})


def change_reading(
    metric: str, mean: float, low: float, high: float, better: Better | None = None
) -> str:
    """What a ``without - with`` difference of ``metric`` reads as, by the metric's better
    direction (``inputs.metric_registry``, or ``better`` for a metric it does not register):
    ``gain`` or ``loss`` when its 95% interval excludes 0, ``no clear change`` when it does
    not, ``no change`` when it is exactly 0, and nothing for a metric that is better neither
    way."""
    better = better or METRICS.get(metric).better
    if better == "neither" or math.isnan(mean):
        return ""
    if mean == 0 and (math.isnan(low) or low == high):
        return "no change"
    if math.isnan(low) or math.isnan(high) or low <= 0 <= high:
        return "no clear change"
    # difference = without - with: positive means the reform lowered the metric
    lowered = mean > 0
    return "gain" if lowered == (better == "lower") else "loss"


def _mean_ci(row: pd.Series) -> str:
    return f"{row['mean']:.4g} [{row['ci_low']:.4g}, {row['ci_high']:.4g}]"


def headline_lines(summary: pd.DataFrame) -> list[str]:
    """The headline as short lines for a terminal: each saving (``without - with``) with its
    95% CI and what it reads as, and each referral load without and with the reforms."""
    table = headline_table(summary)
    differences = summary[summary.arm == "difference"].drop_duplicates("metric")
    difference = differences.set_index("metric")
    lines = []
    for measure, rows in table.groupby("measure", sort=False):
        by_arm = {row["arm"]: row for _, row in rows.iterrows()}
        if "difference" in by_arm:
            row = by_arm["difference"]
            reading = change_reading(row["metric"], row["mean"], row["ci_low"], row["ci_high"])
            lines.append(f"{measure:<42} {_mean_ci(row)}{f'  ({reading})' if reading else ''}")
            lines += _shapley_lines(summary, row["metric"])
            continue
        arms = "  ".join(f"{arm} {_mean_ci(row)}" for arm, row in by_arm.items())
        metric = rows["metric"].iloc[0]
        if metric in difference.index:
            arms += f"  fewer: {_mean_ci(difference.loc[metric])}"
        lines.append(f"{measure:<42} {arms}")
    return lines


def _shapley_lines(summary: pd.DataFrame, metric: str) -> list[str]:
    """A factorial run's split of one saving between its reforms (Shapley parts)."""
    parts = summary[(summary.metric == metric) & summary.arm.str.startswith(SHAPLEY)]
    return [
        f"  {'- ' + row['arm'].removeprefix(SHAPLEY):<40} {_mean_ci(row)}  (Shapley part)"
        for _, row in parts.iterrows()
    ]
