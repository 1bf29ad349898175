"""Outreach scenarios as batches: effects in the expected direction, programme cost, and the
published figures set beside the model's."""

from __future__ import annotations

import pandas as pd
import pytest

from carepath.accounting.metrics import compute
from carepath.accounting.tally import tally_of
from carepath.cli import main
from carepath.execution.replication import simulate
from carepath.inputs.arms import WITHOUT
from carepath.system.world import World
from conftest import REPO, STATUS_QUO_METRICS, shorter, tiny

pytestmark = pytest.mark.integration  # simulates whole scenarios or runs the command

CHONGQING = REPO / "scenarios" / "chongqing_three_links.yaml"


def test_chongqing_sends_patients_to_primary_care_and_reports_the_programme_beside_published(
    tmp_path, capsys
):
    path = shorter(CHONGQING, tmp_path, "cq_short", replications=3)
    assert main(["run", str(path), "--out", str(tmp_path / "out"), "--quiet"]) == 0
    folder = tmp_path / "out" / "cq_short"
    summary = pd.read_csv(folder / "summary.csv").set_index(["metric", "arm"])["mean"]
    # First diagnosis at primary level and experts at the centres: more primary care, a cost
    # for the experts' days.  (Referrals up to the county need not fall: primary-first sends
    # patients through the centres, and an expert there one day a week sees only those present.)
    assert summary["primary_share", "with"] > summary["primary_share", "without"]
    assert summary["expert_consultations", "with"] > 0
    assert summary["outreach_staff_days", "with"] > 0
    assert summary["outreach_cost_yuan", "without"] == 0
    assert summary["cost_with_programme_yuan", "with"] > summary["cost_total_yuan", "with"]
    published = pd.read_csv(folder / "plausibility.csv")
    published = published[~published.metric.isin(STATUS_QUO_METRICS)]  # the status quo's
    # the fitted 2019 level, the change beside the published change, the pilots' level
    assert published[["metric", "arm"]].values.tolist() == [
        ["primary_share", "without"],
        ["primary_share", "difference"],
        ["primary_share", "with"],
    ]
    change = published.iloc[1]
    assert change.published_low == change.published_high < 0  # a published rise, without - with
    assert "primary_share" in capsys.readouterr().out


def test_a_world_where_nobody_falls_ill_has_metrics_of_nothing():
    world = World.build(tiny())  # the tiny zone has no onsets of its own
    metrics = compute(tally_of(simulate(world, WITHOUT, seed=1, replication=0), world))
    assert metrics["episodes"] == 0
    assert metrics["primary_share"] == 0 and metrics["in_county_share"] == 0
    assert metrics["referral_load_county_week01"] == 0
