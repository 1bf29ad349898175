"""The report's charts, each drawn from result tables alone (never from a simulation).

Each function takes the tables a run writes (``summary.csv``, ``stations.csv``, ``sweep.csv``)
as pandas tables and returns a ``Chart``: the figure and a sentence saying what it plots, for
the caption.  A chart whose data is absent raises ``MissingData`` with the reason.
Means and 95% intervals come from the summary where it has them, and otherwise from the
replications with ``analysis.statistics.describe`` (the same t-interval).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from ...inputs.metric_registry import METRICS
from ...observation.results_folder import (
    STATIONS_FILE,
    SUMMARY_FILE,
    SWEEP_FILE,
    ResultsFolder,
)
from ..headline import headline_table
from ..statistics import describe
from .chart import Chart, MissingData
from .registry import FigureSpec, figure, figure_family
from .style import ARM_COLOURS, new_figure, styled

ARMS = ("without", "with")
TIER_ORDER = ("village", "township", "county", "city")
SCARCE_EXAMS = ("exam:ct", "exam:mri")
WEEKLY_LOAD = re.compile(r"^referral_load_(village|township|county|city)_week(\d+)$")
COST_COMPONENT = re.compile(r"^cost_(?!total_)\w+_yuan$")
INTERVAL = "bars or lines: mean over replications; whiskers or bands: 95% t-interval"


def label(metric: str) -> str:
    """The metric's words on an axis or panel (the metric registry's label), else its name."""
    return METRICS.get(metric).label if METRICS.knows(metric) else metric


def station_statistic(stations: pd.DataFrame, column: str) -> pd.DataFrame:
    """Mean and 95% interval over replications of a ``stations.csv`` column, per station and
    arm: facility, station, arm, n, mean, ci_low, ci_high."""
    rows = []
    chosen = stations[stations.arm.isin(ARMS)]
    for (facility, station, arm), block in chosen.groupby(["facility", "station", "arm"]):
        values = block.sort_values("replication")[column].to_numpy(dtype=float)
        stats = describe(values)
        rows.append({"facility": facility, "station": station, "arm": arm, **stats})
    columns = ["facility", "station", "arm", "n", "mean", "sd", "ci_low", "ci_high"]
    return pd.DataFrame(rows, columns=columns)


@figure("waiting time by station", STATIONS_FILE, order=10)
def waiting_by_station(stations: pd.DataFrame, title: str = "", top: int = 12) -> Chart:
    """Mean wait per visit at the ``top`` busiest stations (most visits), by arm."""
    if stations.empty:
        raise MissingData("stations.csv has no rows")
    visits = stations.groupby(["facility", "station"]).visits.mean()
    busiest = visits.sort_values(ascending=False, kind="stable").head(top).index
    keep = stations.set_index(["facility", "station"]).index.isin(busiest)
    stats = station_statistic(stations[keep], "wait_min")
    order = [f"{f} · {s}" for f, s in busiest]
    plotted = (
        f"mean minutes queueing per visit at the {len(order)} stations with the most visits "
        f"(stations.csv wait_min), by arm; {INTERVAL}"
    )
    return _station_chart(stats, order, "minutes queueing per visit", title, plotted)


@figure("utilisation of scarce resources", STATIONS_FILE, order=40)
def utilisation(stations: pd.DataFrame, title: str = "", doctors: int = 10) -> Chart:
    """Utilisation of CT and MRI units and of the ``doctors`` busiest doctor stations, by arm."""
    exams = stations[stations.station.isin(SCARCE_EXAMS)]
    doctor_rows = stations[stations.station.str.startswith("doctor:")]
    mean = doctor_rows.groupby(["facility", "station"]).utilisation.mean()
    busiest = mean.sort_values(ascending=False, kind="stable").head(doctors).index
    doctor_rows = doctor_rows[doctor_rows.set_index(["facility", "station"]).index.isin(busiest)]
    chosen = pd.concat([exams, doctor_rows])
    if chosen.empty:
        raise MissingData("stations.csv has no CT, MRI or doctor stations")
    stats = station_statistic(chosen, "utilisation")
    for column in ("mean", "ci_low", "ci_high"):
        stats[column] = stats[column] * 100.0
    exam_order = sorted({(f, s) for f, s in zip(exams.facility, exams.station, strict=True)})
    order = [f"{f} · {s}" for f, s in [*exam_order, *busiest]]
    plotted = (
        "share of the servers' open minutes spent serving (stations.csv utilisation) at every CT "
        f"and MRI unit and at the {len(busiest)} busiest doctor stations, by arm; {INTERVAL}"
    )
    return _station_chart(stats, order, "utilisation of open minutes (%)", title, plotted)


@figure("cost saved by component", SUMMARY_FILE, order=20)
def cost_saved(summary: pd.DataFrame, title: str = "") -> Chart:
    """Yuan saved per episode (``without - with``) by cost component, and in total."""
    rows = summary[summary.arm == "difference"].drop_duplicates("metric")
    components = [m for m in rows.metric if COST_COMPONENT.match(m)]
    if not components:
        raise MissingData("summary.csv has no difference rows of cost_*_yuan components")
    metrics = [*components, *(["cost_total_yuan"] if "cost_total_yuan" in set(rows.metric) else [])]
    picked = rows.set_index("metric").loc[metrics]
    with styled():
        figure = new_figure(7.0, 0.45 * len(metrics) + 1.6)
        ax = figure.add_subplot()
        _bars(
            ax,
            [label(m) for m in metrics],
            {"difference": _triple(picked)},
        )
        ax.axvline(0.0, color="black", linewidth=0.8)
        ax.set_xlabel("yuan saved per episode (without - with)")
        _title(figure, title)
    plotted = (
        "yuan saved per episode, the paired difference without - with (summary.csv difference "
        f"rows) of each cost component ({', '.join(components)}) and of cost_total_yuan; "
        "bars: mean over replications; whiskers: 95% t-interval"
    )
    return Chart(figure, plotted)


@figure("referral load per tier and week", SUMMARY_FILE, order=30)
def referral_load_weekly(summary: pd.DataFrame, title: str = "") -> Chart:
    """Referred patients arriving per tier and measured week, by arm, with a 95% band."""
    matches = summary.metric.str.extract(WEEKLY_LOAD)
    found = summary.assign(tier=matches[0], week=pd.to_numeric(matches[1]))
    found = found[found.tier.notna() & found.arm.isin(ARMS)]
    if found.empty:
        raise MissingData("summary.csv has no referral_load_<tier>_week<NN> metrics")
    tiers = [t for t in TIER_ORDER if t in set(found.tier)]
    with styled():
        figure, axes = _panels(len(tiers), 3.2)
        for ax, tier in zip(axes, tiers, strict=True):
            for arm in ARMS:
                rows = found[(found.tier == tier) & (found.arm == arm)].sort_values("week")
                _line_with_band(ax, rows.week.to_numpy(), rows, arm, ARM_COLOURS[arm])
            ax.set_title(tier)
            ax.set_xlabel("measured week")
            locator = ax.xaxis.get_major_locator()
            assert isinstance(locator, MaxNLocator)  # the default AutoLocator is one
            locator.set_params(integer=True)
        axes[0].set_ylabel("referred patients arriving per week")
        axes[0].legend()
        _title(figure, title)
    plotted = (
        "referred patients arriving per week at each tier (summary.csv "
        f"referral_load_<tier>_week<NN>), by arm and measured week; {INTERVAL}"
    )
    return Chart(figure, plotted)


@figure("saved cost, saved time and referral load", SUMMARY_FILE, order=50)
def headline(summary: pd.DataFrame, title: str = "") -> Chart:
    """Saved cost, saved time and referral load by arm, from a run's summary."""
    table = headline_table(summary)
    if table.empty:
        raise MissingData("the summary has none of the headline metrics")
    saved = table[table.arm == "difference"]
    panels = [
        ("yuan saved (without - with)", saved[saved.metric.str.endswith("_yuan")], "difference"),
        ("minutes saved (without - with)", saved[saved.metric.str.endswith("_min")], "difference"),
        ("referred arrivals per week", table[table.arm.isin(ARMS)], None),
    ]
    panels = [panel for panel in panels if not panel[1].empty]
    with styled():
        figure, axes = _panels(len(panels), 3.4)
        for ax, (xlabel, rows, arm) in zip(axes, panels, strict=True):
            if arm is None:  # one bar per arm for each tier
                names = list(dict.fromkeys(rows.metric))
                by_arm = rows.set_index(["metric", "arm"])
                series = {a: _triple(by_arm.reindex([(n, a) for n in names])) for a in ARMS}
                _bars(ax, [n.removeprefix("referral_load_") for n in names], series)
                ax.legend()
            else:
                _bars(ax, [m.removeprefix("saved ") for m in rows.measure], {arm: _triple(rows)})
                ax.axvline(0.0, color="black", linewidth=0.8)
            ax.set_xlabel(xlabel)
        _title(figure, title)
    plotted = (
        "headline results (carepath.analysis.headline): yuan and minutes saved per episode "
        f"(paired difference without - with) and referred arrivals per week by arm; {INTERVAL}"
    )
    return Chart(figure, plotted)


@figure_family
def sweep_figures(folder: ResultsFolder) -> list[FigureSpec]:
    """One curve of the savings per lever of a sweep's folder."""
    if not folder.has(SWEEP_FILE):
        return []
    return [
        FigureSpec(
            f"sweep_{re.sub(r'[^A-Za-z0-9]+', '_', lever)}",
            f"savings across the sweep of {lever}",
            SWEEP_FILE,
            _sweep_drawer(lever),
        )
        for lever in lever_columns(folder.table(SWEEP_FILE))
    ]


def _sweep_drawer(lever: str) -> Callable[[pd.DataFrame, str], Chart]:
    def draw(table: pd.DataFrame, title: str) -> Chart:
        return sweep_curve(table, lever, title=title)

    return draw


def lever_columns(table: pd.DataFrame) -> list[str]:
    """The lever columns of a sweep table (between ``variant`` and ``metric``)."""
    columns = list(table.columns)
    return columns[columns.index("variant") + 1 : columns.index("metric")]


def sweep_curve(
    table: pd.DataFrame,
    lever: str | None = None,
    metrics: Sequence[str] = ("cost_total_yuan", "wait_min"),
    arm: str = "difference",
    title: str = "",
    xlabel: str | None = None,
) -> Chart:
    """A metric against a lever's values across a sweep, with its 95% band.

    ``table`` is a sweep table (``sweep.csv`` or ``SweepResult.table``); ``lever`` defaults to
    its first lever.  Other levers that vary independently of it (a grid) give one line per
    combination of their values; levers that move with it (a zip) do not.
    ``arm="difference"`` plots the saving (``without - with``).
    """
    levers = lever_columns(table)
    lever = lever or levers[0]
    spread = table.groupby(lever, sort=False).nunique()
    others = [other for other in levers if other != lever and (spread[other] > 1).any()]
    rows = table[(table.arm == arm) & table.metric.isin(metrics)]
    if rows.empty:
        raise MissingData(f"the sweep table has no {arm} rows of {list(metrics)}")
    positions, ticks = _positions(table[lever])
    present = [m for m in metrics if m in set(rows.metric)]
    with styled():
        figure, axes = _panels(len(present), 3.6)
        groups = rows.groupby(others, sort=False) if others else [((), rows)]
        for ax, metric in zip(axes, present, strict=True):
            for key, block in groups:
                block = block[block.metric == metric]
                x = block[lever].map(positions).to_numpy(dtype=float)
                order = np.argsort(x, kind="stable")
                if others:
                    _line_with_band(ax, x[order], block.iloc[order], _group_name(others, key))
                else:
                    _line_with_band(ax, x[order], block.iloc[order], arm, ARM_COLOURS.get(arm))
            ax.set_title(("saved: " if arm == "difference" else "") + label(metric))
            ax.set_xlabel(xlabel or lever)
            if ticks is not None:
                ax.set_xticks(range(len(ticks)), ticks)
            if arm == "difference":
                ax.axhline(0.0, color="black", linewidth=0.8)
        if others:
            axes[0].legend()
        _title(figure, title)
    word = "saving (without - with)" if arm == "difference" else f"arm {arm}"
    plotted = (
        f"the {word} of {', '.join(present)} against {lever} across the sweep's variants "
        "(sweep.csv); lines: mean over replications; bands: 95% t-interval"
    )
    return Chart(figure, plotted)


def _positions(values: pd.Series) -> tuple[dict, list[str] | None]:
    """x position of each lever value: itself if all are numbers, else its rank of appearance."""
    numbers = pd.to_numeric(values, errors="coerce")
    if numbers.notna().all():
        return {v: float(n) for v, n in zip(values, numbers, strict=True)}, None
    distinct = list(dict.fromkeys(values))
    return {v: float(i) for i, v in enumerate(distinct)}, [str(v) for v in distinct]


def _group_name(others: list[str], key) -> str:
    key = key if isinstance(key, tuple) else (key,)
    return ", ".join(f"{name}={value}" for name, value in zip(others, key, strict=True))


def _triple(rows: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    def column(name: str) -> np.ndarray:
        return rows[name].to_numpy(dtype=float)

    return column("mean"), column("ci_low"), column("ci_high")


def _station_chart(
    stats: pd.DataFrame, order: list[str], xlabel: str, title: str, plotted: str
) -> Chart:
    """Grouped bars of per-station statistics, stations in ``order``, one bar per arm."""
    stats = stats.assign(label=stats.facility + " · " + stats.station).set_index(["label", "arm"])
    series = {arm: _triple(stats.reindex([(name, arm) for name in order])) for arm in ARMS}
    with styled():
        figure = new_figure(7.5, 0.35 * len(order) + 1.6)
        ax = figure.add_subplot()
        _bars(ax, order, series)
        ax.legend()
        ax.set_xlabel(xlabel)
        _title(figure, title)
    return Chart(figure, plotted)


def _bars(ax: Axes, labels: list[str], series: dict[str, tuple]) -> None:
    """Horizontal bars per label, one per series (arm), with 95% interval whiskers."""
    height = 0.8 / len(series)
    y = np.arange(len(labels))
    for i, (arm, (mean, low, high)) in enumerate(series.items()):
        whiskers = np.nan_to_num(np.vstack([mean - low, high - mean]))
        ax.barh(
            y - 0.4 + height * (i + 0.5),
            np.nan_to_num(mean),
            height,
            xerr=whiskers,
            color=ARM_COLOURS.get(arm),
            label=arm,
            error_kw={"elinewidth": 0.8, "capsize": 2},
        )
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    ax.grid(axis="y", visible=False)


def _line_with_band(
    ax: Axes, x: np.ndarray, rows: pd.DataFrame, name: str, colour: str | None = None
) -> None:
    """Means as a line with markers, the 95% interval as a band of the same colour."""
    (line,) = ax.plot(x, rows["mean"].to_numpy(dtype=float), marker="o", color=colour, label=name)
    low, high = rows["ci_low"].to_numpy(dtype=float), rows["ci_high"].to_numpy(dtype=float)
    ax.fill_between(x, low, high, color=line.get_color(), alpha=0.2, linewidth=0)


def _panels(count: int, width_in: float) -> tuple[Figure, list[Axes]]:
    """A figure of ``count`` panels side by side, each ``width_in`` inches wide."""
    figure = new_figure(width_in * count + 0.6, 3.4)
    return figure, list(figure.subplots(1, count, squeeze=False)[0])


def legend_below(figure: Figure, ax: Axes, columns: int = 2) -> None:
    """``ax``'s legend under the panels, where it hides no bar."""
    figure.legend(*ax.get_legend_handles_labels(), loc="outside lower center", ncols=columns)


def _title(figure: Figure, title: str) -> None:
    if title:
        figure.suptitle(title)
