"""Two runs side by side: a baseline and a variant (the same scenario with levers pulled).

Each summary row of the baseline (a metric in one arm, or a saving ``without - with``) is put
beside the same row of the variant, with the change ``variant - baseline``, the metric's unit,
and which way the row is better (from ``inputs.metric_registry``).  A saving row is better
higher when its metric is better lower, and the other way round.

Runs with the same seed and replication numbers saw the same simulated patients (common random
numbers), so the change gets an interval from its per-replication values; otherwise the
change's interval is left empty and nothing is read into it.
"""

from __future__ import annotations

import math
from typing import Protocol

import numpy as np
import pandas as pd

from ..inputs.arms import PAIRED, WITHOUT
from ..inputs.metric_registry import METRICS, Better
from .statistics import describe, difference_label

# each run's mean and 95% interval, side by side, then the change and its interval
SIDE_BY_SIDE = [
    *(f"{run}_{part}" for run in ("baseline", "variant") for part in ("mean", "ci_low", "ci_high")),
    "change",
    "change_ci_low",
    "change_ci_high",
]
COLUMNS = ["metric", "arm", "label", "unit", "better", *SIDE_BY_SIDE, "reading"]
# summary.csv labels a saving against arm A "difference_A", and against ``with`` "difference"
# (``statistics.difference_label``).
DIFFERENCE = "difference"
_FLIPPED: dict[Better, Better] = {"lower": "higher", "higher": "lower", "neither": "neither"}


class Run(Protocol):
    """What ``compare`` reads of a run (``carepath.RunResult``)."""

    seed: int
    summary: pd.DataFrame
    replications: pd.DataFrame


def compare(
    baseline: Run,
    variant: Run,
    metrics: list[str] | None = None,
    arms: list[str] | None = None,
) -> pd.DataFrame:
    """The baseline's and the variant's summaries side by side, one row per metric and arm.

    ``arm`` is the summary's: an arm (``without``, ``with``...), a saving (``difference``:
    ``without - with``) or a patient-paired saving (``paired``).  ``change`` is
    ``variant_mean - baseline_mean``; ``better`` says which way that row is an improvement and
    ``reading`` whether the change is one (``better``, ``worse``, ``no clear change``, ``no
    change``; empty when the row is better neither way or the runs are not paired).  Rows are
    those both runs have, in the baseline's order, limited to ``metrics`` and ``arms`` if given.

    Raises ValueError naming what is missing when a metric or arm asked for is in neither run.
    """
    left = _rows(baseline.summary, metrics, arms)
    right = _rows(variant.summary, metrics, arms)
    keys = ["metric", "arm"]
    both = left.merge(right, on=keys, suffixes=("_baseline", "_variant"), sort=False)
    per_replication = _paired_values(baseline, variant)
    rows = [_row(row, per_replication) for row in both.itertuples(index=False)]
    return pd.DataFrame(rows, columns=COLUMNS)


def _rows(summary: pd.DataFrame, metrics: list[str] | None, arms: list[str] | None):
    rows = summary.drop_duplicates(["metric", "arm"])
    for column, wanted in (("metric", metrics), ("arm", arms)):
        if wanted is None:
            continue
        missing = [name for name in wanted if name not in set(rows[column])]
        if missing:
            raise ValueError(f"no {column} {missing} in the run's summary")
        rows = rows[rows[column].isin(wanted)]
    return rows[["metric", "arm", "mean", "ci_low", "ci_high"]]


def row_better(metric: str, arm: str) -> Better:
    """Which way the summary row of ``metric`` in ``arm`` is an improvement: the metric's own
    direction, turned round for a saving row (``without - with``)."""
    better = METRICS.get(metric).better
    return _FLIPPED[better] if arm.startswith(DIFFERENCE) else better


def _row(row, per_replication: pd.DataFrame | None) -> dict:
    metric = METRICS.get(row.metric)
    change = row.mean_variant - row.mean_baseline
    low = high = math.nan
    if per_replication is not None and (row.metric, row.arm) in per_replication.index:
        values = per_replication.loc[(row.metric, row.arm)].to_numpy(dtype=float)
        interval = describe(values[~np.isnan(values)])
        low, high = interval["ci_low"], interval["ci_high"]
    better = row_better(row.metric, row.arm)
    return {
        "metric": row.metric,
        "arm": row.arm,
        "label": metric.label,
        "unit": metric.unit,
        "better": better,
        "baseline_mean": row.mean_baseline,
        "baseline_ci_low": row.ci_low_baseline,
        "baseline_ci_high": row.ci_high_baseline,
        "variant_mean": row.mean_variant,
        "variant_ci_low": row.ci_low_variant,
        "variant_ci_high": row.ci_high_variant,
        "change": change,
        "change_ci_low": low,
        "change_ci_high": high,
        "reading": reading(better, change, low, high),
    }


def reading(better: Better, change: float, low: float, high: float) -> str:
    """What a change reads as: ``better`` or ``worse`` when its interval excludes 0, ``no
    clear change`` when it does not, ``no change`` when it is exactly 0 with no spread, and
    nothing for a row better neither way or a change without an interval."""
    if better == "neither" or math.isnan(change) or math.isnan(low) or math.isnan(high):
        return ""
    if change == 0 and low == high:
        return "no change"
    if low <= 0 <= high:
        return "no clear change"
    return "better" if (change > 0) == (better == "higher") else "worse"


def _paired_values(baseline: Run, variant: Run) -> pd.DataFrame | None:
    """``variant - baseline`` per replication (columns), by metric and summary arm (index);
    None unless both runs saw the same patients (same seed and replication numbers)."""
    first, second = _by_replication(baseline), _by_replication(variant)
    if baseline.seed != variant.seed or list(first.columns) != list(second.columns):
        return None
    return second.sub(first).dropna(how="all")


def _by_replication(run: Run) -> pd.DataFrame:
    """Each (metric, summary arm)'s value per replication: the arms' and paired rows as run,
    and each saving ``without - arm`` as the summary labels it."""
    table = run.replications.pivot_table(
        index=["metric", "arm"], columns="replication", values="value", aggfunc="first"
    )
    present = list(table.index.unique("arm"))
    if WITHOUT.name not in present:
        return table
    without = table.xs(WITHOUT.name, level="arm")
    savings = [
        _saving_rows(without, table.xs(arm, level="arm"), difference_label(arm))
        for arm in present
        if arm not in (WITHOUT.name, PAIRED)
    ]
    return pd.concat([table, *savings]).sort_index(axis=1)


def _saving_rows(without: pd.DataFrame, arm_rows: pd.DataFrame, label: str) -> pd.DataFrame:
    saving = without.sub(arm_rows)
    saving.index = pd.MultiIndex.from_arrays(
        [saving.index, [label] * len(saving)], names=["metric", "arm"]
    )
    return saving
