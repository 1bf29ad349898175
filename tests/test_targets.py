"""Calibration targets: plausibility entries marked fit or held_out, their observed value and
sd, the rules a file that fits must keep, and the hashes of files that use none of it."""

from __future__ import annotations

from pathlib import Path

import pytest

from carepath.cli import BAD_INPUT, main
from carepath.execution.manifest import scenario_hash
from carepath.inputs.scenario_file import load_scenario, resolved
from carepath.inputs.targets import (
    DERIVED_REASON,
    calibration_targets,
    held_out_targets,
)
from carepath.inputs.uncertain_inputs import uncertain_inputs
from carepath.workflows.psa import Point, point_scenarios
from conftest import tiny_data, write_yaml

FEE = "tiers.county.consultation_fee_yuan"
UNCERTAINTY = {FEE: {"dist": "uniform", "low": 10, "high": 20, "source": "assumption"}}
SOURCES = {"report": "a published report"}


def entry(**more) -> dict:
    """A plausibility entry of the tiny world: the status quo's cost per episode."""
    base = {
        "metric": "cost_total_yuan",
        "arm": "without",
        "published": "30 to 50 yuan per visit",
        "low": 30,
        "high": 50,
        "source": "report",
    }
    return {key: value for key, value in {**base, **more}.items() if value is not None}


def tiny_file(tmp_path: Path, entries: list[dict], uncertainty: dict | None = None) -> Path:
    data = tiny_data(sources=SOURCES, plausibility=entries)
    if uncertainty:
        data["uncertainty"] = uncertainty
    return write_yaml(tmp_path / "tiny.yaml", data)


def errors(file: Path, capsys) -> list[str]:
    assert main(["check", str(file)]) == BAD_INPUT
    return capsys.readouterr().err.splitlines()


# --- what a target is ----------------------------------------------------------------------------


def test_a_target_observes_the_middle_of_its_range_with_a_quarter_of_it_as_sd(tmp_path) -> None:
    entries = [
        entry(use="fit"),
        entry(metric="wait_min", low=12, high=20, use="held_out", discrepancy_sd=1.5),
        entry(metric="episodes"),  # use: check
    ]
    scenario = load_scenario(tiny_file(tmp_path, entries, UNCERTAINTY))
    (fit,) = calibration_targets(scenario)
    assert (fit.name, fit.metric, fit.arm, fit.residents, fit.use, fit.index) == (
        "cost_total_yuan (without)", "cost_total_yuan", "without", None, "fit", 0,
    )  # fmt: skip
    assert fit.observed == 40.0
    assert fit.obs_sd == 5.0  # (50 - 30) / 4: the range read as +-2 sd
    assert fit.obs_sd_reason == DERIVED_REASON
    assert fit.discrepancy_sd == 0.0
    (held,) = held_out_targets(scenario)
    assert (held.name, held.observed, held.obs_sd, held.discrepancy_sd, held.index) == (
        "wait_min (without)", 16.0, 2.0, 1.5, 1,
    )  # fmt: skip


def test_a_stated_sd_and_a_point_value_are_taken_as_given(tmp_path) -> None:
    entries = [
        entry(use="fit", obs_sd=3.25, obs_sd_reason="the report's 95% interval"),
        entry(metric="wait_min", low=14, high=14, use="held_out", obs_sd=0.5,
              obs_sd_reason="+-1 minute as published"),
    ]  # fmt: skip
    scenario = load_scenario(tiny_file(tmp_path, entries, UNCERTAINTY))
    (fit,) = calibration_targets(scenario)
    assert (fit.observed, fit.obs_sd, fit.obs_sd_reason) == (
        40.0,
        3.25,
        "the report's 95% interval",
    )
    (point,) = held_out_targets(scenario)
    assert (point.observed, point.obs_sd) == (14.0, 0.5)


def test_a_target_per_residents_is_named_so() -> None:
    from carepath.inputs.schema import Benchmark
    from carepath.inputs.targets import target_name

    benchmark = Benchmark.model_validate({**entry(metric="episodes"), "residents": 1000})
    assert target_name(benchmark) == "episodes (without, per 1000 residents)"


# --- hashes ---------------------------------------------------------------------------------------


def test_a_file_without_the_new_keys_keeps_its_hash(tmp_path) -> None:
    plain = load_scenario(tiny_file(tmp_path, [entry()]))
    dumped = resolved(plain)["plausibility"][0]
    assert not {"use", "obs_sd", "obs_sd_reason", "discrepancy_sd"} & set(dumped)
    # the neutral values written out are the defaults: the same scenario, the same hash
    neutral = entry(use="check", discrepancy_sd=0, obs_sd_reason="")
    again = load_scenario(write_yaml(tmp_path / "neutral.yaml", tiny_data(
        sources=SOURCES, plausibility=[neutral])))  # fmt: skip
    assert scenario_hash(resolved(again)) == scenario_hash(resolved(plain))
    fitted = load_scenario(tiny_file(tmp_path, [entry(use="fit")], UNCERTAINTY))
    assert resolved(fitted)["plausibility"][0]["use"] == "fit"


# --- the rules -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("entries", "expected"),
    [
        (
            [entry(use="fit", low=None), entry(use="held_out")],
            ["plausibility[0].low: a fit target needs the published range's low and high"],
        ),
        (
            [entry(use="fit"), entry(use="held_out", high=None, metric="wait_min")],
            ["plausibility[1].high: a held_out target needs the published range's low and high"],
        ),
        (
            [entry(use="fit", low=60), entry(use="held_out", metric="wait_min")],
            ["plausibility[0].high: must be at least low (60), got 50"],
        ),
        (
            [entry(use="fit", low=40, high=40), entry(use="held_out", metric="wait_min")],
            ["plausibility[0].obs_sd: a fit target given as a point value (low equal to high) "
             "needs obs_sd and obs_sd_reason"],
        ),
        (
            [entry(use="fit", obs_sd=2), entry(use="held_out", metric="wait_min")],
            ["plausibility[0].obs_sd_reason: say where obs_sd comes from"],
        ),
        (
            [entry(obs_sd_reason="a guess"), entry(use="fit", metric="wait_min")],
            ["plausibility[0].obs_sd_reason: gives a reason but there is no obs_sd"],
        ),
        (
            [entry(use="fit"), entry(use="held_out")],
            ["plausibility[1].metric: the same target as plausibility[0] (cost_total_yuan "
             "(without)); a figure counts once"],
        ),
        (
            [entry(use="fit"), entry(use="fit", metric="wait_min")],
            ["plausibility[0].use: the file fits to 2 of its 2 published figures and keeps none "
             "back: mark at least one use: held_out"],
        ),
        (
            [entry(use="fit", obs_sd=0, obs_sd_reason="x"), entry(use="held_out", metric="wait_min")],
            ["plausibility[0].obs_sd: "],
        ),
        (
            [entry(use="calibrate")],
            ["plausibility[0].use: Input should be 'fit', 'held_out' or 'check'"],
        ),
        (
            [entry(use="fit", discrepancy_sd=-1)],
            ["plausibility[0].discrepancy_sd: Input should be greater than or equal to 0"],
        ),
    ],
)  # fmt: skip
def test_a_bad_target_is_a_located_error(tmp_path, capsys, entries, expected) -> None:
    file = tiny_file(tmp_path, entries, UNCERTAINTY)
    lines = errors(file, capsys)
    for line in expected:
        assert any(found.startswith(f"{file}: {line}") for found in lines), (line, lines)


def test_every_target_problem_is_reported_at_once(tmp_path, capsys) -> None:
    entries = [entry(use="fit", low=None), entry(use="fit", metric="wait_min", obs_sd=1)]
    file = tiny_file(tmp_path, entries)  # and no uncertainty: block
    lines = errors(file, capsys)
    for where in (
        "plausibility[0].low: ",
        "plausibility[1].obs_sd_reason: ",
        "plausibility[0].use: the file fits to 2 of its 2 published figures",
    ):
        assert any(line.startswith(f"{file}: {where}") for line in lines), (where, lines)


def test_one_figure_may_be_fitted_without_one_held_back(tmp_path) -> None:
    scenario = load_scenario(tiny_file(tmp_path, [entry(use="fit")], UNCERTAINTY))
    assert [t.name for t in calibration_targets(scenario)] == ["cost_total_yuan (without)"]
    assert held_out_targets(scenario) == []


def test_a_point_drawn_from_a_file_that_fits_is_a_valid_scenario(tmp_path) -> None:
    # A PSA's (or a calibration's) point has no uncertainty: block; its fit targets stay valid.
    entries = [entry(use="fit"), entry(metric="wait_min", use="held_out")]
    scenario = load_scenario(tiny_file(tmp_path, entries, UNCERTAINTY))
    inputs = uncertain_inputs(scenario)
    (point,) = point_scenarios(scenario, inputs, [Point("lhs", 0, {FEE: 12.5}, {FEE: 0.25})], None)
    assert point.uncertainty == {}
    assert point.tiers["county"].consultation_fee_yuan == 12.5
    assert [b.use for b in point.plausibility] == ["fit", "held_out"]
