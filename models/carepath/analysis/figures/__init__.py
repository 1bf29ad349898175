"""The report's figures: charts drawn from result tables, and ``draw_all`` for a results folder.

``carepath figures`` (and ``make figures``) calls ``draw_all``; notebooks call the charts
directly on a run's tables (a ``Chart`` shows itself as an image in Jupyter).
"""

from .charts import (
    Chart,
    MissingData,
    cost_saved,
    headline,
    referral_load_weekly,
    sweep_curve,
    utilisation,
    waiting_by_station,
)
from .report import FIGURES, ResultsProblem, draw_all, result_folders

__all__ = [
    "FIGURES",
    "Chart",
    "MissingData",
    "ResultsProblem",
    "cost_saved",
    "draw_all",
    "headline",
    "referral_load_weekly",
    "result_folders",
    "sweep_curve",
    "utilisation",
    "waiting_by_station",
]
