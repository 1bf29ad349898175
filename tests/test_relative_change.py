"""A published change as a share of the without arm (a benchmark's ``arm: relative``):
(without - with) / without per replication, so a published fall of 9.4% is +0.094; as a
calibration target's values and as a row of ``plausibility.csv``, from hand-made replications.
"""

from __future__ import annotations

import math
from types import SimpleNamespace
from typing import cast

import pandas as pd
import pytest
from scipy import stats

from carepath.analysis.plausibility import beside_published
from carepath.analysis.statistics import summarise
from carepath.cli import BAD_INPUT, main
from carepath.execution.batch import RunResult
from carepath.inputs.schema import Benchmark, Scenario
from carepath.inputs.targets import target_spec
from carepath.workflows.calibrate import target_values
from conftest import tiny, tiny_data, write_yaml

METRIC = "admissions_per_1000_year_chronic"
# Three replications: a fall of a quarter, no change, a rise of a quarter.
WITHOUT = (100.0, 80.0, 50.0)
WITH = (75.0, 80.0, 62.5)
SOURCES = {"suixi": "a published report"}


def replications(without=WITHOUT, with_=WITH) -> pd.DataFrame:
    """``replications.csv`` rows of the metric (and of another, to be ignored)."""
    rows = [
        ("tiny", r, arm, metric, value * scale)
        for r, pair in enumerate(zip(without, with_, strict=True))
        for arm, value in zip(("without", "with"), pair, strict=True)
        for metric, scale in ((METRIC, 1.0), ("admissions_per_1000_year", 2.0))
    ]
    return pd.DataFrame(rows, columns=["scenario", "replication", "arm", "metric", "value"])


def benchmark(**more) -> dict:
    return {
        "metric": METRIC,
        "arm": "relative",
        "published": "chronic admissions -9.4%",
        "low": 0.05,
        "high": 0.14,
        "source": "suixi",
        **more,
    }


def values(table: pd.DataFrame, arm: str) -> list[float]:
    spec = target_spec(Benchmark.model_validate(benchmark(arm=arm, use="held_out")), 0)
    run = cast(RunResult, SimpleNamespace(replications=table))
    return list(target_values(run, tiny(), spec))


def test_a_relative_target_is_the_change_over_the_without_value_per_replication():
    assert values(replications(), "relative") == [0.25, 0.0, -0.25]
    assert values(replications(), "difference") == [25.0, 0.0, -12.5]
    assert values(replications(), "with") == [75.0, 80.0, 62.5]


def test_a_relative_target_where_the_without_value_is_0_is_refused():
    with pytest.raises(ValueError, match=r"is 0 in replication\(s\) \[1\].*relative change"):
        values(replications((100.0, 0.0, 50.0), (75.0, 0.0, 62.5)), "relative")


def scenario_with(*entries: dict) -> Scenario:
    return Scenario.model_validate(tiny_data(sources=SOURCES, plausibility=list(entries)))


def plausibility_rows(table: pd.DataFrame) -> list[dict]:
    """The rows of a relative entry and of a difference entry of the same figure."""
    scenario = scenario_with(benchmark(), benchmark(arm="difference"))
    return beside_published(scenario, summarise(table), table).to_dict("records")


def test_a_relative_plausibility_row_summarises_the_shares_per_replication():
    row, difference = plausibility_rows(replications())
    assert difference["model_mean"] == (25.0 + 0.0 - 12.5) / 3  # from the summary, as before
    half = stats.t.ppf(0.975, 2) * 0.25 / math.sqrt(3)  # sd of 0.25, 0, -0.25 is 0.25
    assert (row["metric"], row["arm"], row["unit"]) == (
        METRIC,
        "relative",
        "share of the without arm",
    )
    assert row["model_mean"] == 0.0
    assert row["model_ci_low"] == pytest.approx(-half, rel=1e-12)
    assert row["model_ci_high"] == pytest.approx(half, rel=1e-12)
    assert (row["published_low"], row["published_high"], row["overlaps"]) == (0.05, 0.14, "yes")


def test_a_replication_with_nothing_without_is_left_out_of_the_relative_row_and_said_so():
    row, _ = plausibility_rows(replications((100.0, 0.0, 50.0, 80.0), (75.0, 0.0, 62.5, 80.0)))
    assert row["unit"] == (
        "share of the without arm (3 of 4 replications: the without arm is 0 in the rest)"
    )
    assert row["model_mean"] == 0.0  # of 0.25, -0.25 and 0


def test_a_relative_entry_is_checked_like_any_arm(tmp_path, capsys):
    good = write_yaml(
        tmp_path / "good.yaml", tiny_data(sources=SOURCES, plausibility=[benchmark()])
    )
    assert main(["check", str(good)]) == 0
    paired = benchmark(metric="saved_yuan_per_recognised")
    bad = write_yaml(tmp_path / "bad.yaml", tiny_data(sources=SOURCES, plausibility=[paired]))
    assert main(["check", str(bad)]) == BAD_INPUT
    assert "no metric 'saved_yuan_per_recognised' for arm 'relative'" in capsys.readouterr().err
