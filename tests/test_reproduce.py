"""`carepath reproduce`: re-run committed results and name every number that changed."""

from __future__ import annotations

import json
import shutil

import pytest

from carepath.cli import main
from carepath.observation.results_folder import sha256_file
from carepath.workflows.reproduce import MAX_LISTED, Difference, Outcome, compare_tables, report
from conftest import DEMO, NO_CARE_SEEKING, write_yaml

pytestmark = pytest.mark.integration  # simulates whole scenarios or runs the command


def mini(folder, fee: int = 10):
    """A bundled-style scenario: the demo county over two measured days, two replications."""
    data = {
        "extends": str(DEMO),
        "name": "mini",
        "simulation": {"warmup_days": 1, "horizon_days": 2, "drain_days": 30, "replications": 2},
        "tiers": {"county": {"registration_fee_yuan": fee}},
        # patients who do not weigh the fee, so that only the fees move (docs/care_seeking.md)
        "care_seeking": NO_CARE_SEEKING,
    }
    return write_yaml(folder / "mini.yaml", data)


@pytest.fixture(scope="module")
def checkout(tmp_path_factory):
    """A folder laid out as the repository: scenarios/mini.yaml and its results/, run once."""
    root = tmp_path_factory.mktemp("checkout")
    (root / "scenarios").mkdir()
    mini(root / "scenarios")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)  # the manifest names the scenario file as given: relative
        argv = ["run", "scenarios/mini.yaml", "--out", "results", "--quiet", "--jobs", "2"]
        assert main(argv) == 0
    return root


@pytest.fixture
def committed(checkout, tmp_path, monkeypatch):
    """This test's own copy of the checkout, as the working folder: (scenarios, results)."""
    shutil.copytree(checkout, tmp_path, dirs_exist_ok=True)
    monkeypatch.chdir(tmp_path)
    return tmp_path / "scenarios", tmp_path / "results"


def reproduce(scenarios, results) -> int:
    return main(
        [
            "reproduce",
            "--results",
            str(results),
            "--scenarios",
            str(scenarios),
            "--quiet",
            "--jobs",
            "2",
        ]
    )


def test_unchanged_results_reproduce(committed, capsys):
    scenarios, results = committed
    assert reproduce(scenarios, results) == 0
    out = capsys.readouterr().out
    assert "mini: identical" in out
    assert "reproduce: all 1 scenarios reproduced identically" in out


def test_a_changed_number_fails_naming_scenario_file_metric_and_arm(committed, capsys):
    scenarios, results = committed
    mini(scenarios, fee=25)  # the county hospital's registration fee, 10 -> 25 yuan
    assert reproduce(scenarios, results) == 1
    lines = capsys.readouterr().out.splitlines()
    assert (
        "mini: note: scenario tiers.county.registration_fee_yuan: committed 10.0, now 25.0" in lines
    )
    changed = [
        line
        for line in lines
        if line.startswith(
            "mini: summary.csv: metric cost_medical_yuan, arm without: mean committed "
        )
    ]
    assert len(changed) == 1
    committed_mean, new_mean = (float(part.split()[-1]) for part in changed[0].split(", new"))
    assert new_mean > committed_mean  # dearer registration: higher fees per episode
    assert any(
        line.startswith(
            "mini: replications.csv: metric cost_total_yuan, arm with, replication 0: value committed "
        )
        for line in lines
    )
    assert lines[-1].startswith("reproduce: ") and lines[-1].endswith(
        " differences in 1 of 1 scenarios"
    )
    # A fee changes what patients pay, not where they go: no other table moved.
    assert not [line for line in lines if line.startswith("mini: stations.csv")]


def test_a_hand_edited_result_file_is_caught(committed, capsys):
    scenarios, results = committed
    summary = results / "mini" / "summary.csv"
    lines = summary.read_text().splitlines()
    row = next(i for i, line in enumerate(lines) if line.startswith("mini,wait_min,without,"))
    fields = lines[row].split(",")
    fields[4] = "0.5"
    lines[row] = ",".join(fields)
    summary.write_text("\n".join(lines) + "\n")
    assert reproduce(scenarios, results) == 2  # listed, then refused as bad input
    out = capsys.readouterr().out
    assert "mini: summary.csv: changed since its run (checksum differs)" in out
    assert "reproduce: committed files differ from their manifests: refused" in out
    assert "mini: summary.csv: metric wait_min, arm without: mean committed 0.5, new " in out


def test_results_of_a_scenario_that_is_not_bundled_are_skipped(committed, tmp_path, capsys):
    _, results = committed
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    assert reproduce(elsewhere, results) == 0
    assert f"is not a bundled scenario under {elsewhere}" in capsys.readouterr().out


def test_reproduce_without_results_is_bad_input(tmp_path, capsys):
    assert reproduce(tmp_path, tmp_path / "none") == 2
    assert "nothing to read" in capsys.readouterr().err


def test_compare_tables_names_rows_present_on_one_side_only(tmp_path):
    old, new = tmp_path / "old.csv", tmp_path / "new.csv"
    old.write_text("scenario,metric,arm,mean\ns,a,with,1\ns,b,with,2\n")
    new.write_text("scenario,metric,arm,mean\ns,a,with,1\ns,c,with,2\n")
    found = [d.line() for d in compare_tables("s", "summary.csv", old, new)]
    assert found == [
        "s: summary.csv: metric b, arm with: row only in the committed file",
        "s: summary.csv: metric c, arm with: row only in the new file",
    ]


def test_the_manifest_records_what_reproduce_needs(committed):
    scenarios, results = committed
    manifest = json.loads((results / "mini" / "manifest.json").read_text())
    assert {
        "seed",
        "replications",
        "scenario_file",
        "scenario_sha256",
        "git",
        "versions",
        "files",
    } <= set(manifest)
    assert manifest["scenario_file"] == "scenarios/mini.yaml"
    assert manifest["scenario_files"] == {
        str(DEMO): sha256_file(DEMO),
        "scenarios/mini.yaml": sha256_file(scenarios / "mini.yaml"),
    }
    assert "platform" in manifest["versions"]


def test_a_long_listing_is_capped_and_counted_per_file():
    differences = [
        *(Difference("s", "summary.csv", f"metric m{i}", "mean") for i in range(30)),
        *(Difference("s", "replications.csv", f"replication {i}", "value") for i in range(40)),
    ]
    lines: list[str] = []
    assert report([Outcome("s", differences, [])], log=lines.append) == 1
    for file, count in (("summary.csv", 30), ("replications.csv", 40)):
        listed = [line for line in lines if line.startswith(f"s: {file}: ") and "..." not in line]
        assert len(listed) == MAX_LISTED
        assert f"s: {file}: ... and {count - MAX_LISTED} more differences" in lines
    assert lines[-1] == "reproduce: 70 differences in 1 of 1 scenarios"
