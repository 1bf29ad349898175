"""`carepath reproduce` of the folders made at a posterior's draws (a run and a PSA: re-run at
the same draws, or named as a difference when the posterior file changed or is gone) and of a
calibration (re-run with its recorded settings and seed)."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from carepath.cli import main
from test_calibrate import calibrated_file
from test_posterior import ROWS, rows_csv, scenario_file

pytestmark = pytest.mark.integration  # runs the commands

POSTERIOR_FOLDERS = ("tiny", "tiny_posterior", "tiny_psa_posterior")


def checkout(root, *commands: list[str]):
    """``root`` laid out as the repository (scenarios/tiny.yaml, results/), after ``commands``
    ran there (the manifests name the files as given: relative)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        for command in commands:
            assert main([*command, "--out", "results", "--quiet"]) == 0
    return root


@pytest.fixture(scope="module")
def posterior_checkout(tmp_path_factory):
    """A plain run, a run and a PSA at posterior.csv's draws, of scenarios/tiny.yaml."""
    root = tmp_path_factory.mktemp("checkout")
    (root / "scenarios").mkdir()
    scenario_file(root / "scenarios")
    rows_csv(root, ROWS)
    at = ["--posterior", "posterior.csv"]
    run = ["run", "scenarios/tiny.yaml", "--replications", "2"]
    psa = ["psa", "scenarios/tiny.yaml", "--samples", "5", "--bootstrap", "100"]
    return checkout(root, run, [*run, *at], [*psa, *at])


@pytest.fixture(scope="module")
def calibration_checkout(tmp_path_factory):
    """A calibration of scenarios/tiny.yaml (tests/test_calibrate.py's), as small as it goes."""
    root = tmp_path_factory.mktemp("checkout")
    (root / "scenarios").mkdir()
    calibrated_file(root / "scenarios")
    args = ["--points", "6", "--replications", "2", "--draws", "50"]
    return checkout(root, ["calibrate", "scenarios/tiny.yaml", *args])


def copied(root, tmp_path, monkeypatch):
    """This test's own copy of a checkout, as the working folder."""
    shutil.copytree(root, tmp_path, dirs_exist_ok=True)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def reproduce(capsys) -> tuple[int, list[str]]:
    code = main(["reproduce", "--results", "results", "--scenarios", "scenarios", "--quiet"])
    return code, capsys.readouterr().out.splitlines()


def test_runs_and_psas_at_a_posterior_reproduce_at_the_same_draws(
    posterior_checkout, tmp_path, monkeypatch, capsys
):
    root = copied(posterior_checkout, tmp_path, monkeypatch)
    folders = [p.name for p in (root / "results").iterdir() if p.is_dir()]
    assert sorted(folders) == sorted(POSTERIOR_FOLDERS)
    code, lines = reproduce(capsys)
    assert code == 0, lines
    assert any(
        line.startswith("tiny_posterior: re-running scenarios/tiny.yaml (seed 7, 2 replications")
        and line.endswith(", at the draws of posterior.csv)")
        for line in lines
    )
    for folder in POSTERIOR_FOLDERS:
        assert f"{folder}: identical" in lines
    assert lines[-1] == "reproduce: all 3 scenarios reproduced identically"


@pytest.mark.parametrize(
    ("change", "what"),
    [
        ("edit", "the posterior file changed since the run (checksum differs): not re-run"),
        ("remove", "the posterior file the run drew from is gone: not re-run"),
    ],
)
def test_a_changed_or_removed_posterior_file_is_the_difference(
    posterior_checkout, tmp_path, monkeypatch, capsys, change, what
):
    root = copied(posterior_checkout, tmp_path, monkeypatch)
    posterior = root / "posterior.csv"
    if change == "edit":
        posterior.write_text(posterior.read_text().replace("11.0", "12.0"))
    else:
        posterior.unlink()
    code, lines = reproduce(capsys)
    assert code == 1
    assert f"tiny_posterior: posterior.csv: {what}" in lines
    assert f"tiny_psa_posterior: posterior.csv: {what}" in lines
    assert "tiny: identical" in lines  # the plain run never read it
    assert not any(line.startswith("tiny_posterior: re-running") for line in lines)
    assert lines[-1] == "reproduce: 2 differences in 2 of 3 scenarios"


def test_a_calibration_reproduces_and_an_edited_cell_is_named(
    calibration_checkout, tmp_path, monkeypatch, capsys
):
    root = copied(calibration_checkout, tmp_path, monkeypatch)
    code, lines = reproduce(capsys)
    assert code == 0, lines
    assert "tiny_calibration: identical" in lines
    assert any(
        line.startswith(
            "tiny_calibration: re-running scenarios/tiny.yaml (a calibration of 2 waves"
        )
        for line in lines
    )
    runs_file = root / "results" / "tiny_calibration" / "calibration_runs.csv"
    runs = pd.read_csv(runs_file, dtype=str, keep_default_na=False)
    column = "mean:cost_medical_yuan (without)"
    row = runs.index[(runs.wave == "1") & (runs.point == "3")][0]
    was = runs.at[row, column]
    runs.at[row, column] = "99"
    runs.to_csv(runs_file, index=False, lineterminator="\n")
    code, lines = reproduce(capsys)
    assert code == 2  # a committed file differs from its manifest: listed, then refused
    assert (
        "tiny_calibration: calibration_runs.csv: changed since its run (checksum differs)" in lines
    )
    assert (
        f"tiny_calibration: calibration_runs.csv: wave 1, point 3: {column} committed 99, new {was}"
        in lines
    )
    assert lines[-2:] == [
        "reproduce: 2 differences in 1 of 1 scenarios",
        "reproduce: committed files differ from their manifests: refused",
    ]
    assert not [line for line in lines if "calibration_targets.csv" in line]
