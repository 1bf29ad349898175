"""Which reform saved what: Shapley attribution of a factorial run's saving.

A factorial run simulates every combination S of the k reforms a file switches on, over the
same patients.  Its value table is v(S) = metric(without) - metric(arm S), the saving of S
(v of no reform is 0).  The saving of all of them, v(N), is split three ways:

- ``shapley:<reform>``: the reform's Shapley value, the average over every order of switching
  the reforms on of what it adds when it comes on,
  phi_i = sum over S not holding i of |S|! (k - |S| - 1)! / k! * (v(S + i) - v(S));
  the parts sum to v(N) exactly (up to rounding), interactions shared out evenly;
- ``solo:<reform>``: v({i}), the reform alone against ``without``;
- ``interaction``: v(N) minus the sum of the solos (what the reforms do only together).

Each is computed per replication, from that replication's arms, and summarised like any row.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from ..inputs.arms import PAIRED, WITHOUT, Arm
from ..inputs.metric_registry import MetricRegistry
from ..observation.results_folder import SUMMARY_COLUMNS
from .statistics import describe

Coalition = frozenset[str]


def coalitions(reforms: Sequence[str]) -> list[Coalition]:
    """Every subset of ``reforms``, by size, then in the reforms' order."""
    return [
        frozenset(combo)
        for size in range(len(reforms) + 1)
        for combo in itertools.combinations(reforms, size)
    ]


def shapley_parts(values: Mapping[Coalition, float], reforms: Sequence[str]) -> dict[str, float]:
    """Each reform's Shapley value of the value table ``values`` (every subset of ``reforms``
    -> its value; the empty set's is the baseline, usually 0).  Each part is its own weighted
    sum of marginal contributions; none is the remainder of the others."""
    k = len(reforms)
    parts = {}
    for reform in reforms:
        others = [r for r in reforms if r != reform]
        total = 0.0
        for size in range(k):
            weight = math.factorial(size) * math.factorial(k - size - 1) / math.factorial(k)
            for combo in itertools.combinations(others, size):
                before = frozenset(combo)
                total += weight * (values[before | {reform}] - values[before])
        parts[reform] = total
    return parts


def solo_parts(values: Mapping[Coalition, float], reforms: Sequence[str]) -> dict[str, float]:
    """Each reform alone: v({i}) - v(no reform)."""
    empty = values[frozenset()]
    return {reform: values[frozenset({reform})] - empty for reform in reforms}


def interaction(values: Mapping[Coalition, float], reforms: Sequence[str]) -> float:
    """What the reforms do only together: v(all) - v(none) - the sum of the solos."""
    whole = values[frozenset(reforms)] - values[frozenset()]
    return whole - sum(solo_parts(values, reforms).values())


SHAPLEY = "shapley:"
SOLO = "solo:"
INTERACTION = "interaction"


def attribution_summary(
    replications: pd.DataFrame,
    arms: Sequence[Arm],
    registry: MetricRegistry,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """The ``shapley:<reform>``, ``solo:<reform>`` and ``interaction`` rows of a factorial run
    (``arms``: every combination of its reforms, ``with`` last), each computed per replication
    from that replication's arms and described like a summary row (n, mean, sd, t-interval);
    additive metrics only (``Metric.additive``), in the table's metric order."""
    reforms = arms[-1].reforms
    name_of = {frozenset(arm.reforms): arm.name for arm in arms}
    missing = [s for s in coalitions(reforms) if s not in name_of]
    if missing:
        raise ValueError(f"not a factorial run: no arm of {sorted(missing[0])}")
    rows = []
    by_arm = replications[replications.arm != PAIRED]
    for (scenario, metric), block in by_arm.groupby(["scenario", "metric"], sort=False):
        if not (registry.knows(str(metric), "arm") and registry.get(str(metric)).additive):
            continue
        table = block.pivot(index="replication", columns="arm", values="value").sort_index()
        values = {s: table[WITHOUT.name] - table[name_of[s]] for s in coalitions(reforms)}
        parts = [
            *((SHAPLEY + r, v) for r, v in shapley_parts(values, reforms).items()),
            *((SOLO + r, v) for r, v in solo_parts(values, reforms).items()),
            (INTERACTION, interaction(values, reforms)),
        ]
        for label, series in parts:
            stats = describe(np.asarray(series, dtype=float), confidence)
            rows.append({"scenario": scenario, "metric": metric, "arm": label, **stats})
    return pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS)).astype({"n": "int64"})
