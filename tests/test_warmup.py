"""MSER-5 warm-up detection, on series whose warm-up is known, and the daily series it reads."""

from __future__ import annotations

import numpy as np
import pytest

from carepath.accounting.metrics import compute
from carepath.accounting.tally import tally_of
from carepath.analysis.warmup import daily_wait, mser, warmup_days
from carepath.execution.replication import simulate
from carepath.inputs.arms import WITHOUT
from carepath.inputs.schema import Scenario
from carepath.system.world import World
from conftest import tiny_data


def test_mser_drops_an_outlying_start_worked_by_hand():
    # batches of 1: dropping d=0 leaves variance 75/16 > 0 for d=1, so the first value goes
    cut = mser(np.array([10.0, 0.0, 0.0, 0.0]), batch_size=1)
    assert cut.observations == 1
    assert cut.statistic == 0.0
    assert cut.reliable


def test_mser5_finds_a_transient_of_known_length():
    rng = np.random.default_rng(4)
    transient = np.linspace(20.0, 0.0, 30)  # a start far from the long-run level, fading out
    series = np.concatenate([transient, np.zeros(270)]) + rng.normal(0, 1, 300)
    cut = mser(series)
    assert 15 <= cut.observations <= 30
    assert cut.observations % 5 == 0
    assert cut.reliable


def test_mser5_keeps_a_stationary_series_whole():
    rng = np.random.default_rng(5)
    assert mser(rng.normal(3.0, 1.0, 200)).observations <= 10
    assert mser(np.full(50, 7.0)).observations == 0


def test_mser_flags_a_series_too_short_to_tell():
    # still falling after half the series: the minimum is at the end of the half searched
    series = np.concatenate([np.linspace(50.0, 0.0, 40), np.zeros(10)])
    cut = mser(series)
    assert cut.observations == 25
    assert not cut.reliable
    with pytest.raises(ValueError, match="at least 3 batches"):
        mser(np.zeros(14))
    with pytest.raises(ValueError, match="missing"):
        mser(np.array([1.0, np.nan] * 10))


def test_daily_wait_is_the_wait_metric_day_by_day():
    data = tiny_data(
        simulation={
            "warmup_days": 2,
            "horizon_days": 3,
            "drain_days": 10,
            "replications": 1,
            "seed": 9,
        }
    )
    data["zones"][0]["episodes_per_person_year"] = 30.0
    world = World.build(Scenario.model_validate(data))
    records = simulate(world, WITHOUT, 9, 0, full_log=True)
    series = daily_wait(records, world)
    assert list(series.index) == [0, 1, 2, 3, 4]
    episodes = records.table("episodes")
    counts = np.bincount((episodes.onset_min // 1440).astype(int), minlength=5)
    measured = (series * counts[:5]).iloc[2:].sum() / counts[2:5].sum()
    assert measured == pytest.approx(compute(tally_of(records, world))["wait_min"])
    assert (series > 0).any()
    day, cut = warmup_days(daily_wait(records, world).repeat(5).reset_index(drop=True))
    assert day == cut.observations
