"""Levers and sweeps: setting a scenario's values by key path, and running a sweep as one batch."""

from __future__ import annotations

import json

import pandas as pd
import pytest

import carepath
from carepath.analysis.statistics import OUTPUT_COLUMNS
from carepath.cli import REPLICATIONS_FAILED, main
from carepath.execution import batch
from carepath.execution.checkpoint import PARTIAL_FOLDER
from carepath.inputs.keypath import parse_path
from carepath.inputs.levers import LeverError, with_lever, with_levers
from carepath.inputs.scenario_file import resolved
from carepath.inputs.sweep import MAX_VARIANTS, Sweep
from carepath.inputs.variants import lever_rows
from conftest import REPO, tiny, write_yaml

pytestmark = pytest.mark.integration  # simulates whole scenarios or runs the command

CREDIT = REPO / "scenarios" / "demo_county_credit.yaml"


def short_credit(folder, name: str, sweep: dict | None = None):
    """demo_county_credit over two measured days, one replication: a run of a few seconds."""
    data = {
        "extends": str(CREDIT),
        "name": name,
        "simulation": {"warmup_days": 1, "horizon_days": 2, "drain_days": 30, "replications": 1},
    }
    if sweep is not None:
        data["sweep"] = sweep
    return write_yaml(folder / f"{name}.yaml", data)


# --- key paths and levers -------------------------------------------------------------------


def test_a_key_path_reads_names_positions_and_ids():
    assert parse_path("reforms.credit.enrolment") == ("reforms", "credit", "enrolment")
    assert parse_path("facilities[3].stations.exams.ct") == (
        "facilities",
        3,
        "stations",
        "exams",
        "ct",
    )
    assert parse_path("facilities[county_hospital].tier") == (
        "facilities",
        "county_hospital",
        "tier",
    )


@pytest.mark.parametrize("path", ["", ".a", "a..b", "a[", "[1]", "a b", "a[-1]", "a.[1]"])
def test_a_malformed_key_path_is_refused(path):
    with pytest.raises(ValueError):
        parse_path(path)


def test_with_lever_changes_that_setting_only():
    scenario = tiny()
    changed = with_lever(scenario, "simulation.horizon_days", 3)
    assert changed.simulation.horizon_days == 3
    assert scenario.simulation.horizon_days == 1  # the original is untouched
    assert changed.model_copy(update={"simulation": scenario.simulation}) == scenario


def test_a_list_item_can_be_named_by_position_or_by_id():
    scenario = tiny()
    by_position = with_lever(scenario, "facilities[2].stations.exams.lab", 3)
    by_id = with_lever(scenario, "facilities[hospital].stations.exams.lab", 3)
    assert by_position == by_id
    assert by_id.facility("hospital").stations.exams == {"lab": 3}


def test_a_lever_may_add_a_key_to_a_mapping():
    changed = with_lever(tiny(), "reforms.credit.enrolment_by_zone", {"home": 0.4})
    assert changed.reforms.credit.enrolment_by_zone == {"home": 0.4}


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (
            "simulation.horizon_days",
            -1,
            "simulation.horizon_days: Input should be greater than 0, got -1",
        ),
        (
            "simulation.horizon_dayz",
            3,
            "simulation.horizon_dayz: unknown key (did you mean 'horizon_days'?)",
        ),
        ("simulaton.seed", 3, "simulaton.seed: no key 'simulaton' under the scenario (keys: "),
        ("facilities[7].tier", "city", "facilities[7].tier: facilities has 3 items, so no [7]"),
        (
            "facilities[nowhere].tier",
            "city",
            "facilities[nowhere].tier: no item with id 'nowhere' in facilities",
        ),
        (
            "simulation.seed.x",
            3,
            "simulation.seed.x: simulation.seed is a single value, it has no 'x'",
        ),
        # valid alone, but the clinic then refers to a tier that is not above its own
        (
            "facilities[clinic].tier",
            "county",
            "facilities[clinic].tier: facilities[0].refers_to: must name a tier above 'county'",
        ),
    ],
)
def test_a_bad_lever_is_refused_naming_it(path, value, message):
    with pytest.raises(LeverError) as caught:
        with_lever(tiny(), path, value)
    assert any(line.startswith(message) for line in caught.value.problems), caught.value.problems


def test_levers_set_together_are_validated_together():
    scenario = tiny()
    # Moving the clinic up alone would break its referral; moving both is valid.
    both = with_levers(
        scenario,
        {"facilities[clinic].tier": "township", "facilities[clinic].refers_to": "hospital"},
    )
    assert both.facility("clinic").tier == "township"


# --- the sweep block ------------------------------------------------------------------------


def test_grid_runs_every_combination_the_last_lever_fastest():
    sweep = Sweep(levers={"a.x": [1, 2], "b.y": ["p", "q", "r"]})
    rows = lever_rows(sweep)
    assert sweep.variant_count == 6 == len(rows)
    assert rows[:4] == [
        {"a.x": 1, "b.y": "p"},
        {"a.x": 1, "b.y": "q"},
        {"a.x": 1, "b.y": "r"},
        {"a.x": 2, "b.y": "p"},
    ]


def test_zip_runs_the_ith_values_together():
    sweep = Sweep(levers={"a.x": [1, 2], "b.y": ["p", "q"]}, mode="zip")
    assert lever_rows(sweep) == [{"a.x": 1, "b.y": "p"}, {"a.x": 2, "b.y": "q"}]


def test_zip_needs_as_many_values_for_every_lever():
    with pytest.raises(ValueError, match="mode zip needs as many values"):
        Sweep(levers={"a.x": [1, 2], "b.y": [1]}, mode="zip")


def test_a_runaway_grid_is_refused():
    with pytest.raises(ValueError, match=f"more than {MAX_VARIANTS}"):
        Sweep(levers={"a.x": list(range(40)), "b.y": list(range(40))})


PATH_SYNTAX = (
    "sweep.levers.simulation..seed: not a key path at character 11 of 'simulation..seed' "
    "(write it like reforms.credit.enrolment or facilities[2].stations.exams.ct), "
    "got 'simulation..seed'"
)


@pytest.mark.parametrize(
    ("levers", "expected"),
    [
        # The path syntax is checked with the file's shape, before any value is tried.
        (
            {"reforms.credit.enrolment": [0, 1.5], "simulation..seed": [1]},
            [PATH_SYNTAX],
        ),
        # Then every value, each named by its position; a missing key once, at the lever.
        (
            {"reforms.credit.enrolment": [0, 1.5], "reforms.credt.limit_yuan": [1000, 2000]},
            [
                "sweep.levers.reforms.credit.enrolment[1]: Input should be less than or equal to 1, got 1.5",
                "sweep.levers.reforms.credt.limit_yuan: no key 'credt' under reforms (keys: credit, family_doctors, free_clinics, primary_first, recognition, registration_validity, two_way_referral, visiting_experts)",
            ],
        ),
    ],
    ids=["path", "values"],
)
def test_bad_sweep_is_reported_with_file_and_key_and_nothing_is_written(
    tmp_path, capsys, levers, expected
):
    path = short_credit(tmp_path, "bad_sweep", {"levers": levers})
    out = tmp_path / "results"
    assert main(["run", str(path), "--out", str(out), "--quiet"]) == 2
    assert capsys.readouterr().err.splitlines() == [f"{path}: {line}" for line in expected]
    assert not out.exists()


def test_a_sweep_runs_as_one_batch_into_one_tidy_table(tmp_path):
    levers = {"reforms.credit.enrolment": [0.0, 1.0]}
    path = short_credit(tmp_path, "credit_sweep", {"levers": levers})
    out = tmp_path / "results"
    assert main(["run", str(path), "--out", str(out), "--quiet", "--jobs", "2"]) == 0
    folder = out / "credit_sweep"
    table = pd.read_csv(folder / "sweep.csv")
    reps = pd.read_csv(folder / "sweep_replications.csv")
    manifest = json.loads((folder / "manifest.json").read_text())
    assert list(table.columns) == [
        "scenario",
        "variant",
        "reforms.credit.enrolment",
        *OUTPUT_COLUMNS[1:],
    ]
    assert list(reps.columns[:3]) == ["scenario", "variant", "reforms.credit.enrolment"]
    assert set(manifest["files"]) == {"sweep.csv", "sweep_replications.csv"}
    assert manifest["sweep"]["levers"] == levers
    assert [v["levers"] for v in manifest["sweep"]["variants"]] == lever_rows(Sweep(levers=levers))
    # Each variant's rows are what running that variant alone gives.
    base = carepath.load_scenario(path).model_copy(update={"sweep": None})
    for variant, enrolment in enumerate(levers["reforms.credit.enrolment"]):
        alone = carepath.run(with_lever(base, "reforms.credit.enrolment", enrolment)).summary
        mine = table[table.variant == variant].drop(columns=["variant", "reforms.credit.enrolment"])
        pd.testing.assert_frame_equal(
            mine.reset_index(drop=True), alone.reset_index(drop=True), check_exact=False, rtol=1e-9
        )
        assert (table[table.variant == variant]["reforms.credit.enrolment"] == enrolment).all()
    # Same patients in every variant; the lever changed who draws on credit.
    episodes = table[(table.metric == "episodes") & (table.arm == "without")]["mean"]
    assert episodes.nunique() == 1
    credit = table[(table.metric == "credit_patients") & (table.arm == "with")]["mean"].tolist()
    assert credit[1] > credit[0]


def test_run_sweep_in_python_takes_levers_without_a_file(tmp_path):
    scenario = carepath.load_scenario(short_credit(tmp_path, "py_sweep"))
    result = carepath.run_sweep(
        scenario,
        {"reforms.credit.enrolment": [0.2, 0.8], "reforms.credit.family_pay": [0.0, 0.1]},
        mode="zip",
    )
    assert result.levers == ["reforms.credit.enrolment", "reforms.credit.family_pay"]
    assert sorted(result.table.variant.unique()) == [0, 1]
    assert result.variants[1].scenario.reforms.credit.family_pay == 0.1
    assert len(result.replications_table) == 2 * len(result.runs[0].replications)


def test_a_scenario_without_a_sweep_resolves_as_before_the_field_existed(tmp_path):
    plain = carepath.load_scenario(CREDIT)
    assert "sweep" not in resolved(plain)  # so its scenario_sha256 did not change
    swept = carepath.load_scenario(
        short_credit(tmp_path, "s", {"levers": {"reforms.credit.enrolment": [0, 1]}})
    )
    assert resolved(swept)["sweep"] == {
        "levers": {"reforms.credit.enrolment": [0, 1]},
        "mode": "grid",
    }


def test_a_failed_sweep_keeps_finished_replications_and_a_rerun_runs_only_the_rest(
    tmp_path, monkeypatch, capsys
):
    levers = {"reforms.credit.enrolment": [0.0, 1.0]}
    path = short_credit(tmp_path, "credit_sweep", {"levers": levers})
    reference = tmp_path / "reference"
    assert main(["run", str(path), "--out", str(reference), "--quiet", "--replications", "2"]) == 0
    out = tmp_path / "results"
    args = ["run", str(path), "--out", str(out), "--quiet", "--jobs", "1", "--replications", "2"]
    real, ran = batch.run_task, []

    def breaks(task):
        ran.append((task.scenario.reforms.credit.enrolment, task.replication))
        if task.scenario.reforms.credit.enrolment == 1.0 and task.replication == 1:
            raise RuntimeError("injected fault")
        return real(task)

    monkeypatch.setattr(batch, "run_task", breaks)
    assert main(args) == REPLICATIONS_FAILED
    errors = capsys.readouterr().err
    assert "failed: credit_sweep: replication 1" in errors
    assert not (out / "credit_sweep" / "sweep.csv").exists()
    assert len(list((out / "credit_sweep" / PARTIAL_FOLDER).glob("*/rep-*.json"))) == 3

    ran.clear()
    monkeypatch.setattr(batch, "run_task", lambda task: ran.append(task.replication) or real(task))
    assert main(args) == 0
    assert ran == [1]
    for name in ("sweep.csv", "sweep_replications.csv"):
        mine, theirs = out / "credit_sweep" / name, reference / "credit_sweep" / name
        assert mine.read_bytes() == theirs.read_bytes(), name
    assert not (out / "credit_sweep" / PARTIAL_FOLDER).exists()
