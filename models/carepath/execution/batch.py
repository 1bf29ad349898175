"""Batches: every replication of every arm of one or more scenarios, in one process, a local
process pool or on a Dask cluster.

A task is one replication of one scenario, all arms (``replication.ReplicationRun``): it depends
on nothing but those and the seed, so results are the same whichever worker runs it and in
whatever order, and are put back in a fixed order before anything is written.  Keeping a
replication's arms together lets them be compared patient by patient (``accounting.paired``).

Given an output folder, each finished task is kept at once in a checkpoint (``checkpoint``) and
a re-run of the same batch runs only the tasks not kept yet.  A task that raises is reported
(``failures``) and the others go on; a scenario with a failed replication gets no result.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from tqdm.auto import tqdm

from ..accounting.metrics import compute
from ..inputs.arms import PAIRED, arms_for
from ..inputs.metric_registry import METRICS
from ..inputs.reform_registry import REFORMS
from ..inputs.scenario_file import load_scenario
from ..inputs.schema import Scenario
from ..observation.results_folder import (
    EQUITY_REPLICATIONS_COLUMNS,
    PER_REPLICATION,
    REFERRALS_COLUMNS,
    REPLICATION_COLUMNS,
    STATIONS_COLUMNS,
)
from ..system.streams import Streams
from ..system.world import World
from .checkpoint import Checkpoint, Parts
from .executors import Outcome, dask_cluster, in_process, process_pool
from .failures import Failure, ReplicationFailed
from .options import DEFAULT_OPTIONS, RunOptions
from .replication import ReplicationRun
from .run_result import RunResult


@dataclass(frozen=True)
class Task:
    scenario: Scenario
    replication: int
    seed: int


Row = tuple[str, str, float]  # arm, metric, value


# Task result part -> the columns of its table (each row starts with scenario and replication).
TABLE_COLUMNS = {
    "metrics": REPLICATION_COLUMNS,
    "stations": STATIONS_COLUMNS,
    "referrals": REFERRALS_COLUMNS,
    "equity": EQUITY_REPLICATIONS_COLUMNS,
}


def part_columns() -> dict[str, tuple[str, ...]]:
    """Every part of a task result and its table's columns: the core tables, then each
    registered reform's output table, by file name."""
    extra = {t.file: (*PER_REPLICATION, *t.columns) for t in REFORMS.tables()}
    return {**TABLE_COLUMNS, **extra}


@dataclass
class TaskResult:
    """One replication's rows of each table (``part_columns``), each row starting with the
    arm: ``metrics`` (arm, metric, value), ``stations``, ``referrals``, ``equity`` and the
    reforms' output tables by file name."""

    parts: dict[str, list[tuple]]

    @classmethod
    def empty(cls) -> TaskResult:
        return cls({part: [] for part in part_columns()})

    @property
    def metrics(self) -> list[Row]:
        return self.parts["metrics"]


def run_task(task: Task, full_log: bool = False) -> TaskResult:
    """Simulate every arm of one replication; its metrics, stations and the paired comparison.

    ``full_log`` keeps every row as well (same results, memory growing with the horizon).
    An error raises ``ReplicationFailed`` naming the scenario, replication, seed and the arm
    being simulated (``paired`` while comparing the arms, none while building the world).
    """
    _test_kill_worker(task)
    run = None
    try:
        world = World.build(task.scenario)
        streams = Streams(task.seed, task.replication)
        run = ReplicationRun(world, arms_for(task.scenario), streams, full_log)
        run.run()
        return task_result(run)
    except Exception as error:
        arm = run.stage if run is not None else None
        failure = Failure.of(error, task.scenario.name, task.replication, task.seed, arm)
        raise ReplicationFailed(failure) from error


# Test hook: "R:MARKER" makes the worker process running replication R exit at once, if the
# file MARKER does not exist yet (it is created first, so it happens once); "R:" every time.
KILL_WORKER_ENV = "CAREPATH_TEST_KILL_WORKER"


def _test_kill_worker(task: Task) -> None:
    hook = os.environ.get(KILL_WORKER_ENV)
    if not hook or multiprocessing.parent_process() is None:  # only ever a worker process
        return
    replication, _, marker = hook.partition(":")
    if int(replication) != task.replication:
        return
    if marker:
        try:
            Path(marker).touch(exist_ok=False)
        except FileExistsError:
            return
    os._exit(9)


def task_result(run: ReplicationRun) -> TaskResult:
    """The rows a finished replication contributes to each table."""
    result = TaskResult.empty()
    parts = result.parts
    for name, arm_run in run.arms.items():
        run.stage = name
        tally = arm_run.tally
        parts["metrics"].extend((name, metric, value) for metric, value in compute(tally).items())
        parts["stations"].extend((name, *row) for row in tally.stations.rows())
        parts["referrals"].extend((name, *row) for row in tally.referrals.facility_week_rows())
        parts["equity"].extend((name, *row) for row in tally.equity.rows())
        for file, rows in tally.reform_tables().items():
            parts[file].extend((name, *row) for row in rows)
    if run.pairing is not None:
        run.stage = PAIRED
        values = run.pairing.metrics()
        result.metrics.extend((PAIRED, name, values[name]) for name in METRICS.names("paired"))
    run.stage = None
    return result


def tasks_for(scenario: Scenario, replications: int, seed: int) -> list[Task]:
    return [Task(scenario, r, seed) for r in range(replications)]


@dataclass
class Batch:
    """What a batch produced: a result per scenario whose replications all finished, and the
    replications that failed (their scenarios have no result)."""

    results: list[RunResult]
    failures: list[Failure]
    # By scenario name, when the batch was given an output folder.
    checkpoints: dict[str, Checkpoint]


class BatchFailed(RuntimeError):
    """Some replications raised; the others finished (and were kept, given an output folder)."""

    def __init__(self, batch: Batch) -> None:
        lines = "\n".join(failure.line() for failure in batch.failures)
        super().__init__(f"{len(batch.failures)} replication(s) failed:\n{lines}")
        self.batch = batch


def run_batch(scenarios: Sequence[Scenario], options: RunOptions = DEFAULT_OPTIONS) -> Batch:
    """Run the batches of several scenarios under one progress bar; never raises for a failed
    replication (see ``Batch.failures``).

    With ``options.out``, finished replications are kept under ``<out>/<scenario>/.partial/``
    as they complete and reused by a re-run (``checkpoint``); writing the final files and then
    discarding the checkpoints is the caller's part (``carepath run`` does both).
    """
    plans = []
    for scenario in scenarios:
        seed = options.seed_of(scenario)
        tasks = tasks_for(scenario, options.replications_of(scenario), seed)
        checkpoint = Checkpoint(options.out, scenario, seed) if options.out is not None else None
        plans.append((scenario, seed, tasks, checkpoint))
    all_tasks = [task for _, _, tasks, _ in plans for task in tasks]
    kept = [checkpoint for _, _, tasks, checkpoint in plans for _ in tasks]
    outcomes = _execute(all_tasks, kept, options)
    batch = Batch([], [], {})
    start = 0
    for scenario, seed, tasks, checkpoint in plans:
        mine = outcomes[start : start + len(tasks)]
        start += len(tasks)
        if checkpoint is not None:
            batch.checkpoints[scenario.name] = checkpoint
        failed = [outcome for outcome in mine if isinstance(outcome, Failure)]
        if failed:
            batch.failures.extend(failed)
            continue
        finished = [outcome for outcome in mine if isinstance(outcome, TaskResult)]
        batch.results.append(run_result(scenario, seed, tasks, finished))
    return batch


def run_result(
    scenario: Scenario, seed: int, tasks: Sequence[Task], results: Sequence[TaskResult]
) -> RunResult:
    """One scenario's tables from its tasks' results, in task order."""
    pairs = list(zip(tasks, results, strict=True))
    frames = {
        part: pd.DataFrame(
            [(t.scenario.name, t.replication, *row) for t, r in pairs for row in r.parts[part]],
            columns=list(columns),
        )
        for part, columns in part_columns().items()
    }
    table, stations, referrals, equity = (frames.pop(part) for part in TABLE_COLUMNS)
    return RunResult.of(scenario, seed, table, stations, referrals, equity, frames)


def _execute(
    tasks: Sequence[Task], checkpoints: Sequence[Checkpoint | None], options: RunOptions
) -> list[TaskResult | Failure]:
    """Every task's result (kept, or run now and kept) or its failure, in task order."""
    outcomes: list[TaskResult | Failure | None] = [
        _load(checkpoint, task) for task, checkpoint in zip(tasks, checkpoints, strict=True)
    ]
    todo = [i for i, outcome in enumerate(outcomes) if outcome is None]
    bar = tqdm(
        total=len(tasks),
        initial=len(tasks) - len(todo),
        desc="replications",
        unit="rep",
        disable=not options.progress,
    )
    with bar:
        # run_task is looked up here, not bound at import, so tests can stand in for it.
        for j, outcome in _outcomes(run_task, [tasks[i] for i in todo], options):
            i = todo[j]
            outcomes[i] = _keep(tasks[i], checkpoints[i], outcome)
            bar.update()
    return [outcome for outcome in outcomes if outcome is not None]


def _outcomes(fn: Callable, tasks: Sequence[Task], options: RunOptions) -> Iterator[Outcome]:
    if not tasks:  # all kept already: no pool, no cluster connection
        return iter(())
    if options.scheduler is not None:
        return dask_cluster(fn, tasks, options.scheduler, options.dask_timeout_s)
    if options.jobs <= 1:
        return in_process(fn, tasks)
    return process_pool(fn, tasks, min(options.jobs, len(tasks)))


def _load(checkpoint: Checkpoint | None, task: Task) -> TaskResult | None:
    if checkpoint is None:
        return None
    # each row is kept without the scenario and replication that start its table's row
    widths = {part: len(columns) - 2 for part, columns in part_columns().items()}
    parts = checkpoint.load(task.replication, widths)
    if parts is None:
        return None
    return TaskResult({part: rows or [] for part, rows in parts.items()})


def _keep(
    task: Task, checkpoint: Checkpoint | None, outcome: TaskResult | BaseException
) -> TaskResult | Failure:
    """Checkpoint a finished task; turn an error into the failure it reports."""
    if isinstance(outcome, BaseException):
        failure = (
            outcome.failure
            if isinstance(outcome, ReplicationFailed)
            else Failure.of(outcome, task.scenario.name, task.replication, task.seed, None)
        )
        if checkpoint is not None:
            checkpoint.note_failure(task.replication, failure.traceback)
        return failure
    if checkpoint is not None:
        parts: Parts = dict(outcome.parts)
        checkpoint.save(task.replication, parts)
    return outcome


def run_many(
    scenarios: Sequence[Scenario], options: RunOptions = DEFAULT_OPTIONS
) -> list[RunResult]:
    """Run the batches of several scenarios under one progress bar.

    Raises ``BatchFailed`` (after every other replication has finished) if any replication
    raised.
    """
    batch = run_batch(scenarios, options)
    if batch.failures:
        raise BatchFailed(batch)
    return batch.results


def run(
    scenario: Scenario | str | Path,
    replications: int | None = None,
    seed: int | None = None,
    jobs: int = 1,
    progress: bool = False,
    out: str | Path | None = None,
    scheduler: str | None = None,
) -> RunResult:
    """Run a scenario's batch (both arms, every replication) and summarise it.

    ``replications`` and ``seed`` default to the scenario's own; ``jobs`` > 1 uses a process
    pool, ``scheduler`` a Dask cluster (``tcp://HOST:PORT``), with results identical to
    ``jobs=1``.  With ``out``, finished replications are kept under ``<out>/<scenario>/.partial``
    and a repeated call runs only the missing ones (``RunOptions``).
    """
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    where = Path(out) if out is not None else None
    options = RunOptions(replications, seed, jobs, progress, where, scheduler)
    return run_many([scenario], options)[0]


def run_drawn(
    scenario: Scenario,
    drawn: Sequence[Scenario],
    seed: int,
    options: RunOptions = DEFAULT_OPTIONS,
    folder: str | None = None,
) -> RunResult:
    """Replication r of ``scenario`` run at ``drawn[r]``: the scenario at inputs drawn for that
    replication (``carepath run --posterior``), so that the replications carry input and
    simulation uncertainty together.  Each ``drawn`` scenario has ``scenario``'s name; the
    tables are ``scenario``'s.

    With ``options.out``, each replication is kept in the checkpoint of its own drawn scenario
    (all under ``<out>/<folder>/.partial/``, ``folder`` the scenario's name if not given), so a
    re-run with other draws never reads one back and one with the same draws runs only the
    missing replications.  Raises
    ``BatchFailed`` if any replication raised (the others finished and kept).
    """
    strangers = sorted({one.name for one in drawn} - {scenario.name})
    if strangers:
        raise ValueError(f"drawn scenarios must be named {scenario.name!r}, not {strangers}")
    tasks = [Task(one, r, seed) for r, one in enumerate(drawn)]
    checkpoints = [
        Checkpoint(options.out, one, seed, folder) if options.out is not None else None
        for one in drawn
    ]
    outcomes = _execute(tasks, checkpoints, options)
    failures = [outcome for outcome in outcomes if isinstance(outcome, Failure)]
    if failures:
        kept = {scenario.name: checkpoints[0]} if checkpoints and checkpoints[0] else {}
        raise BatchFailed(Batch([], failures, kept))
    finished = [outcome for outcome in outcomes if isinstance(outcome, TaskResult)]
    return run_result(scenario, seed, tasks, finished)


def run_replications(
    scenario: Scenario, numbers: Sequence[int], seed: int, options: RunOptions = DEFAULT_OPTIONS
) -> RunResult:
    """Run the given replication numbers of one scenario, e.g. more of a batch already run
    (``options``' jobs and progress; with ``options.out``, each finished replication is kept
    as in :func:`run_batch`, and one kept already is read back rather than run).

    Replication r depends only on the scenario, the seed and r, so the tables of replications
    0..k-1 and k..n-1 put one after the other are those of a batch of n.  Raises
    ``BatchFailed`` if any of them raised.
    """
    tasks = [Task(scenario, r, seed) for r in numbers]
    checkpoint = Checkpoint(options.out, scenario, seed) if options.out is not None else None
    outcomes = _execute(tasks, [checkpoint] * len(tasks), options)
    failures = [outcome for outcome in outcomes if isinstance(outcome, Failure)]
    kept = {scenario.name: checkpoint} if checkpoint is not None else {}
    if failures:
        raise BatchFailed(Batch([], failures, kept))
    finished = [outcome for outcome in outcomes if isinstance(outcome, TaskResult)]
    return run_result(scenario, seed, tasks, finished)
