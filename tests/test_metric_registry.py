"""The metric registry (``inputs.metric_registry``) and the report's registered sections and
figures: what the accounting computes is exactly what is registered, every entry says its unit
and better direction, and a section or figure registered anywhere shows up without editing a
shared list."""

from __future__ import annotations

import math
import shutil
import sys

import pandas as pd
import pytest

import carepath
from carepath.accounting.metrics import arm_metric_names, compute
from carepath.accounting.paired import Pairing
from carepath.analysis import report
from carepath.analysis.figures import registry as figures
from carepath.analysis.figures.chart import Chart
from carepath.analysis.figures.report import draw_all
from carepath.analysis.figures.style import new_figure
from carepath.analysis.headline import change_reading
from carepath.analysis.plugins import Registry
from carepath.analysis.statistics import summarise
from carepath.execution.replication import simulate
from carepath.inputs.checks import ward_warmup_days
from carepath.inputs.metric_registry import (
    DIRECTIONS,
    METRICS,
    Metric,
    MetricRegistry,
    weekly_load_names,
)
from carepath.observation.results_folder import SUMMARY_FILE
from carepath.system.world import World
from conftest import REPO

RESULTS = REPO / "results"


def short(name: str):
    scenario = carepath.load_scenario(REPO / "scenarios" / f"{name}.yaml")
    warmup = max(1, ward_warmup_days(scenario))  # wards need theirs
    return carepath.with_levers(
        scenario, {"simulation.warmup_days": warmup, "simulation.horizon_days": 10}
    )


@pytest.mark.integration
@pytest.mark.parametrize("name", ["chongqing_three_links", "mianyang_credit"])
def test_the_accounting_computes_exactly_the_registered_metrics_in_their_order(name):
    scenario = short(name)
    world = World.build(scenario)
    records = simulate(world, carepath.inputs.arms.arms_for(scenario)[-1], 3, 0)
    values = compute(records.folded)
    assert list(values) == arm_metric_names(records.folded)
    assert list(values) == [*METRICS.names("arm"), *weekly_load_names(2)]
    assert list(Pairing().metrics()) == list(METRICS.names("paired"))


def test_every_metric_says_its_unit_meaning_and_better_direction():
    names = [metric.name for metric in METRICS]
    assert len(names) == len(set(names))
    for metric in METRICS:
        assert metric.unit and metric.description and metric.label, metric.name
        assert metric.better in DIRECTIONS
        assert metric.scope in ("arm", "paired")
    # a cost and a wait are better lower, a saving per patient and the primary share higher
    assert METRICS.get("cost_total_yuan").better == "lower"
    assert METRICS.get("wait_min").better == "lower"
    assert METRICS.get("primary_share").better == "higher"
    assert METRICS.get("saved_yuan_per_recognised").better == "higher"
    assert METRICS.get("referral_load_county").better == "neither"


def test_a_weekly_metric_is_a_member_of_its_family_and_a_misspelt_one_is_unknown():
    member = METRICS.get("referral_load_county_week03")
    assert member.unit == "arrivals per week" and "county" in member.description
    assert "week 03" in member.description
    assert not METRICS.knows("referral_load_moon_week03")
    assert not METRICS.knows("referral_load_county_week3")
    assert METRICS.knows("own_wait_saved_min", "paired")
    assert not METRICS.knows("own_wait_saved_min", "arm")
    with pytest.raises(KeyError):
        METRICS.get("wait_minutes")
    assert METRICS.unknown(["wait_min", "wait_minutes", "wait_minutes"]) == ["wait_minutes"]


def test_a_registry_refuses_a_name_twice_and_a_direction_it_does_not_know():
    registry = MetricRegistry()
    registry.add(Metric("a", "yuan", "a cost", "lower"))
    with pytest.raises(ValueError, match="twice"):
        registry.add(Metric("a", "yuan", "a cost", "lower"))
    with pytest.raises(ValueError, match="better"):
        Metric("b", "yuan", "a cost", "smaller")  # type: ignore[arg-type]


def test_the_summary_refuses_a_metric_the_registry_does_not_know():
    table = pd.DataFrame(
        [
            ("s", r, arm, metric, 1.0 + r)
            for r in range(2)
            for arm in ("without", "with")
            for metric in ("wait_min", "wait_minutes")
        ],
        columns=["scenario", "replication", "arm", "metric", "value"],
    )
    assert len(summarise(table)) == 6  # without a registry: any name
    with pytest.raises(ValueError, match=r"not in the metric registry: \['wait_minutes'\]"):
        summarise(table, registry=METRICS)


@pytest.mark.parametrize(
    ("metric", "mean", "low", "high", "reading"),
    [
        ("cost_total_yuan", 2.0, 1.5, 2.5, "gain"),  # lower is better, and it went down
        ("cost_total_yuan", -2.0, -2.5, -1.5, "loss"),
        ("cost_total_yuan", 0.3, -0.1, 0.7, "no clear change"),
        ("tests_avoided", -435.0, -446.0, -424.0, "gain"),  # higher is better, and it went up
        ("primary_share", 0.02, 0.01, 0.03, "loss"),
        ("primary_share", 0.0, 0.0, 0.0, "no change"),
        ("referral_load_county", 5.0, 4.0, 6.0, ""),  # better neither way
        ("wait_min", math.nan, math.nan, math.nan, ""),
    ],
)
def test_a_difference_reads_as_a_gain_or_loss_by_the_metrics_direction(
    metric, mean, low, high, reading
):
    assert change_reading(metric, mean, low, high) == reading


def test_the_report_says_each_headline_metrics_unit_and_direction():
    text = report.report_text(RESULTS)
    line = next(x for x in text.splitlines() if x.startswith("| cost_total_yuan | yuan per"))
    cells = [cell.strip() for cell in line.strip("|").split("|")]
    assert cells[1] == "yuan per episode" and cells[-2] == "lower"
    assert cells[-1] in ("gain", "loss", "no clear change", "no change")


def test_a_name_is_registered_by_one_function_only():
    registry = Registry("carepath.analysis.report_sections", "report section")

    def costs(results):
        return []

    def other(results):
        return []

    registry.add("costs", 1, costs)
    registry.add("costs", 2, costs)  # the same function again (its module reloaded)
    with pytest.raises(ValueError, match="report section 'costs' is registered twice"):
        registry.add("costs", 3, other)
    assert registry.entries() == [2]


def test_a_section_in_a_new_module_of_the_sections_package_joins_the_report(tmp_path, monkeypatch):
    package = tmp_path / "more_sections"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "costs.py").write_text(
        "from carepath.analysis.report import section\n\n"
        "@section('costs_by_perspective', order=150)\n"
        "def costs(results):\n"
        "    return ['## Costs by perspective', '']\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    report.sections()  # the built-in sections, loaded
    monkeypatch.setattr(report, "SECTIONS", report.SECTIONS.copy(package="more_sections"))
    text = report.report_text(RESULTS)
    order = [text.index(h) for h in ("## Plausibility", "## Costs by perspective", "## Queueing")]
    assert order == sorted(order)
    sys.modules.pop("more_sections.costs", None)
    sys.modules.pop("more_sections", None)


@pytest.mark.integration
def test_a_registered_figure_is_drawn_for_every_folder_with_its_table(tmp_path, monkeypatch):
    figures.registered()  # the built-in figures, loaded
    monkeypatch.setattr(figures, "FIGURES", figures.FIGURES.copy())
    results = tmp_path / "results"
    shutil.copytree(RESULTS / "demo_county_credit", results / "demo_county_credit")

    @figures.figure("episodes by arm", SUMMARY_FILE, order=999)
    def episodes_by_arm(summary: pd.DataFrame, title: str = "") -> Chart:
        figure = new_figure(3.0, 2.0)
        rows = summary[(summary.metric == "episodes") & summary.arm.isin(["without", "with"])]
        figure.add_subplot().bar(rows.arm, rows["mean"])
        return Chart(figure, "episodes by arm")

    names = [spec.name for spec in figures.registered()]
    assert names[-1] == "episodes_by_arm" and "headline" in names
    draw_all(results, tmp_path / "figures", log=lambda line: None)
    drawn = tmp_path / "figures" / "demo_county_credit"
    assert (drawn / "episodes_by_arm.png").is_file()
    assert "episodes by arm" in (drawn / "episodes_by_arm.txt").read_text()
