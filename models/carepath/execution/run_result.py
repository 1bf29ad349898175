"""One scenario's results: the tables of its batch (``RunResult``) and the folder a run writes
from them, its tables and then its manifest.

``carepath run`` (``workflows.runs``) and ``RunResult.save`` both write through
:func:`write_outputs`, so a folder saved from Python is the command line's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..analysis.equity import equity_summary
from ..analysis.planner import budget
from ..analysis.plausibility import beside_published
from ..analysis.shapley import attribution_summary
from ..analysis.statistics import summarise
from ..inputs.arms import PAIRED, arms_for, is_factorial
from ..inputs.metric_registry import METRICS
from ..inputs.reform_registry import REFORMS
from ..inputs.schema import Scenario
from ..observation.results_folder import (
    BUDGET_FILE,
    EQUITY_FILE,
    EQUITY_REPLICATIONS_FILE,
    METRIC_WORDS_COLUMNS,
    PLAUSIBILITY_FILE,
    REFERRALS_FILE,
    REPLICATIONS_FILE,
    STATIONS_FILE,
    SUMMARY_FILE,
    write_tables,
    writing_into,
)
from .manifest import RunRecord


@dataclass
class RunResult:
    """The tidy tables of one scenario's batch; ``equity``: the equity metrics per replication,
    arm and group (``equity_replications.csv``; :attr:`equity_summary` is ``equity.csv``);
    ``tables``: the registered reforms' output tables, by file name (``credit.csv``), empty
    where no arm had rows."""

    scenario: Scenario
    seed: int
    replications: pd.DataFrame
    summary: pd.DataFrame
    stations: pd.DataFrame
    referrals: pd.DataFrame
    equity: pd.DataFrame
    tables: dict[str, pd.DataFrame]

    @property
    def arms(self) -> list[str]:
        return [arm for arm in dict.fromkeys(self.replications.arm) if arm != PAIRED]

    @property
    def replication_count(self) -> int:
        return int(self.replications.replication.nunique())

    @property
    def equity_summary(self) -> pd.DataFrame:
        """``equity.csv``: the equity metrics per group, arm and paired difference."""
        return equity_summary(self.equity)

    def save(self, out: str | Path, scenario_file: str | Path | None = None) -> Path:
        """Write ``<out>/<scenario>/`` as ``carepath run --out OUT`` writes it (the same
        tables and manifest; the manifest's times are those of saving) and return the folder.

        ``scenario_file``, the file the scenario was read from, is recorded with its checksum
        when given.
        """
        file = None if scenario_file is None else Path(scenario_file)
        record = RunRecord.start(["RunResult.save", str(out)]).ended()
        with writing_into(Path(out)):
            return write_outputs(Path(out), file, self, record).folder

    @classmethod
    def of(
        cls,
        scenario: Scenario,
        seed: int,
        replications: pd.DataFrame,
        stations: pd.DataFrame,
        referrals: pd.DataFrame,
        equity: pd.DataFrame,
        tables: dict[str, pd.DataFrame],
    ) -> RunResult:
        """The result of these tables, with the summary of ``replications``."""
        summary = summarise(replications, registry=METRICS)
        if is_factorial(scenario):  # which reform saved what: appended after the arms' rows
            parts = attribution_summary(replications, arms_for(scenario), METRICS)
            summary = pd.concat([summary, parts], ignore_index=True)
        return cls(scenario, seed, replications, summary, stations, referrals, equity, tables)


@dataclass
class Written:
    """A scenario file's result folder, as written."""

    file: Path | None
    folder: Path
    files: list[str]
    plausibility: pd.DataFrame = field(default_factory=pd.DataFrame)
    sweep_variants: int = 0  # a sweep's, else 0


def with_metric_words(summary: pd.DataFrame) -> pd.DataFrame:
    """The summary with each metric's unit and description (from the metric registry) as its
    last columns; empty for a metric the registry does not know."""
    known = {name: METRICS.get(name) for name in summary.metric.unique() if METRICS.knows(name)}
    unit, description = METRIC_WORDS_COLUMNS
    return summary.assign(
        **{
            unit: [known[name].unit if name in known else "" for name in summary.metric],
            description: [
                known[name].description if name in known else "" for name in summary.metric
            ],
        }
    )


def output_tables(result: RunResult) -> dict[str, pd.DataFrame]:
    """The tables of one scenario's results folder, by file name."""
    tables = {
        REPLICATIONS_FILE: result.replications,
        SUMMARY_FILE: with_metric_words(result.summary),
        STATIONS_FILE: result.stations,
        REFERRALS_FILE: result.referrals,
    }
    tables.update({file: frame for file, frame in result.tables.items() if len(frame)})
    published = beside_published(result.scenario, result.summary, result.replications)
    if len(published):
        tables[PLAUSIBILITY_FILE] = published
    tables[BUDGET_FILE] = budget(result.replications, result.scenario)
    tables[EQUITY_FILE] = result.equity_summary
    tables[EQUITY_REPLICATIONS_FILE] = result.equity
    return tables


def write_outputs(
    out: Path,
    file: Path | None,
    result: RunResult,
    run: RunRecord,
    extra: dict | None = None,
    folder: str | None = None,
) -> Written:
    """Write one scenario's results folder (its tables, then its manifest) under ``out``:
    ``folder``, else the scenario's name; ``file`` is the scenario file it was read from
    (None: not known)."""
    manifest = run.manifest(
        result.scenario,
        file,
        result.seed,
        result.replication_count,
        result.arms,
        extra={**_reform_entries(result), **(extra or {})},
    )
    tables = output_tables(result)
    written = write_tables(out, folder or result.scenario.name, tables, manifest)
    return Written(file, written, list(tables), tables.get(PLAUSIBILITY_FILE, pd.DataFrame()))


def _reform_entries(result: RunResult) -> dict:
    """What a reform's output table adds to the manifest when it is written (who pays for
    credit's interest-free float: a reported figure, not hidden in a total)."""
    entries: dict = {}
    for table in REFORMS.tables():
        frame = result.tables.get(table.file)
        if table.manifest is not None and frame is not None and len(frame):
            entries.update(table.manifest(result.scenario))
    return entries
