"""Figures: drawn from committed result tables alone, byte-identical when redrawn, captioned."""

from __future__ import annotations

import contextlib
import io
import json
import re
import shutil

import matplotlib
import numpy as np
import pandas as pd
import pytest

from carepath.analysis.figures import (
    MissingData,
    cost_saved,
    draw_all,
    figures_of,
    referral_load_weekly,
    sweep_curve,
    waiting_by_station,
)
from carepath.analysis.figures.charts import station_words
from carepath.analysis.figures.report import figure_title
from carepath.analysis.statistics import OUTPUT_COLUMNS
from carepath.cli import main
from carepath.execution import batch, replication
from carepath.observation.results_folder import ResultsFolder, write_folder
from conftest import REPO

pytestmark = pytest.mark.integration  # simulates whole scenarios or runs the command

COMMITTED = REPO / "results" / "demo_county_credit"
EXTENSIONS = ("pdf", "png", "txt")
EXPECTED = [
    "cost_saved",
    "equity_care_sought",
    "headline",
    "perspective_savings",
    "referral_load_weekly",
    "utilisation",
    "waiting_by_station",
]


def refuse(*args, **kwargs):
    raise AssertionError("a figure ran a simulation")


@pytest.fixture(scope="module")
def drawn(tmp_path_factory):
    """A copy of one committed scenario's results, and `carepath figures` drawn from it with
    every simulation entry point made to fail; what the command printed."""
    root = tmp_path_factory.mktemp("drawn")
    results, out = root / "results", root / "figures"
    shutil.copytree(COMMITTED, results / COMMITTED.name)
    printed = io.StringIO()
    with pytest.MonkeyPatch.context() as patch, contextlib.redirect_stdout(printed):
        for module, name in ((batch, "run_many"), (batch, "run_task"), (replication, "simulate")):
            patch.setattr(module, name, refuse)
        code = main(["figures", "--results", str(results), "--out", str(out)])
    return results, out, code, printed.getvalue()


def synthetic_summary(weeks: int = 3) -> pd.DataFrame:
    """A summary table with weekly referral loads of two tiers and cost components."""
    rows = []
    for tier, base in (("county", 100.0), ("city", 20.0)):
        for week in range(1, weeks + 1):
            for arm, shift in (("without", 0.0), ("with", -5.0)):
                mean = base + week + shift
                rows.append((f"referral_load_{tier}_week{week:02d}", arm, mean, mean - 2, mean + 3))
    for metric, mean in (
        ("cost_total_yuan", 9.0),
        ("cost_medical_yuan", 7.0),
        ("cost_travel_yuan", 2.0),
    ):
        rows.append((metric, "difference", mean, mean - 1, mean + 1))
    table = pd.DataFrame(rows, columns=["metric", "arm", "mean", "ci_low", "ci_high"])
    return table.assign(scenario="synthetic", n=5, sd=1.0)[
        ["scenario", "metric", "arm", "n", "mean", "sd", "ci_low", "ci_high"]
    ]


def files_under(folder):
    return {p.relative_to(folder): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_figures_come_from_the_results_without_running_a_simulation(drawn):
    _, out, code, printed = drawn
    assert code == 0
    written = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert written == sorted(
        [
            *(f"demo_county_credit/{name}.{ext}" for name in EXPECTED for ext in EXTENSIONS),
            *(f"scenario_comparison.{ext}" for ext in EXTENSIONS),
            "captions.md",
        ]
    )
    for name in EXPECTED:
        assert (out / "demo_county_credit" / f"{name}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert (out / "demo_county_credit" / f"{name}.pdf").read_bytes()[:5] == b"%PDF-"
    assert "skipped" not in printed


def test_results_without_weekly_referral_loads_skip_that_figure_with_a_note(tmp_path):
    results = tmp_path / "results"
    folder = ResultsFolder.read(COMMITTED)
    tables = {name: folder.table(name) for name in folder.manifest["files"]}
    for name in ("summary.csv", "replications.csv"):
        tables[name] = tables[name][~tables[name].metric.str.contains("_week")]
    manifest = {k: v for k, v in folder.manifest.items() if k != "files"}
    write_folder(results / COMMITTED.name, tables, manifest)  # an older run's whole folder
    printed: list[str] = []
    draw_all(results, tmp_path / "figures", log=printed.append)
    assert any("demo_county_credit: skipped referral_load_weekly" in line for line in printed)
    assert not (tmp_path / "figures" / COMMITTED.name / "referral_load_weekly.png").exists()


def test_a_second_run_gives_byte_identical_files_whatever_the_rc_settings(
    drawn, tmp_path, monkeypatch
):
    results, first, _, _ = drawn
    second = tmp_path / "second"
    monkeypatch.setattr(replication, "simulate", refuse)
    # A user's matplotlib settings must not leak into the report's figures.
    with matplotlib.rc_context({"lines.linewidth": 7, "font.size": 20, "axes.grid": False}):
        draw_all(results, second, log=lambda line: None)
    assert files_under(first) == files_under(second)
    assert len(files_under(first)) == 3 * (len(EXPECTED) + 1) + 1  # the comparison, captions.md


def test_each_caption_is_numbered_and_names_scenario_replications_seed_and_commit(drawn):
    results, out, _, _ = drawn
    manifest = json.loads((results / "demo_county_credit" / "manifest.json").read_text())
    numbers = []
    for name in EXPECTED:
        caption = (out / "demo_county_credit" / f"{name}.txt").read_text()
        number = re.match(r"Figure (\d+)\. [A-Z]", caption)
        assert number, caption[:40]
        numbers.append(int(number.group(1)))
        assert "(Demo county credit)." in caption.splitlines()[0]
        assert f"Run: scenario {manifest['scenario']} (file {manifest['scenario_file']})" in caption
        assert (
            f"replications: {manifest['replications']} per arm; seed: {manifest['seed']}" in caption
        )
        assert "Plotted: " in caption
        assert manifest["git"]["commit"][:12] in caption
    # the comparison is Figure 1; the folder's figures follow, each number once
    assert sorted(numbers) == list(range(2, len(EXPECTED) + 2))
    assert (out / "scenario_comparison.txt").read_text().startswith("Figure 1. ")
    index = (out / "captions.md").read_text()
    assert index.index("## Figure 1. ") < index.index("## Figure 2. ")
    assert "(demo_county_credit/headline.png)" in index


def test_a_title_says_what_and_where_in_plain_words_without_the_run(drawn):
    results, _, _, _ = drawn
    folder = ResultsFolder.read(results / "demo_county_credit")
    for spec in figures_of(folder):
        title = figure_title(folder, spec)
        assert "_" not in title and str(folder.manifest["seed"]) not in title
        assert "replications" not in title
        assert title.endswith("· Demo county credit") and title[0].isupper()


def test_figures_without_results_is_bad_input(tmp_path, capsys):
    assert main(["figures", "--results", str(tmp_path / "nowhere")]) == 2
    assert "no <scenario>/manifest.json here" in capsys.readouterr().err


def test_referral_load_per_week_draws_each_tier_and_arm_with_its_band():
    summary = synthetic_summary(weeks=3)
    chart = referral_load_weekly(summary, title="synthetic")
    axes = chart.figure.axes
    assert [ax.get_title() for ax in axes] == ["County", "City"]
    for ax, tier in zip(axes, ("county", "city"), strict=True):
        lines = [line for line in ax.get_lines() if not line.get_label().startswith("_")]
        for line, arm in zip(lines, ("without", "with"), strict=True):
            rows = summary[
                summary.metric.str.startswith(f"referral_load_{tier}_") & (summary.arm == arm)
            ]
            assert line.get_label() == f"{arm} the reforms"
            assert list(line.get_xdata()) == [1, 2, 3]
            assert list(line.get_ydata()) == rows["mean"].tolist()
        bands = [c for c in ax.collections if len(c.get_paths())]
        assert len(bands) == 2  # one CI band per arm


def test_referral_load_per_week_is_skipped_when_the_metrics_are_absent():
    summary = synthetic_summary()
    with pytest.raises(MissingData, match="referral_load_<tier>_week<NN>"):
        referral_load_weekly(summary[~summary.metric.str.startswith("referral_load_")])


def test_the_weekly_figure_is_drawn_from_a_results_folder_that_has_the_metrics(tmp_path):
    folder = tmp_path / "results" / "synthetic"
    folder.mkdir(parents=True)
    synthetic_summary().to_csv(folder / "summary.csv", index=False)
    manifest = {"scenario": "synthetic", "replications": 5, "seed": 3, "arms": ["without", "with"]}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    draw_all(tmp_path / "results", tmp_path / "figures", log=lambda line: None)
    caption = (tmp_path / "figures" / "synthetic" / "referral_load_weekly.txt").read_text()
    assert "replications: 5 per arm; seed: 3" in caption
    assert (tmp_path / "figures" / "synthetic" / "referral_load_weekly.png").is_file()


def test_cost_saved_shows_each_component_and_the_total_with_the_summary_s_intervals():
    summary = synthetic_summary()
    chart = cost_saved(summary)
    bars = chart.figure.axes[0].patches
    assert [bar.get_width() for bar in bars] == [7.0, 2.0, 9.0]  # medical, travel, then total
    assert "cost_medical_yuan, cost_travel_yuan" in chart.plotted


def test_waiting_by_station_shows_the_busiest_stations():
    stations = pd.read_csv(COMMITTED / "stations.csv")
    chart = waiting_by_station(stations, top=4)
    labels = [tick.get_text() for tick in chart.figure.axes[0].get_yticklabels()]
    busiest = stations.groupby(["facility", "station"]).visits.mean().nlargest(4)
    assert labels == [station_words(f, s) for f, s in busiest.index]
    assert not any("_" in text or ":" in text for text in labels)
    bars = chart.figure.axes[0].patches[:4]  # the 'without' arm
    for bar, (facility, station) in zip(bars, busiest.index, strict=True):
        rows = stations[(stations.facility == facility) & (stations.station == station)]
        assert bar.get_width() == pytest.approx(rows[rows.arm == "without"].wait_min.mean())


def test_a_sweep_curve_has_one_line_per_other_lever_value_in_a_grid():
    rows = []
    for variant, (a, b) in enumerate([(0.0, "x"), (0.0, "y"), (1.0, "x"), (1.0, "y")]):
        mean = a * 10 + (b == "y")
        rows.append(
            ("s", variant, a, b, "cost_total_yuan", "difference", 2, mean, 0.1, mean - 1, mean + 1)
        )
    columns = ["scenario", "variant", "lever.a", "lever.b", *OUTPUT_COLUMNS[1:]]
    table = pd.DataFrame(rows, columns=columns)
    ax = sweep_curve(table, "lever.a", metrics=["cost_total_yuan"]).figure.axes[0]
    lines = {
        line.get_label(): np.asarray(line.get_ydata())
        for line in ax.get_lines()
        if line.get_label()[0] != "_"
    }
    assert set(lines) == {"Lever: b = x", "Lever: b = y"}
    assert list(lines["Lever: b = y"]) == [1.0, 11.0]
    assert ax.get_xlabel() == "Lever: a"
