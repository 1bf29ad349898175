"""The report's charts, each drawn from result tables alone (never from a simulation).

Each function takes the tables a run writes (``summary.csv``, ``stations.csv``, ``sweep.csv``)
as pandas tables and returns a ``Chart``: the figure and a sentence saying what it plots, for
the caption.  A chart whose data is absent raises ``MissingData`` with the reason.
Means and 95% intervals come from the summary where it has them, and otherwise from the
replications with ``analysis.statistics.describe`` (the same t-interval); where a t-interval
crosses a bound the values cannot cross, a bootstrap interval from the replications
(``intervals``).  Words come from the active labels (``labels``); savings are coloured by
their metric's better direction (``drawing``); panels with nothing to show are left out and
the caption says so.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import MaxNLocator

from ...observation.results_folder import (
    REPLICATIONS_FILE,
    STATIONS_FILE,
    SUMMARY_FILE,
    SWEEP_FILE,
    ResultsFolder,
)
from ..headline import headline_table
from ..statistics import describe
from .chart import Chart, MissingData
from .drawing import (
    COLOUR_NOTE,
    bars,
    change_legend,
    is_empty,
    left_out,
    line_with_band,
    panels,
    saving_bars,
    triple,
)
from .drawing import title as _title
from .intervals import NOT_NEGATIVE, SHARE, Bounds, bootstrap_interval, bootstrap_note, unclipped
from .labels import current
from .registry import FigureSpec, figure, figure_family
from .style import ARM_COLOURS, new_figure, styled

ARMS = ("without", "with")
TIER_ORDER = ("village", "township", "county", "city")
SCARCE_EXAMS = ("exam:ct", "exam:mri")
WEEKLY_LOAD = re.compile(r"^referral_load_(village|township|county|city)_week(\d+)$")
# The parts of the total cost: not the total, and not the total net of the programme's cost.
COST_COMPONENT = re.compile(r"^cost_(?!total_|with_programme_)\w+_yuan$")
TOTAL, NET = "cost_total_yuan", "cost_with_programme_yuan"
INTERVAL = "bars or lines: mean over replications; whiskers or bands: 95% t-interval"
WITH_REPLICATIONS = (("replications", REPLICATIONS_FILE),)
SAVED_YUAN = "yuan saved per episode (without − with)"
SAVED_MIN = "minutes saved per episode (without − with)"


def label(metric: str) -> str:
    """The metric's words on an axis or panel (the metric registry's label), else its name."""
    return current().metric(metric)


def station_statistic(
    stations: pd.DataFrame, column: str, bounds: Bounds = NOT_NEGATIVE
) -> tuple[pd.DataFrame, list[tuple[str, str]]]:
    """Mean and 95% interval over replications of a ``stations.csv`` column, per station and
    arm: facility, station, arm, n, mean, ci_low, ci_high; a bootstrap interval where the
    t-interval crosses ``bounds``.  Also the (station, arm) pairs bootstrapped."""
    rows = []
    bootstrapped = []
    chosen = stations[stations.arm.isin(ARMS)]
    for (facility, station, arm), block in chosen.groupby(["facility", "station", "arm"]):
        values = block.sort_values("replication")[column].to_numpy(dtype=float)
        stats = describe(values)
        if bounds.crossed(stats["ci_low"], stats["ci_high"]):
            stats["ci_low"], stats["ci_high"] = bootstrap_interval(values)
            bootstrapped.append((f"{facility} {station}", arm))
        rows.append({"facility": facility, "station": station, "arm": arm, **stats})
    columns = ["facility", "station", "arm", "n", "mean", "sd", "ci_low", "ci_high"]
    return pd.DataFrame(rows, columns=columns), bootstrapped


def station_words(facility: str, station: str) -> str:
    """A station's axis words: "County hospital · Doctor (internal)"."""
    names = current()
    return f"{names.facility(facility)} · {names.station(station)}"


@figure("waiting time by station", STATIONS_FILE, order=10)
def waiting_by_station(stations: pd.DataFrame, title: str = "", top: int = 12) -> Chart:
    """Mean wait per visit at the ``top`` busiest stations (most visits), by arm."""
    if stations.empty:
        raise MissingData("stations.csv has no rows")
    visits = stations.groupby(["facility", "station"]).visits.mean()
    busiest = list(visits.sort_values(ascending=False, kind="stable").head(top).index)
    keep = stations.set_index(["facility", "station"]).index.isin(busiest)
    stats, bootstrapped = station_statistic(stations[keep], "wait_min")
    plotted = (
        f"mean minutes queueing per visit at the {len(busiest)} stations with the most visits "
        f"(stations.csv wait_min), by arm; {INTERVAL}"
    )
    notes = _sentences([bootstrap_note(bootstrapped, "minutes cannot be negative")])
    return _station_chart(stats, busiest, "minutes queueing per visit", title, plotted, notes)


@figure("utilisation of scarce resources", STATIONS_FILE, order=40)
def utilisation(stations: pd.DataFrame, title: str = "", doctors: int = 10) -> Chart:
    """Utilisation of CT and MRI units and of the ``doctors`` busiest doctor stations, by arm."""
    exams = stations[stations.station.isin(SCARCE_EXAMS)]
    doctor_rows = stations[stations.station.str.startswith("doctor:")]
    mean = doctor_rows.groupby(["facility", "station"]).utilisation.mean()
    busiest = list(mean.sort_values(ascending=False, kind="stable").head(doctors).index)
    doctor_rows = doctor_rows[doctor_rows.set_index(["facility", "station"]).index.isin(busiest)]
    chosen = pd.concat([exams, doctor_rows])
    if chosen.empty:
        raise MissingData("stations.csv has no CT, MRI or doctor stations")
    stats, bootstrapped = station_statistic(chosen, "utilisation", SHARE)
    for column in ("mean", "ci_low", "ci_high"):
        stats[column] = stats[column] * 100.0
    exam_order = sorted({(f, s) for f, s in zip(exams.facility, exams.station, strict=True)})
    plotted = (
        "share of the servers' open minutes spent serving (stations.csv utilisation) at every CT "
        f"and MRI unit and at the {len(busiest)} busiest doctor stations, by arm; {INTERVAL}"
    )
    notes = _sentences([bootstrap_note(bootstrapped, "a share lies between 0 and 100%")])
    order = [*exam_order, *busiest]
    return _station_chart(stats, order, "utilisation of open minutes (%)", title, plotted, notes)


@figure("cost saved by component", SUMMARY_FILE, order=20, extra=WITH_REPLICATIONS)
def cost_saved(
    summary: pd.DataFrame, title: str = "", replications: pd.DataFrame | None = None
) -> Chart:
    """Yuan saved per episode (``without - with``) by cost component, then the total, apart;
    below, apart again, the saving net of the programme's cost where the run has one."""
    rows = summary[summary.arm == "difference"].drop_duplicates("metric")
    components = [m for m in rows.metric if COST_COMPONENT.match(m)]
    if not components:
        raise MissingData("summary.csv has no difference rows of cost_*_yuan components")
    present = set(rows.metric)
    totals = [TOTAL] if TOTAL in present else []
    net = [NET] if NET in present else []
    picked, replaced = unclipped(rows[rows.metric.isin([*components, *totals, *net])], replications)
    picked = picked.set_index("metric")
    names = current()
    skipped = [names.metric_short(m) for m in net if is_empty(picked.loc[[m]])]
    net = [m for m in net if names.metric_short(m) not in skipped]
    with styled():
        figure = new_figure(7.0, 0.45 * (len(components) + len(totals) + len(net)) + 2.2)
        heights = [len(components) + len(totals) + 0.6, len(net) + 0.6] if net else [1]
        grid = figure.subplots(len(heights), 1, sharex=True, squeeze=False, height_ratios=heights)
        axes = list(grid.flat)
        kinds = _components_and_total(axes[0], picked, components, totals)
        if net:
            kinds += saving_bars(
                axes[1], [names.metric_short(m) for m in net], net, triple(picked.loc[net])
            )
            axes[1].set_title(names.text("Net saving"), loc="left", fontsize=9)
        axes[-1].set_xlabel(names.text(SAVED_YUAN))
        change_legend(figure, kinds)
        _title(figure, title)
    plotted = (
        "yuan saved per episode, the paired difference without - with (summary.csv difference "
        f"rows) of each cost component ({', '.join(components)}), then apart below a dotted rule "
        f"their total ({', '.join(totals) or 'absent'})"
        + (
            f", and in a panel of its own the saving net of the programme's cost ({NET})"
            * bool(net)
        )
        + "; bars: mean over replications; whiskers: 95% t-interval"
    )
    notes = (
        COLOUR_NOTE,
        bootstrap_note(replaced),
        left_out(skipped, "no programme cost: the net saving equals the total"),
    )
    return Chart(figure, plotted, _sentences(notes))


def _components_and_total(
    ax: Axes, picked: pd.DataFrame, components: list[str], totals: list[str]
) -> list[str]:
    """The components' bars, a dotted rule, then the total's bar; the change kinds drawn."""
    names = current()
    metrics = [*components, *totals]
    kinds = saving_bars(
        ax, [names.metric_short(m) for m in metrics], metrics, triple(picked.loc[metrics])
    )
    if totals:
        ax.axhline(len(components) - 0.5, color="black", linewidth=0.6, linestyle=":")
    ax.set_title(
        names.text("Cost components") + (" · " + names.text("Total")) * bool(totals),
        loc="left",
        fontsize=9,
    )
    return kinds


@figure("referral load per tier and week", SUMMARY_FILE, order=30, extra=WITH_REPLICATIONS)
def referral_load_weekly(
    summary: pd.DataFrame, title: str = "", replications: pd.DataFrame | None = None
) -> Chart:
    """Referred patients arriving per tier and measured week, by arm, with a 95% band; a tier
    where every value is 0 gets no panel."""
    matches = summary.metric.str.extract(WEEKLY_LOAD)
    found = summary.assign(tier=matches[0], week=pd.to_numeric(matches[1]))
    found = found[found.tier.notna() & found.arm.isin(ARMS)]
    if found.empty:
        raise MissingData("summary.csv has no referral_load_<tier>_week<NN> metrics")
    found, replaced = unclipped(found, replications)
    names = current()
    tiers = [t for t in TIER_ORDER if t in set(found.tier)]
    empty = [t for t in tiers if is_empty(found[found.tier == t])]
    tiers = [t for t in tiers if t not in empty]
    if not tiers:
        raise MissingData("every referral_load_<tier>_week<NN> value is 0")
    weeks = int(found.week.nunique())
    with styled():
        figure, axes = panels(len(tiers), 3.2)
        for ax, tier in zip(axes, tiers, strict=True):
            for arm in ARMS:
                rows = found[(found.tier == tier) & (found.arm == arm)].sort_values("week")
                line_with_band(ax, rows.week.to_numpy(), rows, names.arm(arm), ARM_COLOURS[arm])
            ax.set_title(names.tier(tier))
            ax.set_xlabel(names.text("measured week"))
            ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=min(weeks, 8)))
        axes[0].set_ylabel(names.text("referred patients arriving per week"))
        axes[0].legend()
        _title(figure, title)
    plotted = (
        "referred patients arriving per week at each tier (summary.csv "
        f"referral_load_<tier>_week<NN>), by arm and measured week; {INTERVAL}"
    )
    notes = (
        left_out([f"the {t} tier" for t in empty], "every value is 0: no referred arrivals"),
        bootstrap_note(replaced, "referred arrivals cannot be negative", "bands"),
    )
    return Chart(figure, plotted, _sentences(notes))


# The headline's panels: heading, the metrics in it (in order), and the axis words.
HEADLINE_PANELS = (
    ("Cost saved", ("cost_medical_yuan", "cost_travel_yuan", TOTAL), SAVED_YUAN),
    ("Net saving, by who gains", ("net_cost_society_yuan", "net_cost_patient_yuan"), SAVED_YUAN),
    ("Time saved", ("wait_min", "time_to_care_min"), SAVED_MIN),
)


@figure("saved cost, saved time and referral load", SUMMARY_FILE, order=50, extra=WITH_REPLICATIONS)
def headline(
    summary: pd.DataFrame, title: str = "", replications: pd.DataFrame | None = None
) -> Chart:
    """Saved cost (its parts, then the total), net saving by who gains, saved time (each
    coloured by whether it is a gain or a loss), and the referral load by arm."""
    table = headline_table(summary)
    if table.empty:
        raise MissingData("the summary has none of the headline metrics")
    table, replaced = unclipped(table, replications)
    names = current()
    saved = table[table.arm == "difference"].set_index("metric")
    drawn: list[tuple[str, list[str], str]] = []
    skipped: list[str] = []
    for heading, metrics, axis in HEADLINE_PANELS:
        present = [m for m in metrics if m in saved.index]
        if present and not is_empty(saved.loc[present]):
            drawn.append((heading, present, axis))
        elif present:
            skipped.append(names.text(heading))
    loads = table[table.arm.isin(ARMS)]
    if not loads.empty and is_empty(loads):
        skipped.append(names.text("Referral load"))
        loads = loads.iloc[0:0]
    count = len(drawn) + (not loads.empty)
    if not count:
        raise MissingData("every headline value is 0")
    kinds: list[str] = []
    with styled():
        figure, axes = panels(count, 3.6, 2.8)
        for ax, (heading, shown, axis) in zip(axes, drawn, strict=False):
            values = triple(saved.loc[shown])
            kinds += saving_bars(ax, [names.metric_short(m) for m in shown], shown, values)
            if shown[-1] == TOTAL and len(shown) > 1:
                ax.axhline(len(shown) - 1.5, color="black", linewidth=0.6, linestyle=":")
            ax.set_title(names.text(heading), loc="left")
            ax.set_xlabel(names.text(axis))
        if not loads.empty:
            _load_panel(axes[-1], loads)
        change_legend(figure, kinds)
        _title(figure, title)
    plotted = (
        "headline results (carepath.analysis.headline): yuan saved per episode by component, "
        "then the total below a dotted rule; net saving per episode to society and to patients; "
        "minutes saved per episode (each the paired difference without - with); and referred "
        f"arrivals per week by arm; {INTERVAL}"
    )
    notes = (COLOUR_NOTE, left_out(skipped), bootstrap_note(replaced))
    return Chart(figure, plotted, _sentences(notes))


def _load_panel(ax: Axes, loads: pd.DataFrame) -> None:
    """Referred arrivals per week at each tier, one bar per arm."""
    names = current()
    metrics = list(dict.fromkeys(loads.metric))
    by_arm = loads.set_index(["metric", "arm"])
    series = {a: triple(by_arm.reindex([(m, a) for m in metrics])) for a in ARMS}
    bars(ax, [names.metric_short(m) for m in metrics], series)
    ax.set_title(names.text("Referral load"), loc="left")
    ax.set_xlabel(names.text("referred arrivals per week"))
    ax.legend()


@figure_family
def sweep_figures(folder: ResultsFolder) -> list[FigureSpec]:
    """One curve of the savings per lever of a sweep's folder."""
    if not folder.has(SWEEP_FILE):
        return []
    return [
        FigureSpec(
            f"sweep_{re.sub(r'[^A-Za-z0-9]+', '_', lever)}",
            f"savings across the sweep of {current().key_path(lever)}",
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
    ``arm="difference"`` plots the saving (``without - with``).  A metric whose every value is
    0 gets no panel.
    """
    levers = lever_columns(table)
    lever = lever or levers[0]
    spread = table.groupby(lever, sort=False).nunique()
    others = [other for other in levers if other != lever and (spread[other] > 1).any()]
    rows = table[(table.arm == arm) & table.metric.isin(metrics)]
    if rows.empty:
        raise MissingData(f"the sweep table has no {arm} rows of {list(metrics)}")
    positions, ticks = _positions(table[lever])
    names = current()
    present = [m for m in metrics if m in set(rows.metric)]
    empty = [m for m in present if is_empty(rows[rows.metric == m])]
    present = [m for m in present if m not in empty] or present[:1]
    with styled():
        figure, axes = panels(len(present), 3.6)
        groups = rows.groupby(others, sort=False) if others else [((), rows)]
        for ax, metric in zip(axes, present, strict=True):
            for key, block in groups:
                block = block[block.metric == metric]
                x = block[lever].map(positions).to_numpy(dtype=float)
                order = np.argsort(x, kind="stable")
                if others:
                    line_with_band(ax, x[order], block.iloc[order], _group_name(others, key))
                else:
                    line_with_band(ax, x[order], block.iloc[order], arm, ARM_COLOURS.get(arm))
            saved = f"{names.text('saved')}: " if arm == "difference" else ""
            ax.set_title(saved + label(metric))
            ax.set_xlabel(xlabel or names.key_path(lever))
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
    return Chart(figure, plotted, _sentences((left_out(empty),)))


def _positions(values: pd.Series) -> tuple[dict, list[str] | None]:
    """x position of each lever value: itself if all are numbers, else its rank of appearance."""
    numbers = pd.to_numeric(values, errors="coerce")
    if numbers.notna().all():
        return {v: float(n) for v, n in zip(values, numbers, strict=True)}, None
    distinct = list(dict.fromkeys(values))
    return {v: float(i) for i, v in enumerate(distinct)}, [str(v) for v in distinct]


def _group_name(others: list[str], key) -> str:
    key = key if isinstance(key, tuple) else (key,)
    names = current()
    return ", ".join(
        f"{names.key_path(name)} = {value}" for name, value in zip(others, key, strict=True)
    )


def _station_chart(
    stats: pd.DataFrame,
    order: list[tuple[str, str]],
    xlabel: str,
    title: str,
    plotted: str,
    notes: tuple[str, ...],
) -> Chart:
    """Grouped bars of per-station statistics, stations in ``order``, one bar per arm."""
    stats = stats.set_index(["facility", "station", "arm"])
    series = {arm: triple(stats.reindex([(f, s, arm) for f, s in order])) for arm in ARMS}
    names = current()
    with styled():
        figure = new_figure(7.5, 0.35 * len(order) + 1.6)
        ax = figure.add_subplot()
        bars(ax, [station_words(f, s) for f, s in order], series)
        ax.legend()
        ax.set_xlabel(names.text(xlabel))
        _title(figure, title)
    return Chart(figure, plotted, notes)


def _sentences(notes: Sequence[str]) -> tuple[str, ...]:
    return tuple(note for note in notes if note)
