"""Equity in the report and its figure: drawn from a folder's ``equity.csv`` and manifest alone,
care sought and time to care without and with the reforms and their difference (without - with)
by zone kind and by band of travel minutes to the nearest county hospital."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from matplotlib.colors import to_hex
from matplotlib.container import BarContainer

from carepath.analysis.equity import equity_better
from carepath.analysis.figures import MissingData, draw_all, equity_care_sought, figures_of
from carepath.analysis.figures.labels import Labels, using
from carepath.analysis.figures.style import CHANGE_COLOURS, GAIN, LOSS
from carepath.analysis.report import report_text, sections
from carepath.analysis.report_sections.equity import equity
from carepath.observation.results_folder import EQUITY_COLUMNS, EQUITY_FILE, ResultsFolder

# (grouping, group, residents): a village near the county hospital, an urban community far
# from it, and a village that lists no county facility.
GROUPS = (
    ("zone_kind", "community", 3000),
    ("zone_kind", "village", 1500),
    ("county_travel_min", "30-60", 1000),
    ("county_travel_min", "> 90", 3000),
    ("county_travel_min", "no county hospital", 500),
)
# Care sought per 1,000 per year, without and with, by group: the reform brings more care in
# every group but the nearest, where it changes nothing clear.
SOUGHT = {
    "community": (812.5, 840.25),
    "village": (700.0, 760.0),
    "30-60": (900.0, 901.0),
    "> 90": (780.0, 810.0),
    "no county hospital": (520.0, 600.0),
}
# Time to care (min), without and with: longer far from the county hospital with the reform.
TIME = {
    "community": (300.0, 280.0),
    "village": (420.0, 400.0),
    "30-60": (250.0, 250.0),
    "> 90": (380.0, 410.0),
    "no county hospital": (float("nan"), float("nan")),  # no episode ended there
}
HALF = {"without": 10.0, "with": 12.0, "difference": 5.0}  # the 95% interval's half-widths
FURTHER = "credit"  # a further arm of a factorial-like run


def equity_table(further: bool = False) -> pd.DataFrame:
    """An equity table as the run writes it: per group and metric the arms, then the
    differences; forgone and delayed rows too (not shown by the section)."""
    rows = []
    for grouping, group, residents in GROUPS:
        for metric, values in (
            ("care_sought_per_1000_year", SOUGHT[group]),
            ("forgone_per_1000_year", (50.0, 40.0)),
            ("delayed_per_1000_year", (30.0, 20.0)),
            ("time_to_care_min", TIME[group]),
        ):
            without, with_ = values
            arms = {"without": without, "with": with_}
            if further:
                arms[FURTHER] = without - 1.0
            arms["difference"] = without - with_
            if further:
                arms[f"difference_{FURTHER}"] = 1.0
            for arm, mean in arms.items():
                half = HALF.get(arm, 1.0)
                rows.append(
                    ("synthetic", grouping, group, residents, metric, arm, 4, mean, 2.0)
                    + (mean - half, mean + half)
                )
    return pd.DataFrame(rows, columns=list(EQUITY_COLUMNS))


def results_folder(tmp_path, table: pd.DataFrame | None, name: str = "synthetic"):
    """``<tmp>/results/<name>/`` with a manifest and, unless ``table`` is None, ``equity.csv``."""
    folder = tmp_path / "results" / name
    folder.mkdir(parents=True)
    if table is not None:
        table.to_csv(folder / EQUITY_FILE, index=False)
    manifest = {
        "scenario": name,
        "scenario_file": f"scenarios/{name}.yaml",
        "replications": 4,
        "seed": 3,
        "arms": ["without", "with"],
        "finished": "2024-01-02T03:04:05+00:00",
        "git": {"commit": "0123456789abcdef", "dirty": False},
        "parameters": {"name": name},
    }
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


# -- the report section ------------------------------------------------------------------------

EXPECTED = """\
## Equity: does the reform reach those who live far from care?

From `equity.csv`: illnesses that sought formal care per 1,000 residents per year, and the mean \
minutes from onset to the end of care, by the kind of zone people live in and by their zone's \
travel minutes to the nearest county hospital (docs/outputs.md, Equity). Mean [95% CI] over \
replications; difference = without - with. More care sought is better, so a negative difference \
in care sought per 1,000 per year is a gain; a shorter time to care is better, so a positive \
difference in time to care (min) is a gain (`reads as`). An empty cell: no value (no \
episode of the group ended).

### synthetic

Results: 4 replications, seed 3; commit 0123456789; finished 2024-01-02T03:04:05+00:00.

By zone kind:

| group | residents | measure | without | with | difference | reads as |
|---|---|---|---|---|---|---|
| community | 3,000 | care sought per 1,000 per year | 812.5 [802.5, 822.5] | 840.2 [828.2, 852.2] \
| -27.75 [-32.75, -22.75] | gain |
|  |  | time to care (min) | 300 [290, 310] | 280 [268, 292] | 20 [15, 25] | gain |
| village | 1,500 | care sought per 1,000 per year | 700 [690, 710] | 760 [748, 772] \
| -60 [-65, -55] | gain |
|  |  | time to care (min) | 420 [410, 430] | 400 [388, 412] | 20 [15, 25] | gain |

By travel minutes to the nearest county hospital:

| group | residents | measure | without | with | difference | reads as |
|---|---|---|---|---|---|---|
| 30-60 | 1,000 | care sought per 1,000 per year | 900 [890, 910] | 901 [889, 913] \
| -1 [-6, 4] | no clear change |
|  |  | time to care (min) | 250 [240, 260] | 250 [238, 262] | 0 [-5, 5] | no clear change |
| > 90 | 3,000 | care sought per 1,000 per year | 780 [770, 790] | 810 [798, 822] \
| -30 [-35, -25] | gain |
|  |  | time to care (min) | 380 [370, 390] | 410 [398, 422] | -30 [-35, -25] | loss |
| no county hospital | 500 | care sought per 1,000 per year | 520 [510, 530] | 600 [588, 612] \
| -80 [-85, -75] | gain |
|  |  | time to care (min) |  |  |  |  |
"""


def test_the_section_follows_the_perspectives_one():
    order = {s.name: s.order for s in sections()}
    assert order["costs by perspective"] < order["equity"] < order["which reform saved what"]


def test_the_section_shows_each_group_s_arms_and_difference_and_how_to_read_it(tmp_path):
    results_folder(tmp_path, equity_table())
    text = "\n".join(equity(tmp_path / "results"))
    assert text == EXPECTED


def test_the_stated_directions_are_the_registry_s_where_it_has_them():
    assert equity_better("care_sought_per_1000_year") == "higher"
    assert equity_better("time_to_care_min") == "lower"  # the metric registry's
    assert equity_better("forgone_per_1000_year") == "lower"


def test_a_factorial_s_further_arms_are_named_and_left_out_of_the_tables(tmp_path):
    results_folder(tmp_path, equity_table(further=True))
    lines = equity(tmp_path / "results")
    assert (
        f"`with` has every reform on; the further arms ({FURTHER}) and their "
        "`difference_<arm>` rows are in `equity.csv`."
    ) in lines
    header = "| group | residents | measure | without | with | difference | reads as |"
    assert lines.count(header) == 2
    assert all(FURTHER not in line for line in lines if line.startswith("|"))
    # the with column is the arm with every reform on, not the further arm
    assert any(
        line.startswith("| village | 1,500 | care sought") and "| 760 [" in line for line in lines
    )


def test_a_run_without_the_reform_shows_its_arm_and_says_so(tmp_path):
    table = equity_table()
    results_folder(tmp_path, table[table.arm == "without"])
    lines = equity(tmp_path / "results")
    assert "No reform switched on (no difference rows): the arms as run." in lines
    assert "| group | residents | measure | without | reads as |" in lines
    assert "| village | 1,500 | care sought per 1,000 per year | 700 [690, 710] |  |" in lines


def test_no_equity_csv_no_section_and_the_report_places_it(tmp_path):
    results_folder(tmp_path, None)
    assert equity(tmp_path / "results") == []
    assert "## Equity" not in report_text(tmp_path / "results")
    results_folder(tmp_path, equity_table(), name="with_equity")
    text = report_text(tmp_path / "results")
    assert "## Equity" in text and "### with_equity" in text


# -- the figure --------------------------------------------------------------------------------


def test_one_bar_per_band_nearest_first_its_length_the_difference_coloured_by_direction():
    table = equity_table().sample(frac=1.0, random_state=1)  # rows in any order
    chart = equity_care_sought(table, "synthetic: care sought by travel time")
    (ax,) = chart.figure.axes
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == [
        "30-60 min\n1,000 residents",
        "> 90 min\n3,000 residents",
        "no county hospital\n500 residents",
    ]
    bars = sorted(ax.patches, key=lambda bar: bar.get_y())  # top first
    assert [bar.get_width() for bar in bars] == pytest.approx([-1.0, -30.0, -80.0])
    colours = [to_hex(bar.get_facecolor()) for bar in bars]
    # more care sought is better: negative is a gain, the nearest band's is unclear
    assert colours == [CHANGE_COLOURS["unclear gain"], GAIN, GAIN]
    assert LOSS not in colours
    (container,) = [c for c in ax.containers if isinstance(c, BarContainer)]
    _, _, (whiskers,) = container.errorbar.lines
    spans = sorted(whiskers.get_segments(), key=lambda segment: segment[0][1])
    ends = [end for segment in spans for end in (segment[0][0], segment[1][0])]
    assert ends == pytest.approx([-6, 4, -35, -25, -85, -75])
    assert ax.get_xlabel() == (
        "illnesses that sought care per 1,000 residents per year (without − with)"
    )
    assert ax.get_title(loc="left") == "negative: more care sought with the reforms (better)"
    assert chart.figure.get_suptitle() == "synthetic: care sought by travel time"
    assert "more care sought is better, so a negative value is a gain" in chart.plotted
    assert "95% t-interval" in chart.plotted


def test_chinese_labels_reach_the_equity_figure():
    with using(Labels("zh")):
        (ax,) = equity_care_sought(equity_table()).figure.axes
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[0] == "30-60 分钟\n1,000 居民"
    assert labels[-1] == "无县医院\n500 居民"
    assert ax.get_xlabel().startswith("每千名居民")


def test_an_equity_table_without_the_band_differences_is_missing_data():
    table = equity_table()
    with pytest.raises(MissingData, match="no difference rows of care_sought_per_1000_year"):
        equity_care_sought(table[table.grouping != "county_travel_min"])
    with pytest.raises(MissingData, match="lacks the columns"):
        equity_care_sought(table.drop(columns=["ci_low"]))


def test_drawn_for_a_folder_with_equity_csv_and_skipped_for_one_without(tmp_path):
    with_equity = results_folder(tmp_path, equity_table(), name="a_with")
    without = results_folder(tmp_path, None, name="b_without")
    specs = {spec.name: spec for spec in figures_of(ResultsFolder.read(with_equity))}
    assert specs["equity_care_sought"].source == EQUITY_FILE
    assert "equity_care_sought" not in {s.name for s in figures_of(ResultsFolder.read(without))}
    printed: list[str] = []
    out = tmp_path / "figures"
    draw_all(tmp_path / "results", out, formats=("png", "pdf"), log=printed.append)
    assert printed == []
    drawn = out / "a_with"
    assert (drawn / "equity_care_sought.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (drawn / "equity_care_sought.pdf").read_bytes()[:5] == b"%PDF-"
    caption = (drawn / "equity_care_sought.txt").read_text()
    assert caption.startswith(
        "Figure 1. Care sought by travel time to the county hospital (A with)."
    )
    assert f"a_with/{EQUITY_FILE}" in caption
    assert not (out / "b_without").exists()


def test_a_folder_whose_equity_csv_lacks_the_rows_is_skipped_with_a_note(tmp_path):
    table = equity_table()
    results_folder(tmp_path, table[table.arm != "difference"])
    printed: list[str] = []
    draw_all(tmp_path / "results", tmp_path / "figures", formats=("png",), log=printed.append)
    assert printed == [
        "synthetic: skipped equity_care_sought: equity.csv has no difference rows of "
        "care_sought_per_1000_year by county_travel_min"
    ]
    assert not (tmp_path / "figures" / "synthetic" / "equity_care_sought.png").exists()
