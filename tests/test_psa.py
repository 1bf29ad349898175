"""Probabilistic sensitivity analysis: the uncertainty block, the design, and ``carepath psa``
run, killed, resumed and sent to other executors on a shortened world."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from carepath.cli import BAD_INPUT, main
from carepath.inputs.loading import ScenarioError
from carepath.inputs.scenario_file import load_scenario
from carepath.inputs.uncertain_inputs import uncertain_inputs
from carepath.inputs.uncertainty import Uncertain
from carepath.workflows.psa import Point, PsaSettings, design, point_scenarios
from conftest import REPO, tiny_data, write_yaml

RECOGNITION = REPO / "scenarios" / "demo_county_recognition.yaml"
NAME = "psa_short"
FOLDER = f"{NAME}_psa"
SAMPLES = 8
# Fields of the manifest that say when and how it was started, not what was computed.
TIMES = {"started", "finished", "duration_s", "command", "jobs", "scheduler"}

LAB = "reforms.recognition.items.lab.acceptance"
FEE = "tiers.county.consultation_fee_yuan"
UNCERTAINTY = {
    LAB: {"dist": "triangular", "low": 0.6, "mode": 0.85, "high": 0.95, "source": "assumption"},
    FEE: {"dist": "uniform", "low": 10, "high": 20, "source": "assumption"},
}


def short_psa_file(folder: Path) -> Path:
    """demo_county_recognition over 1 day of warm-up and 3 measured days, two inputs drawn."""
    simulation = {"warmup_days": 1, "horizon_days": 3, "drain_days": 1, "replications": 2}
    data = {
        "extends": str(RECOGNITION),
        "name": NAME,
        "simulation": simulation,
        "uncertainty": UNCERTAINTY,
    }
    return write_yaml(folder / f"{NAME}.yaml", data)


def psa_command(file: Path, out: Path, *more: str) -> list[str]:
    return ["psa", str(file), "--samples", str(SAMPLES), "--morris", "2", "--out", str(out),
            "--quiet", "--bootstrap", "200", *more]  # fmt: skip


def tiny_with(uncertainty: dict, tmp_path: Path, **changes) -> Path:
    return write_yaml(tmp_path / "tiny.yaml", {**tiny_data(**changes), "uncertainty": uncertainty})


# --- the uncertainty block ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            {"dist": "uniform", "low": 5, "source": "assumption"},
            "uniform takes low, high; got low",
        ),
        (
            {"dist": "triangular", "low": 1, "mode": 9, "high": 5, "source": "assumption"},
            "mode must lie between low and high, got 9.0",
        ),
        (
            {"dist": "lognormal", "mean": 1, "cv": 0, "source": "assumption"},
            "cv must be > 0, got 0.0",
        ),
        ({"dist": "cauchy", "low": 1, "high": 2, "source": "assumption"}, "Input should be"),
        ({"dist": "uniform", "low": 1, "high": 2}, "source: Field required"),
    ],
)
def test_a_malformed_distribution_is_a_located_error(tmp_path, capsys, entry, message) -> None:
    file = tiny_with({"tiers.county.consultation_fee_yuan": entry}, tmp_path)
    assert main(["check", str(file)]) == BAD_INPUT
    err = capsys.readouterr().err
    assert f"{file}: uncertainty.tiers.county.consultation_fee_yuan" in err
    assert message in err


@pytest.mark.parametrize(
    ("uncertainty", "line"),
    [
        (
            {"tiers.county.nothing": {"dist": "uniform", "low": 1, "high": 2, "source": "x"}},
            "uncertainty.tiers.county.nothing.source: no source 'x' under sources",
        ),
        (
            {"tiers.county.nothing": {"dist": "uniform", "low": 1, "high": 2, "source": "assumption"}},
            "uncertainty.tiers.county.nothing: no key 'nothing' under tiers.county",
        ),
        (
            {"name": {"dist": "uniform", "low": 1, "high": 2, "source": "assumption"}},
            "uncertainty.name: holds 'tiny', not a number to draw",
        ),
        (
            {"tiers.county.consultation_fee_yuan": {"dist": "uniform", "low": 20, "high": 30, "source": "assumption"}},
            "uncertainty.tiers.county.consultation_fee_yuan: the file's value 15 lies outside this "
            "distribution's range [20, 30]; the range should hold the value the file runs with",
        ),
        (
            {"conditions[cough].share": {"dist": "uniform", "low": 0.5, "high": 1.5, "source": "assumption"}},
            "uncertainty.conditions[cough].share: at its high end (1.5): ",
        ),
        (
            {
                "tiers.county.consultation_fee_yuan": {"dist": "uniform", "low": 1, "high": 20, "source": "assumption"},
                "tiers.township.consultation_fee_yuan": {
                    "dist": "uniform", "low": 0.5, "high": 3, "source": "assumption",
                    "also": ["tiers.county.consultation_fee_yuan"],
                },
            },
            "uncertainty.tiers.township.consultation_fee_yuan.also[0]: "
            "tiers.county.consultation_fee_yuan is already drawn by tiers.county.consultation_fee_yuan",
        ),
        (
            {
                "tiers.township.consultation_fee_yuan": {
                    "dist": "uniform", "low": 0.5, "high": 3, "source": "assumption",
                    "also": ["tiers.county.consultation_fee_yuan"],
                },
            },
            "uncertainty.tiers.township.consultation_fee_yuan: one draw sets every path, but the "
            "file's values differ",
        ),
    ],
)  # fmt: skip
def test_an_uncertainty_block_that_cannot_be_drawn_is_refused_by_check(
    tmp_path, capsys, uncertainty, line
) -> None:
    file = tiny_with(uncertainty, tmp_path)
    assert main(["check", str(file)]) == BAD_INPUT
    assert f"{file}: {line}" in capsys.readouterr().err


def test_a_file_without_uncertainty_keeps_its_hash_and_a_psa_of_it_is_bad_input(
    tmp_path, capsys
) -> None:
    plain = write_yaml(tmp_path / "plain.yaml", tiny_data())
    assert "uncertainty" not in load_scenario(plain).model_dump()
    assert main(["psa", str(plain), "--samples", "8", "--out", str(tmp_path / "out")]) == BAD_INPUT
    err = capsys.readouterr().err
    assert f"{plain}: uncertainty: the file declares no uncertain inputs to draw" in err
    assert not (tmp_path / "out").exists()


def test_too_few_samples_for_the_inputs_is_bad_input(tmp_path, capsys) -> None:
    file = short_psa_file(tmp_path)
    args = ["psa", str(file), "--samples", "4", "--out", str(tmp_path / "out")]
    assert main(args) == BAD_INPUT
    assert "--samples 4 is too few for 2 inputs" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("entry", "frozen"),
    [
        ({"dist": "uniform", "low": 2, "high": 5}, stats.uniform(2, 3)),
        ({"dist": "triangular", "low": 0, "mode": 1, "high": 4}, stats.triang(0.25, 0, 4)),
        ({"dist": "beta", "a": 2, "b": 3, "low": 10, "high": 20}, stats.beta(2, 3, 10, 10)),
        ({"dist": "normal", "mean": 1, "sd": 2}, stats.norm(1, 2)),
    ],
)
def test_each_family_is_the_scipy_distribution_its_parameters_name(entry, frozen) -> None:
    mine = Uncertain.model_validate({**entry, "source": "assumption"})
    q = np.linspace(0.01, 0.99, 21)
    assert np.allclose(mine.ppf(q), frozen.ppf(q))


@pytest.mark.parametrize("dist", ["lognormal", "gamma"])
def test_mean_and_cv_families_have_that_mean_and_cv(dist) -> None:
    frozen = Uncertain(dist=dist, mean=4.0, cv=0.25, source="assumption").frozen()
    assert math.isclose(frozen.mean(), 4.0, rel_tol=1e-12)
    assert math.isclose(frozen.std() / frozen.mean(), 0.25, rel_tol=1e-12)


def test_a_truncated_normal_stays_within_its_bounds() -> None:
    entry = Uncertain(dist="normal", mean=0.9, sd=0.2, low=0.5, high=1.0, source="assumption")
    assert entry.ends() == (0.5, 1.0)
    assert 0.5 <= entry.ppf(0.001) < entry.ppf(0.999) <= 1.0


def test_a_multiplier_scales_every_path_and_whole_numbers_are_rounded(tmp_path) -> None:
    uncertainty = {
        "tiers.county.consultation_fee_yuan": {
            "dist": "uniform", "low": 0.5, "high": 1.5, "scale": True, "source": "assumption",
            "also": ["tiers.township.consultation_fee_yuan"],
        },
        "facilities[hospital].stations.doctors.general": {
            "dist": "uniform", "low": 1, "high": 4, "integer": True, "source": "assumption",
        },
    }  # fmt: skip
    scenario = load_scenario(tiny_with(uncertainty, tmp_path))
    fee, doctors = uncertain_inputs(scenario)
    assert fee.base_value == 1.0 and doctors.base_value == 1.0
    assert fee.levers(1.2) == {
        "tiers.county.consultation_fee_yuan": pytest.approx(18.0),
        "tiers.township.consultation_fee_yuan": pytest.approx(2.4),
    }
    assert doctors.levers(2.6) == {"facilities[hospital].stations.doctors.general": 3}


# --- the design --------------------------------------------------------------------------------


def short_inputs(tmp_path: Path):
    scenario = load_scenario(short_psa_file(tmp_path))
    return scenario, uncertain_inputs(scenario)


def test_the_latin_hypercube_puts_one_sample_in_each_stratum_of_every_input(tmp_path) -> None:
    scenario, inputs = short_inputs(tmp_path)
    points = design(inputs, PsaSettings(samples=16, morris_trajectories=2), seed=5)
    lhs = [p for p in points if p.design == "lhs"]
    assert [p.index for p in lhs] == list(range(16))
    for item in inputs:
        strata = sorted(int(p.quantiles[item.name] * 16) for p in lhs)
        assert strata == list(range(16))
        for p in lhs:  # each value is its quantile through the input's distribution
            assert p.values[item.name] == pytest.approx(item.entry.ppf(p.quantiles[item.name]))
    assert [p.design for p in points[:1]] == ["base"]
    assert points[0].values == {LAB: 0.85, FEE: 15.0}
    kinds = pd.Series([p.design for p in points]).value_counts().to_dict()
    assert kinds == {"base": 1, "lhs": 16, "tornado": 4, "morris": 2 * 3}


def test_the_design_is_fixed_by_the_seed(tmp_path) -> None:
    _, inputs = short_inputs(tmp_path)
    settings = PsaSettings(samples=8)
    assert design(inputs, settings, seed=5) == design(inputs, settings, seed=5)
    assert design(inputs, settings, seed=5) != design(inputs, settings, seed=6)


def test_tornado_points_move_one_input_to_its_10th_and_90th_percentile(tmp_path) -> None:
    _, inputs = short_inputs(tmp_path)
    tornado = [p for p in design(inputs, PsaSettings(samples=8), seed=1) if p.design == "tornado"]
    assert [p.values for p in tornado] == [
        {LAB: pytest.approx(inputs[0].entry.ppf(0.1)), FEE: 15.0},
        {LAB: pytest.approx(inputs[0].entry.ppf(0.9)), FEE: 15.0},
        {LAB: 0.85, FEE: pytest.approx(11.0)},
        {LAB: 0.85, FEE: pytest.approx(19.0)},
    ]


def test_a_drawn_point_that_is_not_a_valid_scenario_is_named_before_anything_runs(
    tmp_path,
) -> None:
    scenario, inputs = short_inputs(tmp_path)
    bad = Point("lhs", 3, {LAB: 1.2, FEE: 15.0}, {LAB: 0.5, FEE: 0.5})
    with pytest.raises(ScenarioError) as caught:
        point_scenarios(scenario, inputs, [bad], tmp_path / "f.yaml")
    assert f"{tmp_path / 'f.yaml'}: uncertainty: the lhs point 3" in str(caught.value)
    assert "less than or equal to 1" in str(caught.value)
