"""Figures of a probabilistic sensitivity analysis: drawn from its tables alone, one panel per
headline metric, registered for every folder holding those tables."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from carepath.analysis.figures import MissingData, draw_all, figures_of
from carepath.analysis.figures.chart import Chart
from carepath.analysis.figures.psa_charts import (
    MORRIS_FILE,
    PRCC_FILE,
    PSA_FILE,
    PSA_SUMMARY_FILE,
    SOBOL_FILE,
    TORNADO_FILE,
    input_names,
    psa_morris,
    psa_prcc,
    psa_savings,
    psa_sobol,
    short_names,
    tornado,
)
from carepath.observation.results_folder import ResultsFolder

INPUTS = (
    "reforms.recognition.items.lab.acceptance",
    "reforms.recognition.items.ct.acceptance",
    "tiers.county.consultation_fee_yuan",
)
METRICS = ("cost_total_yuan", "referral_load_county")  # better: lower, neither
SAMPLES = 8
# cost saving in each sample: 6 of 8 positive (the reform lowers the cost: better)
COST_SAVINGS = (5.0, 3.0, -1.0, 2.0, 4.0, -2.0, 1.0, 6.0)
# referral load difference: 3 of 8 above zero
LOAD_DIFFERENCES = (-3.0, 1.0, -2.0, -1.0, 2.0, -4.0, 0.5, -0.5)
NAMES = ["psa_savings", "tornado", "psa_prcc", "psa_morris", "psa_sobol"]
SWINGS = {INPUTS[0]: 2.0, INPUTS[1]: 7.0, INPUTS[2]: 4.0}  # order: ct, fee, lab


def frame(rows: list[dict], arm: str = "difference") -> pd.DataFrame:
    return pd.DataFrame(rows).assign(scenario="synthetic", arm=arm)


def psa_summary(arm: str = "difference") -> pd.DataFrame:
    rows = [
        {"sample": s, "metric": m, "n": 4, "mean": v, "sd": 1.0, "ci_low": v - 1, "ci_high": v + 1}
        for m, values in zip(METRICS, (COST_SAVINGS, LOAD_DIFFERENCES), strict=True)
        for s, v in enumerate(values)
    ]
    return frame(rows, arm)


def psa() -> pd.DataFrame:
    summary = psa_summary()
    rows = [
        {"metric": m, "samples": SAMPLES, "mean": block["mean"].mean(), "sd": block["mean"].std()}
        for m, block in summary.groupby("metric", sort=False)
    ]
    return frame(rows)


def per_input(values) -> pd.DataFrame:
    """One row per metric and input, from ``values(metric index, input index, input)``."""
    rows = [
        {"metric": m, "input": name, **values(i, j, name)}
        for i, m in enumerate(METRICS)
        for j, name in enumerate(INPUTS)
    ]
    return frame(rows)


def tornado_table() -> pd.DataFrame:
    def values(i, j, name):
        swing = SWINGS[name] * (i + 1)
        low, high = 10.0 - 0.4 * swing, 10.0 + 0.6 * swing
        return {
            "base_value": 0.5,
            "low_value": 0.123456,
            "high_value": 0.98765,
            "base_mean": 10.0,
            "low_mean": low,
            "low_ci_low": low - 1,
            "low_ci_high": low + 1,
            "high_mean": high,
            "high_ci_low": high - 1,
            "high_ci_high": high + 1,
            "swing": abs(high - low),
        }

    return per_input(values)


def prcc_table() -> pd.DataFrame:
    def values(i, j, name):
        prcc = (-0.8, 0.3, 0.5)[j]
        return {"prcc": prcc, "ci_low": prcc - 0.1, "ci_high": prcc + 0.1, "samples": SAMPLES}

    return per_input(values)


def morris_table() -> pd.DataFrame:
    def values(i, j, name):
        mu_star = 1.0 + j + i
        return {
            "mu": -mu_star,
            "mu_star": mu_star,
            "mu_star_conf": 0.2,
            "sigma": 0.5 * mu_star,
            "trajectories": 10,
        }

    return per_input(values)


def sobol_table() -> pd.DataFrame:
    def values(i, j, name):
        s1 = (0.1, 0.5, 0.2)[j]
        return {"S1": s1, "S1_conf": 0.05, "ST": s1 + 0.1, "ST_conf": 0.05, "emulator_r2": 0.934}

    return per_input(values)


TABLES = {
    PSA_FILE: psa,
    PSA_SUMMARY_FILE: psa_summary,
    TORNADO_FILE: tornado_table,
    PRCC_FILE: prcc_table,
    MORRIS_FILE: morris_table,
    SOBOL_FILE: sobol_table,
}
CHARTS = [
    (psa_savings, psa_summary),
    (tornado, tornado_table),
    (psa_prcc, prcc_table),
    (psa_morris, morris_table),
    (psa_sobol, sobol_table),
]


@pytest.mark.parametrize(("chart", "table"), CHARTS, ids=NAMES)
def test_each_chart_has_one_panel_per_headline_metric_present(chart, table):
    drawn = chart(table(), "synthetic")
    assert isinstance(drawn, Chart)
    assert len(drawn.figure.axes) == len(METRICS)
    assert drawn.figure.get_suptitle() == "synthetic"
    assert drawn.plotted


@pytest.mark.parametrize(("chart", "table"), CHARTS, ids=NAMES)
def test_a_table_without_rows_of_the_headline_metrics_is_missing_data(chart, table):
    rows = table()
    with pytest.raises(MissingData, match="no difference or without rows"):
        chart(rows[~rows.metric.isin(METRICS)], "synthetic")
    with pytest.raises(MissingData, match="lacks the columns"):
        chart(rows.drop(columns=["input" if "input" in rows else "sample"]), "synthetic")


def test_tornado_bars_run_from_low_to_high_mean_widest_swing_on_top():
    table = tornado_table()
    axes = tornado(table, "").figure.axes
    for ax, metric in zip(axes, METRICS, strict=True):
        spans: dict[float, list[float]] = {}
        for bar in ax.patches:
            y = round(bar.get_y() + bar.get_height() / 2, 6)
            spans.setdefault(y, []).extend([bar.get_x(), bar.get_x() + bar.get_width()])
        rows = table[table.metric == metric]
        expected = rows.sort_values("swing", ascending=False)
        top_first = [spans[y] for y in sorted(spans, reverse=not ax.yaxis_inverted())]
        assert [max(s) - min(s) for s in top_first] == pytest.approx(list(expected.swing))
        assert [min(s) for s in top_first] == pytest.approx(list(expected.low_mean))
        labels = [t.get_text() for t in ax.get_yticklabels()]
        assert labels == [
            "Mutual recognition: CT acceptance",
            "Tiers: county consultation fee (yuan)",
            "Mutual recognition: lab acceptance",
        ]
        texts = {t.get_text().strip() for t in ax.texts}
        assert texts == {"0.123", "0.988"}  # the input's values, 3 significant figures
        assert ax.get_xlabel().startswith("saved: ")


def test_psa_savings_titles_count_the_samples_where_the_reform_is_better():
    axes = psa_savings(psa_summary(), "").figure.axes
    # cost is better lower: a positive saving (without - with) is a gain, 6 of 8
    assert axes[0].get_title().endswith("reform better in 6 of 8 samples (75%)")
    # a referral load is better neither way: the share above zero
    assert axes[1].get_title().endswith("above zero in 3 of 8 samples (38%)")
    values = axes[0].patches
    assert sum(bar.get_height() for bar in values) == SAMPLES


def test_psa_savings_of_a_metric_better_higher_counts_negative_differences():
    summary = psa_summary().replace({"metric": {"cost_total_yuan": "primary_share"}})
    axes = psa_savings(summary, "", metrics=["primary_share"]).figure.axes
    assert len(axes) == 1
    assert axes[0].get_title().endswith("reform better in 2 of 8 samples (25%)")


def test_psa_savings_without_a_reform_plots_the_without_arm_and_says_so():
    chart = psa_savings(psa_summary(arm="without"), "")
    assert "arm without" in chart.figure.axes[0].get_title()
    assert "reform better" not in chart.figure.axes[0].get_title()
    assert "no reform switched on" in chart.plotted


def test_prcc_sorted_by_size_and_sobol_names_the_emulator():
    prcc_ax = psa_prcc(prcc_table(), "").figure.axes[0]
    widths = [bar.get_width() for bar in prcc_ax.patches]
    assert widths == [-0.8, 0.5, 0.3]
    sobol_ax = psa_sobol(sobol_table(), "").figure.axes[0]
    assert "emulator R² 0.93: indices of the emulator, not the model" in sobol_ax.get_title(
        loc="right"
    )
    first_order = [bar.get_width() for bar in sobol_ax.patches[:3]]
    assert first_order == pytest.approx([0.5, 0.2, 0.1])  # sorted by ST
    morris_ax = psa_morris(morris_table(), "").figure.axes[0]
    assert {t.get_text() for t in morris_ax.texts} == set(input_names(INPUTS).values())


def test_inputs_are_named_in_plain_words_and_kept_apart():
    assert input_names(INPUTS) == {
        INPUTS[0]: "Mutual recognition: lab acceptance",
        INPUTS[1]: "Mutual recognition: CT acceptance",
        INPUTS[2]: "Tiers: county consultation fee (yuan)",
    }
    # two paths that read the same in words fall back to the ends of their key paths
    same = input_names(["zones[a_b].share", "zones[a.b].share"])
    assert len(set(same.values())) == 2


def test_short_names_keep_the_inputs_apart():
    names = short_names([*INPUTS, "x.consultation_fee_yuan", "acceptance"])
    assert names == {
        INPUTS[0]: "lab.acceptance",
        INPUTS[1]: "ct.acceptance",
        INPUTS[2]: "county.consultation_fee_yuan",
        "x.consultation_fee_yuan": "x.consultation_fee_yuan",
        "acceptance": "acceptance",
    }
    assert len(set(names.values())) == len(names)


def test_a_psa_folder_gets_these_figures_and_draws_them(tmp_path):
    folder = tmp_path / "results" / "synthetic_psa"
    folder.mkdir(parents=True)
    for name, table in TABLES.items():
        table().to_csv(folder / name, index=False)
    manifest = {"scenario": "synthetic_psa", "replications": 4, "seed": 3, "arms": ["without"]}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    assert [spec.name for spec in figures_of(ResultsFolder.read(folder))] == NAMES
    printed: list[str] = []
    draw_all(tmp_path / "results", tmp_path / "figures", formats=("png",), log=printed.append)
    assert printed == []
    drawn = tmp_path / "figures" / "synthetic_psa"
    assert sorted(p.name for p in drawn.iterdir()) == sorted(
        f"{name}.{ext}" for name in NAMES for ext in ("png", "txt")
    )
    assert f"synthetic_psa/{TORNADO_FILE}" in (drawn / "tornado.txt").read_text()
