"""Drawing pieces the charts share: bars with 95% whiskers, savings coloured by what they mean,
panels, legends, and the test for a panel with nothing to show.

A saving is always the table's ``without - with``; whether it is good news depends on the
metric (a lower cost is, a lower share of primary care is not).  ``change_kind`` reads it by
the metric registry's better direction, and the bar takes that kind's colour, so a longer
time to care shows as a loss even though its bar points the same way as any negative number.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from ...inputs.metric_registry import METRICS, Better
from ..headline import change_reading
from .labels import current
from .style import ARM_COLOURS, CHANGE_COLOURS, new_figure

Triple = tuple[np.ndarray, np.ndarray, np.ndarray]  # means, interval lows, interval highs
LEGEND_WORDS = {
    "gain": "gain",
    "loss": "loss",
    "unclear gain": "gain, 95% interval includes 0",
    "unclear loss": "loss, 95% interval includes 0",
    "no change": "no change",
    "neither": "change (better neither way)",
}
COLOUR_NOTE = (
    "Bar colours read each saving by its metric's better direction (metric registry): green a "
    "gain, orange a loss, pale where the 95% interval includes 0, grey for a metric better "
    "neither way; the values are always without - with."
)


def change_kind(
    metric: str, mean: float, low: float, high: float, better: Better | None = None
) -> str:
    """What a ``without - with`` change of ``metric`` is: ``gain``, ``loss``, ``unclear gain``,
    ``unclear loss``, ``no change``, or ``neither`` (a metric better neither way, or unknown);
    ``better``: the direction of a metric the registry does not know."""
    if not (better or METRICS.knows(metric)) or math.isnan(mean):
        return "neither"
    reading = change_reading(metric, mean, low, high, better)
    if reading in ("gain", "loss", "no change"):
        return reading
    if reading == "":
        return "neither"
    # no clear change: the colour still says which way the mean points
    better = better or METRICS.get(metric).better
    lowered = mean > 0
    return "unclear gain" if lowered == (better == "lower") else "unclear loss"


def triple(rows: pd.DataFrame) -> Triple:
    """The means and 95% interval ends of summary rows."""

    def column(name: str) -> np.ndarray:
        return rows[name].to_numpy(dtype=float)

    return column("mean"), column("ci_low"), column("ci_high")


def is_empty(rows: pd.DataFrame, columns: Sequence[str] = ("mean", "ci_low", "ci_high")) -> bool:
    """True if every value of ``columns`` is 0 or missing: a panel with nothing to show."""
    values = rows[[c for c in columns if c in rows.columns]].to_numpy(dtype=float)
    return bool(np.all(np.isnan(values) | (values == 0.0)))


def whiskers(mean: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """Whisker lengths below and above each mean (none where the interval is missing)."""
    return np.maximum(np.nan_to_num(np.vstack([mean - low, high - mean])), 0.0)


def bars(
    ax: Axes,
    labels: list[str],
    series: dict[str, Triple],
    colours: dict[str, str | list[str]] | None = None,
) -> None:
    """Horizontal bars per label, one per series (an arm), with 95% interval whiskers; a
    series' colour from ``colours`` (one or one per bar), else its arm's colour."""
    height = 0.8 / len(series)
    y = np.arange(len(labels))
    colours = colours or {}
    names = current()
    for i, (arm, (mean, low, high)) in enumerate(series.items()):
        ax.barh(
            y - 0.4 + height * (i + 0.5),
            np.nan_to_num(mean),
            height,
            xerr=whiskers(mean, low, high),
            color=colours.get(arm, ARM_COLOURS.get(arm)),
            label=names.arm(arm) if arm in ARM_COLOURS else arm,
            error_kw={"elinewidth": 0.8, "capsize": 2},
        )
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    ax.grid(axis="y", visible=False)


def saving_bars(
    ax: Axes,
    labels: list[str],
    metrics: list[str],
    values: Triple,
    better: Better | None = None,
) -> list[str]:
    """One bar per saving (``without - with``) coloured by what it means for its metric (by
    ``better`` for metrics the registry does not know), a line at 0; the kinds drawn, for the
    legend."""
    means, lows, highs = values
    kinds = [
        change_kind(m, mean, low, high, better)
        for m, mean, low, high in zip(metrics, means, lows, highs, strict=True)
    ]
    bars(ax, labels, {"difference": values}, {"difference": [CHANGE_COLOURS[k] for k in kinds]})
    ax.axvline(0.0, color="black", linewidth=0.8)
    return kinds


def change_legend(figure: Figure, kinds: Sequence[str]) -> None:
    """A legend under the panels of the change colours used (in a fixed order)."""
    used = [kind for kind in LEGEND_WORDS if kind in set(kinds)]
    if not used:
        return
    names = current()
    handles = [Patch(color=CHANGE_COLOURS[k], label=names.text(LEGEND_WORDS[k])) for k in used]
    figure.legend(handles=handles, loc="outside lower center", ncols=min(len(used), 3))


def legend_below(figure: Figure, ax: Axes, columns: int = 2) -> None:
    """``ax``'s legend under the panels, where it hides no bar."""
    figure.legend(*ax.get_legend_handles_labels(), loc="outside lower center", ncols=columns)


def line_with_band(
    ax: Axes, x: np.ndarray, rows: pd.DataFrame, name: str, colour: str | None = None
) -> None:
    """Means as a line with markers, the 95% interval as a band of the same colour (whiskers
    where there is one point only: a band of one point has no width)."""
    mean = rows["mean"].to_numpy(dtype=float)
    (line,) = ax.plot(x, mean, marker="o", color=colour, label=name)
    low, high = rows["ci_low"].to_numpy(dtype=float), rows["ci_high"].to_numpy(dtype=float)
    if len(x) == 1:
        ax.errorbar(x, mean, yerr=whiskers(mean, low, high), color=line.get_color(), capsize=3)
    else:
        ax.fill_between(x, low, high, color=line.get_color(), alpha=0.2, linewidth=0)


def panels(count: int, width_in: float, height_in: float = 3.4) -> tuple[Figure, list[Axes]]:
    """A figure of ``count`` panels, side by side up to three, else two to a row."""
    columns = count if count <= 3 else 2
    rows = math.ceil(count / columns)
    figure = new_figure(width_in * columns + 0.6, height_in * rows)
    axes = list(figure.subplots(rows, columns, squeeze=False).flat)
    for spare in axes[count:]:
        spare.remove()
    return figure, axes[:count]


def title(figure: Figure, text: str) -> None:
    if text:
        figure.suptitle(text)


def left_out(what: Sequence[str], why: str = "every value is 0 or missing") -> str:
    """The caption's sentence for panels left out, or nothing."""
    if not what:
        return ""
    return f"Not drawn ({why}): {'; '.join(what)}."
