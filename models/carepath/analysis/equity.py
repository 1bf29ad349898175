"""``equity.csv``: the per-replication equity rows (``accounting.equity``) summarised as
``summary.csv`` is, group by group.

For each grouping and group (zone kind, or band of travel minutes to the nearest county
hospital), each metric has the baseline arm, the other arms, then one paired difference per
other arm (``without - with`` as ``difference``, ``difference_<arm>`` for a factorial's or a
named arm), with n, mean, sd and the 95% Student-t interval (``statistics.summarise``).

The equity metrics are not in the metric registry (they are rows of ``equity.csv``, not of
``summary.csv``); :func:`equity_better` gives each one's better direction for readers (the report,
the figures): more care sought is better, fewer illnesses forgone or delayed and a shorter time to
care are better.  The differences stay ``without - with`` whatever the direction.
"""

from __future__ import annotations

from typing import cast

import pandas as pd

from ..inputs.metric_registry import METRICS, Better
from ..observation.results_folder import (
    EQUITY_COLUMNS,
    EQUITY_GROUP_COLUMNS,
    REPLICATION_COLUMNS,
)
from .statistics import summarise

# Which way each equity metric is better, where the metric registry does not say.
EQUITY_BETTER: dict[str, Better] = {
    "care_sought_per_1000_year": "higher",
    "forgone_per_1000_year": "lower",
    "delayed_per_1000_year": "lower",
    "time_to_care_min": "lower",
}


def equity_better(metric: str) -> Better:
    """An equity metric's better direction: the metric registry's where it knows the name,
    else ``EQUITY_BETTER``'s; ``neither`` for a metric neither knows."""
    if METRICS.knows(metric):
        return METRICS.get(metric).better
    return EQUITY_BETTER.get(metric, "neither")


def equity_summary(replications: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """``equity.csv`` from ``equity_replications.csv``'s rows, groups in the order they come
    (each group's residents are the same in every row of it)."""
    frames = []
    keys = list(EQUITY_GROUP_COLUMNS)
    for key, block in replications.groupby(keys, sort=False):
        grouping, group, residents = cast("tuple[str, str, int]", key)
        summary = summarise(block[list(REPLICATION_COLUMNS)], confidence=confidence)
        frames.append(summary.assign(grouping=grouping, group=group, residents=residents))
    if not frames:
        return pd.DataFrame(columns=list(EQUITY_COLUMNS))
    return pd.concat(frames, ignore_index=True)[list(EQUITY_COLUMNS)]
