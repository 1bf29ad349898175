"""``carepath calibrate`` on a tiny world: history matching in two waves, the posterior it
writes, and a calibration killed between its waves that resumes to byte-identical files.

The tiny world (tests/conftest.py) charges a registration (1 yuan), a consultation at the
township centre (uncertain here: 1 to 5 yuan, the file says 2), a lab test (30) and drugs (20)
per episode; the fit target puts the medical fees per episode at 54-56 yuan, so the consultation
fee that fits is 3 to 5 yuan.  The held-out target (total cost, fares included) is never fitted.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from carepath.cli import main
from conftest import assert_same_folder, killed_when, tiny_data, uniform_prior, write_yaml

pytestmark = pytest.mark.integration

FOLDER = "tiny_calibration"
TABLES = (
    "posterior.csv",
    "calibration_runs.csv",
    "calibration_waves.csv",
    "calibration_targets.csv",
)
ARGS = ["--points", "16", "--replications", "2", "--draws", "200", "--quiet"]


def calibrated_file(tmp_path: Path) -> Path:
    data = tiny_data()
    data["simulation"].update({"horizon_days": 1, "replications": 2})
    data["zones"][0]["episodes_per_person_year"] = 3
    data["sources"] = {"made_up": "a figure made up for the test"}
    data["uncertainty"] = {
        "tiers.township.consultation_fee_yuan": uniform_prior(1, 5),
    }
    data["plausibility"] = [
        {
            "metric": "cost_medical_yuan",
            "arm": "without",
            "published": "54-56 yuan of fees per episode",
            "low": 54,
            "high": 56,
            "source": "made_up",
            "use": "fit",
        },
        {
            "metric": "cost_total_yuan",
            "arm": "without",
            "published": "about 65 yuan per episode",
            "low": 60,
            "high": 70,
            "source": "made_up",
            "use": "held_out",
        },
    ]
    return write_yaml(tmp_path / "tiny.yaml", data)


def calibrate(file: Path, out: Path) -> int:
    return main(["calibrate", str(file), "--out", str(out), *ARGS])


def test_two_waves_narrow_the_fee_to_what_fits(tmp_path):
    file = calibrated_file(tmp_path)
    assert calibrate(file, tmp_path / "out") == 0
    folder = tmp_path / "out" / FOLDER
    posterior = pd.read_csv(folder / "posterior.csv")
    fee = posterior["tiers.township.consultation_fee_yuan"]
    assert list(posterior.columns) == ["draw", "tiers.township.consultation_fee_yuan"]
    assert len(posterior) == 200
    # medical fees = 51 + fee: the fit keeps fees near 3-5, never the prior's low end
    assert fee.min() > 2.0 and fee.quantile(0.95) - fee.quantile(0.05) < 0.5 * 4
    waves = pd.read_csv(folder / "calibration_waves.csv")
    assert sorted(set(waves.wave)) == [0, 1]
    share = waves.groupby("wave").surviving_share.first()
    assert share[0] == 1.0 and share[1] < 0.9
    targets = pd.read_csv(folder / "calibration_targets.csv").set_index("use")
    assert bool(targets.loc["fit", "met"])
    assert targets.loc["held_out", "target"] == "cost_total_yuan (without)"
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["calibration"]["runs_per_wave"] == [16, 16]
    assert not (folder / ".waves").exists()  # the waves' checkpoints go once the files are written


def test_a_calibration_killed_between_waves_resumes_to_the_same_files(tmp_path):
    file = calibrated_file(tmp_path)
    reference = tmp_path / "reference"
    assert calibrate(file, reference) == 0
    out = tmp_path / "out"
    first_wave = out / FOLDER / ".waves" / "wave_00.npz"
    args = ["calibrate", str(file), "--out", str(out), *ARGS]
    killed_when(args, tmp_path, first_wave.exists, "the calibration")
    assert first_wave.exists() and not (out / FOLDER / "posterior.csv").exists()
    assert calibrate(file, out) == 0
    assert_same_folder(out / FOLDER, reference / FOLDER, TABLES)


def test_a_file_without_fit_targets_is_refused(tmp_path, capsys):
    data = tiny_data()
    path = write_yaml(tmp_path / "plain.yaml", data)
    assert main(["calibrate", str(path), "--out", str(tmp_path / "out"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "no uncertain inputs" in err and "no entry has use: fit" in err
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
