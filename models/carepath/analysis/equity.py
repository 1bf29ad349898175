"""``equity.csv``: the per-replication equity rows (``accounting.equity``) summarised as
``summary.csv`` is, group by group.

For each grouping and group (zone kind, or band of travel minutes to the nearest county
hospital), each metric has the baseline arm, the other arms, then one paired difference per
other arm (``without - with`` as ``difference``, ``difference_<arm>`` for a factorial's or a
named arm), with n, mean, sd and the 95% Student-t interval (``statistics.summarise``).
"""

from __future__ import annotations

from typing import cast

import pandas as pd

from ..observation.results_folder import (
    EQUITY_COLUMNS,
    EQUITY_GROUP_COLUMNS,
    REPLICATION_COLUMNS,
)
from .statistics import summarise


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
