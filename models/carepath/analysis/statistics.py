"""Summaries of replicated outcomes: per-arm means with t-intervals and paired reform effects.

Each replication runs every arm over the same simulated patients (common random numbers), so
the effect of the reforms is estimated from the per-replication difference ``baseline - arm``.
Pairing removes the patient-to-patient noise the arms share, which is why the interval of the
difference is usually much narrower than the two arms' intervals would suggest.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from ..inputs.arms import PAIRED
from ..inputs.metric_registry import MetricRegistry
from ..observation.results_folder import REPLICATION_COLUMNS, SUMMARY_COLUMNS

INPUT_COLUMNS = REPLICATION_COLUMNS
OUTPUT_COLUMNS = SUMMARY_COLUMNS
_KEYS = ["scenario", "replication", "arm", "metric"]
# Rows of arm PAIRED hold patient-paired comparisons of the arms (e.g. the spill-over wait saved
# by patients with nothing recognised), already a difference: they are described, not paired again.


def summarise(
    replications: pd.DataFrame,
    baseline: str = "without",
    confidence: float = 0.95,
    registry: MetricRegistry | None = None,
) -> pd.DataFrame:
    """Summarise every metric per scenario and arm, then the paired effect of each other arm.

    ``replications`` holds one row per scenario, replication, arm and metric. For each
    (scenario, metric) the rows are: the baseline arm, the other arms in order of first
    appearance, then one ``baseline - arm`` difference per other arm, labelled ``difference``
    for the ``with`` arm and ``difference_<arm>`` otherwise. Each row gives the number of
    replications, the mean, the sample standard deviation and a two-sided Student-t interval.

    Rows of arm ``paired`` (comparisons made patient by patient within a replication) come last,
    each described on its own.

    Raises ValueError when the table is malformed or when some arm lacks a metric in a
    replication, since an unpaired replication would silently bias the reform effect; given a
    metric ``registry``, also when a metric is not in it (a value nobody can read).
    """
    _check_input(replications, baseline, confidence)
    if registry is not None and (unknown := registry.unknown(replications["metric"])):
        raise ValueError(f"metrics not in the metric registry: {unknown}")
    is_paired = replications["arm"] == PAIRED
    paired, arms_only = replications[is_paired], replications[~is_paired]
    metric_order = list(pd.unique(replications["metric"]))
    arm_order = _arm_order(arms_only, baseline)
    rows: list[dict] = []
    for scenario, block in arms_only.groupby("scenario", sort=False):
        rows.extend(_summarise_scenario(scenario, block, metric_order, arm_order, confidence))
    for (scenario, metric), block in paired.groupby(["scenario", "metric"], sort=False):
        values = block.sort_values("replication")["value"].to_numpy(dtype=float)
        rows.append(_row(scenario, metric, PAIRED, describe(values, confidence)))
    return pd.DataFrame(rows, columns=list(OUTPUT_COLUMNS)).astype({"n": "int64"})


def difference_label(arm: str) -> str:
    """Label of the paired-difference rows comparing the baseline with ``arm``."""
    return "difference" if arm == "with" else f"difference_{arm}"


def describe(values: np.ndarray, confidence: float = 0.95) -> dict[str, float]:
    """Sample size, mean, sample sd (ddof=1) and two-sided Student-t interval of ``values``.

    A single value has no spread, so its sd and interval are NaN. Identical values are
    reported exactly (sd 0, interval collapsed on the value) so that an arm compared with
    itself shows an effect of exactly 0 rather than rounding noise.
    """
    values = np.asarray(values, dtype=float)
    n = len(values)
    if n == 0:
        nan = math.nan
        return {"n": 0, "mean": nan, "sd": nan, "ci_low": nan, "ci_high": nan}
    if np.all(values == values[0]):
        # Adding 0.0 turns a -0.0 into 0.0, which would otherwise be written as "-0".
        mean = float(values[0]) + 0.0
        spread = math.nan if n == 1 else 0.0
        low, high = (math.nan, math.nan) if n == 1 else (mean, mean)
        return {"n": n, "mean": mean, "sd": spread, "ci_low": low, "ci_high": high}
    mean = float(np.mean(values))
    if n == 1:  # only reached for NaN, which never equals itself
        return {"n": 1, "mean": mean, "sd": math.nan, "ci_low": math.nan, "ci_high": math.nan}
    sd = float(np.std(values, ddof=1))
    half_width = float(stats.t.ppf(0.5 + confidence / 2, n - 1)) * sd / math.sqrt(n)
    return {
        "n": n,
        "mean": mean,
        "sd": sd,
        "ci_low": mean - half_width,
        "ci_high": mean + half_width,
    }


def _check_input(replications: pd.DataFrame, baseline: str, confidence: float) -> None:
    missing = [c for c in INPUT_COLUMNS if c not in replications.columns]
    if missing:
        raise ValueError(f"replications table lacks column(s) {missing}")
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must lie strictly between 0 and 1, got {confidence!r}")
    if replications[_KEYS].isna().any().any():
        raise ValueError("scenario, replication, arm and metric must not be empty")
    duplicated = replications.duplicated(_KEYS, keep=False)
    if duplicated.any():
        first = replications.loc[duplicated, _KEYS].iloc[0].to_dict()
        raise ValueError(f"more than one value for the same replication, arm and metric: {first}")
    if len(replications) and baseline not in set(replications["arm"]):
        raise ValueError(f"baseline arm {baseline!r} does not appear in the replications")


def _arm_order(replications: pd.DataFrame, baseline: str) -> list[Hashable]:
    """Baseline first, then the other arms in order of first appearance."""
    others = [arm for arm in pd.unique(replications["arm"]) if arm != baseline]
    return [baseline, *others]


def _summarise_scenario(
    scenario: Hashable,
    block: pd.DataFrame,
    metric_order: Sequence[Hashable],
    arm_order: Sequence[Hashable],
    confidence: float,
) -> list[dict]:
    present_arms = set(block["arm"])
    arms = [arm for arm in arm_order if arm in present_arms]
    if arms[0] != arm_order[0]:
        raise ValueError(f"scenario {scenario!r} has no rows for baseline arm {arm_order[0]!r}")
    present_metrics = set(block["metric"])
    metrics = [metric for metric in metric_order if metric in present_metrics]
    # Sorted so that the summation order, and hence the last bit of each mean, does not depend
    # on how the caller happened to order the rows.
    replication_ids = pd.Index(pd.unique(block["replication"])).sort_values()
    series = {
        key: group.set_index("replication")["value"]
        for key, group in block.groupby(["metric", "arm"], sort=False)
    }
    rows: list[dict] = []
    for metric in metrics:
        by_arm = {
            arm: _paired_values(series.get((metric, arm)), scenario, metric, arm, replication_ids)
            for arm in arms
        }
        for arm in arms:
            rows.append(_row(scenario, metric, arm, describe(by_arm[arm], confidence)))
        base = by_arm[arms[0]]
        for arm in arms[1:]:
            effect = describe(base - by_arm[arm], confidence)
            rows.append(_row(scenario, metric, difference_label(str(arm)), effect))
    return rows


def _paired_values(
    series: pd.Series | None,
    scenario: Hashable,
    metric: Hashable,
    arm: Hashable,
    replication_ids: pd.Index,
) -> np.ndarray:
    """One value per replication of the scenario, in replication order, or a ValueError."""
    if series is None:
        series = pd.Series(dtype=float)
    absent = replication_ids.difference(series.index, sort=False)
    if len(absent):
        raise ValueError(
            f"scenario {scenario!r}, metric {metric!r}: arm {arm!r} has no value for "
            f"replication(s) {list(absent)}, so the arms cannot be paired"
        )
    return series.reindex(replication_ids).to_numpy(dtype=float)


def _row(scenario: Hashable, metric: Hashable, arm: Hashable, summary: dict) -> dict:
    return {"scenario": scenario, "metric": metric, "arm": arm, **summary}
