"""Named and factorial arms: which arms run, what a scenario may ask for, and the Shapley rows
of a factorial run's summary."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import carepath
from carepath.cli import BAD_INPUT, main
from carepath.inputs.arms import arms_for
from carepath.inputs.metric_registry import METRICS
from carepath.inputs.scenario_file import load_scenario
from conftest import REPO, write_yaml

FACTORIAL = REPO / "scenarios" / "demo_county_factorial.yaml"
REFORMS = ("recognition", "credit", "registration_validity")
SHORT = {"warmup_days": 1, "horizon_days": 3, "drain_days": 2, "replications": 2}


def short(tmp_path, name: str = "factorial_short", **more) -> carepath.RunResult:
    file = write_yaml(
        tmp_path / f"{name}.yaml",
        {"extends": str(FACTORIAL), "name": name, "simulation": SHORT, **more},
    )
    return carepath.run(load_scenario(file))


def test_a_factorial_file_runs_every_combination_with_without_first_and_with_last() -> None:
    arms = arms_for(load_scenario(FACTORIAL))
    assert [arm.name for arm in arms] == [
        "without",
        "recognition",
        "credit",
        "registration_validity",
        "recognition+credit",
        "recognition+registration_validity",
        "credit+registration_validity",
        "with",
    ]
    assert {frozenset(arm.reforms) for arm in arms} == {
        frozenset(c) for c in ((), *[(r,) for r in REFORMS], *[p for p in _pairs()], REFORMS)
    }


def _pairs():
    return [(a, b) for i, a in enumerate(REFORMS) for b in REFORMS[i + 1 :]]


def test_six_reforms_are_too_many_for_a_factorial(tmp_path, capsys) -> None:
    credit = load_scenario(REPO / "scenarios" / "mianyang_credit.yaml").reforms
    data = {
        "extends": str(REPO / "scenarios" / "mianyang_outreach.yaml"),
        "name": "six",
        "arms": "factorial",
        "reforms": {
            "recognition": {"enabled": True},
            "credit": credit.credit.model_dump(mode="json"),
            "registration_validity": credit.registration_validity.model_dump(mode="json"),
        },
    }
    file = write_yaml(tmp_path / "six.yaml", data)
    assert main(["check", str(file)]) == BAD_INPUT
    err = capsys.readouterr().err
    assert (
        f"{file}: arms: factorial over the 6 reforms switched on (recognition, credit, "
        "registration_validity, free_clinics, family_doctors, two_way_referral) is 64 arms; at "
        "most 5 reforms (32 arms): name the arms you need instead"
    ) in err


@pytest.mark.parametrize(
    ("arms", "line"),
    [
        ({"alone": ["free_clinics"]}, "arms.alone[0]: 'free_clinics' is not a reform switched on"),
        ({"with": ["credit"]}, "arms.with: 'with' is an arm every scenario has already"),
        ({"all": list(REFORMS)}, "arms.all: has the reforms of the 'with' arm"),
        ({"a": ["credit"], "b": ["credit"]}, "arms.b: has the reforms of the 'a' arm"),
        ("everything", "arms: Input should be 'factorial'"),
    ],
)
def test_named_arms_that_cannot_run_are_located_errors(tmp_path, capsys, arms, line) -> None:
    file = write_yaml(tmp_path / "x.yaml", {"extends": str(FACTORIAL), "name": "x", "arms": arms})
    assert main(["check", str(file)]) == BAD_INPUT
    assert f"{file}: {line}" in capsys.readouterr().err


def test_a_file_without_arms_has_two_and_keeps_its_hash() -> None:
    scenario = load_scenario(REPO / "scenarios" / "demo_county_credit.yaml")
    assert [arm.name for arm in arms_for(scenario)] == ["without", "with"]
    assert "arms" not in scenario.model_dump()


@pytest.mark.integration
def test_named_arms_run_over_the_same_patients(tmp_path) -> None:
    result = short(tmp_path, "named", arms={"credit_only": ["credit"]})
    assert result.arms == ["without", "credit_only", "with"]
    summary = result.summary
    assert "difference_credit_only" in set(summary.arm)
    assert not summary.arm.str.startswith("shapley:").any()  # attribution needs every combination
    episodes = result.replications[result.replications.metric == "episodes"]
    assert episodes.groupby("replication").value.nunique().eq(1).all()


@pytest.fixture(scope="module")
def factorial_run(tmp_path_factory) -> carepath.RunResult:
    return short(tmp_path_factory.mktemp("factorial"))


@pytest.mark.integration
def test_the_shapley_rows_sum_to_the_difference_in_every_replication(factorial_run) -> None:
    summary = factorial_run.summary.set_index(["metric", "arm"])
    reps = factorial_run.replications.pivot_table(
        index=["metric", "replication"], columns="arm", values="value"
    )
    measured = set(reps.index.levels[0])
    additive = [m.name for m in METRICS if m.additive and m.scope == "arm" and m.name in measured]
    assert "cost_total_yuan" in additive and "primary_share" not in additive
    for metric in additive:
        parts = sum(summary.loc[(metric, f"shapley:{r}"), "mean"] for r in REFORMS)
        whole = summary.loc[(metric, "difference"), "mean"]
        assert parts == pytest.approx(whole, rel=1e-9, abs=1e-9), metric
        solos = sum(summary.loc[(metric, f"solo:{r}"), "mean"] for r in REFORMS)
        together = solos + summary.loc[(metric, "interaction"), "mean"]
        assert together == pytest.approx(whole, rel=1e-9, abs=1e-9), metric
        # solo:<reform> is that reform's arm against without
        solo = summary.loc[(metric, "solo:credit"), "mean"]
        assert solo == pytest.approx(summary.loc[(metric, "difference_credit"), "mean"], abs=1e-9)
    assert ("primary_share", "shapley:credit") not in summary.index


@pytest.mark.integration
def test_a_reform_on_at_its_neutral_setting_gets_exactly_zero(tmp_path) -> None:
    # registration validity at no facility: switched on, but no return is ever waived
    neutral = {"registration_validity": {"facilities": []}}
    result = short(tmp_path, "neutral", reforms=neutral)
    summary = result.summary
    for kind in ("shapley:", "solo:"):
        rows = summary[summary.arm == f"{kind}registration_validity"]
        assert len(rows) > 10
        assert (rows["mean"].to_numpy() == 0.0).all(), rows[rows["mean"] != 0]
        assert (rows[["ci_low", "ci_high"]].to_numpy() == 0.0).all()
    # and the other reforms' parts are then their two-reform game's
    rows = summary.set_index(["metric", "arm"])
    cost = rows.loc[("cost_total_yuan", "shapley:recognition"), "mean"]
    pair = rows.loc[("cost_total_yuan", "difference_recognition+credit"), "mean"]
    alone = rows.loc[("cost_total_yuan", "difference_recognition"), "mean"]
    credit = rows.loc[("cost_total_yuan", "difference_credit"), "mean"]
    assert cost == pytest.approx((alone + (pair - credit)) / 2, rel=1e-9)


@pytest.mark.integration
def test_the_factorial_folder_gets_the_shapley_figure_and_report_section(
    factorial_run, tmp_path
) -> None:
    from carepath.analysis.figures import draw_all
    from carepath.analysis.report import report_text
    from carepath.execution.manifest import RunRecord
    from carepath.workflows.runs import write_outputs

    out = tmp_path / "results"
    record = RunRecord.start(["test"]).ended()
    write_outputs(out, FACTORIAL, factorial_run, record)
    written = draw_all(out, tmp_path / "figures", formats=("png",), log=lambda _: None)
    assert "shapley_parts" in {path.stem for path in written}
    text = report_text(out)
    assert "## Which reform saved what: factorial runs" in text
    assert "### factorial_short" in text
    row = factorial_run.summary.set_index(["metric", "arm"]).loc[
        ("cost_total_yuan", "shapley:recognition")
    ]
    assert f"{row['mean']:.4g} [" in text
    values = pd.read_csv(out / "factorial_short" / "summary.csv")
    assert np.isfinite(values[values.arm == "interaction"]["mean"]).all()
