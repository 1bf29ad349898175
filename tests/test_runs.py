"""Whole batches: result files, common random numbers, and independence from worker count."""

from __future__ import annotations

import json

import pandas as pd
import pytest

import carepath
from carepath.accounting.referrals import weeks_of
from carepath.cli import main
from carepath.inputs.metric_registry import METRICS
from carepath.inputs.schema import TIERS
from carepath.observation.results_folder import table_bytes
from carepath.system.world import World
from conftest import DEMO, RUN_TIMES, assert_same_folder, few_days, shorter

pytestmark = pytest.mark.integration  # simulates whole scenarios or runs the command


def metric_count(path) -> int:
    """The core metrics, and the weekly referral loads of the file's measured weeks."""
    weeks = weeks_of(World.build(carepath.load_scenario(path)))
    return len(METRICS.names("arm")) + len(TIERS) * weeks


@pytest.fixture
def short_demo(tmp_path):
    return shorter(DEMO, tmp_path, "demo_short", replications=3)


def test_run_writes_replications_summary_and_manifest(tmp_path):
    out = tmp_path / "results"
    assert main(["run", str(DEMO), "--replications", "2", "--out", str(out), "--quiet"]) == 0
    folder = out / "demo_county"
    replications = pd.read_csv(folder / "replications.csv")
    summary = pd.read_csv(folder / "summary.csv")
    manifest = json.loads((folder / "manifest.json").read_text())
    assert list(replications.columns) == ["scenario", "replication", "arm", "metric", "value"]
    assert len(replications) == 2 * (2 * metric_count(DEMO) + len(METRICS.names("paired")))
    weekly = replications[replications.metric.str.startswith("referral_load_county_week")]
    assert sorted(set(weekly.metric)) == [f"referral_load_county_week0{w}" for w in (1, 2, 3, 4)]
    for metric in ("cost_total_yuan", "wait_min", "referrals_up"):
        arms = summary[summary.metric == metric].arm.tolist()
        assert arms == ["without", "with", "difference"]
    assert manifest["scenario"] == "demo_county"
    assert manifest["replications"] == 2
    assert manifest["seed"] == 20231
    assert manifest["arms"] == ["without", "with"]
    assert set(manifest["files"]) == {
        "replications.csv",
        "summary.csv",
        "stations.csv",
        "referrals.csv",
        "budget.csv",
        "equity.csv",
        "equity_replications.csv",
        "plausibility.csv",  # the status quo's published figures (status_quo:)
    }
    budget = pd.read_csv(folder / "budget.csv")
    assert budget.area.unique().tolist() == ["demo county (fictional)"]
    assert len(budget) == 6 * 3  # six perspectives: without, with, difference
    stations = pd.read_csv(folder / "stations.csv")
    county_ct = stations[(stations.facility == "county_hospital") & (stations.station == "exam:ct")]
    assert sorted(county_ct.arm) == ["with", "with", "without", "without"]
    assert ((stations.utilisation > 0) & (stations.utilisation < 1.2)).all()
    episodes = replications[(replications.metric == "episodes")].value
    assert (episodes > 1000).all()


def test_same_seed_gives_identical_files_for_one_or_two_workers(tmp_path, short_demo):
    one, two = tmp_path / "one", tmp_path / "two"
    assert main(["run", str(short_demo), "--jobs", "1", "--out", str(one), "--quiet"]) == 0
    assert main(["run", str(short_demo), "--jobs", "2", "--out", str(two), "--quiet"]) == 0
    for name in ("replications.csv", "summary.csv", "stations.csv"):
        assert (one / "demo_short" / name).read_bytes() == (two / "demo_short" / name).read_bytes()


def test_with_no_reform_switched_on_every_difference_is_exactly_zero(short_demo):
    result = carepath.run(short_demo)
    differences = result.summary[result.summary.arm == "difference"]
    assert len(differences) == metric_count(short_demo)
    assert (differences[["mean", "ci_low", "ci_high"]] == 0.0).all().all()
    # and the arms are not trivially empty
    episodes = result.summary[
        (result.summary.metric == "episodes") & (result.summary.arm == "with")
    ]
    assert episodes["mean"].item() > 100


def test_a_different_seed_gives_different_patients(short_demo):
    a = carepath.run(short_demo, replications=1, seed=1).replications
    b = carepath.run(short_demo, replications=1, seed=2).replications
    assert not a.value.equals(b.value)


def test_replications_differ_from_each_other(short_demo):
    table = carepath.run(short_demo, replications=2).replications
    episodes = table[(table.metric == "episodes") & (table.arm == "without")].value.tolist()
    assert episodes[0] != episodes[1]


def test_summary_csv_adds_each_metrics_unit_and_description_and_keeps_every_number(tmp_path):
    file = few_days(DEMO, tmp_path, "demo_days", replications=2)
    out = tmp_path / "out"
    assert main(["run", str(file), "--out", str(out), "--quiet"]) == 0
    written = pd.read_csv(out / "demo_days" / "summary.csv", keep_default_na=False)
    result = carepath.run(file)
    columns = list(result.summary.columns)
    assert list(written.columns) == [*columns, "unit", "description"]
    # The columns before the words are the summary's, byte for byte.
    assert table_bytes(pd.read_csv(out / "demo_days" / "summary.csv")[columns]) == table_bytes(
        result.summary
    )
    for row in written.itertuples():
        metric = METRICS.get(row.metric)
        assert (row.unit, row.description) == (metric.unit, metric.description)
    assert (written.unit != "").all() and (written.description != "").all()


def test_run_result_save_writes_the_folder_the_command_line_writes(tmp_path):
    file = few_days(DEMO, tmp_path, "demo_days", replications=2)
    command, saved = tmp_path / "command", tmp_path / "saved"
    assert main(["run", str(file), "--out", str(command), "--quiet"]) == 0
    folder = carepath.run(carepath.load_scenario(file)).save(saved, scenario_file=file)
    assert folder == saved / "demo_days"
    tables = tuple(json.loads((command / "demo_days" / "manifest.json").read_text())["files"])
    assert "summary.csv" in tables and "budget.csv" in tables
    assert_same_folder(folder, command / "demo_days", tables)
    assert sorted(p.name for p in folder.iterdir()) == sorted([*tables, "manifest.json"])


def test_run_result_save_without_a_file_records_none(tmp_path):
    result = carepath.run(few_days(DEMO, tmp_path, "demo_days", replications=2))
    folder = result.save(tmp_path / "saved")
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["scenario_file"] is None and manifest["scenario_files"] == {}
    assert manifest["command"] == ["RunResult.save", str(tmp_path / "saved")]
    assert set(RUN_TIMES) <= set(manifest)
