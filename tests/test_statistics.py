"""Tests of the per-arm summaries and paired reform effects."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from carepath.analysis.statistics import OUTPUT_COLUMNS, summarise


def tidy(scenario: str, metric: str, by_arm: dict[str, list[float]]) -> pd.DataFrame:
    """Replications table for one scenario and metric; replications numbered from 0."""
    rows = [
        {"scenario": scenario, "replication": rep, "arm": arm, "metric": metric, "value": value}
        for arm, values in by_arm.items()
        for rep, value in enumerate(values)
    ]
    return pd.DataFrame(rows)


def pick(summary: pd.DataFrame, arm: str, metric: str | None = None) -> pd.Series:
    rows = summary[summary["arm"] == arm]
    if metric is not None:
        rows = rows[rows["metric"] == metric]
    assert len(rows) == 1
    return rows.iloc[0]


def test_mean_sd_and_t_interval_match_hand_computation() -> None:
    data = tidy("s", "wait_days", {"without": [1.0, 2.0, 3.0, 4.0], "with": [2.0, 2.0, 5.0, 7.0]})
    summary = summarise(data)

    assert list(summary.columns) == list(OUTPUT_COLUMNS)
    row = pick(summary, "without")
    # Deviations from 2.5 are -1.5, -0.5, 0.5, 1.5: squares sum to 5, over n - 1 = 3.
    sd = math.sqrt(5 / 3)
    half = stats.t.ppf(0.975, 3) * sd / math.sqrt(4)
    assert row["n"] == 4
    assert row["mean"] == pytest.approx(2.5)
    assert row["sd"] == pytest.approx(sd)
    assert row["ci_low"] == pytest.approx(2.5 - half)
    assert row["ci_high"] == pytest.approx(2.5 + half)


def test_confidence_level_changes_the_quantile() -> None:
    data = tidy("s", "m", {"without": [1.0, 2.0, 3.0, 4.0]})
    row = pick(summarise(data, confidence=0.90), "without")
    half = stats.t.ppf(0.95, 3) * math.sqrt(5 / 3) / 2
    assert row["ci_high"] - row["mean"] == pytest.approx(half)


def test_difference_is_paired_by_replication() -> None:
    # Replications differ a lot from each other, but within a replication the reform saves
    # about one day: the arms are highly correlated because they share the same patients.
    without = [10.0, 20.0, 30.0, 40.0]
    with_reform = [9.0, 19.5, 28.5, 39.0]
    summary = summarise(tidy("s", "wait_days", {"without": without, "with": with_reform}))
    effect = pick(summary, "difference")

    # Per-replication differences are 1, 0.5, 1.5, 1: mean 1, squared deviations sum to 0.5.
    sd = math.sqrt(0.5 / 3)
    half = stats.t.ppf(0.975, 3) * sd / 2
    assert effect["n"] == 4
    assert effect["mean"] == pytest.approx(1.0)
    assert effect["sd"] == pytest.approx(sd)
    assert effect["ci_low"] == pytest.approx(1.0 - half)
    assert effect["ci_high"] == pytest.approx(1.0 + half)

    # An unpaired (Welch) interval ignores the shared patients and is far wider.
    unpaired_se = math.sqrt(np.var(without, ddof=1) / 4 + np.var(with_reform, ddof=1) / 4)
    unpaired_half = stats.t.ppf(0.975, 6) * unpaired_se
    assert unpaired_half > 10 * (effect["ci_high"] - effect["mean"])
    assert not effect["ci_low"] < 0 < effect["ci_high"]
    assert (1.0 - unpaired_half) < 0 < (1.0 + unpaired_half)


def test_pairing_follows_replication_ids_not_row_order() -> None:
    data = tidy("s", "m", {"without": [10.0, 20.0, 30.0], "with": [9.0, 19.0, 29.0]})
    shuffled = data.sample(frac=1.0, random_state=3).reset_index(drop=True)
    effect = pick(summarise(shuffled), "difference")
    assert effect["mean"] == 1.0
    assert effect["sd"] == 0.0


def test_identical_arms_give_an_exact_zero_difference() -> None:
    values = [0.1, 0.2, 0.7, 1.0 / 3.0]
    summary = summarise(tidy("s", "cost", {"without": values, "with": list(values)}))
    effect = pick(summary, "difference")
    assert effect["mean"] == 0.0
    assert effect["sd"] == 0.0
    assert effect["ci_low"] == 0.0
    assert effect["ci_high"] == 0.0
    assert math.copysign(1.0, effect["mean"]) == 1.0  # not -0.0, which prints as "-0"


def test_constant_values_collapse_the_interval_on_the_mean_exactly() -> None:
    row = pick(summarise(tidy("s", "m", {"without": [0.1, 0.1, 0.1]})), "without")
    assert row["mean"] == 0.1
    assert row["sd"] == 0.0
    assert row["ci_low"] == row["ci_high"] == row["mean"]


def test_single_replication_has_no_spread() -> None:
    summary = summarise(tidy("s", "m", {"without": [5.0], "with": [3.0]}))
    for arm, mean in (("without", 5.0), ("with", 3.0), ("difference", 2.0)):
        row = pick(summary, arm)
        assert row["n"] == 1
        assert row["mean"] == mean
        assert math.isnan(row["sd"])
        assert math.isnan(row["ci_low"])
        assert math.isnan(row["ci_high"])


def test_missing_pair_names_scenario_metric_and_replication() -> None:
    data = pd.concat(
        [
            tidy("base", "wait_days", {"without": [1.0, 2.0, 3.0], "with": [1.0, 2.0, 3.0]}),
            tidy("base", "referrals", {"without": [4.0, 5.0, 6.0], "with": [4.0, 5.0, 6.0]}),
        ],
        ignore_index=True,
    )
    dropped = data[
        ~((data["metric"] == "referrals") & (data["arm"] == "with") & (data["replication"] == 2))
    ]
    with pytest.raises(ValueError, match=r"'base'.*'referrals'.*\[2\]"):
        summarise(dropped)


def test_metric_absent_from_one_arm_is_refused() -> None:
    data = pd.concat(
        [
            tidy("s", "wait_days", {"without": [1.0, 2.0], "with": [1.0, 2.0]}),
            tidy("s", "uptake", {"without": [0.5, 0.6]}),
        ],
        ignore_index=True,
    )
    with pytest.raises(ValueError, match="uptake"):
        summarise(data)


def test_duplicate_rows_and_absent_baseline_are_refused() -> None:
    data = tidy("s", "m", {"without": [1.0, 2.0], "with": [1.0, 2.0]})
    with pytest.raises(ValueError, match="more than one value"):
        summarise(pd.concat([data, data.iloc[[0]]], ignore_index=True))
    with pytest.raises(ValueError, match="baseline"):
        summarise(data, baseline="status_quo")


def test_row_order_follows_first_appearance_not_the_alphabet() -> None:
    parts = []
    for scenario in ("zeta", "alpha"):
        for metric in ("wait_days", "cost", "admissions"):
            parts.append(
                tidy(scenario, metric, {"without": [1.0, 2.0, 4.0], "with": [1.0, 1.5, 3.0]})
            )
    summary = summarise(pd.concat(parts, ignore_index=True))

    keys = list(summary[["scenario", "metric", "arm"]].itertuples(index=False, name=None))
    expected = [
        (scenario, metric, arm)
        for scenario in ("zeta", "alpha")
        for metric in ("wait_days", "cost", "admissions")
        for arm in ("without", "with", "difference")
    ]
    assert keys == expected


def test_baseline_comes_first_even_when_listed_later() -> None:
    data = tidy("s", "m", {"with": [1.0, 2.0], "without": [2.0, 3.0]})
    assert list(summarise(data)["arm"]) == ["without", "with", "difference"]


def test_third_arm_gets_its_own_difference_label() -> None:
    data = tidy(
        "s",
        "wait_days",
        {"without": [5.0, 6.0, 7.0], "with": [4.0, 5.0, 6.5], "recognition": [4.5, 5.0, 6.0]},
    )
    summary = summarise(data)
    assert list(summary["arm"]) == [
        "without",
        "with",
        "recognition",
        "difference",
        "difference_recognition",
    ]
    # Per-replication savings of the recognition arm: 0.5, 1.0, 1.0.
    assert pick(summary, "difference_recognition")["mean"] == pytest.approx(2.5 / 3)
    assert pick(summary, "difference")["mean"] == pytest.approx(2.5 / 3)
