"""Figures for readers: plain words from the registries, savings coloured by what they mean,
the net saving apart, no empty panels, intervals never clipped, Chinese labels only with a font.

Synthetic tables only: fast, and no test needs a CJK font installed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex

from carepath.analysis.figures import cost_saved, headline, referral_load_weekly
from carepath.analysis.figures import fonts as figure_fonts
from carepath.analysis.figures import report as figure_report
from carepath.analysis.figures.drawing import change_kind
from carepath.analysis.figures.intervals import bootstrap_interval, metric_bounds, unclipped
from carepath.analysis.figures.labels import Labels, facility_names, key_path_words, using
from carepath.analysis.figures.style import GAIN, LOSS

COLUMNS = ["scenario", "metric", "arm", "n", "mean", "sd", "ci_low", "ci_high"]


def summary(rows: list[tuple[str, str, float, float, float]]) -> pd.DataFrame:
    table = pd.DataFrame(rows, columns=["metric", "arm", "mean", "ci_low", "ci_high"])
    return table.assign(scenario="synthetic", n=5, sd=1.0)[COLUMNS]


def bar_colours(ax) -> list[str]:
    return [to_hex(bar.get_facecolor()) for bar in ax.patches]


# -- words ---------------------------------------------------------------------------------------


def test_stations_facilities_and_key_paths_read_as_plain_words():
    names = Labels(
        facilities=facility_names(
            {
                "facilities": [
                    {"id": "north_v1_clinic", "tier": "village", "name": ""},
                    {"id": "suixi_people", "tier": "county", "name": "Suixi People's Hospital"},
                    {"id": "thc_01", "tier": "township", "name": ""},
                ]
            }
        )
    )
    assert names.station("registration") == "Registration"
    assert names.station("doctor:general") == "Doctor (general)"
    assert names.station("exam:ct") == "CT exam"
    assert names.facility("north_v1_clinic") == "North village 1 clinic"
    assert names.facility("suixi_people") == "Suixi People's Hospital"  # the scenario's name
    assert names.facility("thc_01") == "Township health centre 01"
    assert names.metric("wait_min") == "minutes queueing per episode"  # the metric registry's
    assert key_path_words("reforms.recognition.items.lab.acceptance") == (
        "Mutual recognition: lab acceptance"
    )
    assert key_path_words("tests.ct.fee_yuan.county") == "Tests: CT fee county (yuan)"
    assert key_path_words("reforms.recognition.remote_reading[0].readers") == (
        "Mutual recognition: remote reading 1 readers"
    )


def test_the_chinese_set_translates_known_phrases_and_keeps_english_for_the_rest():
    names = Labels("zh")
    assert names.tier("county") == "县"
    assert names.station("doctor:internal") == "医生 (内科)"
    assert names.text("a phrase nobody translated") == "a phrase nobody translated"
    with pytest.raises(ValueError, match="figure language must be one of"):
        Labels("fr")


def test_chinese_without_a_cjk_font_falls_back_to_english_and_says_so(monkeypatch):
    monkeypatch.setattr(figure_report, "cjk_font", lambda: None)
    said: list[str] = []
    assert figure_report.chosen_language("zh", said.append) == ("en", None)
    assert "no CJK font found" in said[0] and "make fonts" in said[0]
    monkeypatch.setattr(figure_report, "cjk_font", lambda: "Some CJK Sans")
    assert figure_report.chosen_language("zh", said.append) == ("zh", "Some CJK Sans")
    monkeypatch.setenv(figure_report.LANGUAGE_VARIABLE, "zh")
    assert figure_report.chosen_language(None, said.append) == ("zh", "Some CJK Sans")
    assert len(said) == 1


def test_no_cjk_font_is_found_in_a_folder_without_one(tmp_path, monkeypatch):
    monkeypatch.setattr(figure_fonts, "CJK_FAMILIES", ("No Such CJK Family",))
    (tmp_path / "notes.txt").write_text("not a font")
    assert figure_fonts.cjk_font([tmp_path]) is None


def test_chinese_labels_reach_the_chart_axes():
    table = summary([("wait_min", "difference", 5.0, 4.0, 6.0)])
    with using(Labels("zh")):
        ax = headline(table).figure.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["排队"]


# -- colours by the metric's better direction ---------------------------------------------------


def test_a_loss_is_drawn_in_the_loss_colour_and_a_gain_in_the_gain_colour():
    table = summary(
        [
            ("wait_min", "difference", 5.0, 4.0, 6.0),  # queueing fell: a gain
            ("time_to_care_min", "difference", -180.0, -190.0, -170.0),  # longer: a loss
        ]
    )
    chart = headline(table)
    (ax,) = chart.figure.axes
    assert bar_colours(ax) == [GAIN, LOSS]
    # the data keep without - with: the loss is a negative bar
    assert [bar.get_width() for bar in ax.patches] == [5.0, -180.0]
    assert any("orange a loss" in note for note in chart.notes)


def test_the_reading_follows_the_better_direction_not_the_sign():
    assert change_kind("tests_avoided", 3.0, 2.0, 4.0) == "loss"  # better higher: fewer avoided
    assert change_kind("tests_avoided", -3.0, -4.0, -2.0) == "gain"
    assert change_kind("cost_total_yuan", 1.0, -1.0, 3.0) == "unclear gain"
    assert change_kind("referral_load_county", 5.0, 4.0, 6.0) == "neither"


# -- the net saving apart, empty panels left out -------------------------------------------------


def test_the_net_saving_is_apart_from_the_components_and_the_total():
    table = summary(
        [
            ("cost_total_yuan", "difference", 9.0, 8.0, 10.0),
            ("cost_medical_yuan", "difference", 7.0, 6.0, 8.0),
            ("cost_travel_yuan", "difference", 2.0, 1.0, 3.0),
            ("cost_with_programme_yuan", "difference", -4.0, -5.0, -3.0),
        ]
    )
    parts, net = cost_saved(table).figure.axes
    assert [bar.get_width() for bar in parts.patches] == [7.0, 2.0, 9.0]
    assert [bar.get_width() for bar in net.patches] == [-4.0]
    assert bar_colours(net) == [LOSS]  # the programme costs more than it saves


def test_an_all_zero_tier_gets_no_panel_and_the_caption_says_so():
    rows = []
    for tier, base in (("village", 0.0), ("county", 100.0)):
        for week in (1, 2):
            for arm in ("without", "with"):
                rows.append((f"referral_load_{tier}_week{week:02d}", arm, base, base, base))
    chart = referral_load_weekly(summary(rows))
    assert [ax.get_title() for ax in chart.figure.axes] == ["County"]
    assert any("village" in note and "Not drawn" in note for note in chart.notes)


# -- intervals ------------------------------------------------------------------------------------


def replications(values_by_arm: dict[str, list[float]], metric: str) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"scenario": "s", "replication": i, "arm": arm, "metric": metric, "value": v}
            for arm, values in values_by_arm.items()
            for i, v in enumerate(values)
        ]
    )


def test_an_interval_crossing_zero_is_replaced_by_the_bootstrap_not_clipped():
    values = [0.0, 0.0, 0.0, 0.0, 9.0]  # skewed counts: the t-interval reaches below 0
    metric = "referral_load_county_week01"
    mean = float(np.mean(values))
    t_low = mean - 2.776 * float(np.std(values, ddof=1)) / np.sqrt(5)
    assert t_low < 0
    table = summary([(metric, arm, mean, t_low, 2 * mean - t_low) for arm in ("without", "with")])
    reps = replications({"without": values, "with": values}, metric)
    chart = referral_load_weekly(table, replications=reps)
    band = chart.figure.axes[0].collections[0].get_paths()[0].vertices
    assert band[:, 1].min() >= 0.0  # the bootstrap interval stays within the bound
    assert band[:, 1].max() > mean  # and is an interval, not the mean alone
    assert any("bootstrap" in note and "seed" in note for note in chart.notes)
    fixed, replaced = unclipped(table, reps)
    assert len(replaced) == 2 and (fixed.ci_low >= 0).all()


def test_the_bootstrap_is_seeded_and_bounds_follow_the_metric():
    values = np.array([1.0, 2.0, 4.0, 8.0, 3.0])
    low, high = bootstrap_interval(values)
    assert (low, high) == bootstrap_interval(values)
    assert low < values.mean() < high
    assert metric_bounds("primary_share", "with").crossed(0.5, 1.2)
    assert not metric_bounds("cost_total_yuan", "difference").crossed(-50.0, 50.0)
    assert metric_bounds("wait_min", "without").crossed(-0.1, 3.0)
    assert not metric_bounds("net_cost_facility_yuan", "with").crossed(-10.0, 3.0)
