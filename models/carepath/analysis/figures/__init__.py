"""The report's figures: charts drawn from result tables, and ``draw_all`` for a results folder.

``carepath figures`` (and ``make figures``) calls ``draw_all``; notebooks call the charts
directly on a run's tables (a ``Chart`` shows itself as an image in Jupyter).
"""

from .chart import Chart, MissingData
from .charts import (
    cost_saved,
    headline,
    referral_load_weekly,
    sweep_curve,
    utilisation,
    waiting_by_station,
)
from .equity_chart import equity_care_sought
from .perspective_chart import perspective_savings
from .psa_charts import psa_morris, psa_prcc, psa_savings, psa_sobol, tornado
from .registry import FigureSpec, figure, figure_family, figures_of, registered
from .report import draw_all

__all__ = [
    "FigureSpec",
    "figure",
    "figure_family",
    "figures_of",
    "registered",
    "Chart",
    "MissingData",
    "cost_saved",
    "draw_all",
    "equity_care_sought",
    "headline",
    "perspective_savings",
    "psa_morris",
    "psa_prcc",
    "psa_savings",
    "psa_sobol",
    "referral_load_weekly",
    "sweep_curve",
    "tornado",
    "utilisation",
    "waiting_by_station",
]
