"""Pull levers and see what changes: a scenario run as it is (the baseline) and with the levers
pulled (the variant), compared row by row.

Both runs use the same seed, so they see the same simulated patients and the change is the
levers' alone (common random numbers).  A quick run is two measured weeks and five
replications (the notebooks' sweeps run so): seconds to a minute for a bundled scenario, for
trying levers out; a full run keeps the scenario's own horizon and replications.  With
``CAREPATH_QUICK`` set (the tests) both are cut further, as every notebook run is
(``execution.quick``).  The notebooks' lever panel
(``workflows.lever_widgets``) is a front-end on :func:`lever_run` and :func:`planner_table`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from ..analysis.compare import SIDE_BY_SIDE, compare
from ..analysis.headline import HEADLINE
from ..execution.batch import run_many
from ..execution.options import RunOptions
from ..execution.quick import quick as quick_mode_cut
from ..inputs.levers import with_levers
from ..inputs.metric_registry import METRICS
from ..inputs.planner_levers import PLANNER_LEVERS, levers_of, settings
from ..inputs.scenario_file import load_scenario
from ..inputs.schema import Scenario

# A quick run: long enough for monthly events to fall in some villages, short enough to wait for.
QUICK_RUN = {"simulation.replications": 5, "simulation.horizon_days": 14}
# What a planner reads of a metric better lower (a cost, a wait): what the reforms save; of any
# other (exams avoided, patients on credit, a load): its level with the reforms.
SAVED, LEVEL = "difference", "with"
ROW_WORDS = {SAVED: "saved by the reforms (without - with)", LEVEL: "with the reforms"}
PLANNER_COLUMNS = ["label", "row", "unit", *SIDE_BY_SIDE, "better", "reading"]


def lever_run(
    scenario: Scenario | str | Path,
    levers: Mapping[str, float],
    quick: bool = True,
    *,
    seed: int | None = None,
    jobs: int | None = None,
    progress: bool = False,
) -> pd.DataFrame:
    """The scenario run as it is and with ``levers`` pulled, compared (``carepath.compare``):
    one row per metric and arm, baseline and variant side by side, change = variant - baseline.

    ``levers``: planner levers by name, in their own units (``{"credit_enrolment": 0.8}``,
    see ``inputs.planner_levers.PLANNER_LEVERS``), or key paths (``{"reforms.credit.limit_yuan":
    5000}``).  ``quick`` runs five replications of two weeks (``QUICK_RUN``); otherwise the
    scenario's own.  ``jobs`` defaults to every core.

    Raises ``LeverError`` naming the lever when it is not in the scenario or its value is not
    allowed, before anything runs.
    """
    baseline = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    if quick:
        baseline = with_levers(baseline, QUICK_RUN)
    baseline = quick_mode_cut(baseline)
    variant = with_levers(baseline, settings(baseline, levers))
    options = RunOptions(seed=seed, jobs=jobs or os.cpu_count() or 1, progress=progress)
    before, after = run_many([baseline, variant], options)
    return compare(before, after)


def planner_metrics(levers: Mapping[str, float] | list[str]) -> list[str]:
    """The metrics a planner reads after pulling ``levers``: what each planner lever moves,
    then the headline (``analysis.headline``), each once."""
    moved = [m for name in levers if name in PLANNER_LEVERS for m in PLANNER_LEVERS[name].metrics]
    return list(dict.fromkeys([*moved, *(metric for _, metric, _ in HEADLINE)]))


def planner_table(table: pd.DataFrame, levers: Mapping[str, float] | list[str]) -> pd.DataFrame:
    """The rows of a ``lever_run`` table a planner reads, one per ``planner_metrics`` metric in
    that order: the saving of a metric better lower, the level with the reforms of any other;
    the row said in words."""
    wanted = [(metric, planner_arm(metric)) for metric in planner_metrics(levers)]
    indexed = table.set_index(["metric", "arm"])
    rows = indexed.loc[[key for key in wanted if key in indexed.index]].reset_index()
    rows["row"] = rows.arm.map(ROW_WORDS)
    return rows[PLANNER_COLUMNS]


def planner_arm(metric: str) -> str:
    """The summary row a planner reads of ``metric``: ``difference`` (what the reforms save) for
    a metric better lower, else ``with`` (its level with the reforms)."""
    return SAVED if METRICS.get(metric).better == "lower" else LEVEL


def bundled_scenarios(folder: str | Path) -> dict[str, Scenario]:
    """The scenario files in ``folder`` (not its subfolders) that have a planner lever, by
    name; sweep files are left out (a sweep pulls its own levers)."""
    found: dict[str, Scenario] = {}
    for path in sorted(Path(folder).glob("*.yaml")):
        scenario = load_scenario(path)
        if scenario.sweep is None and levers_of(scenario):
            found[scenario.name] = scenario
    return found
