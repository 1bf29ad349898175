"""Running scenario files and writing their result folders: what ``carepath run`` does, and
what ``carepath reproduce`` does again to compare.

Files with a ``sweep:`` block run as sweeps (``workflows.sweep``); the others as one batch, or
in rounds until a precision target is met (``workflows.precision``).  Each scenario's folder is
written by ``execution.run_result.write_outputs`` once all of its replications have finished
(as ``RunResult.save`` writes it), and its checkpoints are then discarded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..execution.batch import Batch, run_batch
from ..execution.checkpoint import Checkpoint
from ..execution.manifest import RunRecord
from ..execution.options import RunOptions
from ..execution.run_result import Written, write_outputs
from ..inputs.schema import Scenario
from ..observation.results_folder import SWEEP_FILE, SWEEP_REPLICATIONS_FILE
from .precision import Target, run_to_precision, warmup_estimate
from .sweep import run_sweep_files


@dataclass
class FilesRun:
    """What running scenario files wrote, and the batch behind it (its failures)."""

    written: list[Written]
    batch: Batch
    precision: dict[str, dict] = field(default_factory=dict)  # by scenario: rounds, met


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
