"""Running scenario files and writing their result folders: what ``carepath run`` does, and
what ``carepath reproduce`` does again to compare.

Files with a ``sweep:`` block run as sweeps (``workflows.sweep``); the others as one batch, or
in rounds until a precision target is met (``workflows.precision``).  Each scenario's folder is
written by :func:`write_outputs` once all of its replications have finished, and its
checkpoints are then discarded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..analysis.planner import budget
from ..analysis.plausibility import beside_published
from ..execution.batch import Batch, RunResult, run_batch
from ..execution.checkpoint import Checkpoint
from ..execution.manifest import RunRecord
from ..execution.options import RunOptions
from ..inputs.reform_registry import REFORMS
from ..inputs.schema import Scenario
from ..observation.results_folder import (
    BUDGET_FILE,
    PLAUSIBILITY_FILE,
    REFERRALS_FILE,
    REPLICATIONS_FILE,
    STATIONS_FILE,
    SUMMARY_FILE,
    SWEEP_FILE,
    SWEEP_REPLICATIONS_FILE,
    write_tables,
)
from .precision import Target, run_to_precision, warmup_estimate
from .sweep import run_sweep_files


@dataclass
class Written:
    """A scenario file's result folder, as written."""

    file: Path
    folder: Path
    files: list[str]
    plausibility: pd.DataFrame = field(default_factory=pd.DataFrame)
    sweep_variants: int = 0  # a sweep's, else 0


@dataclass
class FilesRun:
    """What running scenario files wrote, and the batch behind it (its failures)."""

    written: list[Written]
    batch: Batch
    precision: dict[str, dict] = field(default_factory=dict)  # by scenario: rounds, met


def output_tables(result: RunResult) -> dict[str, pd.DataFrame]:
    """The tables of one scenario's results folder, by file name."""
    tables = {
        REPLICATIONS_FILE: result.replications,
        SUMMARY_FILE: result.summary,
        STATIONS_FILE: result.stations,
        REFERRALS_FILE: result.referrals,
    }
    tables.update({file: frame for file, frame in result.tables.items() if len(frame)})
    published = beside_published(result.scenario, result.summary, result.replications)
    if len(published):
        tables[PLAUSIBILITY_FILE] = published
    tables[BUDGET_FILE] = budget(result.replications, result.scenario)
    return tables


def write_outputs(
    out: Path, file: Path, result: RunResult, run: RunRecord, extra: dict | None = None
) -> Written:
    """Write one scenario's results folder (its tables, then its manifest) under ``out``."""
    manifest = run.manifest(
        result.scenario,
        file,
        result.seed,
        result.replication_count,
        result.arms,
        extra={**_reform_entries(result), **(extra or {})},
    )
    tables = output_tables(result)
    folder = write_tables(out, result.scenario.name, tables, manifest)
    return Written(file, folder, list(tables), tables.get(PLAUSIBILITY_FILE, pd.DataFrame()))


def _reform_entries(result: RunResult) -> dict:
    """What a reform's output table adds to the manifest when it is written (who pays for
    credit's interest-free float: a reported figure, not hidden in a total)."""
    entries: dict = {}
    for table in REFORMS.tables():
        frame = result.tables.get(table.file)
        if table.manifest is not None and frame is not None and len(frame):
            entries.update(table.manifest(result.scenario))
    return entries


def run_files(
    loaded: list[tuple[Path, Scenario]],
    options: RunOptions,
    run: RunRecord,
    target: Target | None = None,
) -> FilesRun:
    """Run scenario files into ``options.out``: sweeps first, then the other files as one batch
    (or each to the precision ``target``); write the folder of every scenario whose replications
    all finished.

    Raises ``BatchFailed`` if a sweep or a precision round has a failed replication (a plain
    batch reports them in ``FilesRun.batch.failures`` instead), ``SchedulerError`` if the Dask
    cluster cannot be used, and ``KeyboardInterrupt`` as it comes; finished replications stay
    in their checkpoints.
    """
    if options.out is None:
        raise ValueError("running scenario files needs an output folder (options.out)")
    written: list[Written] = []
    sweeps = [(file, scenario) for file, scenario in loaded if scenario.sweep is not None]
    if sweeps:
        folders = run_sweep_files(sweeps, options, run)
        for (file, scenario), folder in zip(sweeps, folders, strict=True):
            count = scenario.sweep.variant_count if scenario.sweep is not None else 0
            tables = [SWEEP_FILE, SWEEP_REPLICATIONS_FILE]
            written.append(Written(file, folder, tables, sweep_variants=count))
    plain = [(file, scenario) for file, scenario in loaded if scenario.sweep is None]
    if not plain:
        return FilesRun(written, Batch([], [], {}))
    scenarios = [scenario for _, scenario in plain]
    precision: dict[str, dict] = {}
    if target is None:
        batch = run_batch(scenarios, options)
    else:
        batch = Batch([], [], {})
        for scenario in scenarios:
            result, report = run_to_precision(scenario, target, options)
            batch.results.append(result)
            precision[scenario.name] = {
                "precision": report,
                "warmup": warmup_estimate(scenario, options.seed),
            }
    run = run.ended()
    files = {scenario.name: file for file, scenario in plain}
    for result in batch.results:
        name = result.scenario.name
        written.append(write_outputs(options.out, files[name], result, run, precision.get(name)))
        if options.out is not None:  # the scenario's files are written: its checkpoints go
            Checkpoint(options.out, result.scenario, result.seed).discard()
    return FilesRun(written, batch, precision)
