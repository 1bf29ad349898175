"""Warm-up detection: MSER-5 truncation of an output series (White 1997; Franklin and White 2008).

A run starts empty, so its first days are not typical of the long run.  MSER-5 groups the
series into batches of 5 observations, and for each number d of leading batches dropped
computes the squared standard error of the mean of what is left,
``sum((Z_j - mean)^2) / (k - d)^2`` over the k - d batch means kept; the warm-up is the d that
minimises it, searched over the first half of the series.  A minimum at the end of that half
means the series is too short to tell (``reliable`` is then False).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..observation.records import Records
from ..system.hours import DAY_MIN
from ..system.world import World

BATCH = 5


@dataclass(frozen=True)
class Truncation:
    """Where MSER puts the end of the warm-up."""

    observations: int  # leading observations to drop (a multiple of the batch size)
    batches: int  # batch means the series made
    statistic: float  # the minimised MSER value
    reliable: bool  # False when the minimum is at the end of the half searched


def mser(values: np.ndarray, batch_size: int = BATCH) -> Truncation:
    """MSER-``batch_size`` truncation point of ``values`` (an incomplete last batch is unused)."""
    values = np.asarray(values, dtype=float)
    if np.isnan(values).any():
        raise ValueError("the series has missing values")
    k = len(values) // batch_size
    if k < 3:
        raise ValueError(f"MSER needs at least 3 batches of {batch_size}, got {len(values)} values")
    means = values[: k * batch_size].reshape(k, batch_size).mean(axis=1)
    # Only the first half is searched: near the end, a few batch means that happen to agree
    # give a spuriously small statistic.
    last = k // 2
    statistics = []
    for d in range(last + 1):
        kept = means[d:]
        statistics.append(float(((kept - kept.mean()) ** 2).sum()) / (k - d) ** 2)
    best = int(np.argmin(statistics))  # ties: the first, the shortest warm-up
    return Truncation(best * batch_size, k, statistics[best], best < last)


def daily_wait(records: Records, world: World) -> pd.Series:
    """Mean minutes queueing per episode, by day of onset, over warm-up and measured period.

    The same quantity as the ``wait_min`` metric, day by day; days without onsets are left out.
    """
    sim = world.scenario.simulation
    days = math.ceil(sim.warmup_days + sim.horizon_days)
    episodes = records.table("episodes")
    stations = records.table("stations")
    waits = (stations.start_min - stations.arrive_min).groupby(stations.patient).sum()
    day = np.floor(episodes.onset_min.to_numpy() / DAY_MIN).astype(int)
    per_episode = pd.Series(
        waits.reindex(episodes.patient).fillna(0.0).to_numpy(), index=pd.Index(day, name="day")
    )
    series = per_episode[per_episode.index < days].groupby(level="day").mean()
    return series.rename("wait_min")


def warmup_days(series: pd.Series, batch_size: int = BATCH) -> tuple[float, Truncation]:
    """The MSER warm-up of a daily series, as the first day kept, with the truncation itself."""
    cut = mser(series.to_numpy(), batch_size)
    return float(series.index[cut.observations]), cut
