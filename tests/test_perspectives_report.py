"""Costs by perspective in the report and its figure: drawn from a folder's ``budget.csv`` and
manifest alone, the net saving (without - with) of each perspective in planners' units."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from matplotlib.container import BarContainer

from carepath.analysis.figures import MissingData, draw_all, figures_of
from carepath.analysis.figures.perspective_chart import perspective_savings
from carepath.analysis.report import report_text, sections
from carepath.analysis.report_sections.perspectives import costs_by_perspective
from carepath.inputs.metric_registry import METRICS, PERSPECTIVES, net_cost_name
from carepath.observation.results_folder import BUDGET_COLUMNS, BUDGET_FILE, ResultsFolder

# Each perspective's net saving (difference = without - with) per 10,000 residents per year:
# mean, ci_low, ci_high.  No value lies half-way between two whole yuan, here or doubled.
SAVINGS = {
    "patient": (47558.6, 36495.3, 58621.7),
    "insurance_fund": (1234567.4, 1000000.2, 1469134.6),
    "facility": (-16565.8, -20698.8, -12432.8),
    "programme": (-8734.2, -8734.2, -8734.2),
    "lender": (0.0, 0.0, 0.0),
    "society": (89265.1, 66375.6, 112154.4),
}
# The same, as the table should print them: whole yuan with thousands separators.
PRINTED = {
    "patient": "47,559 [36,495, 58,622]",
    "insurance_fund": "1,234,567 [1,000,000, 1,469,135]",
    "facility": "-16,566 [-20,699, -12,433]",
    "programme": "-8,734 [-8,734, -8,734]",
    "lender": "0 [0, 0]",
    "society": "89,265 [66,376, 112,154]",
}
AREA = ("Test county", 20_000)  # twice 10,000 residents: the area's amounts are doubled
PRINTED_FOR_AREA = {
    "patient": "95,117 [72,991, 117,243]",
    "society": "178,530 [132,751, 224,309]",
}
ECONOMICS = {
    "currency": "CNY",
    "price_year": "2020 list prices",
    "cost_to_charge": 0.8,
    "unit_cost_yuan": {"test:ct": {"county": 110}},
    "reimbursement": {"by_tier": {"village": 0.6, "county": 0.5}},
    "time_value_yuan_per_hour": 20,
    "companions_per_patient": 0.5,
    "discount_rate": 0.03,
    "capital": [
        {"name": "platform", "reform": "recognition", "price_yuan": 200000, "life_years": 5}
    ],
}
SIMULATION = {
    "warmup_days": 7,
    "horizon_days": 28,
    "drain_days": 60,
    "replications": 4,
    "seed": 3,
}


def budget(area: tuple[str, int] | None = AREA, extra_arms: tuple[str, ...] = ()) -> pd.DataFrame:
    """A budget table: each perspective's ``without`` and ``with`` arms (numbers that must not
    be shown as savings) and its ``difference``, rows in a shuffled perspective order."""
    to_area = area[1] / 10_000 if area else float("nan")
    rows = []
    for i, perspective in enumerate(reversed(PERSPECTIVES)):
        saving = SAVINGS[perspective]
        without = (9_000_001.0 + i, 8_000_001.0 + i, 9_900_001.0 + i)
        arms = {
            "without": without,
            "with": tuple(w - s for w, s in zip(without, saving, strict=True)),
            "difference": saving,
            **{arm: tuple(2 * s + 3 for s in saving) for arm in extra_arms},
        }
        for arm, amounts in arms.items():
            rows.append(
                (
                    "synthetic",
                    perspective,
                    arm,
                    4,
                    *amounts,
                    area[0] if area else "",
                    area[1] if area else float("nan"),
                    *(a * to_area for a in amounts),
                )
            )
    return pd.DataFrame(rows, columns=list(BUDGET_COLUMNS))


def results_folder(tmp_path, table: pd.DataFrame, economics: dict | None = ECONOMICS):
    """``<tmp>/results/synthetic/`` with ``budget.csv`` and a manifest holding the resolved
    scenario's simulation, zones and (when not neutral) economics."""
    folder = tmp_path / "results" / "synthetic"
    folder.mkdir(parents=True)
    table.to_csv(folder / BUDGET_FILE, index=False)
    parameters = {
        "name": "synthetic",
        "simulation": SIMULATION,
        "zones": [{"id": "a", "population": 12_000}, {"id": "b", "population": 8_000}],
        **({"economics": economics} if economics is not None else {}),
    }
    manifest = {
        "scenario": "synthetic",
        "replications": 4,
        "seed": 3,
        "arms": ["without", "with"],
        "finished": "2024-01-02T03:04:05+00:00",
        "parameters": parameters,
    }
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


def table_line(lines: list[str], first_cell: str) -> str:
    found = [line for line in lines if line.startswith(f"| {first_cell} |")]
    assert len(found) == 1, f"one table row of {first_cell} expected, got {found}"
    return found[0]


# -- the report section ------------------------------------------------------------------------


def test_the_section_follows_the_plausibility_one():
    order = {s.name: s.order for s in sections()}
    assert order["plausibility"] < order["costs by perspective"] < order["which reform saved what"]


def test_each_perspective_s_saving_is_printed_in_whole_yuan_for_residents_and_the_area(tmp_path):
    results_folder(tmp_path, budget())
    lines = costs_by_perspective(tmp_path / "results")
    assert "### synthetic" in lines
    for perspective in PERSPECTIVES:
        description = METRICS.get(net_cost_name(perspective)).description
        assert f"- `{perspective}`: {description}" in lines
        assert table_line(lines, perspective).startswith(
            f"| {perspective} | {PRINTED[perspective]}"
        )
    for perspective, printed in PRINTED_FOR_AREA.items():
        assert table_line(lines, perspective) == (
            f"| {perspective} | {PRINTED[perspective]} | {printed} |"
        )
    header = table_line(lines, "perspective")
    assert "per 10,000 residents per year" in header
    assert "for Test county per year" in header
    assert any(line.startswith("- Area: Test county, population 20,000") for line in lines)
    text = "\n".join(lines)
    # the arms' own net costs are not savings and are not shown
    assert "9,000,00" not in text and "8,000,00" not in text


def test_without_an_area_there_is_no_area_line_or_column(tmp_path):
    results_folder(tmp_path, budget(area=None))
    lines = costs_by_perspective(tmp_path / "results")
    assert not any(line.startswith("- Area:") for line in lines)
    header = table_line(lines, "perspective")
    assert header.count("|") == 3  # two columns: perspective, per 10,000 residents
    for perspective in PERSPECTIVES:
        assert table_line(lines, perspective) == f"| {perspective} | {PRINTED[perspective]} |"


def test_the_section_states_prices_horizon_and_what_is_counted_as_run(tmp_path):
    results_folder(tmp_path, budget())
    text = "\n".join(costs_by_perspective(tmp_path / "results"))
    assert "Currency: CNY; price year: 2020 list prices." in text
    assert "28 measured days (after 7 days of warm-up)" in text
    assert "up to 60 days of drain" in text
    assert "365 / 28" in text
    assert "Residents of the modelled zones: 20,000." in text
    assert "cost-to-charge ratio of 0.8" in text
    assert "test:ct at county 110" in text
    assert "village 60%" in text and "county 50%" in text and "otherwise 0%" in text
    assert "20 yuan per hour, and 0.5 companions per patient" in text
    # 200,000 yuan over 5 years at 3%: 200000 * 0.03 / (1 - 1.03 ** -5) = 43,670.9 a year
    assert "platform (recognition): 1 x 200,000 yuan over 5 years, 43,671 yuan a year" in text
    assert "discount rate of 3.0%" in text
    assert "transfers between payers" in text and "cancel there" in text


def test_neutral_economics_left_out_of_the_manifest_read_as_the_defaults(tmp_path):
    results_folder(tmp_path, budget(area=None), economics=None)
    text = "\n".join(costs_by_perspective(tmp_path / "results"))
    assert "Currency: CNY" in text
    assert "cost-to-charge ratio of 1 unless" in text
    assert "every charge 0%" in text
    assert "- Time: not valued." in text
    assert "- Capital: none." in text


def test_further_arms_of_a_factorial_run_get_their_own_table(tmp_path):
    results_folder(tmp_path, budget(extra_arms=("difference_credit",)))
    lines = costs_by_perspective(tmp_path / "results")
    assert table_line(lines, "arm") == "| arm | " + " | ".join(PERSPECTIVES) + " |"
    row = table_line(lines, "credit")
    # 2 * 47558.6 + 3 = 95120.2, [2 * 36495.3 + 3, 2 * 58621.7 + 3] = [72993.6, 117246.4]
    assert row.startswith("| credit | 95,120 [72,994, 117,246] |")
    assert row.count("|") == len(PERSPECTIVES) + 2


def test_a_folder_without_a_budget_gets_no_section_and_the_report_places_it(tmp_path):
    assert costs_by_perspective(tmp_path) == []
    results_folder(tmp_path, budget())
    text = report_text(tmp_path / "results")
    assert "## Costs by perspective" in text
    assert text.index("## Plausibility") < text.index("## Costs by perspective")


# -- the figure --------------------------------------------------------------------------------


def test_one_bar_per_perspective_its_length_the_saving_its_whiskers_the_interval():
    chart = perspective_savings(budget(), "synthetic: net saving by perspective")
    (ax,) = chart.figure.axes
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == [p.replace("_", " ") for p in PERSPECTIVES]
    assert ax.yaxis_inverted()  # the first perspective on top
    bars = sorted(ax.patches, key=lambda bar: bar.get_y())  # top first
    assert len(bars) == len(PERSPECTIVES)
    assert [bar.get_x() for bar in bars] == [0.0] * len(PERSPECTIVES)
    assert [bar.get_width() for bar in bars] == pytest.approx([SAVINGS[p][0] for p in PERSPECTIVES])
    (container,) = [c for c in ax.containers if isinstance(c, BarContainer)]
    _, _, (whiskers,) = container.errorbar.lines
    spans = sorted(whiskers.get_segments(), key=lambda segment: segment[0][1])
    for segment, bar, perspective in zip(spans, bars, PERSPECTIVES, strict=True):
        (low, y_low), (high, y_high) = segment
        assert y_low == y_high == pytest.approx(bar.get_y() + bar.get_height() / 2)
        assert (low, high) == pytest.approx(SAVINGS[perspective][1:])
    zero = [line for line in ax.lines if list(line.get_xdata()) == [0.0, 0.0]]
    assert len(zero) == 1
    assert ax.get_xlabel() == "net saving (without - with), yuan per 10,000 residents per year"
    assert chart.figure.get_suptitle() == "synthetic: net saving by perspective"
    assert "transfers between payers cancel" in ax.get_title(loc="left")
    assert "society" in chart.plotted and "difference" in chart.plotted


def test_a_budget_without_difference_rows_is_missing_data():
    table = budget()
    with pytest.raises(MissingData, match="no difference rows"):
        perspective_savings(table[table.arm != "difference"], "")


def test_every_folder_with_a_budget_gets_the_figure_drawn(tmp_path):
    folder = results_folder(tmp_path, budget())
    specs = {spec.name: spec for spec in figures_of(ResultsFolder.read(folder))}
    assert specs["perspective_savings"].source == BUDGET_FILE
    assert specs["perspective_savings"].title == "net saving by perspective"
    printed: list[str] = []
    draw_all(tmp_path / "results", tmp_path / "figures", formats=("png",), log=printed.append)
    assert printed == []
    drawn = tmp_path / "figures" / "synthetic"
    assert (drawn / "perspective_savings.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert f"synthetic/{BUDGET_FILE}" in (drawn / "perspective_savings.txt").read_text()
