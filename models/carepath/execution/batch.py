"""Batches: every replication of every arm of one or more scenarios, in one process, a local
process pool or on a Dask cluster.

A task is one replication of one scenario, all arms: it depends on nothing but those and the
seed, so results are the same whichever worker runs it and in whatever order, and are put back
in a fixed order before anything is written.  Keeping a replication's arms together lets them be
compared patient by patient (``analysis.paired``).

Given an output folder, each finished task is kept at once in a checkpoint (``checkpoint``) and
a re-run of the same batch runs only the tasks not kept yet.  A task that raises is reported
(``failures``) and the others go on; a scenario with a failed replication gets no result.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, fields
from pathlib import Path

import pandas as pd
from tqdm.auto import tqdm

from ..accounting.metrics import compute, credit_balance
from ..accounting.paired import PAIRED_METRICS, Pairing
from ..accounting.referrals import FACILITY_WEEK_COLUMNS
from ..accounting.stations import STATION_COLUMNS
from ..analysis.statistics import PAIRED, summarise
from ..inputs.arms import WITHOUT, arms_for
from ..inputs.scenario_file import load_scenario
from ..inputs.schema import Scenario
from ..system.world import World
from .checkpoint import Checkpoint, Parts
from .collector import collector_paused
from .executors import Outcome, dask_cluster, in_process, process_pool
from .failures import Failure, ReplicationFailed
from .replication import ArmRun, fold_times

REPLICATION_COLUMNS = ["scenario", "replication", "arm", "metric", "value"]
STATIONS_COLUMNS = ["scenario", "replication", "arm", *STATION_COLUMNS]
REFERRALS_COLUMNS = ["scenario", "replication", "arm", *FACILITY_WEEK_COLUMNS]
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
    referrals: pd.DataFrame

    @property
    def arms(self) -> list[str]:
        return [arm for arm in dict.fromkeys(self.replications.arm) if arm != PAIRED]


Row = tuple[str, str, float]  # arm, metric, value


@dataclass
class TaskResult:
    metrics: list[Row]
    stations: list[tuple]  # arm, then analysis.stations.STATION_COLUMNS
    credit: list[tuple]  # arm, day, outstanding_yuan, defaulted_yuan
    referrals: list[tuple]  # arm, then analysis.referrals.FACILITY_WEEK_COLUMNS


def run_task(task: Task, full_log: bool = False) -> TaskResult:
    """Simulate every arm of one replication; its metrics, stations and the paired comparison.

    The arms run side by side, a day at a time, each folding its records as it goes; a measured
    patient's values wait from the end of their episode in one arm to its end in the other, for
    the paired comparison (``analysis.paired``).  ``full_log`` keeps every row as well (same
    results, memory growing with the horizon).

    An error raises ``ReplicationFailed`` naming the scenario, replication, seed and the arm
    being simulated (``paired`` while comparing the arms, none while building the world).
    """
    with _naming(task, None):
        world = World.build(task.scenario)
    arms = arms_for(task.scenario)
    paired = {WITHOUT.name, "with"} <= {arm.name for arm in arms}
    runs: dict[str, ArmRun] = {}
    for arm in arms:
        with _naming(task, arm.name):
            runs[arm.name] = ArmRun(world, arm, task.seed, task.replication, full_log, paired)
    pairing = Pairing() if paired else None
    with collector_paused():
        for until_min in fold_times(world):
            for name, arm_run in runs.items():
                with _naming(task, name):
                    arm_run.advance(until_min)
            _pair(task, pairing, runs)
    for name, arm_run in runs.items():
        with _naming(task, name):
            arm_run.finish()
    _pair(task, pairing, runs, last=True)
    result = TaskResult([], [], [], [])
    for name, arm_run in runs.items():
        with _naming(task, name):
            tally = arm_run.tally
            result.metrics.extend((name, metric, value) for metric, value in compute(tally).items())
            result.stations.extend((name, *row) for row in tally.stations.rows())
            result.credit.extend((name, *row) for row in credit_balance(tally))
            result.referrals.extend((name, *row) for row in tally.referrals.facility_week_rows())
    if pairing is not None:
        values = pairing.metrics()
        result.metrics.extend((PAIRED, metric, values[metric]) for metric in PAIRED_METRICS)
    return result


def _pair(task: Task, pairing: Pairing | None, runs: dict[str, ArmRun], last: bool = False) -> None:
    """Fold the patients whose episodes have ended in both arms; at the end, every one."""
    if pairing is None:
        return
    with _naming(task, PAIRED):
        without, with_ = runs[WITHOUT.name].tally.ended, runs["with"].tally.ended
        pairing.fold(without, with_)
        if last and (without or with_):
            raise RuntimeError(
                f"{len(without) + len(with_)} measured patients are in one arm only "
                "(the arms must see the same patients)"
            )


@contextmanager
def _naming(task: Task, arm: str | None) -> Iterator[None]:
    try:
        yield
    except Exception as error:
        failure = Failure.of(error, task.scenario.name, task.replication, task.seed, arm)
        raise ReplicationFailed(failure) from error


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


def run_batch(
    scenarios: Sequence[Scenario],
    replications: int | None = None,
    seed: int | None = None,
    jobs: int = 1,
    progress: bool = False,
    out: str | Path | None = None,
    scheduler: str | None = None,
) -> Batch:
    """Run the batches of several scenarios under one progress bar; never raises for a failed
    replication (see ``Batch.failures``).

    With ``out``, finished replications are kept under ``<out>/<scenario>/.partial/`` as they
    complete and reused by a re-run (``checkpoint``); writing the final files and then
    discarding the checkpoints is the caller's part (``carepath run`` does both).
    ``scheduler`` (a Dask scheduler address) runs the tasks on that cluster instead of ``jobs``
    local processes.
    """
    plans = []
    for scenario in scenarios:
        n = replications if replications is not None else scenario.simulation.replications
        s = seed if seed is not None else scenario.simulation.seed
        checkpoint = Checkpoint(Path(out), scenario, s) if out is not None else None
        plans.append((scenario, s, tasks_for(scenario, n, s), checkpoint))
    all_tasks = [task for _, _, tasks, _ in plans for task in tasks]
    kept = [checkpoint for _, _, tasks, checkpoint in plans for _ in tasks]
    outcomes = _execute(all_tasks, kept, jobs, progress, scheduler)
    batch = Batch([], [], {})
    start = 0
    for scenario, s, tasks, checkpoint in plans:
        mine = outcomes[start : start + len(tasks)]
        start += len(tasks)
        if checkpoint is not None:
            batch.checkpoints[scenario.name] = checkpoint
        failed = [outcome for outcome in mine if isinstance(outcome, Failure)]
        if failed:
            batch.failures.extend(failed)
            continue
        table, *more = _tables(tasks, mine)
        batch.results.append(RunResult(scenario, s, table, summarise(table), *more))
    return batch


def _execute(
    tasks: Sequence[Task],
    checkpoints: Sequence[Checkpoint | None],
    jobs: int,
    progress: bool,
    scheduler: str | None,
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
        disable=not progress,
    )
    with bar:
        # run_task is looked up here, not bound at import, so tests can stand in for it.
        for j, outcome in _outcomes(run_task, [tasks[i] for i in todo], jobs, scheduler):
            i = todo[j]
            outcomes[i] = _keep(tasks[i], checkpoints[i], outcome)
            bar.update()
    return outcomes  # type: ignore[return-value]


def _outcomes(
    fn: Callable, tasks: Sequence[Task], jobs: int, scheduler: str | None
) -> Iterator[Outcome]:
    if not tasks:  # all kept already: no pool, no cluster connection
        return iter(())
    if scheduler is not None:
        return dask_cluster(fn, tasks, scheduler)
    if jobs <= 1:
        return in_process(fn, tasks)
    return process_pool(fn, tasks, min(jobs, len(tasks)))


def _load(checkpoint: Checkpoint | None, task: Task) -> TaskResult | None:
    parts = checkpoint.load(task.replication) if checkpoint is not None else None
    if parts is None:
        return None
    try:
        return TaskResult(**parts)
    except TypeError:  # kept by a TaskResult of another shape: run it again
        return None


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
        parts: Parts = {f.name: getattr(outcome, f.name) for f in fields(outcome)}
        checkpoint.save(task.replication, parts)
    return outcome


def _tables(tasks: Sequence[Task], results: Sequence[TaskResult]) -> list[pd.DataFrame]:
    """The replications, stations, credit and referrals tables, in task order."""
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
            ("referrals", REFERRALS_COLUMNS),
        )
    ]


def run_many(
    scenarios: Sequence[Scenario],
    replications: int | None = None,
    seed: int | None = None,
    jobs: int = 1,
    progress: bool = False,
    out: str | Path | None = None,
    scheduler: str | None = None,
) -> list[RunResult]:
    """Run the batches of several scenarios under one progress bar.

    Raises ``BatchFailed`` (after every other replication has finished) if any replication
    raised.  ``out`` and ``scheduler`` as in ``run_batch``.
    """
    batch = run_batch(scenarios, replications, seed, jobs, progress, out, scheduler)
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
    and a repeated call runs only the missing ones.
    """
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    return run_many([scenario], replications, seed, jobs, progress, out, scheduler)[0]


def run_replications(
    scenario: Scenario,
    numbers: Sequence[int],
    seed: int,
    jobs: int = 1,
    progress: bool = False,
) -> RunResult:
    """Run the given replication numbers of one scenario, e.g. more of a batch already run.

    Replication r depends only on the scenario, the seed and r, so the tables of replications
    0..k-1 and k..n-1 put one after the other are those of a batch of n.  Raises
    ``BatchFailed`` if any of them raised.
    """
    tasks = [Task(scenario, r, seed) for r in numbers]
    outcomes = _execute(tasks, [None] * len(tasks), jobs, progress, None)
    failures = [outcome for outcome in outcomes if isinstance(outcome, Failure)]
    if failures:
        raise BatchFailed(Batch([], failures, {}))
    table, *more = _tables(tasks, outcomes)  # type: ignore[arg-type]
    return RunResult(scenario, seed, table, summarise(table), *more)
