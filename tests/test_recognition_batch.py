"""Mutual recognition over whole batches: accounting, invariants, spill-over, plausibility."""

from __future__ import annotations

import copy

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import carepath
from carepath import ScenarioError, load_scenario
from carepath.cli import main
from carepath.execution.replication import simulate
from carepath.inputs.arms import Arm
from carepath.inputs.schema import Scenario
from carepath.system.world import World
from conftest import NO_CARE_SEEKING, REPO, STATUS_QUO_METRICS, shorter, tiny_data, write_yaml

pytestmark = pytest.mark.integration  # simulates whole scenarios or runs the command

RECOGNITION = REPO / "scenarios" / "demo_county_recognition.yaml"
WITH = Arm("with", ("recognition",))


@pytest.fixture
def short_recognition(tmp_path):
    # patients who choose could choose differently in each arm (the waits they know differ)
    return shorter(
        RECOGNITION,
        tmp_path,
        "recognition_short",
        replications=2,
        care_seeking=NO_CARE_SEEKING,
    )


def by_arm(table: pd.DataFrame, metric: str, arm: str) -> list[float]:
    rows = table[(table.metric == metric) & (table.arm == arm)].sort_values("replication")
    return rows.value.tolist()


def test_every_test_ordered_is_performed_or_avoided(short_recognition):
    # Same patients, same orders: the tests ordered do not depend on what recognition does.
    table = carepath.run(short_recognition).replications
    performed_with = by_arm(table, "tests_performed", "with")
    avoided_with = by_arm(table, "tests_avoided", "with")
    performed_without = by_arm(table, "tests_performed", "without")
    assert all(a > 0 for a in avoided_with)
    assert [p + a for p, a in zip(performed_with, avoided_with, strict=True)] == performed_without
    by_type = sum(
        pd.Series(by_arm(table, f"tests_avoided_{t}", "with"))
        for t in ("lab", "xray", "ultrasound", "ct", "mri", "ecg")
    )
    assert by_type.tolist() == avoided_with


def test_recognition_switched_off_gives_exactly_zero_differences(tmp_path):
    off = {"recognition": {"enabled": False}}
    result = carepath.run(shorter(RECOGNITION, tmp_path, "off", replications=2, reforms=off))
    differences = result.summary[result.summary.arm == "difference"]
    assert (differences["mean"] == 0.0).all() and (differences["ci_high"] == 0.0).all()
    paired = result.summary[result.summary.arm == "paired"].set_index("metric")
    assert paired.loc["recognised_patients", "mean"] == 0.0
    assert paired.loc["spillover_wait_saved_min", "mean"] == 0.0


def busy_referrals(**recognition) -> Scenario:
    """The tiny world with steady demand: abdominal pain referred from the centre to the
    hospital, and walk-ins at the hospital; everyone has a lab test."""
    data = tiny_data(
        simulation={
            "warmup_days": 0,
            "horizon_days": 2,
            "drain_days": 10,
            "replications": 1,
            "seed": 5,
        }
    )
    data["zones"][0]["episodes_per_person_year"] = 40.0
    data["tests"]["lab"]["exam_min"] = {"dist": "exponential", "mean": 4}
    base = {
        "lowest_tier": "county",
        "tests": {"lab": {"township": 1.0, "county": 1.0}},
        "drug_fee_yuan": 50,
    }
    data["conditions"] = [
        {"id": "referred", "share": 0.6, "first_contact": {"township": 1.0}, **base},
        {"id": "walk_in", "share": 0.4, "first_contact": {"county": 1.0}, **base},
    ]
    reform = {
        "enabled": True,
        "items": {"lab": {"window_days": 3, "acceptance": 0.5}},
        "accepts": {"county": {"township": ["lab"]}},
    }
    data["reforms"] = {"recognition": {**reform, **recognition}}
    return Scenario.model_validate(data)


def performed(scenario: Scenario, seed: int) -> int:
    records = simulate(World.build(scenario), WITH, seed=seed, replication=0, full_log=True)
    return sum(1 for row in records.rows("tests") if row.outcome == "performed")


@settings(
    max_examples=12, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(
    low=st.floats(0.0, 1.0),
    high=st.floats(0.0, 1.0),
    seed=st.integers(0, 3),
)
def test_more_acceptance_never_means_more_tests(low, high, seed):
    low, high = sorted((low, high))
    item = {"window_days": 3}
    fewer = busy_referrals(items={"lab": {**item, "acceptance": high}})
    more = busy_referrals(items={"lab": {**item, "acceptance": low}})
    assert performed(fewer, seed) <= performed(more, seed)


@pytest.mark.parametrize("seed", [0, 1])
def test_wider_windows_never_mean_more_tests(seed):
    counts = [
        performed(busy_referrals(items={"lab": {"window_days": days, "acceptance": 0.8}}), seed)
        for days in (0.001, 0.01, 0.05, 0.2, 3)
    ]
    assert counts == sorted(counts, reverse=True)
    assert counts[0] > counts[-1]


def test_spill_over_patients_with_nothing_recognised_wait_less(tmp_path):
    data = busy_referrals().model_dump(mode="json")
    data["simulation"]["replications"] = 4
    data["sources"] = {}
    result = carepath.run(write_yaml(tmp_path / "busy.yaml", data))
    spill = result.summary[(result.summary.metric == "spillover_wait_saved_min")].iloc[0]
    assert spill["arm"] == "paired"
    assert spill["ci_low"] > 0.0


def test_plausibility_lines_and_file(short_recognition, tmp_path, capsys):
    out = tmp_path / "results"
    assert main(["run", str(short_recognition), "--out", str(out), "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert "plausibility: recognition_short: saved_yuan_per_recognised (paired) = " in printed
    assert "published: about 119-129 yuan" in printed
    table = pd.read_csv(out / "recognition_short" / "plausibility.csv")
    table = table[~table.metric.isin(STATUS_QUO_METRICS)]  # the status quo's, inherited
    assert table.metric.tolist() == ["saved_yuan_per_recognised", "saved_min_per_recognised"]
    assert table.published_low.tolist()[0] == 119
    assert table.model_mean.notna().all()


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda r: r.update(items={}),
            "reforms.recognition.items: no recognised items: nothing to recognise",
        ),
        (
            lambda r: r.update(
                remote_reading=[
                    {
                        "reader": "hospital",
                        "readers": 1,
                        "tests": ["xray"],
                        "sites": ["centre"],
                        "reading_min": {"dist": "fixed", "mean": 5},
                    }
                ]
            ),
            "reforms.recognition.remote_reading[0].sites[0]: 'centre' has no exam unit for ['xray']",
        ),
        (
            lambda r: r.update(connected=["hospitl"]),
            "reforms.recognition.connected[0]: no facility with this id under facilities, got 'hospitl'",
        ),
        (
            lambda r: r.update(exclusions={"emergency": 0.7, "quality_doubt": 0.5}),
            "reforms.recognition.exclusions: exclusion probabilities are shares of one draw and must sum to <= 1",
        ),
    ],
)
def test_bad_recognition_settings(tmp_path, change, expected):
    reform = {"enabled": True, "items": {"lab": {"window_days": 3, "acceptance": 1.0}}}
    change(reform)
    data = tiny_data(reforms={"recognition": copy.deepcopy(reform)})
    path = write_yaml(tmp_path / "bad.yaml", data)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    assert f"{path}: {expected}" in caught.value.problems


def test_plausibility_benchmark_must_name_a_metric_and_a_source(tmp_path):
    data = tiny_data(
        plausibility=[
            {"metric": "saved_yuan_per_recognized", "published": "x", "source": "nowhere"}
        ]
    )
    path = write_yaml(tmp_path / "bad.yaml", data)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    assert caught.value.problems == [
        f"{path}: plausibility[0].metric: no metric 'saved_yuan_per_recognized' for arm 'paired'",
        f"{path}: plausibility[0].source: no source 'nowhere' under sources",
    ]


def test_acceptance_matters_at_all():
    none = busy_referrals(items={"lab": {"window_days": 3, "acceptance": 0.0}})
    every = busy_referrals(items={"lab": {"window_days": 3, "acceptance": 1.0}})
    assert performed(every, 0) < performed(none, 0)
