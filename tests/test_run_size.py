"""Runs sized before they start, command-line numbers that must be finite, and facilities that
must refer what they cannot manage (issue: nothing wrong passes)."""

from __future__ import annotations

import pytest

from carepath import ScenarioError, load_scenario
from carepath.cli import main
from carepath.execution.run_size import MAX_EPISODES, run_size, size_problems
from carepath.inputs.schema import Scenario
from conftest import only, tiny_data, write_yaml


def populous(population: int, rate: float = 5.0, replications: int = 2) -> dict:
    data = tiny_data()
    data["zones"][0]["population"] = population
    data["zones"][0]["episodes_per_person_year"] = rate
    data["simulation"]["replications"] = replications
    return data


def test_episodes_are_onsets_of_warm_up_and_measured_days_times_arms_and_replications():
    data = populous(36_500, rate=2.0, replications=3)
    data["simulation"].update(warmup_days=5, horizon_days=5)
    data["reforms"] = {"registration_validity": {"enabled": True}}
    size = run_size(Scenario.model_validate(data))
    # 36,500 residents x 2 a year x 10 days / 365 = 2,000 per arm; 2 arms; 3 replications
    assert size.episodes == pytest.approx(2_000 * 2 * 3)
    assert run_size(Scenario.model_validate(data), replications=10).episodes == pytest.approx(
        2_000 * 2 * 10
    )


def test_a_run_above_the_episode_limit_or_half_the_memory_is_refused():
    data = populous(10_000_000, rate=100.0)
    data["simulation"]["horizon_days"] = 30  # 82 million onsets per arm
    huge = Scenario.model_validate(data)
    (problem,) = [p for p in size_problems(huge, None, 1, memory=1e15) if "episodes" in p]
    assert f"more than {MAX_EPISODES:,}" in problem and "--force" in problem
    small = Scenario.model_validate(populous(2_000))
    assert size_problems(small, None, 2, memory=64 * 2**30) == []
    # the same small run on a machine of 256 KiB: its workers would need more than half of it
    (memory,) = size_problems(small, None, 2, memory=2**18)
    assert "2 worker(s)" in memory and "more than half" in memory


@pytest.mark.integration
def test_run_refuses_a_billion_replications_before_building_them(tmp_path, capsys):
    path = write_yaml(tmp_path / "tiny.yaml", populous(2_000))
    out = tmp_path / "out"
    code = main(["run", str(path), "--replications", "1000000000", "--out", str(out), "--quiet"])
    assert code == 2
    assert "episodes to simulate" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.parametrize("share", ["inf", "nan", "-0.1", "0", "1", "x"])
def test_precision_must_be_a_share_between_0_and_1(tmp_path, capsys, share):
    path = write_yaml(tmp_path / "tiny.yaml", populous(2_000))
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as stopped:
        main(["run", str(path), "--precision", share, "--out", str(out)])
    assert stopped.value.code == 2
    assert "must be a number between 0 and 1" in capsys.readouterr().err
    assert not out.exists()


def test_a_clinic_that_cannot_manage_a_condition_must_refer_it(tmp_path):
    # patients with a county-level condition go first to the village clinic, which refers
    # nowhere
    data = tiny_data(conditions=only(lowest_tier="county", first_contact={"village": 1.0}))
    del data["facilities"][0]["refers_to"]
    path = write_yaml(tmp_path / "tiny.yaml", data)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    assert caught.value.problems == [
        f"{path}: facilities[0].refers_to: patients with 'cough' come here first but it cannot "
        "manage them (lowest tier 'county') and refers them nowhere that can"
    ]
    # referred up a chain that reaches the county hospital: fine
    data["facilities"][0]["refers_to"] = "centre"
    load_scenario(write_yaml(tmp_path / "ok.yaml", data))
