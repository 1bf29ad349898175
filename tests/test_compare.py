"""carepath.compare: a baseline run and a variant side by side, change = variant - baseline."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd
import pytest

import carepath
from carepath.analysis.compare import reading, row_better
from carepath.analysis.statistics import summarise
from carepath.inputs.metric_registry import METRICS


@dataclass
class FakeRun:
    """The parts of a RunResult compare reads, from hand-written replications."""

    seed: int
    replications: pd.DataFrame

    @property
    def summary(self) -> pd.DataFrame:
        return summarise(self.replications, registry=METRICS)


def run_of(values: dict[tuple[str, str], list[float]], seed: int = 1) -> FakeRun:
    """``values``: (arm, metric) -> one value per replication."""
    rows = [
        ("s", replication, arm, metric, value)
        for (arm, metric), per_replication in values.items()
        for replication, value in enumerate(per_replication)
    ]
    columns = ["scenario", "replication", "arm", "metric", "value"]
    return FakeRun(seed, pd.DataFrame(rows, columns=columns))


BASELINE = {
    ("without", "wait_min"): [30.0, 40.0, 50.0],
    ("with", "wait_min"): [20.0, 30.0, 45.0],
    ("without", "tests_avoided"): [0.0, 0.0, 0.0],
    ("with", "tests_avoided"): [10.0, 12.0, 11.0],
}


def shifted(values: dict, arm: str, metric: str, by: list[float]) -> dict:
    out = dict(values)
    out[(arm, metric)] = [v + d for v, d in zip(values[(arm, metric)], by, strict=True)]
    return out


def row(table: pd.DataFrame, metric: str, arm: str) -> pd.Series:
    found = table[(table.metric == metric) & (table.arm == arm)]
    assert len(found) == 1, f"{metric} {arm}: {len(found)} rows"
    return found.iloc[0]


def test_change_is_variant_minus_baseline_with_units_and_direction():
    variant = shifted(BASELINE, "with", "wait_min", [-5.0, -6.0, -7.0])
    table = carepath.compare(run_of(BASELINE), run_of(variant))
    wait = row(table, "wait_min", "with")
    assert wait.baseline_mean == pytest.approx(95 / 3)
    assert wait.variant_mean == pytest.approx(77 / 3)
    assert wait.change == pytest.approx(wait.variant_mean - wait.baseline_mean)
    assert wait.unit == METRICS.get("wait_min").unit == "minutes per episode"
    assert wait.better == "lower"
    assert wait.reading == "better"  # every replication waited less
    # the saving without - with grew by as much as the wait fell
    saved = row(table, "wait_min", "difference")
    assert saved.change == pytest.approx(6.0)
    assert saved.better == "higher"
    assert saved.reading == "better"
    # the change's interval is that of the per-replication changes, -5, -6, -7
    assert wait.change_ci_low < -6.0 < wait.change_ci_high
    assert wait.change_ci_high < 0


def test_a_loss_reads_as_worse_and_an_untouched_row_as_no_change():
    variant = shifted(BASELINE, "with", "tests_avoided", [-2.0, -2.5, -1.5])
    table = carepath.compare(run_of(BASELINE), run_of(variant))
    avoided = row(table, "tests_avoided", "with")
    assert avoided.change == pytest.approx(-2.0)
    assert (avoided.better, avoided.reading) == ("higher", "worse")
    assert row(table, "tests_avoided", "difference").better == "lower"
    untouched = row(table, "wait_min", "without")
    assert (untouched.change, untouched.reading) == (0.0, "no change")


def test_runs_with_different_seeds_get_no_interval_for_the_change():
    variant = shifted(BASELINE, "with", "wait_min", [-5.0, -6.0, -7.0])
    table = carepath.compare(run_of(BASELINE, seed=1), run_of(variant, seed=2))
    wait = row(table, "wait_min", "with")
    assert wait.change == pytest.approx(-6.0)
    assert math.isnan(wait.change_ci_low) and math.isnan(wait.change_ci_high)
    assert wait.reading == ""


def test_rows_can_be_limited_and_a_missing_metric_is_named():
    table = carepath.compare(
        run_of(BASELINE), run_of(BASELINE), metrics=["tests_avoided"], arms=["with"]
    )
    assert list(zip(table.metric, table.arm, strict=True)) == [("tests_avoided", "with")]
    with pytest.raises(ValueError, match=r"no metric \['cost_total_yuan'\]"):
        carepath.compare(run_of(BASELINE), run_of(BASELINE), metrics=["cost_total_yuan"])


@pytest.mark.parametrize(
    ("metric", "arm", "better"),
    [
        ("wait_min", "with", "lower"),
        ("wait_min", "difference", "higher"),
        ("wait_min", "difference_recognition", "higher"),
        ("tests_avoided", "difference", "lower"),
        ("episodes", "difference", "neither"),
        ("own_wait_saved_min", "paired", "higher"),
    ],
)
def test_a_saving_row_is_better_the_other_way_round(metric, arm, better):
    assert row_better(metric, arm) == better


def test_reading_needs_an_interval_that_excludes_zero():
    assert reading("higher", 2.0, 1.0, 3.0) == "better"
    assert reading("lower", 2.0, 1.0, 3.0) == "worse"
    assert reading("lower", 2.0, -1.0, 3.0) == "no clear change"
    assert reading("neither", 2.0, 1.0, 3.0) == ""
    assert reading("lower", 2.0, math.nan, math.nan) == ""
