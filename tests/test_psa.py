"""Probabilistic sensitivity analysis: the uncertainty block, the design, and ``carepath psa``
run, killed, resumed and sent to other executors on a shortened world."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from carepath.cli import BAD_INPUT, main
from carepath.execution.checkpoint import PARTIAL_FOLDER
from carepath.inputs.loading import ScenarioError
from carepath.inputs.scenario_file import load_scenario
from carepath.inputs.uncertain_inputs import uncertain_inputs
from carepath.inputs.uncertainty import Uncertain
from carepath.workflows.psa import Point, PsaSettings, design, point_scenarios
from conftest import REPO, assert_same_folder, killed_when, tiny_data, write_yaml

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


# --- carepath psa on the shortened world ---------------------------------------------------------

PSA_TABLES = (
    "psa.csv",
    "psa_summary.csv",
    "psa_design.csv",
    "psa_replications.csv",
    "tornado.csv",
    "prcc.csv",
    "morris.csv",
)


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> tuple[Path, Path]:
    """The short PSA's file and the folder of its uninterrupted run in one process."""
    folder = tmp_path_factory.mktemp("psa")
    file = short_psa_file(folder)
    assert main(psa_command(file, folder / "out", "--jobs", "1")) == 0
    return file, folder / "out" / FOLDER


def assert_same_psa(folder: Path, reference: Path) -> None:
    assert_same_folder(folder, reference, PSA_TABLES, frozenset(TIMES))


@pytest.mark.integration
def test_the_psa_writes_every_table_and_joins_them_by_sample(reference) -> None:
    _, folder = reference
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["psa"]["points"] == {"base": 1, "lhs": 8, "tornado": 4, "morris": 6}
    assert manifest["psa"]["sobol"] is False  # 8 samples are too few to cross-validate
    assert not (folder / "sobol.csv").exists()
    replications = pd.read_csv(folder / "psa_replications.csv")
    summary = pd.read_csv(folder / "psa_summary.csv")
    # each sample's summary mean is the mean of that sample's replications, by sample id
    lhs = replications[(replications.design == "lhs") & (replications.arm == "with")]
    means = lhs.groupby(["point", "metric"]).value.mean()
    mine = summary[summary.arm == "with"].set_index(["sample", "metric"])["mean"]
    both = pd.concat([means.rename("replications"), mine.rename("summary")], axis=1).dropna()
    assert len(both) > 0
    assert np.allclose(both.replications, both.summary, rtol=1e-9)
    # the distribution table is the spread of those sample means
    table = pd.read_csv(folder / "psa.csv").set_index(["metric", "arm"])
    saved = summary[(summary.arm == "difference") & (summary.metric == "cost_total_yuan")]
    row = table.loc[("cost_total_yuan", "difference")]
    assert row["samples"] == SAMPLES
    assert row["mean"] == pytest.approx(saved["mean"].mean(), rel=1e-9)
    assert row["p_better"] == pytest.approx((saved["mean"] > 0).mean())
    assert row["var_input"] == pytest.approx(row["var_sample_means"] - row["var_interaction"] / 2)
    # the tornado's middle is the base point, and each input has one row per metric
    tornado = pd.read_csv(folder / "tornado.csv")
    base = replications[
        (replications.design == "base") & (replications.metric == "cost_total_yuan")
    ]
    by_arm = base.groupby("arm").value.mean()
    bar = tornado[(tornado.metric == "cost_total_yuan") & (tornado.arm == "difference")]
    assert set(bar.input) == {LAB, FEE}
    assert bar.base_mean.iloc[0] == pytest.approx(by_arm["without"] - by_arm["with"], rel=1e-9)
    # acceptance of lab results drives the saving of test fees: the strongest rank correlation
    ranks = pd.read_csv(folder / "prcc.csv")
    fees = ranks[(ranks.metric == "cost_medical_yuan") & (ranks.arm == "difference")]
    assert fees.set_index("input").prcc[LAB] > 0


@pytest.mark.integration
@pytest.mark.slow  # make test stays near 10 minutes: make test-slow runs it
def test_two_workers_give_the_files_of_one_process(tmp_path, reference) -> None:
    file, folder = reference
    assert main(psa_command(file, tmp_path / "out", "--jobs", "2")) == 0
    assert_same_psa(tmp_path / "out" / FOLDER, folder)


@pytest.mark.integration
@pytest.mark.slow  # make test stays near 10 minutes: make test-slow runs it
def test_a_dask_cluster_gives_the_files_of_one_process(tmp_path, reference) -> None:
    distributed = pytest.importorskip("distributed", reason="the cluster extra is not installed")
    file, folder = reference
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        args = psa_command(file, tmp_path / "out", "--scheduler", cluster.scheduler_address)
        assert main(args) == 0
    assert_same_psa(tmp_path / "out" / FOLDER, folder)


@pytest.mark.integration
def test_a_killed_psa_resumes_to_the_files_of_an_uninterrupted_one(tmp_path, reference) -> None:
    file, folder = reference
    out = tmp_path / "out"
    args = psa_command(file, out, "--jobs", "1")
    kept = lambda: sorted((out / FOLDER / PARTIAL_FOLDER).glob("*/rep-*.json"))  # noqa: E731
    killed_when(args, tmp_path, lambda: len(kept()) >= 5, "the PSA")
    done = len(kept())
    assert 5 <= done < 19 * 2
    assert not (out / FOLDER / "psa.csv").exists()
    assert main(args) == 0
    assert_same_psa(out / FOLDER, folder)


def test_a_file_keeps_its_uncertainty_to_itself(tmp_path) -> None:
    # the short file extends demo_county_recognition, whose own block names other inputs
    scenario = load_scenario(short_psa_file(tmp_path))
    assert list(scenario.uncertainty) == [LAB, FEE]
    child = write_yaml(tmp_path / "child.yaml", {"extends": f"{NAME}.yaml", "name": "child"})
    assert load_scenario(child).uncertainty == {}


@pytest.mark.integration
@pytest.mark.slow  # make test stays near 10 minutes: make test-slow runs it
def test_reproduce_re_runs_a_psa_folder_and_finds_it_identical(reference) -> None:
    from carepath.workflows.reproduce import reproduce_folder

    file, folder = reference
    outcome = reproduce_folder(folder, file.parent, jobs=2, log=lambda line: None)
    assert outcome.skipped == ""
    assert outcome.differences == []


@pytest.mark.integration
def test_figures_and_the_report_read_a_psa_folder(reference, tmp_path) -> None:
    from carepath.analysis.figures import draw_all
    from carepath.analysis.report import report_text

    _, folder = reference
    written = draw_all(folder.parent, tmp_path / "figures", formats=("png",), log=lambda _: None)
    drawn = {path.stem for path in written if path.suffix == ".png"}
    assert drawn == {"psa_savings", "tornado", "psa_prcc", "psa_morris"}  # no Sobol: 8 samples
    # one folder of figures, and the captions index of every figure beside it
    assert {p.parent.name for p in written if p.name != "captions.md"} == {FOLDER}
    text = report_text(folder.parent)
    assert f"### {FOLDER}" in text
    psa = pd.read_csv(folder / "psa.csv").set_index(["metric", "arm"])
    row = psa.loc[("cost_total_yuan", "difference")]
    assert f"| cost_total_yuan | {row['base_mean']:.4g} | {row['p50']:.4g} [" in text


@pytest.mark.integration
def test_the_python_api_gives_the_tables_the_command_writes(reference) -> None:
    import carepath

    file, folder = reference
    result = carepath.psa(
        load_scenario(file), samples=SAMPLES, morris_trajectories=2, bootstrap=200
    )
    for name in ("psa.csv", "tornado.csv", "prcc.csv", "morris.csv"):
        written = pd.read_csv(folder / name)
        assert np.allclose(
            result.tables[name].select_dtypes("number").to_numpy(dtype=float),
            written.select_dtypes("number").to_numpy(dtype=float),
            rtol=1e-9,
            equal_nan=True,
        ), name
