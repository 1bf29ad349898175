"""Batches: every replication of every arm of one or more scenarios, in one process or a pool.

A task is one replication of one scenario, all arms: it depends on nothing but those and the
seed, so results are the same whichever worker runs it and in whatever order, and are put back
in a fixed order before anything is written.  Keeping a replication's arms together lets them be
compared patient by patient (``analysis.paired``).
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from tqdm.auto import tqdm

from ..analysis.metrics import compute, credit_balance
from ..analysis.paired import PAIRED_METRICS, compare
from ..analysis.stations import STATION_COLUMNS, station_rows
from ..analysis.statistics import PAIRED, summarise
from ..arms import WITHOUT, arms_for
from ..inputs.scenario_file import load_scenario
from ..inputs.schema import Scenario
from ..observation.records import Records
from ..system.world import World
from .replication import simulate

REPLICATION_COLUMNS = ["scenario", "replication", "arm", "metric", "value"]
STATIONS_COLUMNS = ["scenario", "replication", "arm", *STATION_COLUMNS]
CREDIT_COLUMNS = ["scenario", "replication", "arm", "day", "outstanding_yuan", "defaulted_yuan"]


@dataclass(frozen=True)
class Task:
    scenario: Scenario
    replication: int
    seed: int


@dataclass
class RunResult:
    """The tidy tables of one scenario's batch."""

    scenario: Scenario
    seed: int
    replications: pd.DataFrame
    summary: pd.DataFrame
    stations: pd.DataFrame
    credit: pd.DataFrame

    @property
    def arms(self) -> list[str]:
        return [arm for arm in dict.fromkeys(self.replications.arm) if arm != PAIRED]


Row = tuple[str, str, float]  # arm, metric, value


@dataclass
class TaskResult:
    metrics: list[Row]
    stations: list[tuple]  # arm, then analysis.stations.STATION_COLUMNS
    credit: list[tuple]  # arm, day, outstanding_yuan, defaulted_yuan


def run_task(task: Task) -> TaskResult:
    """Simulate every arm of one replication; its metrics, stations and the paired comparison."""
    world = World.build(task.scenario)
    result = TaskResult([], [], [])
    kept: dict[str, Records] = {}
    for arm in arms_for(task.scenario):
        records = simulate(world, arm, task.seed, task.replication)
        metrics = compute(records, world)
        result.metrics.extend((arm.name, metric, value) for metric, value in metrics.items())
        result.stations.extend((arm.name, *row) for row in station_rows(records, world))
        result.credit.extend((arm.name, *row) for row in credit_balance(records, world))
        if arm.name in (WITHOUT.name, "with"):
            kept[arm.name] = records
    if len(kept) == 2:
        paired = compare(kept[WITHOUT.name], kept["with"], world)
        result.metrics.extend((PAIRED, metric, paired[metric]) for metric in PAIRED_METRICS)
    return result


def tasks_for(scenario: Scenario, replications: int, seed: int) -> list[Task]:
    return [Task(scenario, r, seed) for r in range(replications)]


def _execute(tasks: Sequence[Task], jobs: int, progress: bool) -> list[TaskResult]:
    bar = tqdm(total=len(tasks), desc="replications", unit="rep", disable=not progress)
    results: list[TaskResult | None] = [None] * len(tasks)
    with bar:
        if jobs <= 1:
            for i, task in enumerate(tasks):
                results[i] = run_task(task)
                bar.update()
        else:
            with ProcessPoolExecutor(max_workers=jobs) as pool:
                futures = {pool.submit(run_task, task): i for i, task in enumerate(tasks)}
                for future in as_completed(futures):
                    results[futures[future]] = future.result()
                    bar.update()
    return results  # type: ignore[return-value]


def _tables(tasks: Sequence[Task], results: Sequence[TaskResult]) -> list[pd.DataFrame]:
    """The replications, stations and credit tables, in task order."""
    pairs = list(zip(tasks, results, strict=True))
    return [
        pd.DataFrame(
            [(t.scenario.name, t.replication, *row) for t, r in pairs for row in getattr(r, part)],
            columns=columns,
        )
        for part, columns in (
            ("metrics", REPLICATION_COLUMNS),
            ("stations", STATIONS_COLUMNS),
            ("credit", CREDIT_COLUMNS),
        )
    ]


def run_many(
    scenarios: Sequence[Scenario],
    replications: int | None = None,
    seed: int | None = None,
    jobs: int = 1,
    progress: bool = False,
) -> list[RunResult]:
    """Run the batches of several scenarios under one progress bar."""
    plans = []
    for scenario in scenarios:
        n = replications if replications is not None else scenario.simulation.replications
        s = seed if seed is not None else scenario.simulation.seed
        plans.append((scenario, s, tasks_for(scenario, n, s)))
    all_tasks = [task for _, _, tasks in plans for task in tasks]
    all_results = _execute(all_tasks, jobs, progress)
    out, start = [], 0
    for scenario, s, tasks in plans:
        table, stations, credit = _tables(tasks, all_results[start : start + len(tasks)])
        start += len(tasks)
        out.append(RunResult(scenario, s, table, summarise(table), stations, credit))
    return out


def run(
    scenario: Scenario | str | Path,
    replications: int | None = None,
    seed: int | None = None,
    jobs: int = 1,
    progress: bool = False,
) -> RunResult:
    """Run a scenario's batch (both arms, every replication) and summarise it.

    ``replications`` and ``seed`` default to the scenario's own; ``jobs`` > 1 uses a process
    pool, with results identical to ``jobs=1``.
    """
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    return run_many([scenario], replications, seed, jobs, progress)[0]


def run_replications(
    scenario: Scenario,
    numbers: Sequence[int],
    seed: int,
    jobs: int = 1,
    progress: bool = False,
) -> RunResult:
    """Run the given replication numbers of one scenario, e.g. more of a batch already run.

    Replication r depends only on the scenario, the seed and r, so the tables of replications
    0..k-1 and k..n-1 put one after the other are those of a batch of n.
    """
    tasks = [Task(scenario, r, seed) for r in numbers]
    table, stations, credit = _tables(tasks, _execute(tasks, jobs, progress))
    return RunResult(scenario, seed, table, summarise(table), stations, credit)
