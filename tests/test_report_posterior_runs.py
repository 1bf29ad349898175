"""The report's section on runs from a posterior (``<scenario>_posterior``): from the folder's
replications and manifest, the posterior file it names and the calibration beside it, each
published figure with its use and whether the run's 90% predictive interval meets it (and the
file's note on a miss), each perspective's net saving with the 95% interval of its mean and
the wider predictive interval, and the inputs ranked by Spearman correlation with each
replication joined to its draw by id.

The folders are made once, for real, on the tiny world (tests/conftest.py) with the township
centre's lab results recognised at the county hospital: ``carepath calibrate`` of the township
consultation fee and the share of results accepted, then ``carepath run --posterior`` at 10 and
at 4 replications and a plain run.  A few seconds in all.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from carepath.analysis.plausibility import replication_values
from carepath.analysis.report import report_text, sections, with_interval
from carepath.analysis.report_sections.perspectives import yuan, yuan_interval
from carepath.analysis.report_sections.posterior_runs import posterior_runs, spread
from carepath.cli import main
from carepath.inputs.metric_registry import net_cost_name
from carepath.inputs.scenario_file import load_scenario
from carepath.inputs.schema import Scenario
from carepath.inputs.targets import target_name
from conftest import only, tiny_data, uniform_prior, write_yaml

pytestmark = pytest.mark.integration  # runs the commands once for the module

FEE = "tiers.township.consultation_fee_yuan"
ACCEPTANCE = "reforms.recognition.items.lab.acceptance"
WHY_TOTAL = "the published figure leaves out the fares"
SOCIETY = "society's net saving per 10,000 residents per year"


def tiny_file(folder: Path) -> Path:
    """Abdominal pain seen at the township centre, tested there and referred to the county
    hospital, which accepts the lab result at the drawn share; two fit/held-out/check figures
    under ``plausibility:`` and one check under ``status_quo:``."""
    abdominal = only(id="abdominal", lowest_tier="county", drug_fee_yuan=100)[0]
    recognition = {
        "enabled": True,
        "items": {"lab": {"window_days": 3, "acceptance": 0.6}},
        "accepts": {"county": {"township": ["lab"], "county": "all"}},
    }
    data = tiny_data(conditions=[abdominal], reforms={"recognition": recognition})
    data["simulation"].update({"horizon_days": 1, "replications": 10})
    data["zones"][0]["episodes_per_person_year"] = 3
    data["sources"] = {"made_up": "a figure made up for the test"}
    data["uncertainty"] = {FEE: uniform_prior(1, 5), ACCEPTANCE: uniform_prior(0.2, 1.0)}
    figure = {"arm": "without", "source": "made_up"}
    data["plausibility"] = [
        # medical fees per episode are about 196.7 + the fee: fitted near 199-201
        {**figure, "metric": "cost_medical_yuan", "published": "200", "low": 199, "high": 201}
        | {"use": "fit"},
        # the fares and drugs put the total near 230: far above, never met
        {**figure, "metric": "cost_total_yuan", "published": "65", "low": 60, "high": 70}
        | {"use": "held_out", "note": WHY_TOTAL},
        # three episodes per person-year: about 3,000 per 1,000 residents per year
        {**figure, "metric": "episodes", "published": "3,000", "low": 2000, "high": 4000}
        | {"residents": 1000},
    ]
    data["status_quo"] = [
        {**figure, "metric": "wait_min", "published": "under an hour", "low": 0, "high": 60}
    ]
    return write_yaml(folder / "tiny.yaml", data)


@dataclass(frozen=True)
class Made:
    file: Path
    results: Path  # tiny_calibration, tiny_posterior (10 replications), tiny
    few: Path  # tiny_posterior at 4 replications, no calibration beside it


@pytest.fixture(scope="module")
def made(tmp_path_factory) -> Made:
    base = tmp_path_factory.mktemp("posterior_runs")
    file = tiny_file(base)
    results, few = base / "results", base / "few"
    posterior = str(results / "tiny_calibration" / "posterior.csv")
    calibrate = ["--points", "8", "--replications", "2", "--draws", "40", "--quiet"]
    assert main(["calibrate", str(file), "--out", str(results), *calibrate]) == 0
    assert main(["run", str(file), "--posterior", posterior, "--out", str(results), "--quiet"]) == 0
    assert main(["run", str(file), "--out", str(results), "--quiet"]) == 0
    run_few = ["--replications", "4", "--quiet"]
    assert main(["run", str(file), "--posterior", posterior, "--out", str(few), *run_few]) == 0
    return Made(file, results, few)


def copied(made: Made, tmp_path: Path) -> Path:
    return Path(shutil.copytree(made.results, tmp_path / "results"))


def replications_of(results: Path) -> pd.DataFrame:
    return pd.read_csv(results / "tiny_posterior" / "replications.csv")


def row_of(lines: list[str], first_cell: str) -> list[str]:
    """The cells of the table row whose first cell is ``first_cell``."""
    found = [line for line in lines if line.startswith(f"| {first_cell} |")]
    assert len(found) == 1, (first_cell, lines)
    return [cell.strip() for cell in found[0].strip("|").split(" | ")]


def test_each_figure_has_its_use_and_a_met_the_replications_predict(made) -> None:
    lines = posterior_runs(made.results)
    scenario = load_scenario(made.file)
    replications = replications_of(made.results)
    calibration = pd.read_csv(made.results / "tiny_calibration" / "calibration_targets.csv")
    calibrated = calibration.set_index("target")
    uses = {}
    for _, entry in scenario.benchmarks():
        name = target_name(entry)
        cells = row_of(lines, name)
        values = replication_values(
            replications, scenario, entry.metric, entry.arm, entry.residents
        )
        low, high = np.quantile(values, [0.05, 0.95])
        assert cells[3] == with_interval(values.mean(), low, high)
        assert cells[-1].startswith("met" if low <= entry.high and entry.low <= high else "not met")
        if name in calibrated.index:  # the calibration's own interval beside the run's
            r = calibrated.loc[name]
            assert cells[4] == with_interval(
                r["predictive_mean"], r["predictive_p05"], r["predictive_p95"]
            )
        else:
            assert cells[4] == ""
        uses[name] = (cells[1], cells[-1])
    assert uses["cost_medical_yuan (without)"][0] == "fit"
    use, reading = uses["cost_total_yuan (without)"]
    assert use == "held_out" and reading.startswith("not met: ")
    assert "above the published 70" in reading
    assert uses["episodes (without, per 1000 residents)"] == ("check", "met")
    assert uses["wait_min (without)"][0] == "check (status quo)"
    assert f"- Why cost_total_yuan (without) is not met: {WHY_TOTAL}" in lines
    assert sum(line.startswith("- Why ") for line in lines) == 1  # only the miss is explained


def test_savings_carry_a_predictive_interval_wider_than_the_mean_s(made) -> None:
    lines = posterior_runs(made.results)
    scenario = load_scenario(made.file)
    replications = replications_of(made.results)
    values = replication_values(
        replications, scenario, net_cost_name("society"), "difference", 10_000
    )
    found = spread(values)
    assert row_of(lines, "society") == [
        "society",
        yuan_interval(found.mean, found.ci_low, found.ci_high),
        f"[{yuan(found.p05)}, {yuan(found.p95)}]",
    ]
    # the draws vary the share of results accepted, and so the saving, beyond the mean's CI
    assert found.p95 - found.p05 > found.ci_high - found.ci_low > 0
    # the mean and CI are budget.csv's: the same per-replication values
    budget = pd.read_csv(made.results / "tiny_posterior" / "budget.csv")
    summarised = budget[(budget.perspective == "society") & (budget.arm == "difference")].iloc[0]
    assert summarised["yuan_per_10000_residents_year"] == pytest.approx(found.mean)
    assert summarised["ci_low"] == pytest.approx(found.ci_low)
    assert "cost_total_yuan" in row_of(lines, "cost_total_yuan")


def hand_made_posterior(results: Path, scenario: Scenario) -> tuple[list[int], Path, float]:
    """A posterior file of three inputs for the 10 replications, its draws in another order
    than the replications': ``A`` is each replication's society saving at the replication's
    draw id (rho +1 joined by id), ``C`` the savings in the file's row order (what a join by
    row would rank first), ``B`` one value throughout.  The ids used, the file and C's rho
    when joined by id."""
    savings = replication_values(
        replications_of(results), scenario, net_cost_name("society"), "difference", 10_000
    ).to_numpy()
    used = [100 + (7 * r + 3) % 10 for r in range(10)]  # replication r -> draw id
    rows = sorted(used)
    a = {draw: savings[r] for r, draw in enumerate(used)}
    table = pd.DataFrame(
        {"draw": rows, "A": [a[d] for d in rows], "B": 1.0, "C": savings[: len(rows)]}
    )
    folder = results / "hand_calibration"
    folder.mkdir()
    path = folder / "posterior.csv"
    table.to_csv(path, index=False)
    c_by_id = table.set_index("draw").loc[used, "C"].to_numpy()
    return used, path, float(stats.spearmanr(c_by_id, savings)[0])


def point_manifest_at(results: Path, path: Path, used: list[int]) -> None:
    manifest_file = results / "tiny_posterior" / "manifest.json"
    manifest = json.loads(manifest_file.read_text())
    manifest["posterior"] |= {
        "file": str(path),
        "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        "draws": len(used),
        "inputs": ["A", "B", "C"],
        "draws_used": used,
    }
    manifest_file.write_text(json.dumps(manifest))


def test_inputs_are_ranked_with_each_replication_joined_to_its_draw_by_id(made, tmp_path) -> None:
    results = copied(made, tmp_path)
    used, path, rho_c = hand_made_posterior(results, load_scenario(made.file))
    assert abs(rho_c) < 0.9  # joined by id, the row-order copy is no longer the saving
    point_manifest_at(results, path, used)
    lines = posterior_runs(results)
    assert f"- {SOCIETY}: `A` +1.00; `C` {rho_c:+.2f}" in lines  # B never varies: left out
    assert any(line.startswith("- cost_medical_yuan (without), fitted: `") for line in lines)
    # no calibration_targets.csv beside the hand-made file: no calibration column
    assert not any("calibration mean" in line for line in lines)


def test_the_real_draws_rank_the_share_accepted_first_for_the_saving(made) -> None:
    lines = posterior_runs(made.results)
    saving = next(line for line in lines if line.startswith(f"- {SOCIETY}: "))
    ranked = saving.removeprefix(f"- {SOCIETY}: ").split("; ")
    assert [r.split("`")[1] for r in ranked] == [ACCEPTANCE, FEE]


def test_a_posterior_file_gone_or_changed_is_named_instead_of_ranks(made, tmp_path) -> None:
    results = copied(made, tmp_path)
    posterior = results / "tiny_calibration" / "posterior.csv"
    posterior.write_text(posterior.read_text() + "\n")
    lines = posterior_runs(results)
    assert any("is not the posterior file the run used (its SHA-256 differs)" in x for x in lines)
    posterior.unlink()
    manifest_file = results / "tiny_posterior" / "manifest.json"
    manifest = json.loads(manifest_file.read_text())
    manifest["posterior"]["file"] = str(posterior)
    manifest_file.write_text(json.dumps(manifest))
    lines = posterior_runs(results)
    assert any("is not there to join replications to draws" in x for x in lines)


def test_too_few_replications_to_rank_inputs_is_said_with_the_count(made) -> None:
    lines = posterior_runs(made.few)
    assert (
        "Inputs by sensitivity: the run has 4 replications, too few to rank inputs (at least 8)."
    ) in lines
    assert not any(line.startswith(f"- {SOCIETY}") for line in lines)
    assert any(line.startswith("Posterior: `") and "4 replications" in line for line in lines)


def test_the_section_follows_calibration_and_names_the_folders_run_as_filed(made, tmp_path) -> None:
    names = [s.name for s in sections()]
    assert names.index("posterior runs") == names.index("calibration") + 1
    results = copied(made, tmp_path)
    shutil.copytree(results / "tiny", results / "other")  # a scenario with no posterior run
    text = report_text(results)
    assert text.count("## Seed scenarios from their posteriors") == 1
    assert (
        "Run at their filed values (no posterior run; see the plausibility section): other." in text
    )


def test_no_posterior_run_no_section(made, tmp_path) -> None:
    results = copied(made, tmp_path)
    shutil.rmtree(results / "tiny_posterior")
    assert posterior_runs(results) == []
