"""Choosing the replication count by precision: the rule, the loop, the command and manifest."""

from __future__ import annotations

import json
import math

import pytest

from carepath.cli import main
from carepath.execution.batch import run_many
from carepath.execution.options import RunOptions
from carepath.inputs.schema import Scenario
from carepath.observation.results_folder import table_bytes
from carepath.workflows.precision import (
    Target,
    default_arm,
    next_count,
    precise_enough,
    run_to_precision,
    target_problems,
)
from conftest import tiny_data, write_yaml

pytestmark = pytest.mark.integration  # simulates whole scenarios or runs the command


def small(**reforms) -> Scenario:
    data = tiny_data()
    data["simulation"].update(warmup_days=1, horizon_days=2, replications=3)
    data["zones"][0]["episodes_per_person_year"] = 10.0
    data["tests"]["lab"]["exam_min"] = {"dist": "exponential", "mean": 4}
    if reforms:
        data["reforms"] = reforms
    return Scenario.model_validate(data)


def test_the_rule_on_known_numbers():
    assert precise_enough(mean=100, half=5, relative=0.05)
    assert not precise_enough(mean=100, half=5.01, relative=0.05)
    assert not precise_enough(mean=100, half=math.nan, relative=0.05)
    assert precise_enough(mean=0, half=0, relative=0.05)  # an exactly-zero difference
    # half-width 10 at n=4 against a target of 5: about 4 x (10/5)^2 = 16, but at most 2n
    assert next_count(4, 100, 10, 0.05, cap=200) == 8
    assert next_count(10, 100, 6, 0.05, cap=200) == 15  # ceil(10 x 1.2^2) = 15
    assert next_count(10, 100, 5.01, 0.05, cap=200) == 11  # at least one more
    assert next_count(150, 100, 10, 0.05, cap=200) == 200  # never past the cap


def test_the_default_figure_is_the_saving_when_a_reform_is_on():
    on = {"recognition": {"enabled": True}}
    assert default_arm(small(), "wait_min") == "without"
    assert default_arm(small(**on), "wait_min") == "difference"
    assert default_arm(small(**on), "own_wait_saved_min") == "paired"
    assert target_problems(Target(0.05, metric="wait_mins")) == [
        "--precision-metric: no such metric, got 'wait_mins'"
    ]
    assert target_problems(Target(0.05, arm="paired")) == [
        "--precision-arm: wait_min is summarised as without, with or difference"
    ]
    assert target_problems(Target(0.0)) == ["--precision: must be > 0, got 0.0"]


def test_rounds_end_with_the_files_of_a_direct_run_of_the_chosen_count():
    scenario = small()
    result, report = run_to_precision(scenario, Target(0.08, max_replications=30))
    n = report["replications"]
    assert len(report["rounds"]) > 1  # the pilot of 3 was not enough
    assert [r["replications"] for r in report["rounds"]][-1] == n
    assert report["met"] and report["half_width"] <= 0.08 * abs(report["mean"])
    direct = run_many([scenario], RunOptions(replications=n))[0]
    assert table_bytes(result.replications) == table_bytes(direct.replications)
    assert table_bytes(result.summary) == table_bytes(direct.summary)
    assert table_bytes(result.stations) == table_bytes(direct.stations)


def test_an_unreachable_target_stops_at_the_cap_and_says_so():
    _, report = run_to_precision(small(), Target(1e-6, max_replications=5))
    assert report["replications"] == 5
    assert not report["met"] and report["stopped_at_cap"]
    assert report["relative_half_width"] > 1e-6


def test_run_with_precision_records_target_count_and_warm_up(tmp_path):
    data = small().model_dump(mode="json")
    data["simulation"]["horizon_days"] = 15  # 16 days: enough for MSER-5's batches
    path = write_yaml(tmp_path / "small.yaml", data)
    out = tmp_path / "results"
    args = ["run", str(path), "--precision", "0.5", "--max-replications", "6", "--quiet"]
    assert main([*args, "--out", str(out)]) == 0
    manifest = json.loads((out / "tiny" / "manifest.json").read_text())
    precision = manifest["precision"]
    assert precision["target_relative_half_width"] == 0.5
    assert (precision["metric"], precision["arm"]) == ("wait_min", "without")
    assert manifest["replications"] == precision["replications"]
    assert precision["half_width"] > 0
    warmup = manifest["warmup"]
    assert warmup["configured_days"] == 1
    assert warmup["mser5_days"] is not None and 0 <= warmup["mser5_days"] <= 8


def test_a_bad_precision_metric_is_bad_input_and_writes_nothing(tmp_path, capsys):
    path = write_yaml(tmp_path / "small.yaml", small().model_dump(mode="json"))
    out = tmp_path / "results"
    code = main(
        ["run", str(path), "--precision", "0.05", "--precision-metric", "wait", "--out", str(out)]
    )
    assert code == 2
    assert "--precision-metric: no such metric, got 'wait'" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.parametrize("value", ["0", "-1"])
def test_a_non_positive_precision_is_bad_input(tmp_path, value, capsys):
    path = write_yaml(tmp_path / "small.yaml", small().model_dump(mode="json"))
    with pytest.raises(SystemExit) as stopped:  # refused by the argument parser
        main(["run", str(path), "--precision", value, "--out", str(tmp_path / "r")])
    assert stopped.value.code == 2
    assert "must be a number between 0 and 1" in capsys.readouterr().err
    assert not (tmp_path / "r").exists()
