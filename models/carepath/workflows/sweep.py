"""Sweeps: run a scenario at several values of its levers as one batch, into one tidy table.

Every variant is run with the same seed, so variants see the same simulated patients and the
curve of a saving against a lever is not blurred by different draws at each point.
``--replications`` and ``--seed`` given on the command line apply to every variant.

Result files (``results/<name>/``): ``sweep.csv`` (the summary rows of every variant, with a
``variant`` column and one column per lever), ``sweep_replications.csv`` (the same for the
per-replication rows) and ``manifest.json`` (with a ``sweep`` entry: mode, levers and each
variant's lever values, seed and replications).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ..execution.batch import RunResult, run_many
from ..execution.checkpoint import Checkpoint
from ..execution.manifest import RunRecord, scenario_hash
from ..execution.options import DEFAULT_OPTIONS, RunOptions
from ..inputs.scenario_file import resolved
from ..inputs.schema import Scenario
from ..inputs.sweep import Sweep
from ..inputs.variants import Variant, variants
from ..observation.results_folder import SWEEP_FILE, SWEEP_REPLICATIONS_FILE, write_tables


@dataclass
class SweepResult:
    """A sweep's variants and the batch of each, with tidy tables across all of them."""

    scenario: Scenario  # as given, with its sweep
    sweep: Sweep
    variants: list[Variant]
    runs: list[RunResult]
    seed: int  # as asked for (the command line's or the file's); a lever may change it
    replications: int

    @property
    def levers(self) -> list[str]:
        return list(self.sweep.levers)

    @property
    def table(self) -> pd.DataFrame:
        """Summary rows of every variant: scenario, variant, one column per lever, metric, arm,
        n, mean, sd, ci_low, ci_high."""
        return with_lever_columns(self.variants, [run.summary for run in self.runs])

    @property
    def replications_table(self) -> pd.DataFrame:
        """Per-replication rows of every variant, with the variant and lever columns."""
        return with_lever_columns(self.variants, [run.replications for run in self.runs])


def run_sweep(
    scenario: Scenario,
    levers: Mapping[str, Sequence[Any]] | None = None,
    mode: str = "grid",
    replications: int | None = None,
    seed: int | None = None,
    jobs: int = 1,
    progress: bool = False,
    out: Path | None = None,
    scheduler: str | None = None,
) -> SweepResult:
    """Run every variant of a sweep as one batch.

    ``levers`` (lever path -> values) and ``mode`` define the sweep; without them the
    scenario's own ``sweep:`` block is run.  The other options as in ``carepath.run``
    (``RunOptions``): finished replications are kept under ``out`` (and reused by a re-run),
    and a Dask ``scheduler`` runs them.

    >>> run_sweep(scenario, {"reforms.credit.enrolment": [0, 0.5, 1]}, replications=5)
    """
    options = RunOptions(replications, seed, jobs, progress, out, scheduler)
    return run_sweeps([(scenario, _sweep(scenario, levers, mode))], options)[0]


def run_sweeps(
    sweeps: Sequence[tuple[Scenario, Sweep]], options: RunOptions = DEFAULT_OPTIONS
) -> list[SweepResult]:
    """Run several sweeps' variants together, under one progress bar (``run_sweep``)."""
    plans = [(scenario, sweep, variants(scenario, sweep)) for scenario, sweep in sweeps]
    found = [v.scenario for _, _, mine in plans for v in mine]
    runs = run_many(found, options)
    results, start = [], 0
    for scenario, sweep, mine in plans:
        done = runs[start : start + len(mine)]
        start += len(mine)
        results.append(
            SweepResult(
                scenario,
                sweep,
                mine,
                done,
                options.seed_of(scenario),
                options.replications_of(scenario),
            )
        )
    return results


def with_lever_columns(found: Sequence[Variant], tables: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """The tables of the variants stacked, each row carrying its variant and lever values.

    Lever values that are not single numbers or words (a list of facilities) are written as
    JSON text, so the table stays flat.
    """
    pieces = []
    for variant, table in zip(found, tables, strict=True):
        columns = {"variant": variant.index}
        columns.update({path: _cell(value) for path, value in variant.levers.items()})
        front = pd.DataFrame({name: [value] * len(table) for name, value in columns.items()})
        rest = table.drop(columns="scenario").reset_index(drop=True)
        pieces.append(pd.concat([table[["scenario"]].reset_index(drop=True), front, rest], axis=1))
    return pd.concat(pieces, ignore_index=True)


def write_sweep(
    out_dir: Path,
    file: Path | None,
    result: SweepResult,
    run: RunRecord,
) -> Path:
    """Write a sweep's tables and its manifest into ``<out_dir>/<scenario name>/``."""
    manifest = run.manifest(
        result.scenario,
        file,
        result.seed,
        result.replications,
        result.runs[0].arms,
        extra={"sweep": sweep_record(result)},
    )
    tables = {SWEEP_FILE: result.table, SWEEP_REPLICATIONS_FILE: result.replications_table}
    return write_tables(out_dir, result.scenario.name, tables, manifest)


def run_sweep_files(
    loaded: Sequence[tuple[Path, Scenario]], options: RunOptions, run: RunRecord
) -> list[Path]:
    """Run the sweeps of several loaded files as one batch and write each one's folder into
    ``options.out``.

    Finished replications are kept under ``<out>/<scenario>/.partial/`` (one folder per
    variant) until the sweep's tables are written, so an interrupted sweep resumes.
    """
    if options.out is None:
        raise ValueError("a sweep's files need an output folder (options.out)")
    pairs = [(scenario, scenario.sweep) for _, scenario in loaded if scenario.sweep is not None]
    results = run_sweeps(pairs, options)
    run = run.ended()
    folders = []
    for (file, _), result in zip(loaded, results, strict=True):
        folders.append(write_sweep(options.out, file, result, run))
        for variant in result.variants:
            Checkpoint(options.out, variant.scenario, result.seed).discard()
    return folders


def sweep_record(result: SweepResult) -> dict:
    """The manifest's account of a sweep: mode, levers, and what each variant ran with."""
    return {
        "mode": result.sweep.mode,
        "levers": {path: list(values) for path, values in result.sweep.levers.items()},
        "variants": [
            {
                "variant": variant.index,
                "levers": variant.levers,
                "seed": run.seed,
                "replications": run.replication_count,
                "scenario_sha256": scenario_hash(resolved(variant.scenario)),
            }
            for variant, run in zip(result.variants, result.runs, strict=True)
        ],
    }


def _sweep(scenario: Scenario, levers: Mapping[str, Sequence[Any]] | None, mode: str) -> Sweep:
    if levers is not None:
        return Sweep(levers={path: list(values) for path, values in levers.items()}, mode=mode)
    if scenario.sweep is None:
        raise ValueError(f"scenario {scenario.name!r} has no sweep: give levers")
    return scenario.sweep


def _cell(value: Any) -> Any:
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return json.dumps(value, sort_keys=True)
