"""Which reform saved what: the Shapley parts of a factorial run's saving (``summary.csv``
rows ``shapley:<reform>``, ``solo:<reform>``, ``interaction`` and ``difference``)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ...observation.results_folder import SUMMARY_FILE, ResultsFolder
from ..shapley import INTERACTION, SHAPLEY, SOLO
from .chart import Chart, MissingData
from .charts import label
from .drawing import bars, is_empty, left_out, legend_below, panels
from .drawing import title as set_title
from .labels import current
from .registry import FigureSpec, figure_family
from .style import styled

METRICS = ("cost_total_yuan", "wait_min", "time_to_care_min")
SERIES = ("Shapley part", "alone, and the interaction", "all together")
TOTAL = "All together"


def shapley_bars(table: pd.DataFrame, title: str = "", metrics: Sequence[str] = METRICS) -> Chart:
    """Per metric: each reform's Shapley part and its saving alone, the interaction, and the
    saving of all of them together, with 95% intervals (a factorial run's ``summary.csv``)."""
    rows = table[table.arm.str.startswith(SHAPLEY)]
    present = [m for m in metrics if m in set(rows.metric)]
    if not present:
        raise MissingData(f"{SUMMARY_FILE} has no {SHAPLEY} rows of {list(metrics)}")
    reforms = list(dict.fromkeys(arm.removeprefix(SHAPLEY) for arm in rows.arm))
    empty = [m for m in present if is_empty(table[table.metric == m])]
    present = [m for m in present if m not in empty] or present[:1]
    names = current()
    labels = [*(names.reform(r) for r in reforms), "Interaction", TOTAL]
    with styled():
        figure, axes = panels(len(present), 4.2)
        for ax, metric in zip(axes, present, strict=True):
            found = table[table.metric == metric].set_index("arm")
            bars(ax, labels, _series(found, reforms))
            ax.axvline(0.0, color="black", linewidth=0.8)
            # the saving of all together is the sum of the parts: apart, below a rule
            ax.axhline(len(reforms) + 0.5, color="black", linewidth=0.6, linestyle=":")
            ax.set_title(f"{names.text('saved')}: {label(metric)}")
            ax.set_xlabel(label(metric))
        legend_below(figure, axes[0], columns=3)
        set_title(figure, title)
    plotted = (
        f"the saving (without - with) of {', '.join(present)} split between the reforms: "
        f"each reform's Shapley part (they sum to the saving of all together), its saving alone "
        f"against without (solo) and the interaction (all together minus the solos), from "
        f"{SUMMARY_FILE} rows {SHAPLEY}<reform>, {SOLO}<reform>, {INTERACTION} and difference; "
        "bars: mean over replications of the per-replication value; whiskers: 95% t-interval"
    )
    return Chart(figure, plotted, tuple(filter(None, [left_out([label(m) for m in empty])])))


def _series(found: pd.DataFrame, reforms: list[str]) -> dict[str, tuple]:
    """The chart's three series, one value per label ("" where a series has no bar)."""

    def pick(arms: list[str]) -> tuple:
        return tuple(
            np.array([found.at[a, c] if a in found.index else np.nan for a in arms], float)
            for c in ("mean", "ci_low", "ci_high")
        )

    return {
        SERIES[0]: pick([SHAPLEY + r for r in reforms] + ["", ""]),
        SERIES[1]: pick([SOLO + r for r in reforms] + [INTERACTION, ""]),
        SERIES[2]: pick([""] * (len(reforms) + 1) + ["difference"]),
    }


@figure_family
def shapley_figures(folder: ResultsFolder) -> list[FigureSpec]:
    """A factorial run's folder gets the Shapley figure; others nothing."""
    if not folder.has(SUMMARY_FILE):
        return []
    summary = folder.table(SUMMARY_FILE)
    if not summary.arm.astype(str).str.startswith(SHAPLEY).any():
        return []
    title = "which reform saved what (Shapley parts)"
    return [FigureSpec("shapley_parts", title, SUMMARY_FILE, shapley_bars, order=55)]
