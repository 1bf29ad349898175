"""Every scenario's headline savings side by side: one bar per scenario in each panel.

Drawn from the folders' own tables: the net saving to society and to patients in planners'
units (``budget.csv``: yuan per 10,000 residents of the modelled zones per year), and the
minutes saved per episode (``summary.csv``), each ``without - with`` with its 95% interval and
coloured by the metric's better direction.  Folders without a ``difference`` (sweeps, PSAs,
runs with no reform switched on) have no bar.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.ticker import StrMethodFormatter

from ...inputs.metric_registry import net_cost_name
from ...observation.results_folder import BUDGET_FILE, SUMMARY_FILE, ResultsFolder
from .chart import Chart, MissingData
from .drawing import COLOUR_NOTE, change_legend, is_empty, left_out, panels, saving_bars
from .drawing import title as set_title
from .labels import capitalised, current, words
from .perspective_chart import AMOUNT
from .style import styled

NAME = "scenario_comparison"
TITLE = "headline savings of every scenario"
PER_10K_YEAR = "yuan per 10,000 residents a year (without − with)"


@dataclass(frozen=True)
class Panel:
    """One panel: its heading, the metric whose saving it shows, the table and column it is
    read from, and its axis words."""

    heading: str
    metric: str
    source: str
    axis: str


PANELS = (
    Panel("Net saving to society", net_cost_name("society"), BUDGET_FILE, PER_10K_YEAR),
    Panel("Net saving to patients", net_cost_name("patient"), BUDGET_FILE, PER_10K_YEAR),
    Panel("Queueing saved", "wait_min", SUMMARY_FILE, "minutes saved per episode (without − with)"),
    Panel(
        "Time from onset to end of care saved",
        "time_to_care_min",
        SUMMARY_FILE,
        "minutes saved per episode (without − with)",
    ),
)


def saving_of(folder: ResultsFolder, panel: Panel) -> tuple[float, float, float]:
    """A folder's saving for a panel (mean, ci_low, ci_high); NaNs where it has none."""
    missing = (np.nan, np.nan, np.nan)
    if not folder.has(panel.source):
        return missing
    table = folder.table(panel.source)
    if panel.source == BUDGET_FILE:
        perspective = panel.metric.removeprefix("net_cost_").removesuffix("_yuan")
        rows = table[(table.perspective == perspective) & (table.arm == "difference")]
        rows = rows.rename(columns={AMOUNT: "mean"})
    else:
        rows = table[(table.metric == panel.metric) & (table.arm == "difference")]
    if rows.empty:
        return missing
    row = rows.iloc[0]
    return float(row["mean"]), float(row["ci_low"]), float(row["ci_high"])


def scenario_words(name: str) -> str:
    """A scenario's folder name in plain words: ``chongqing_three_links`` as "Chongqing three
    links"."""
    return capitalised(words(name))


def savings(folders: Sequence[ResultsFolder]) -> pd.DataFrame:
    """Each folder's saving per panel (scenario, panel, mean, ci_low, ci_high), only of the
    folders with a saving in at least one panel."""
    table = pd.DataFrame(
        [
            {
                "scenario": f.name,
                "panel": p.heading,
                **dict(zip(("mean", "ci_low", "ci_high"), saving_of(f, p), strict=True)),
            }
            for f in folders
            for p in PANELS
        ],
        columns=["scenario", "panel", "mean", "ci_low", "ci_high"],
    )
    found = table.groupby("scenario", sort=False)["mean"].apply(lambda m: m.notna().any())
    return table[table.scenario.isin([s for s, any_saving in found.items() if any_saving])]


def scenario_comparison(folders: Sequence[ResultsFolder], title: str = "") -> Chart:
    """The headline savings of every folder with a ``difference``, one bar per scenario."""
    table = savings(folders)
    scenarios = list(dict.fromkeys(table.scenario))
    if not scenarios:
        raise MissingData("no results folder has difference rows (a reform switched on)")
    shown = [p for p in PANELS if not is_empty(table[table.panel == p.heading])]
    skipped = [p.heading for p in PANELS if p not in shown]
    if not shown:
        raise MissingData("every scenario's headline saving is 0 or missing")
    names = current()
    labels = [scenario_words(s) for s in scenarios]
    kinds: list[str] = []
    with styled():
        figure, axes = panels(len(shown), 4.4, 0.3 * len(scenarios) + 1.6)
        for ax, panel in zip(axes, shown, strict=True):
            rows = table[table.panel == panel.heading].set_index("scenario").loc[scenarios]
            values = tuple(rows[c].to_numpy(dtype=float) for c in ("mean", "ci_low", "ci_high"))
            metrics = [panel.metric] * len(scenarios)
            kinds += saving_bars(ax, labels, metrics, values)
            ax.set_title(names.text(panel.heading), loc="left")
            ax.set_xlabel(names.text(panel.axis))
            ax.xaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
        change_legend(figure, kinds)
        set_title(figure, title)
    plotted = (
        "the headline savings (without - with) of every scenario with a reform switched on, side "
        f"by side: the net saving to society and to patients in yuan per 10,000 residents of "
        f"the modelled zones per year ({BUDGET_FILE} difference rows, {AMOUNT}), and the minutes "
        f"queueing and from onset to the end of care saved per episode ({SUMMARY_FILE} "
        "difference rows of wait_min and time_to_care_min); bars: mean over replications; "
        "whiskers: 95% t-interval; a scenario without a value in a panel has no bar there"
    )
    notes = (COLOUR_NOTE, left_out(skipped))
    return Chart(figure, plotted, tuple(n for n in notes if n))
