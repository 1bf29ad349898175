"""The calibration section of the report: from a ``<scenario>_calibration`` folder's manifest,
posterior draws, waves and targets alone, the waves' runs and surviving shares, the rules, each
target beside its posterior predictive interval, each input's prior and posterior 90% intervals
(flagged not identified when the posterior is more than half as wide) and the strongly
correlated pairs of inputs."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from carepath.analysis.report import report_text, sections
from carepath.analysis.report_sections.calibration import calibration

SHARES = [0.45, 0.3]  # surviving share per wave
A = "arrival.rate"  # prior uniform 0-10 (90%: 0.5-9.5); posterior 1-9: barely narrowed
B = "doctor.minutes"  # prior uniform 100-200 (90%: 105-195); posterior 148.5-152.5, tied to A
RECORD = {
    "waves": 2,
    "points_per_wave": 20,
    "replications": 3,
    "draws": 20,
    "cutoff": 3.0,
    "seed": 11,
    "inputs": {
        A: {"dist": "uniform", "low": 0.0, "high": 10.0, "source": "assumption"},
        B: {"dist": "uniform", "low": 100.0, "high": 200.0, "source": "assumption"},
    },
    "runs_per_wave": [20, 20],
    "surviving_share": SHARES,
    "final_share": 0.135,
    "effective_sample_size": 12.5,
    "stopping_rule": "stopped after the 2 waves asked for",
    "acceptance": "maximum implausibility over the fit targets <= 3 under every wave's emulators",
}


def posterior(correlated: bool = True) -> pd.DataFrame:
    a = np.linspace(1.0, 9.0, 20)
    b = 148.0 + 0.5 * a if correlated else 150.0 + 2.0 * np.resize([-1.0, 1.0, 1.0, -1.0], 20)
    return pd.DataFrame({"draw": np.arange(20), A: a, B: b})


def results(tmp_path, correlated: bool = True):
    """``<tmp>/results/`` with one calibration folder and one plain scenario folder."""
    root = tmp_path / "results"
    folder = root / "county_calibration"
    folder.mkdir(parents=True)
    posterior(correlated).to_csv(folder / "posterior.csv", index=False)
    waves = [
        {"wave": w, "runs": 20, "replications": 3, "surviving_share": s, "target": t}
        | {"emulator_r2": 0.9}
        for w, s in enumerate(SHARES)
        for t in ("visits", "cost")
    ]
    pd.DataFrame(waves).to_csv(folder / "calibration_waves.csv", index=False)
    targets = [
        ("visits", "fit", 2.0, 3.0, 2.6, 2.2, 2.9, True),
        ("cost", "held_out", 100.0, 120.0, 131.0, 125.0, 140.0, False),
    ]
    pd.DataFrame(
        [
            {"target": t, "use": u, "metric": t, "arm": "with", "observed": (lo + hi) / 2}
            | {"published_low": lo, "published_high": hi, "obs_sd": 1.0, "discrepancy_sd": 0.5}
            | {"predictive_mean": m, "predictive_p05": p5, "predictive_p95": p95, "met": met}
            for t, u, lo, hi, m, p5, p95, met in targets
        ]
    ).to_csv(folder / "calibration_targets.csv", index=False)
    manifest = {
        "scenario": "county",
        "replications": 3,
        "seed": 11,
        "finished": "2024-01-02T03:04:05+00:00",
        "git": {"commit": "0123456789abcdef", "dirty": False},
        "calibration": RECORD,
    }
    (folder / "manifest.json").write_text(json.dumps(manifest))
    plain = root / "county"
    plain.mkdir()
    (plain / "manifest.json").write_text(json.dumps({"scenario": "county"}))
    return root


def row(lines: list[str], first: str) -> list[str]:
    (found,) = [line for line in lines if line.startswith(f"| {first} |")]
    return [cell.strip() for cell in found.strip("|").split("|")]


def test_the_waves_rules_and_targets_are_the_fixture_s(tmp_path):
    lines = calibration(results(tmp_path))
    assert lines[0].startswith("## Calibration")
    assert [line for line in lines if line.startswith("### ")] == ["### county_calibration"]
    assert row(lines, "0") == ["0", "20", "45.0%"]
    assert row(lines, "1") == ["1", "20", "30.0%"]
    assert "- final share: 13.5%" in lines
    assert "- effective sample size: 12.5 of 20 draws" in lines
    assert f"- acceptance: {RECORD['acceptance']}" in lines
    assert f"- stopping rule: {RECORD['stopping_rule']}" in lines
    assert row(lines, "visits") == ["visits", "fit", "2 to 3", "2.6 [2.2, 2.9]", "met"]
    assert row(lines, "cost") == ["cost", "held_out", "100 to 120", "131 [125, 140]", "not met"]


def test_a_wide_input_is_not_identified_and_the_correlated_pair_is_named(tmp_path):
    lines = calibration(results(tmp_path))
    # posterior 90% of linspace(1, 9, 20): 1.4 to 8.6, width 7.2 of the prior's 9
    assert row(lines, f"`{A}`") == [f"`{A}`", "[0.5, 9.5]", "[1.4, 8.6]", "0.80", "not identified"]
    assert row(lines, f"`{B}`") == [f"`{B}`", "[105, 195]", "[148.7, 152.3]", "0.04", "identified"]
    assert f"Strongly correlated directions: `{A}` and `{B}` (+1.00)." in lines


def test_no_strong_correlation_reads_none(tmp_path):
    lines = calibration(results(tmp_path, correlated=False))
    assert "Strongly correlated directions: none." in lines


def test_no_calibration_folder_no_section(tmp_path):
    root = tmp_path / "results"
    (root / "county").mkdir(parents=True)
    (root / "county" / "manifest.json").write_text(json.dumps({"scenario": "county"}))
    assert calibration(root) == []
    assert calibration(tmp_path / "nothing") == []
    assert "## Calibration" not in report_text(root)


def test_the_report_has_the_section_once_between_plausibility_and_beds(tmp_path):
    order = {s.name: s.order for s in sections()}
    assert order["plausibility"] < order["calibration"] < order["beds and bookings"]
    text = report_text(results(tmp_path))
    assert text.count("## Calibration") == 1
    assert "[1.4, 8.6]" in text
