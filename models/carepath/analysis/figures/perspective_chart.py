"""Who saves: each perspective's net saving in planners' units (``budget.csv`` rows
``difference``: without - with, per 10,000 residents of the modelled zones per year)."""

from __future__ import annotations

import pandas as pd
from matplotlib.ticker import StrMethodFormatter

from ...inputs.metric_registry import PERSPECTIVES, net_cost_name
from ...observation.results_folder import BUDGET_FILE
from .chart import Chart, MissingData
from .drawing import COLOUR_NOTE, change_legend, saving_bars, triple
from .drawing import title as set_title
from .registry import figure
from .style import new_figure, styled

AMOUNT = "yuan_per_10000_residents_year"
XLABEL = "net saving (without - with), yuan per 10,000 residents per year"
SOCIETY_NOTE = "society: resources used and time valued; transfers between payers cancel"


def perspective_words(perspective: str) -> str:
    """A perspective's name on an axis: ``insurance_fund`` as ``insurance fund``."""
    return perspective.replace("_", " ")


@figure("net saving by perspective", BUDGET_FILE, order=70)
def perspective_savings(budget: pd.DataFrame, title: str = "") -> Chart:
    """One bar per perspective (in ``PERSPECTIVES`` order): its net saving, without - with, per
    10,000 residents per year, with the 95% interval; positive = that payer is better off."""
    missing = [c for c in ("perspective", "arm", AMOUNT, "ci_low", "ci_high") if c not in budget]
    if missing:
        raise MissingData(f"{BUDGET_FILE} lacks the columns {', '.join(missing)}")
    rows = budget[budget.arm == "difference"].drop_duplicates("perspective")
    present = [p for p in PERSPECTIVES if p in set(rows.perspective)]
    if not present:
        raise MissingData(f"{BUDGET_FILE} has no difference rows of {', '.join(PERSPECTIVES)}")
    picked = rows.set_index("perspective").loc[present].rename(columns={AMOUNT: "mean"})
    with styled():
        figure = new_figure(7.0, 0.45 * len(present) + 2.0)
        ax = figure.add_subplot()
        metrics = [net_cost_name(p) for p in present]
        kinds = saving_bars(ax, [perspective_words(p) for p in present], metrics, triple(picked))
        change_legend(figure, kinds)
        ax.xaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
        ax.set_xlabel(XLABEL)
        ax.set_title("positive: that payer is better off\n" + SOCIETY_NOTE, loc="left", fontsize=9)
        set_title(figure, title)
    plotted = (
        f"each perspective's net saving ({', '.join(present)}), the paired difference "
        f"without - with of its net cost, in yuan per 10,000 residents of the modelled zones per "
        f"year ({BUDGET_FILE} difference rows, {AMOUNT}); positive: that payer is better off; "
        f"{SOCIETY_NOTE} (fees, reimbursement, credit draws, repayments, defaults, waivers); "
        "bars: mean over replications of the per-replication value; whiskers: 95% t-interval"
    )
    return Chart(figure, plotted, (COLOUR_NOTE,))
