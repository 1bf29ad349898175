"""Does the reform reach those far from the county hospital: the difference (without - with) in
illnesses that sought care per 1,000 residents per year, by band of travel minutes to the nearest
county hospital (``equity.csv`` rows of grouping ``county_travel_min``, arm ``difference``).

More care sought is better (``analysis.equity.equity_better``), so a negative bar, more care
sought with the reform, is drawn as a gain; the values are the table's, never flipped.
"""

from __future__ import annotations

import pandas as pd

from ...accounting.equity import BANDS, COUNTY_TRAVEL, NO_COUNTY
from ...observation.results_folder import EQUITY_FILE
from ..equity import equity_better
from .chart import Chart, MissingData
from .drawing import change_legend, saving_bars, triple
from .drawing import title as set_title
from .labels import current
from .registry import figure
from .style import new_figure, styled

METRIC = "care_sought_per_1000_year"
ARM = "difference"
BAND_ORDER = (*(name for _, name in BANDS), NO_COUNTY)
XLABEL = "illnesses that sought care per 1,000 residents per year (without − with)"
READING = {
    "higher": "negative: more care sought with the reforms (better)",
    "lower": "positive: less care sought with the reforms (better)",
    "neither": "without − with",
}
# The caption's words on the sign, by the better direction of care sought.
SIGN = {
    "higher": "more care sought is better, so a negative value is a gain",
    "lower": "less care sought is better, so a positive value is a gain",
    "neither": "care sought is better neither way",
}


def band_words(band: str, residents: int) -> str:
    """A band's words on the axis: "30-60 min" and its residents below."""
    names = current()
    where = names.text(band) if band == NO_COUNTY else f"{band} {names.text('min')}"
    return f"{where}\n{residents:,} {names.text('residents')}"


@figure("care sought by travel time to the county hospital", EQUITY_FILE, order=75)
def equity_care_sought(equity: pd.DataFrame, title: str = "") -> Chart:
    """One bar per band of travel minutes to the nearest county hospital (nearest first, then
    the zones with none): the difference without - with in illnesses that sought care per 1,000
    residents per year, with its 95% interval, coloured by whether it is a gain."""
    needed = ("grouping", "group", "residents", "metric", "arm", "mean", "ci_low", "ci_high")
    missing = [c for c in needed if c not in equity]
    if missing:
        raise MissingData(f"{EQUITY_FILE} lacks the columns {', '.join(missing)}")
    rows = equity[
        (equity.grouping == COUNTY_TRAVEL) & (equity.metric == METRIC) & (equity.arm == ARM)
    ].assign(group=lambda t: t.group.astype(str))
    rows = rows.drop_duplicates("group").set_index("group")
    present = [band for band in BAND_ORDER if band in rows.index]
    present += [band for band in rows.index if band not in BAND_ORDER]
    if not present:
        raise MissingData(f"{EQUITY_FILE} has no {ARM} rows of {METRIC} by {COUNTY_TRAVEL}")
    picked = rows.loc[present]
    better = equity_better(METRIC)
    names = current()
    with styled():
        figure = new_figure(7.0, 0.55 * len(present) + 2.0)
        ax = figure.add_subplot()
        labels = [band_words(b, int(r)) for b, r in zip(present, picked.residents, strict=True)]
        kinds = saving_bars(ax, labels, [METRIC] * len(present), triple(picked), better)
        change_legend(figure, kinds)
        ax.set_xlabel(names.text(XLABEL))
        ax.set_ylabel(names.text("travel time to the nearest county hospital"))
        ax.set_title(names.text(READING[better]), loc="left", fontsize=9)
        set_title(figure, title)
    plotted = (
        "the paired difference without - with in illnesses that sought formal care per 1,000 "
        "residents per year, by band of travel minutes from the zone to its nearest county "
        f"hospital ({', '.join(present)}; each with its residents) ({EQUITY_FILE} rows "
        f"grouping {COUNTY_TRAVEL}, metric {METRIC}, arm {ARM}); {SIGN[better]}; bars: mean "
        "over replications of the per-replication value; whiskers: 95% t-interval"
    )
    note = (
        f"Bar colours read each difference by the better direction of care sought ({better}): "
        "green a gain, orange a loss, pale where the 95% interval includes 0; the values are "
        "always without - with."
    )
    return Chart(figure, plotted, (note,))
