"""Posteriors: joint draws of the uncertain inputs in a CSV file, read against the scenario's
priors, written whole, and sampled row by row by ``carepath psa`` and ``carepath run``."""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path

import pandas as pd
import pytest

import carepath
from carepath.cli import BAD_INPUT, main
from carepath.execution.batch import run_drawn
from carepath.execution.checkpoint import Checkpoint
from carepath.execution.options import RunOptions
from carepath.inputs.loading import ScenarioError
from carepath.inputs.posterior import DRAW, chosen_rows, load_posterior, read_posterior
from carepath.inputs.scenario_file import load_scenario
from carepath.inputs.uncertain_inputs import psa_base, scenario_at, uncertain_inputs
from carepath.observation.posterior import write_posterior
from carepath.workflows.calibrate import CalibrationSettings, calibration_problems
from carepath.workflows.posterior_runs import posterior_run_problems, replication_rows
from carepath.workflows.psa import PsaSettings, design, point_scenarios, psa_problems
from conftest import tiny_data, write_yaml

COUNTY = "tiers.county.consultation_fee_yuan"  # 15 in the file
TOWN = "tiers.township.consultation_fee_yuan"  # 2 in the file; where the cough is seen first
UNCERTAINTY = {
    COUNTY: {"dist": "uniform", "low": 10, "high": 20, "source": "assumption"},
    TOWN: {"dist": "uniform", "low": 0.5, "high": 10, "source": "assumption"},
}
# Three joint draws: any mix of one row's county fee with another's township fee is none.
ROWS = [(0, 11.0, 9.5), (1, 19.0, 0.75), (2, 14.5, 5.125)]


def scenario_file(tmp_path: Path, **changes) -> Path:
    """The tiny world with patients (about 27 episodes a day) and two fees uncertain."""
    data = tiny_data(uncertainty=UNCERTAINTY, **changes)
    data["zones"][0]["episodes_per_person_year"] = 5
    return write_yaml(tmp_path / "tiny.yaml", data)


def csv_file(tmp_path: Path, text: str, name: str = "posterior.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def rows_csv(tmp_path: Path, rows=ROWS, header=f"{DRAW},{COUNTY},{TOWN}") -> Path:
    lines = [header, *(",".join(str(v) for v in row) for row in rows)]
    return csv_file(tmp_path, "\n".join(lines) + "\n")


# --- reading -------------------------------------------------------------------------------------


def test_a_posterior_is_read_in_the_scenarios_order_with_its_checksum(tmp_path) -> None:
    scenario = load_scenario(scenario_file(tmp_path))
    # columns in another order, the draw id not first would be refused: inputs may be swapped
    path = csv_file(tmp_path, f"{DRAW},{TOWN},{COUNTY}\n3,9.5,11\n0,0.75,19.0\n")
    frame = read_posterior(path, scenario)
    assert list(frame.columns) == [DRAW, COUNTY, TOWN]
    assert frame[DRAW].tolist() == [3, 0]
    assert frame[COUNTY].tolist() == [11.0, 19.0] and frame[TOWN].tolist() == [9.5, 0.75]
    posterior = load_posterior(path, scenario)
    assert posterior.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert posterior.values(1) == {COUNTY: 19.0, TOWN: 0.75} and posterior.draw_id(0) == 3


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"{DRAW},{COUNTY}\n0,12\n", [f"no column '{TOWN}'"]),
        (f"{COUNTY},{TOWN}\n12,1\n", ["no column 'draw'"]),
        (
            f"{DRAW},{COUNTY},{TOWN},tiers.county.walk_min\n0,12,1,3\n",
            ["column 'tiers.county.walk_min' is not an uncertain input of tiny"],
        ),
        (f"{DRAW},{COUNTY},{TOWN},{TOWN}\n0,12,1,1\n", [f"column '{TOWN}' appears 2 times"]),
        (f"{COUNTY},{DRAW},{TOWN}\n12,0,1\n", ["the first column must be 'draw'"]),
        (f"{DRAW},{COUNTY},{TOWN}\n", ["no draws: at least one row is needed"]),
        ("", ["empty; expected a header line"]),
        (f"{DRAW},{COUNTY},{TOWN}\n0,12\n", ["line 2: 2 values, but the header names 3 columns"]),
        (
            f"{DRAW},{COUNTY},{TOWN}\n0,12,1\n1,twelve,1\n2,12,nan\n3,inf,1\n",
            [
                f"line 3 (draw 1), column {COUNTY}: 'twelve' is not a number",
                f"line 4 (draw 2), column {TOWN}: 'nan' is not a finite number",
                f"line 5 (draw 3), column {COUNTY}: 'inf' is not a finite number",
            ],
        ),
        (
            f"{DRAW},{COUNTY},{TOWN}\n0,12,1\n1,25,1\n2,12,0.25\n",
            [
                f"line 3 (draw 1), column {COUNTY}: 25 lies outside its prior's support [10, 20]",
                f"line 4 (draw 2), column {TOWN}: 0.25 lies outside its prior's support [0.5, 10]",
            ],
        ),
        (
            f"{DRAW},{COUNTY},{TOWN}\n0,12,1\n0,13,1\n1.5,12,1\n-1,12,1\n",
            [
                "line 3, column draw: draw 0 again (line 2)",
                "line 4, column draw: '1.5' is not a whole number >= 0",
                "line 5, column draw: '-1' is not a whole number >= 0",
            ],
        ),
    ],
)
def test_a_bad_posterior_is_refused_naming_the_file_and_the_column_or_line(
    tmp_path, text, expected
) -> None:
    scenario = load_scenario(scenario_file(tmp_path))
    path = csv_file(tmp_path, text)
    with pytest.raises(ScenarioError) as caught:
        read_posterior(path, scenario)
    for line in expected:
        assert any(p.startswith(f"{path}: {line}") for p in caught.value.problems), (
            line,
            caught.value.problems,
        )


def test_a_missing_posterior_or_a_scenario_without_priors_is_refused(tmp_path) -> None:
    scenario = load_scenario(scenario_file(tmp_path))
    with pytest.raises(ScenarioError, match="cannot read the posterior"):
        read_posterior(tmp_path / "none.csv", scenario)
    plain = load_scenario(write_yaml(tmp_path / "plain.yaml", tiny_data()))
    with pytest.raises(ScenarioError, match="declares no uncertain inputs"):
        read_posterior(rows_csv(tmp_path), plain)


# --- writing -------------------------------------------------------------------------------------


def test_a_written_posterior_reads_back_exactly_and_replaces_the_old_whole(tmp_path) -> None:
    scenario = load_scenario(scenario_file(tmp_path))
    frame = pd.DataFrame({DRAW: [0, 1], COUNTY: [10.1 + 2e-15, 19.999], TOWN: [1 + 1 / 3, 0.5]})
    path = tmp_path / "out.csv"
    path.write_text("old\n")
    assert write_posterior(path, frame) == path
    back = read_posterior(path, scenario)
    pd.testing.assert_frame_equal(back, frame, check_exact=True, check_dtype=False)
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []
    # a frame that is no posterior writes nothing: the file is as it was
    before = path.read_bytes()
    for bad in (
        frame.drop(columns=DRAW),
        frame.assign(draw=[0, 0]),
        frame.assign(**{TOWN: [1, math.nan]}),
    ):
        with pytest.raises(ValueError):
            write_posterior(path, bad)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_rows_are_permutations_in_turn_fixed_by_the_seed() -> None:
    rows = chosen_rows(3, 8, seed=11)
    assert sorted(rows[:3]) == [0, 1, 2] and sorted(rows[3:6]) == [0, 1, 2]
    assert chosen_rows(3, 8, seed=11) == rows
    assert chosen_rows(3, 5, seed=11) == rows[:5]  # more replications keep the first rows
    assert any(chosen_rows(3, 8, seed=s) != rows for s in range(12, 20))


# --- psa --posterior -----------------------------------------------------------------------------


def test_each_psa_point_takes_every_input_from_one_posterior_row(tmp_path) -> None:
    scenario = load_scenario(scenario_file(tmp_path))
    posterior = load_posterior(rows_csv(tmp_path), scenario)
    inputs = uncertain_inputs(scenario)
    points = design(inputs, PsaSettings(samples=7), seed=3, posterior=posterior)
    assert [p.design for p in points] == ["base"] + ["lhs"] * 7  # no tornado, no Morris
    by_draw = {draw: {COUNTY: county, TOWN: town} for draw, county, town in ROWS}
    for point in points[1:]:
        assert point.values == by_draw[point.draw]  # exactly the row, jointly
        assert point.quantiles[COUNTY] == inputs[0].entry.frozen().cdf(point.values[COUNTY])
    assert sorted(p.draw for p in points[1:4]) == [0, 1, 2]  # each row once before twice
    assert design(inputs, PsaSettings(samples=7), seed=3, posterior=posterior) == points


@pytest.mark.integration
def test_psa_posterior_runs_the_rows_jointly_and_says_what_it_left_out(tmp_path, capsys) -> None:
    file, posterior = scenario_file(tmp_path), rows_csv(tmp_path)
    out = tmp_path / "out"
    args = ["psa", str(file), "--samples", "5", "--posterior", str(posterior), "--out", str(out),
            "--quiet", "--bootstrap", "100"]  # fmt: skip
    assert main(args) == 0
    assert "tornado, Morris and Sobol indices left out" in capsys.readouterr().out
    folder = out / "tiny_psa_posterior"
    assert not {"tornado.csv", "morris.csv", "sobol.csv"} & {p.name for p in folder.iterdir()}
    manifest = json.loads((folder / "manifest.json").read_text())
    record = manifest["psa"]
    assert (record["tornado"], record["morris_trajectories"], record["sobol"]) == (False, 0, False)
    assert record["points"] == {"base": 1, "lhs": 5}
    assert record["posterior"]["sha256"] == hashlib.sha256(posterior.read_bytes()).hexdigest()
    assert record["posterior"]["draws"] == 3 and len(record["posterior"]["draws_used"]) == 5
    table = pd.read_csv(folder / "psa_design.csv")
    lhs = table[table.design == "lhs"].pivot(index="point", columns="input", values="value")
    draws = table[table.design == "lhs"].groupby("point").draw.first()
    assert draws.tolist() == record["posterior"]["draws_used"]
    by_draw = {draw: (county, town) for draw, county, town in ROWS}
    for point, row in lhs.iterrows():
        assert (row[COUNTY], row[TOWN]) == pytest.approx(by_draw[draws[point]], rel=1e-11)
    # the samples' spread is that of the runs at those rows: the township fee moves the cost
    psa = pd.read_csv(folder / "psa.csv").set_index(["metric", "arm"])
    assert psa.loc[("cost_medical_yuan", "without"), "sd"] > 0


def test_psa_refuses_a_posterior_outside_the_prior_naming_file_and_column(tmp_path, capsys) -> None:
    file = scenario_file(tmp_path)
    posterior = rows_csv(tmp_path, [(0, 11.0, 9.5), (1, 21.0, 1.0)])
    out = tmp_path / "out"
    args = ["psa", str(file), "--samples", "5", "--posterior", str(posterior), "--out", str(out)]
    assert main(args) == BAD_INPUT
    err = capsys.readouterr().err
    assert f"{posterior}: line 3 (draw 1), column {COUNTY}: 21 lies outside its prior" in err
    assert not out.exists()


# --- run --posterior -----------------------------------------------------------------------------


@pytest.mark.integration
def test_run_posterior_runs_each_replication_at_its_row(tmp_path) -> None:
    file = scenario_file(tmp_path)
    posterior = rows_csv(tmp_path, [(0, 15.0, 1.0), (1, 15.0, 9.0)])
    out = tmp_path / "out"
    args = ["run", str(file), "--posterior", str(posterior), "--replications", "2",
            "--out", str(out), "--quiet"]  # fmt: skip
    assert main(args) == 0
    scenario = load_scenario(file)
    drawn = load_posterior(posterior, scenario)
    rows = replication_rows(drawn, 2, scenario.simulation.seed)
    assert sorted(rows) == [0, 1]  # each row once
    manifest = json.loads((out / "tiny_posterior" / "manifest.json").read_text())
    assert manifest["posterior"]["sha256"] == drawn.sha256
    assert manifest["posterior"]["draws_used"] == [drawn.draw_id(r) for r in rows]
    assert manifest["scenario_sha256"]  # the file's own scenario, uncertainty and all
    table = pd.read_csv(out / "tiny_posterior" / "replications.csv")
    costs = table[(table.metric == "cost_medical_yuan") & (table.arm == "without")]
    cost = costs.set_index("replication").value
    # replication r is a plain run's replication r of the scenario at row rows[r]
    inputs, base = uncertain_inputs(scenario), psa_base(scenario)
    for r, row in enumerate(rows):
        plain = carepath.run(scenario_at(base, inputs, drawn.values(row)), replications=2)
        mine = plain.replications
        expected = mine[(mine.metric == "cost_medical_yuan") & (mine.arm == "without")]
        assert cost[r] == pytest.approx(expected.set_index("replication").value[r], rel=1e-10)
    dear = rows.index(1)  # the replication at the 9-yuan township fee costs more
    assert cost[dear] > cost[1 - dear] + 5
    assert not (out / "tiny_posterior" / ".partial").exists()


def test_each_drawn_replication_is_kept_under_its_own_scenarios_key(tmp_path) -> None:
    scenario = load_scenario(scenario_file(tmp_path))
    inputs, base = uncertain_inputs(scenario), psa_base(scenario)
    cheap, dear = (scenario_at(base, inputs, {TOWN: v}) for v in (1.0, 9.0))
    options = RunOptions(out=tmp_path / "out")
    run_drawn(scenario, [cheap, dear], 7, options)
    assert Checkpoint(options.out, cheap, 7).path(0).is_file()
    assert Checkpoint(options.out, dear, 7).path(1).is_file()
    assert not Checkpoint(options.out, cheap, 7).path(1).exists()
    # a run at a posterior's draws keeps them under its own folder (<scenario>_posterior)
    run_drawn(scenario, [cheap], 7, options, folder="tiny_posterior")
    mine = Checkpoint(options.out, cheap, 7, "tiny_posterior")
    assert mine.path(0).is_file() and mine.partial.parent == options.out / "tiny_posterior"
    with pytest.raises(ValueError, match="drawn scenarios must be named 'tiny'"):
        run_drawn(scenario, [cheap.model_copy(update={"name": "other"})], 7, options)


@pytest.mark.integration
def test_a_posterior_run_writes_beside_a_plain_run_never_over_it(tmp_path) -> None:
    file = scenario_file(tmp_path)
    posterior = rows_csv(tmp_path, [(0, 15.0, 9.0), (1, 15.0, 9.5)])  # dearer than the file's 2
    out = tmp_path / "out"
    common = ["--replications", "2", "--out", str(out), "--quiet"]
    assert main(["run", str(file), *common]) == 0
    plain = {name: (out / "tiny" / name).read_bytes() for name in ("summary.csv", "manifest.json")}
    # a plain run of another seed, stopped: its checkpoint is not the posterior run's to remove
    stopped = Checkpoint(out, load_scenario(file), 99)
    stopped.save(0, {})
    assert main(["run", str(file), "--posterior", str(posterior), *common]) == 0
    assert {name: (out / "tiny" / name).read_bytes() for name in plain} == plain
    assert stopped.path(0).is_file()
    assert not (out / "tiny_posterior" / ".partial").exists()
    assert "posterior" not in json.loads(plain["manifest.json"])
    assert "posterior" in json.loads((out / "tiny_posterior" / "manifest.json").read_text())
    summaries = [pd.read_csv(out / name / "summary.csv") for name in ("tiny", "tiny_posterior")]
    costs = [
        table.set_index(["metric", "arm"]).loc[("cost_medical_yuan", "without"), "mean"]
        for table in summaries
    ]
    assert costs[1] > costs[0] + 5  # the township fee drawn, 9 or 9.5 yuan, not the file's 2


@pytest.mark.integration
def test_a_psa_of_a_posterior_writes_beside_a_plain_psa_never_over_it(tmp_path) -> None:
    file, posterior = scenario_file(tmp_path), rows_csv(tmp_path)
    out = tmp_path / "out"
    args = ["psa", str(file), "--samples", "5", "--out", str(out), "--quiet", "--morris", "0",
            "--no-tornado", "--bootstrap", "100"]  # fmt: skip
    assert main(args) == 0
    plain = (out / "tiny_psa" / "psa_design.csv").read_bytes()
    assert main([*args, "--posterior", str(posterior)]) == 0
    assert (out / "tiny_psa" / "psa_design.csv").read_bytes() == plain
    drawn = pd.read_csv(out / "tiny_psa_posterior" / "psa_design.csv")
    assert "draw" in drawn.columns and "draw" not in pd.read_csv(
        out / "tiny_psa" / "psa_design.csv"
    )
    for folder in ("tiny_psa", "tiny_psa_posterior"):
        assert not (out / folder / ".partial").exists()


def test_a_psa_of_a_posterior_runs_its_points_under_its_own_folder(tmp_path) -> None:
    scenario = load_scenario(scenario_file(tmp_path))
    posterior = load_posterior(rows_csv(tmp_path), scenario)
    inputs = uncertain_inputs(scenario)
    points = design(inputs, PsaSettings(samples=3), seed=3, posterior=posterior)
    found = point_scenarios(scenario, inputs, points, None, posterior)
    assert {one.name for one in found} == {"tiny_psa_posterior"}  # checkpoints under it
    plain = design(inputs, PsaSettings(samples=3), seed=3)
    assert {one.name for one in point_scenarios(scenario, inputs, plain, None)} == {"tiny_psa"}


def test_names_too_long_for_a_folder_are_refused_before_running(tmp_path) -> None:
    # 56 characters: <name>_psa fits in 64, <name>_posterior and <name>_psa_posterior do not
    name = "n" * 56
    scenario = load_scenario(scenario_file(tmp_path, name=name))
    too_long = f"name: {name!r} is too long for its"
    assert any(
        f"{too_long} posterior run folder name" in p for p in posterior_run_problems(scenario)
    )
    settings = PsaSettings(samples=5)
    assert not any(too_long in p for p in psa_problems(scenario, settings))
    assert f"{too_long} PSA folder name ('{name}_psa_posterior': over 64 characters)" in (
        psa_problems(scenario, settings, posterior=True)
    )
    calibration = calibration_problems(scenario, CalibrationSettings())
    assert any(f"{too_long} calibration folder name" in p for p in calibration)


def test_run_posterior_is_bad_input_for_several_files_or_with_precision(tmp_path, capsys) -> None:
    file, posterior = scenario_file(tmp_path), rows_csv(tmp_path)
    other = write_yaml(tmp_path / "other.yaml", {"extends": "tiny.yaml", "name": "other"})
    out = tmp_path / "out"
    assert (
        main(["run", str(file), str(other), "--posterior", str(posterior), "--out", str(out)])
        == BAD_INPUT
    )
    assert (
        "--posterior: its draws are one file's inputs; give one FILE, not 2"
        in capsys.readouterr().err
    )
    args = [
        "run",
        str(file),
        "--posterior",
        str(posterior),
        "--precision",
        "0.1",
        "--out",
        str(out),
    ]
    assert main(args) == BAD_INPUT
    assert "leave out --precision" in capsys.readouterr().err
    plain = write_yaml(tmp_path / "plain.yaml", tiny_data())
    assert main(["run", str(plain), "--posterior", str(posterior), "--out", str(out)]) == BAD_INPUT
    assert "uncertainty: the file declares no uncertain inputs to set" in capsys.readouterr().err
    assert not out.exists()
