"""Bad scenario files: exit code 2, one line per problem naming file and key, nothing written."""

from __future__ import annotations

import subprocess
import sys

import pytest

from carepath import ScenarioError, load_scenario
from carepath.cli import main
from conftest import DEMO, tiny_data, write_yaml


def broken(tmp_path):
    data = tiny_data()
    data["simulation"]["horizon_dayz"] = data["simulation"].pop("horizon_days")
    data["facilities"][1]["stations"]["cashier"] = -2
    data["conditions"][0]["tests"]["lab"]["township"] = 1.5
    data["facilities"][0]["refers_to"] = "centr"
    return write_yaml(tmp_path / "broken.yaml", data)


def test_every_problem_reported_at_once_with_file_and_key(tmp_path):
    path = broken(tmp_path)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    assert caught.value.problems == [
        f"{path}: simulation.horizon_days: Field required",
        f"{path}: simulation.horizon_dayz: unknown key (did you mean 'horizon_days'?)",
        f"{path}: facilities[0].refers_to: no facility with this id under facilities, got 'centr'",
        f"{path}: facilities[1].stations.cashier: Input should be greater than or equal to 0, got -2",
        f"{path}: conditions[0].tests.lab.township: Input should be less than or equal to 1, got 1.5",
    ]


@pytest.mark.integration
def test_command_exits_2_without_traceback_and_writes_nothing(tmp_path):
    path = broken(tmp_path)
    out = tmp_path / "results"
    done = subprocess.run(
        [sys.executable, "-m", "carepath", "run", str(path), "--out", str(out)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    problem_lines = [line for line in done.stderr.splitlines() if line.startswith(str(path))]
    assert len(problem_lines) == 5
    assert not out.exists()


def test_one_bad_file_among_good_ones_stops_the_whole_batch(tmp_path, capsys):
    bad = broken(tmp_path)
    out = tmp_path / "results"
    assert main(["run", str(DEMO), str(bad), "--out", str(out), "--quiet"]) == 2
    assert not out.exists()
    assert str(bad) in capsys.readouterr().err


LATENT = {
    "cases_per_1000_year": {"cough": 3},
    "presents_share": 0.5,
    "presents_after_days": {"low": 10, "high": 20},
}


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda d: d["facilities"][1].update(refers_to="clinic"),
            "facilities[1].refers_to: must name a tier above 'township', got 'clinic' (village)",
        ),
        (
            lambda d: d["conditions"][0].update(share=0.5),
            "conditions: shares must sum to 1, got 0.5",
        ),
        (
            lambda d: d["zones"][0]["travel"].pop("hospital"),
            "zones[0].travel: no travel to ['hospital'], reached by referral",
        ),
        (
            lambda d: d["facilities"].append(dict(d["facilities"][0])),
            "facilities[3].id: duplicate id 'clinic' (also facilities[0])",
        ),
        (
            lambda d: d.update(
                reforms={
                    "visiting_experts": {
                        "enabled": True,
                        "sessions": [
                            {
                                "sites": ["hospital"],
                                "weekdays": ["tue"],
                                "conditions": ["cough"],
                                "consult_min": {"dist": "fixed", "mean": 10},
                            }
                        ],
                    }
                }
            ),
            "reforms.visiting_experts.sessions[0].sites[0]: 'hospital' is a county facility; visiting experts go to township centres or village clinics",
        ),
        (
            lambda d: d.update(
                reforms={
                    "visiting_experts": {
                        "enabled": True,
                        "sessions": [
                            {
                                "sites": sites,
                                "weekdays": ["tue"],
                                "conditions": ["cough"],
                                "consult_min": {"dist": "fixed", "mean": 10},
                            }
                            for sites in ("townships", ["clinic", "centre"])
                        ],
                    }
                }
            ),
            "reforms.visiting_experts.sessions[1].sites[1]: 'centre' already has sessions under sessions[0]; list a site once (one session plan per site)",
        ),
        (
            lambda d: d["conditions"][0].update(first_contact={"village": 0.5, "city": 0.6}),
            "conditions[0].first_contact: first_contact shares must sum to 1, got 1.1",
        ),
        (
            lambda d: d.update(
                care_seeking={"latent": LATENT | {"cases_per_1000_year": {"flu": 3}}}
            ),
            "care_seeking.latent.cases_per_1000_year.flu: no condition with this id",
        ),
        (
            lambda d: (
                d["conditions"][0].update(urgent=True),
                d.update(care_seeking={"latent": LATENT}),
            ),
            "care_seeking.latent.cases_per_1000_year.cough: an urgent condition cannot go unnoticed",
        ),
    ],
)
def test_cross_section_problems(tmp_path, change, expected):
    data = tiny_data()
    change(data)
    path = write_yaml(tmp_path / "x.yaml", data)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    assert f"{path}: {expected}" in caught.value.problems


def test_error_in_a_base_file_names_the_base(tmp_path):
    data = tiny_data()
    data["facilities"][2]["stations"]["pharmacy"] = -1
    base = write_yaml(tmp_path / "base.yaml", data)
    child = write_yaml(tmp_path / "child.yaml", {"extends": "base.yaml", "name": "child"})
    with pytest.raises(ScenarioError) as caught:
        load_scenario(child)
    assert caught.value.problems == [
        f"{base}: facilities[2].stations.pharmacy: Input should be greater than or equal to 0, got -1"
    ]


def test_check_command_accepts_the_bundled_scenario(capsys):
    assert main(["check", str(DEMO)]) == 0
    assert "ok (demo_county" in capsys.readouterr().out


@pytest.mark.integration
def test_check_reports_a_yaml_syntax_error_without_traceback(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("name: x\nfacilities: [1, 2\n")
    done = subprocess.run(
        [sys.executable, "-m", "carepath", "check", str(path)], capture_output=True, text=True
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert done.stderr.splitlines()[0].startswith(f"{path}: line 3, column 1: YAML syntax error")


def test_a_reform_switched_on_without_the_levers_it_needs(tmp_path):
    data = tiny_data(
        reforms={
            "free_clinics": {"enabled": True},
            "family_doctors": {"enabled": False},  # off: its visit time may be left out
            "registration_validity": {"enabled": True, "days": 0},
        }
    )
    path = write_yaml(tmp_path / "x.yaml", data)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    assert caught.value.problems == [
        f"{path}: reforms.registration_validity.days: Input should be greater than or equal to 1, got 0",
        f"{path}: reforms.free_clinics: consult_min needed when enabled",
    ]
