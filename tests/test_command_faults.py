"""Commands meet broken folders, an unusable --out, a second writer and Ctrl-C with one line and
an exit code, never a traceback, and nothing simulated when the output could not be written."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from carepath.cli import BAD_INPUT, INTERRUPTED, main
from carepath.execution import batch
from carepath.observation.results_folder import writing_into
from conftest import DEMO, REPO, few_days

COMMITTED = REPO / "results" / "demo_county_credit"


def refuse(task):
    raise AssertionError("simulated although the output cannot be written")


def test_an_unusable_out_is_found_before_simulating(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(batch, "run_task", refuse)
    in_the_way = tmp_path / "a_file"
    in_the_way.write_text("not a folder")
    scenario = few_days(DEMO, tmp_path, "short", 2)
    assert main(["run", str(scenario), "--out", str(in_the_way), "--quiet"]) == BAD_INPUT
    err = capsys.readouterr().err
    assert err.startswith(f"--out {in_the_way}: cannot write there (")
    assert "Traceback" not in err


def test_a_second_run_into_the_same_out_is_refused_with_who_holds_it(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(batch, "run_task", refuse)
    out = tmp_path / "out"
    scenario = few_days(DEMO, tmp_path, "short", 2)
    with writing_into(out):  # another run, writing
        assert main(["run", str(scenario), "--out", str(out), "--quiet"]) == BAD_INPUT
    err = capsys.readouterr().err
    assert "another carepath run (pid " in err and "is writing there" in err
    assert not (out / "short").exists()


def test_report_on_a_folder_that_is_not_there_creates_nothing(tmp_path, capsys):
    typo = tmp_path / "resluts"
    assert main(["report", "--results", str(typo)]) == BAD_INPUT
    assert not typo.exists()
    assert "nothing to read" in capsys.readouterr().err


def copy_of_committed(tmp_path: Path) -> Path:
    results = tmp_path / "results"
    shutil.copytree(COMMITTED, results / COMMITTED.name)
    return results


@pytest.mark.parametrize("command", ["report", "figures", "reproduce"])
def test_a_corrupt_manifest_is_named_by_every_reader(tmp_path, capsys, command):
    results = copy_of_committed(tmp_path)
    (results / COMMITTED.name / "manifest.json").write_bytes(b"{\xff not json")
    assert main([command, "--results", str(results)]) == BAD_INPUT
    err = capsys.readouterr().err
    assert "manifest.json: cannot read the manifest" in err and "Traceback" not in err


def test_a_table_that_is_not_utf8_or_cut_short_is_refused(tmp_path, capsys):
    results = copy_of_committed(tmp_path)
    summary = results / COMMITTED.name / "summary.csv"
    summary.write_bytes(summary.read_bytes()[:200] + b"\xff\xfe")
    for command in ("report", "figures"):
        assert main([command, "--results", str(results)]) == BAD_INPUT
        assert "summary.csv: differs from its checksum" in capsys.readouterr().err


def test_figures_out_naming_a_file_is_bad_input(tmp_path, capsys):
    results = copy_of_committed(tmp_path)
    in_the_way = tmp_path / "figures"
    in_the_way.write_text("")
    assert main(["figures", "--results", str(results), "--out", str(in_the_way)]) == BAD_INPUT
    assert "Traceback" not in capsys.readouterr().err


def test_ctrl_c_while_loading_or_validating_is_one_line(tmp_path, monkeypatch, capsys):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("carepath.cli.load_scenario", interrupted)
    assert main(["check", str(DEMO)]) == INTERRUPTED
    monkeypatch.setattr("carepath.cli.run_validation", interrupted)
    assert main(["validate", "--out", str(tmp_path / "v")]) == INTERRUPTED
    lines = capsys.readouterr().err.splitlines()
    assert lines == [
        "interrupted: carepath check stopped; results folders are replaced whole, so what is "
        "on disk is as it was or complete",
        "interrupted: carepath validate stopped; results folders are replaced whole, so what "
        "is on disk is as it was or complete",
    ]
