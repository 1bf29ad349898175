"""The validation report and the `validate` and `report` commands."""

from __future__ import annotations

import json
import shutil

import pandas as pd

from carepath.analysis.queue_records import QUANTITIES
from carepath.analysis.report import gap, report_text
from carepath.cli import main
from carepath.execution import batch, replication
from carepath.inputs.provenance import unsourced_numbers
from carepath.observation.results_folder import QUEUEING_COLUMNS
from carepath.workflows import validate
from conftest import DEMO, REPO

RESULTS = REPO / "results"
VALIDATION = REPO / "scenarios" / "validation"


def test_gaps_are_stated_in_words():
    assert gap(100.0, 119.0, 129.0) == "19 below the published 119 (-16%)"
    assert gap(146.4, 119.0, 129.0) == "17.4 above the published 129 (+13%)"
    assert gap(120.0, 119.0, 129.0) == "inside the published range"
    assert gap(130.0, 120.0, None) == "inside the published range"
    assert gap(50.0, None, None) == "no published number to compare with"


def _results(tmp_path):
    """A copy of two committed scenario folders and the queueing table."""
    results = tmp_path / "results"
    for name in ("demo_county", "mianyang_recognition", "mianyang_outreach", "validation"):
        shutil.copytree(RESULTS / name, results / name)
    return results


def test_report_sets_the_model_beside_published_figures_and_theory(tmp_path, monkeypatch):
    def no_simulation(*args, **kwargs):
        raise AssertionError("the report must not simulate")

    for module, name in (
        (replication, "simulate"),
        (replication, "ArmRun"),
        (replication, "ReplicationRun"),
        (batch, "ReplicationRun"),
        (validate, "simulate"),
    ):
        monkeypatch.setattr(module, name, no_simulation)
    results = _results(tmp_path)
    text = report_text(results)
    assert text == report_text(results)  # deterministic
    published = pd.read_csv(results / "mianyang_recognition" / "plausibility.csv")
    row = published[published.metric == "saved_yuan_per_recognised"].iloc[0]
    line = next(x for x in text.splitlines() if x.startswith("| saved_yuan_per_recognised"))
    assert gap(row.model_mean, row.published_low, row.published_high) in line
    assert "### demo_county\n" in text
    assert "lists no published figures" in text
    queueing = pd.read_csv(results / "validation" / "queueing.csv")
    assert list(queueing.columns) == list(QUEUEING_COLUMNS)
    for system in queueing.system.unique():
        assert f"### {system}\n" in text
    manifest = json.loads((results / "demo_county" / "manifest.json").read_text())
    assert manifest["finished"] in text
    # the scenario file's own explanation of a gap, as run
    assert (
        "- Why free_clinic_referral_share (with) differs: Held out. In the model every ill "
        "resident the team cannot finish is referred up" in text
    )


def test_report_command_writes_the_file_and_says_what_is_missing(tmp_path):
    results = tmp_path / "results"
    shutil.copytree(RESULTS / "demo_county", results / "demo_county")
    assert main(["report", "--results", str(results)]) == 0
    text = (results / "validation.md").read_text()
    assert "No `" in text and "make validate" in text
    # a folder with no results (a typo) is bad input: nothing is created or written
    none = tmp_path / "none"
    assert main(["report", "--results", str(none), "--out", str(tmp_path / "v.md")]) == 2
    assert not none.exists() and not (tmp_path / "v.md").exists()
    none.mkdir()
    assert "No scenario results" in report_text(none)


def test_validate_writes_the_table_and_its_manifest(tmp_path, capsys):
    out = tmp_path / "validation"
    file = str(VALIDATION / "mmc_c1_load050.yaml")
    assert main(["validate", file, "--replications", "3", "--out", str(out)]) in (0, 1)
    table = pd.read_csv(out / "queueing.csv")
    assert set(table.quantity) == set(QUANTITIES)
    assert (table.n == 3).all()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["systems"][0]["scenario"] == "mmc_c1_load050"
    assert "queueing.csv" in manifest["files"]
    assert "mmc_c1_load050:" in capsys.readouterr().out


def test_validate_refuses_a_scenario_that_is_no_bare_system(tmp_path, capsys):
    out = tmp_path / "validation"
    assert main(["validate", str(DEMO), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"{DEMO}: facilities: a bare system has exactly one facility" in err
    assert not out.exists()


def test_every_number_in_a_validation_scenario_says_where_it_comes_from():
    files = sorted(VALIDATION.glob("*.yaml"))
    assert len(files) >= 8
    for path in files:
        assert unsourced_numbers(path) == []
