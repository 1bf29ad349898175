"""Charts of a probabilistic sensitivity analysis (PSA), drawn from its result tables alone.

A PSA's folder (``<out>/<scenario>_psa/``) holds tidy tables: the outcome of every input sample
(``psa_summary.csv``), their distribution (``psa.csv``), one-at-a-time swings (``tornado.csv``)
and three global sensitivity measures (``prcc.csv``, ``morris.csv``, ``sobol.csv``).  Each chart
draws one panel per headline metric the table has, from the saving (arm ``difference`` =
``without - with``) when a reform was switched on, else from arm ``without``.  Inputs are named
by key paths (``reforms.recognition.items.lab.acceptance``); axes show them in plain words
("Mutual recognition: lab acceptance", :func:`input_names`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ...inputs.metric_registry import METRICS
from ...observation.results_folder import (  # the files' names, here for the figures' readers
    MORRIS_FILE,
    PRCC_FILE,
    PSA_FILE,
    PSA_SUMMARY_FILE,
    SOBOL_FILE,
    TORNADO_FILE,
)
from .chart import Chart, MissingData
from .charts import label
from .drawing import bars, legend_below, panels
from .drawing import title as set_title
from .labels import current
from .registry import figure
from .style import ARM_COLOURS, new_figure, styled

__all__ = [
    "HEADLINE_METRICS",
    "MORRIS_FILE",
    "PRCC_FILE",
    "PSA_FILE",
    "PSA_SUMMARY_FILE",
    "SOBOL_FILE",
    "TORNADO_FILE",
    "Selection",
    "psa_morris",
    "psa_prcc",
    "psa_savings",
    "psa_sobol",
    "input_names",
    "select",
    "share_better",
    "short_names",
    "tornado",
]

HEADLINE_METRICS = ("cost_total_yuan", "wait_min", "referral_load_county")
# The arm a PSA chart shows: the saving when a reform was switched on, else the status quo.
PSA_ARMS = ("difference", "without")
# The ends of a tornado bar: the input at its 10th and at its 90th percentile.
END_COLOURS = {"low": "#ff7f0e", "high": "#9467bd"}
NAMING = "inputs named by their key paths in plain words"


@dataclass(frozen=True)
class Selection:
    """The rows a chart plots: one arm, the headline metrics the table has, in order."""

    arm: str
    rows: pd.DataFrame
    metrics: list[str]

    def of(self, metric: str) -> pd.DataFrame:
        return self.rows[self.rows.metric == metric]

    @property
    def words(self) -> str:
        """What the values are, for the caption."""
        if self.arm == "difference":
            return "saving (without - with)"
        return f"arm {self.arm} (no difference rows: no reform switched on)"

    def axis_words(self, metric: str) -> str:
        """The metric's words on an axis or panel, saying which arm."""
        if self.arm == "difference":
            return f"saved: {label(metric)}"
        return f"{label(metric)}, arm {self.arm}"


def select(
    table: pd.DataFrame, file: str, columns: Sequence[str], metrics: Sequence[str]
) -> Selection:
    """The ``difference`` rows of ``metrics`` in ``table``, else its ``without`` rows;
    MissingData if the table lacks ``columns`` or has neither arm of any of ``metrics``."""
    missing = [c for c in ("metric", "arm", *columns) if c not in table.columns]
    if missing:
        raise MissingData(f"{file} lacks the columns {', '.join(missing)}")
    chosen = table[table.metric.isin(metrics)]
    arm = next((a for a in PSA_ARMS if (chosen.arm == a).any()), None)
    if arm is None:
        arms = " or ".join(PSA_ARMS)
        raise MissingData(f"{file} has no {arms} rows of {', '.join(metrics)}")
    rows = chosen[chosen.arm == arm]
    present = [m for m in metrics if (rows.metric == m).any()]
    return Selection(arm, rows, present)


def short_names(inputs: Sequence[str]) -> dict[str, str]:
    """Each input key path shortened to its last ``k`` dotted parts (at least two where it has
    them), ``k`` the fewest that no other input ends with: ``reforms.recognition.items.lab.
    acceptance`` becomes ``lab.acceptance`` beside ``ct.acceptance``."""
    parts = {name: str(name).split(".") for name in dict.fromkeys(inputs)}

    def end(name: str, k: int) -> list[str]:
        return parts[name][-k:]

    def shortest(name: str) -> str:
        others = [other for other in parts if other != name]
        k = min(2, len(parts[name]))
        while k < len(parts[name]) and any(end(o, k) == end(name, k) for o in others):
            k += 1
        return ".".join(end(name, k))

    return {name: shortest(name) for name in parts}


def input_names(inputs: Sequence[str]) -> dict[str, str]:
    """Each input key path in plain words (``labels.key_path_words``); where two would read
    the same, the shortest distinguishable end of their key paths instead."""
    words = {name: current().key_path(name) for name in dict.fromkeys(inputs)}
    if len(set(words.values())) == len(words):
        return words
    return short_names(inputs)


def share_better(differences: np.ndarray, metric: str) -> str:
    """How often a saving (``without - with``) is a gain, by the metric's better direction:
    ``reform better in 6 of 8 samples (75%)``; for a metric better neither way (or unknown),
    how often it is above zero."""
    values = differences[~np.isnan(differences)]
    better = METRICS.get(metric).better if METRICS.knows(metric) else "neither"
    # difference = without - with: positive means the reform lowered the metric
    hits = values < 0 if better == "higher" else values > 0
    words = "above zero" if better == "neither" else "reform better"
    share = hits.mean() if len(values) else float("nan")
    return f"{words} in {int(hits.sum())} of {len(values)} samples ({share:.0%})"


def _inputpanels(count: int, labels: Sequence[str]) -> tuple[Figure, list[Axes]]:
    """A figure of ``count`` panels side by side, each a row per input label, wide and tall
    enough for ``labels``."""
    width_in = 2.8 + 0.075 * max(len(text) for text in labels)
    figure = new_figure(width_in * count + 0.6, 0.32 * len(labels) + 2.0)
    return figure, list(figure.subplots(1, count, squeeze=False)[0])


def _column(rows: pd.DataFrame, name: str) -> np.ndarray:
    return rows[name].to_numpy(dtype=float)


def _sorted(rows: pd.DataFrame, key: pd.Series) -> pd.DataFrame:
    """``rows`` largest ``key`` first (ties in the table's order)."""
    order = np.argsort(-key.to_numpy(dtype=float), kind="stable")
    return rows.iloc[order]


# -- the distribution of the saving over input samples ------------------------------------------


@figure("saving across the PSA's input samples", PSA_SUMMARY_FILE, order=60)
def psa_savings(
    table: pd.DataFrame, title: str = "", metrics: Sequence[str] = HEADLINE_METRICS
) -> Chart:
    """Histogram over input samples of each headline metric's saving (one value per sample:
    the mean over its replications), with 0, the mean, and how often the reform is better."""
    chosen = select(table, PSA_SUMMARY_FILE, ("sample", "mean"), metrics)
    with styled():
        figure, axes = panels(len(chosen.metrics), 3.8)
        for ax, metric in zip(axes, chosen.metrics, strict=True):
            values = _column(chosen.of(metric).sort_values("sample", kind="stable"), "mean")
            _histogram(ax, values, chosen.arm)
            heading = chosen.axis_words(metric)
            if chosen.arm == "difference":
                heading += "\n" + share_better(values, metric)
            ax.set_title(heading)
            ax.set_xlabel(chosen.axis_words(metric))
            ax.legend()
        axes[0].set_ylabel("input samples")
        set_title(figure, title)
    samples = chosen.rows["sample"].nunique()
    zero = "solid line: 0; " if chosen.arm == "difference" else ""
    better = (
        "; panel titles: in how many samples the reform is better (by the metric's better "
        "direction; above zero for one better neither way)"
        if chosen.arm == "difference"
        else ""
    )
    plotted = (
        f"the {chosen.words} of {', '.join(chosen.metrics)} in each of the PSA's {samples} "
        f"input samples ({PSA_SUMMARY_FILE} {chosen.arm} rows, mean: one value per sample, the "
        f"mean over its replications), as a histogram over samples; {zero}dashed line: the "
        f"mean over samples{better}"
    )
    return Chart(figure, plotted)


def _histogram(ax: Axes, values: np.ndarray, arm: str) -> None:
    """The values' histogram, a line at their mean and, for a saving, one at 0."""
    values = values[~np.isnan(values)]
    bins = int(np.clip(len(values) // 4, 5, 30))
    ax.hist(values, bins=bins, color=ARM_COLOURS.get(arm), alpha=0.8)
    if arm == "difference":
        ax.axvline(0.0, color="black", linewidth=0.8)
    if len(values):
        mean = float(values.mean())
        ax.axvline(mean, color="black", linestyle="--", linewidth=1.0, label=f"mean {mean:.3g}")


# -- one input at a time ------------------------------------------------------------------------

TORNADO_COLUMNS = ("input", "low_value", "high_value", "base_mean", "low_mean", "high_mean")


@figure("one input at a time: tornado", TORNADO_FILE, order=61)
def tornado(
    table: pd.DataFrame, title: str = "", metrics: Sequence[str] = HEADLINE_METRICS
) -> Chart:
    """Each input moved alone to its 10th and 90th percentile: bars from the base mean to the
    two means, the inputs with the widest swing on top, the input's values at the bar ends."""
    chosen = select(table, TORNADO_FILE, (*TORNADO_COLUMNS, "swing"), metrics)
    names = input_names(list(chosen.rows.input))
    with styled():
        figure, axes = _inputpanels(len(chosen.metrics), list(names.values()))
        for ax, metric in zip(axes, chosen.metrics, strict=True):
            rows = chosen.of(metric)
            _tornado_panel(ax, _sorted(rows, rows.swing), names)
            ax.set_xlabel(chosen.axis_words(metric))
        legend_below(figure, axes[0])
        set_title(figure, title)
    plotted = (
        f"the mean {chosen.words} of {', '.join(chosen.metrics)} with one input at its 10th "
        "percentile (low_value) or its 90th (high_value) and the others at the scenario file's "
        f"values ({TORNADO_FILE}); bars run from base_mean (every input at the file's value, "
        "the vertical line) to low_mean and to high_mean, inputs sorted by swing "
        "|high_mean - low_mean|, widest on top; numbers at the bar ends: the input's value "
        f"(3 significant figures); {NAMING}"
    )
    return Chart(figure, plotted)


def _tornado_panel(ax: Axes, rows: pd.DataFrame, names: dict[str, str]) -> None:
    """One bar per row (top first), its low and high halves coloured apart."""
    base = float(rows.base_mean.iloc[0])
    y = np.arange(len(rows))
    for end, words in (("low", "input at its P10"), ("high", "input at its P90")):
        means = _column(rows, f"{end}_mean")
        ax.barh(y, means - base, 0.7, left=base, color=END_COLOURS[end], label=words)
        other = _column(rows, "high_mean" if end == "low" else "low_mean")
        for row, mean, beyond, value in zip(
            y, means, other, _column(rows, f"{end}_value"), strict=True
        ):
            if not np.isfinite(mean):
                continue
            side = "right" if mean < beyond else "left"
            ax.text(mean, float(row), f" {value:.3g} ", ha=side, va="center", fontsize=7)
    ax.axvline(base, color="black", linewidth=0.8)
    ax.set_yticks(y, [names[name] for name in rows.input])
    ax.invert_yaxis()
    ax.margins(x=0.25)  # room for the values at the bar ends
    ax.grid(axis="y", visible=False)


# -- global sensitivity -------------------------------------------------------------------------


@figure("inputs' partial rank correlation with the outcome", PRCC_FILE, order=62)
def psa_prcc(
    table: pd.DataFrame, title: str = "", metrics: Sequence[str] = HEADLINE_METRICS
) -> Chart:
    """Partial rank correlation of each input with each headline metric, strongest on top."""
    chosen = select(table, PRCC_FILE, ("input", "prcc", "ci_low", "ci_high"), metrics)
    names = input_names(list(chosen.rows.input))
    with styled():
        figure, axes = _inputpanels(len(chosen.metrics), list(names.values()))
        for ax, metric in zip(axes, chosen.metrics, strict=True):
            rows = chosen.of(metric)
            rows = _sorted(rows, rows.prcc.abs())
            triple = (_column(rows, "prcc"), _column(rows, "ci_low"), _column(rows, "ci_high"))
            bars(ax, [names[name] for name in rows.input], {chosen.arm: triple})
            ax.axvline(0.0, color="black", linewidth=0.8)
            ax.set_xlim(-1.05, 1.05)
            ax.set_title(chosen.axis_words(metric))
            ax.set_xlabel("partial rank correlation coefficient")
        set_title(figure, title)
    plotted = (
        "partial rank correlation coefficient (PRCC) of each input with the "
        f"{chosen.words} of {', '.join(chosen.metrics)} over the PSA's input samples "
        f"({PRCC_FILE}), inputs sorted by |PRCC|, strongest on top; whiskers: the table's "
        f"ci_low to ci_high; {NAMING}"
    )
    return Chart(figure, plotted)


@figure("Morris screening of the inputs", MORRIS_FILE, order=63)
def psa_morris(
    table: pd.DataFrame, title: str = "", metrics: Sequence[str] = HEADLINE_METRICS
) -> Chart:
    """Morris screening: each input's mean absolute elementary effect (mu*) against the spread
    of its effects (sigma), per headline metric."""
    chosen = select(table, MORRIS_FILE, ("input", "mu_star", "mu_star_conf", "sigma"), metrics)
    names = input_names(list(chosen.rows.input))
    with styled():
        figure, axes = panels(len(chosen.metrics), 3.8)
        for ax, metric in zip(axes, chosen.metrics, strict=True):
            _morris_panel(ax, chosen.of(metric), names, chosen.arm)
            ax.set_title(chosen.axis_words(metric))
            ax.set_xlabel("μ*: mean |elementary effect|")
        axes[0].set_ylabel("σ: sd of the elementary effects")
        set_title(figure, title)
    plotted = (
        f"Morris screening of the inputs for the {chosen.words} of "
        f"{', '.join(chosen.metrics)} ({MORRIS_FILE}): each input's mu_star, the mean absolute "
        "elementary effect in the metric's units (x), against sigma, the standard deviation of "
        f"its elementary effects (y); horizontal whiskers: ± mu_star_conf; {NAMING}"
    )
    return Chart(figure, plotted)


def _morris_panel(ax: Axes, rows: pd.DataFrame, names: dict[str, str], arm: str) -> None:
    x, y = _column(rows, "mu_star"), _column(rows, "sigma")
    xerr = np.nan_to_num(_column(rows, "mu_star_conf"))
    ax.errorbar(x, y, xerr=xerr, fmt="o", color=ARM_COLOURS.get(arm), elinewidth=0.8, capsize=2)
    for name, xi, yi in zip(rows.input, x, y, strict=True):
        if np.isfinite(xi) and np.isfinite(yi):
            ax.annotate(
                names[name], (xi, yi), xytext=(3, 3), textcoords="offset points", fontsize=7
            )
    ax.margins(x=0.3, y=0.15)  # room for the names; then both axes from 0 (neither can be negative)
    ax.set_xlim(left=0.0)
    ax.set_ylim(bottom=0.0)


@figure("Sobol indices of the inputs", SOBOL_FILE, order=64)
def psa_sobol(
    table: pd.DataFrame, title: str = "", metrics: Sequence[str] = HEADLINE_METRICS
) -> Chart:
    """First-order (S1) and total (ST) Sobol indices of each input, largest ST on top; the
    emulator's R² in the panel title when the indices are of an emulator."""
    columns = ("input", "S1", "S1_conf", "ST", "ST_conf")
    chosen = select(table, SOBOL_FILE, columns, metrics)
    names = input_names(list(chosen.rows.input))
    with styled():
        figure, axes = _inputpanels(len(chosen.metrics), list(names.values()))
        for ax, metric in zip(axes, chosen.metrics, strict=True):
            rows = chosen.of(metric)
            rows = _sorted(rows, rows.ST)
            series = {index: _with_conf(rows, index) for index in ("S1", "ST")}
            bars(ax, [names[name] for name in rows.input], series)
            ax.axvline(0.0, color="black", linewidth=0.8)
            # flush right: a long note then reaches over the input names, not out of the figure
            ax.set_title(chosen.axis_words(metric) + _emulator_note(rows), loc="right")
            ax.set_xlabel("Sobol index (share of the variance)")
        legend_below(figure, axes[0])
        set_title(figure, title)
    plotted = (
        "first-order (S1) and total (ST) Sobol indices of each input for the "
        f"{chosen.words} of {', '.join(chosen.metrics)} ({SOBOL_FILE}), inputs sorted by ST, "
        "largest on top; whiskers: ± S1_conf and ± ST_conf; where the table gives emulator_r2 "
        "the indices are those of an emulator fitted to the PSA's samples, its R² in the panel "
        f"title; {NAMING}"
    )
    return Chart(figure, plotted)


def _with_conf(rows: pd.DataFrame, index: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    value, conf = _column(rows, index), _column(rows, f"{index}_conf")
    return value, value - conf, value + conf


def _emulator_note(rows: pd.DataFrame) -> str:
    """``emulator R² 0.93: indices of the emulator, not the model`` on a new line, or nothing
    if the table gives no emulator R²."""
    if "emulator_r2" not in rows.columns or rows.emulator_r2.isna().all():
        return ""
    r2 = float(rows.emulator_r2.dropna().iloc[0])
    return f"\nemulator R² {r2:.2f}: indices of the emulator, not the model"
