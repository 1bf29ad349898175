"""Intervals a figure can draw without clipping: the summary's t-interval, or a bootstrap one
where the t-interval crosses a bound the quantity cannot cross.

A mean of values that are never negative (a count, minutes, yuan of one arm) has a 95%
t-interval reaching below 0 when the replications are few and skewed; a share's may pass 1.
Drawing that interval shows impossible values, and cutting it at the bound hides how wide it
is.  Instead the figure draws the percentile bootstrap interval of the mean from the
replications themselves (``replications.csv`` rows, or ``stations.csv`` rows), which stays
inside the bound, and the caption says where it did so.  The resampling is seeded, so a
figure redrawn from the same results is the same.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ...inputs.metric_registry import METRICS

RESAMPLES = 4000
SEED = 20260  # fixed: the same replications give the same interval
CONFIDENCE = 0.95
BOOTSTRAP_WORDS = "95% percentile bootstrap interval of the mean over replications"


@dataclass(frozen=True)
class Bounds:
    """The values a quantity can take: ``low`` to ``high`` (either may be infinite)."""

    low: float = -math.inf
    high: float = math.inf

    def crossed(self, ci_low: float, ci_high: float) -> bool:
        return bool(ci_low < self.low or ci_high > self.high)


UNBOUNDED = Bounds()
NOT_NEGATIVE = Bounds(0.0)
SHARE = Bounds(0.0, 1.0)


def metric_bounds(metric: str, arm: str) -> Bounds:
    """Natural bounds of a summary row: a share lies in [0, 1], an arm's count, minutes or
    yuan is not negative; a difference (``without - with``) of a share in [-1, 1] and of
    anything else unbounded; a net cost (a payer may come out ahead) unbounded."""
    if not METRICS.knows(metric):
        return UNBOUNDED
    unit = METRICS.get(metric).unit
    share = "share" in unit
    if arm.startswith("difference"):
        return Bounds(-1.0, 1.0) if share else UNBOUNDED
    if arm not in ("without", "with"):
        return UNBOUNDED
    if share:
        return SHARE
    return UNBOUNDED if metric.startswith("net_cost_") else NOT_NEGATIVE


def bootstrap_interval(values: np.ndarray) -> tuple[float, float]:
    """The 95% percentile bootstrap interval of the mean of ``values`` (seeded)."""
    values = np.asarray(values, dtype=float)
    values = values[~np.isnan(values)]
    if len(values) < 2:
        return math.nan, math.nan
    rng = np.random.default_rng(SEED)
    picks = rng.integers(0, len(values), size=(RESAMPLES, len(values)))
    means = values[picks].mean(axis=1)
    tail = (1.0 - CONFIDENCE) / 2 * 100
    low, high = np.percentile(means, [tail, 100 - tail])
    return float(low), float(high)


def arm_values(replications: pd.DataFrame, metric: str, arm: str) -> np.ndarray | None:
    """One value per replication of ``metric`` in ``arm`` from ``replications.csv`` rows;
    for ``difference``: without - with, paired by replication.  None if the rows are absent."""
    rows = replications[replications.metric == metric]
    by_arm = rows.pivot_table(index="replication", columns="arm", values="value", aggfunc="first")
    if arm == "difference":
        if not {"without", "with"} <= set(by_arm.columns):
            return None
        return (by_arm["without"] - by_arm["with"]).sort_index().to_numpy(dtype=float)
    if arm not in by_arm.columns:
        return None
    return by_arm[arm].sort_index().to_numpy(dtype=float)


def unclipped(rows: pd.DataFrame, replications: pd.DataFrame | None) -> tuple[pd.DataFrame, list]:
    """``rows`` (summary rows: metric, arm, mean, ci_low, ci_high) with each interval that
    crosses its metric's bounds replaced by the bootstrap interval from ``replications``;
    and the (metric, arm) pairs replaced.  Without replications, rows are left as they are."""
    rows = rows.copy()
    replaced: list[tuple[str, str]] = []
    if replications is None or rows.empty:
        return rows, replaced
    for index, row in rows.iterrows():
        metric, arm = str(row["metric"]), str(row["arm"])
        if not metric_bounds(metric, arm).crossed(row["ci_low"], row["ci_high"]):
            continue
        values = arm_values(replications, metric, arm)
        if values is None:
            continue
        rows.loc[index, ["ci_low", "ci_high"]] = bootstrap_interval(values)
        replaced.append((metric, arm))
    return rows, replaced


def bootstrap_note(replaced: Sequence, words: str = "", drawn: str = "whiskers") -> str:
    """The caption's sentence for the intervals replaced, or nothing."""
    if not replaced:
        return ""
    what = words or ", ".join(sorted({f"{metric} ({arm})" for metric, arm in replaced}))
    return (
        f"For {len(replaced)} interval(s) the t-interval crossed a bound the values cannot "
        f"cross ({what}); there the {drawn} show the {BOOTSTRAP_WORDS} ({RESAMPLES} "
        f"resamples, seed {SEED}) instead."
    )
