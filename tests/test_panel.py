"""The lever panel: pulling a planner lever moves the comparison the lever's way.

The runs are cut to a couple of simulated days and two replications (``CAREPATH_QUICK``): the
numbers are noisy, but a lever pulled from one end to the other still moves what it drives.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

import carepath
from carepath.execution.quick import QUICK_ENV
from carepath.inputs.levers import LeverError
from carepath.inputs.metric_registry import METRICS
from carepath.inputs.planner_levers import PLANNER_LEVERS, levers_of, settings
from carepath.inputs.schema import Scenario
from carepath.workflows.lever_panel import bundled_scenarios, planner_arm, planner_metrics
from conftest import REPO

SCENARIOS = REPO / "scenarios"


@pytest.fixture
def quick_mode(monkeypatch):
    monkeypatch.setenv(QUICK_ENV, "1")


def at(scenario_file: str, levers: dict[str, float]) -> Scenario:
    scenario = carepath.load_scenario(SCENARIOS / scenario_file)
    return carepath.with_levers(scenario, settings(scenario, levers))


def change(table, metric: str, arm: str) -> float:
    found = table[(table.metric == metric) & (table.arm == arm)]
    assert len(found) == 1, f"{metric} {arm}: {len(found)} rows"
    return float(found.change.iloc[0])


@pytest.mark.integration
def test_more_acceptance_avoids_more_tests_and_saves_more_fees(quick_mode):
    nobody = at("demo_county_recognition.yaml", {"recognition_acceptance": 0.0})
    table = carepath.lever_run(nobody, {"recognition_acceptance": 1.0}, jobs=1)
    nothing_avoided = table[(table.metric == "tests_avoided") & (table.arm == "with")]
    assert float(nothing_avoided.baseline_mean.iloc[0]) == 0.0
    assert change(table, "tests_avoided", "with") > 0
    assert change(table, "tests_performed", "difference") > 0  # exams saved
    assert change(table, "cost_medical_yuan", "difference") > 0  # fees saved
    # the arm without any reform is the same patients untouched by the lever
    assert change(table, "tests_performed", "without") == 0.0


@pytest.mark.integration
def test_more_credit_enrolment_puts_more_on_credit_and_shortens_cashier_queues(quick_mode):
    few = at("demo_county_credit.yaml", {"credit_enrolment": 0.1})
    table = carepath.lever_run(few, {"credit_enrolment": 0.9}, jobs=1)
    assert change(table, "credit_patients", "with") > 0
    assert change(table, "cashier_wait_min", "with") < 0
    assert change(table, "cashier_wait_min", "difference") > 0
    shown = carepath.planner_table(table, ["credit_enrolment"])
    assert list(shown.label[:3]) == [
        METRICS.get(metric).label for metric in PLANNER_LEVERS["credit_enrolment"].metrics
    ]
    assert shown.unit.notna().all() and (shown.unit != "").all()


def test_a_lever_the_scenario_does_not_switch_on_is_refused_before_running():
    recognition = carepath.load_scenario(SCENARIOS / "demo_county_recognition.yaml")
    with pytest.raises(LeverError, match="credit_enrolment: reforms.credit.enrolment is not"):
        carepath.lever_run(recognition, {"credit_enrolment": 0.5})
    with pytest.raises(LeverError, match="reforms.recognition.items.lab.acceptance"):
        carepath.lever_run(recognition, {"reforms.recognition.items.lab.acceptance": 1.5})


def test_a_planner_lever_sets_every_path_it_stands_for_in_the_file_unit():
    outreach = carepath.load_scenario(SCENARIOS / "mianyang_outreach.yaml")
    found = settings(outreach, {"free_clinics_per_month": 2.0, "free_clinic_wait_share": 0.4})
    assert found["reforms.free_clinics.every_days"] == 15.0
    shares = [path for path in found if path.endswith(".share")]
    assert len(shares) == len(outreach.reforms.free_clinics.conditions) > 1
    assert {found[path] for path in shares} == {0.4}
    assert PLANNER_LEVERS["free_clinics_per_month"].current(outreach) == 1.0
    share = PLANNER_LEVERS["free_clinic_wait_share"]
    assert share.current(outreach) == pytest.approx(1.9 / 6)  # the mean of the file's shares
    assert share.on_grid(1.9 / 6) == 0.3
    assert (share.on_grid(-1.0), share.on_grid(0.97)) == (0.0, 0.95)
    with pytest.raises(LeverError, match="free_clinics_per_month: per month: must be above 0"):
        settings(outreach, {"free_clinics_per_month": 0.0})


def test_every_planner_lever_is_in_a_bundled_scenario_and_shows_registered_metrics():
    bundled = bundled_scenarios(SCENARIOS)
    offered = {lever.name for scenario in bundled.values() for lever in levers_of(scenario)}
    assert offered == set(PLANNER_LEVERS)
    for name in PLANNER_LEVERS:
        for metric in planner_metrics([name]):
            assert METRICS.knows(metric), f"{name} shows {metric}, not a registered metric"
    assert planner_arm("wait_min") == "difference"
    assert planner_arm("tests_avoided") == "with"


@pytest.mark.integration
def test_the_widget_runs_the_moved_slider_only(quick_mode):
    pytest.importorskip("ipywidgets")
    panel = carepath.lever_panel("demo_county_credit", folder=SCENARIOS)
    enrolment = panel.sliders["credit_enrolment"]
    assert "share of patients" in enrolment.description  # the unit in the label
    assert enrolment.value == pytest.approx(panel.scenario.reforms.credit.enrolment)
    assert panel.pulled() == {}
    enrolment.value = 0.95
    panel.button.click()
    assert panel.levers == {"credit_enrolment": 0.95}
    assert panel.table is not None
    assert change(panel.table, "credit_patients", "with") > 0
    panel.choice.value = "mianyang_outreach"
    assert set(panel.sliders) == {"free_clinics_per_month", "free_clinic_wait_share"}


def test_the_package_imports_without_ipywidgets_and_the_panel_says_what_it_needs(monkeypatch):
    blocked = "import sys; sys.modules['ipywidgets'] = None; import carepath; print('ok')"
    done = subprocess.run([sys.executable, "-c", blocked], capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr
    monkeypatch.setitem(sys.modules, "ipywidgets", None)
    with pytest.raises(ImportError, match="the lever panel needs ipywidgets"):
        carepath.lever_panel("demo_county_credit", folder=SCENARIOS)
