"""Re-run the committed results and name every number that changed (``make reproduce``).

For each ``results/<folder>/manifest.json`` whose scenario file is a bundled one (under
``scenarios/``), the scenario is run again with the manifest's seed and replication count into a
temporary folder, the same way its command ran it (``carepath run``; ``carepath psa`` with the
manifest's ``psa`` settings; ``carepath calibrate`` with its ``calibration`` settings; at the
draws of the posterior file its ``posterior`` entry names, if the file is still there with the
recorded SHA-256, else that is the difference and nothing runs), and every CSV the manifest
lists is compared cell by cell with the committed one.  The claim under test is the package's:
same scenario and seed give byte-identical tables, so values are compared as the text written.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd

from ..execution.batch import BatchFailed
from ..execution.manifest import RunRecord, package_versions
from ..execution.options import RunOptions
from ..inputs.loading import ScenarioError
from ..inputs.posterior import Posterior, load_posterior
from ..inputs.scenario_file import load_scenario, resolved
from ..inputs.schema import Scenario
from ..observation.results_folder import (
    CHANGED,
    MANIFEST_FILE,
    REPLICATIONS_FILE,
    SUMMARY_FILE,
    changed_files,
    read_manifest,
    sha256_file,
)
from .calibrate import calibration_settings, run_calibration, write_calibration
from .posterior_runs import run_posterior_file
from .psa import psa_settings, run_psa_file
from .runs import run_files

# Columns that say which row a value belongs to, in the order a difference names them.
KEY_COLUMNS = (
    "design",
    "wave",
    "point",
    "sample",
    "input",
    "target",
    "grouping",
    "group",
    "metric",
    "perspective",
    "arm",
    "variant",
    "replication",
    "facility",
    "station",
    "day",
)
MAX_LISTED = 10  # per scenario and file, so that every file that changed shows
MAX_NOTES = 8


@dataclass(frozen=True)
class Difference:
    """One value (or row, or file) that differs between the committed and the new results."""

    scenario: str
    file: str
    where: str  # "metric wait_min, arm with, replication 3"
    what: str  # "value committed 1.5, new 1.6"

    def line(self) -> str:
        return ": ".join(part for part in (self.scenario, self.file, self.where, self.what) if part)


@dataclass
class Outcome:
    """What reproducing one results folder found."""

    scenario: str
    differences: list[Difference]
    notes: list[str]
    skipped: str = ""


def reproduce(
    results: Path = Path("results"),
    scenarios: Path = Path("scenarios"),
    jobs: int | None = None,
    progress: bool = False,
    log: Callable[[str], None] = print,
) -> list[Outcome]:
    """Re-run every committed result folder of a bundled scenario and compare; see module doc."""
    outcomes = []
    for folder in sorted(p for p in Path(results).iterdir() if (p / MANIFEST_FILE).is_file()):
        outcome = reproduce_folder(folder, scenarios, jobs or os.cpu_count() or 1, progress, log)
        outcomes.append(outcome)
    return outcomes


def reproduce_folder(
    folder: Path,
    scenarios: Path,
    jobs: int,
    progress: bool = False,
    log: Callable[[str], None] = print,
) -> Outcome:
    """Re-run one results folder and compare its CSVs with the committed ones."""
    manifest = read_manifest(folder)
    # The folder's own name: a scenario's, or ``<scenario>_psa`` for a PSA of it, and so on.
    name = folder.name
    file = Path(manifest["scenario_file"]) if manifest.get("scenario_file") else None
    if file is None or not _inside(file, scenarios):
        return Outcome(name, [], [], skipped=f"{file} is not a bundled scenario under {scenarios}")
    if not file.is_file():
        gone = Difference(name, str(file), "", "the scenario file is gone")
        return Outcome(name, [gone], [])
    differences = list(edited_files(name, folder, manifest))
    recorded = _posterior_entry(manifest)
    problem = _posterior_problem(recorded)
    if recorded is not None and problem:  # not re-run: its draws are not those it ran at
        return Outcome(name, [*differences, Difference(name, recorded["file"], "", problem)], [])
    try:
        scenario = load_scenario(file)
        posterior = None if recorded is None else load_posterior(recorded["file"], scenario)
    except ScenarioError as error:
        bad = [Difference(name, str(file), "", problem) for problem in error.problems]
        return Outcome(name, differences + bad, [])
    notes = _input_notes(manifest, resolved(scenario))
    log(f"{name}: re-running {file} ({_what(manifest, jobs)})")
    with tempfile.TemporaryDirectory(prefix="carepath-reproduce-") as tmp:
        new = _run_again(file, scenario, manifest, posterior, Path(tmp), jobs, progress)
        # The summary first, then the replications: what a reader of the listing wants to see.
        first = {SUMMARY_FILE: 0, REPLICATIONS_FILE: 1}
        for table in sorted(manifest.get("files") or {}, key=lambda t: (first.get(t, 2), t)):
            differences += compare_tables(name, table, folder / table, new / table)
    return Outcome(name, differences, notes)


def _run_again(
    file: Path,
    scenario: Scenario,
    manifest: dict,
    posterior: Posterior | None,
    out: Path,
    jobs: int,
    progress: bool,
) -> Path:
    """Run the folder's command again into ``out`` (the same kind, settings, seed and counts;
    at the same posterior's draws) and return the folder it wrote."""
    record = RunRecord.start(_command(), jobs)
    options = RunOptions(None, int(manifest["seed"]), jobs, progress, out)
    if "calibration" in manifest:
        calibration = calibration_settings(manifest["calibration"])
        result = run_calibration(scenario, calibration, options, file)
        return write_calibration(out, file, result, record.ended())
    if "psa" in manifest:
        psa = psa_settings(manifest["psa"])
        return run_psa_file(file, scenario, psa, options, record, posterior)[1]
    seed, replications = _overrides(manifest, scenario)
    options = replace(options, replications=replications, seed=seed)
    if posterior is not None:
        return run_posterior_file(file, scenario, posterior, options, record).folder
    again = run_files([(file, scenario)], options, record)
    if again.batch.failures:
        raise BatchFailed(again.batch)
    return out / scenario.name


def _what(manifest: dict, jobs: int) -> str:
    """What a folder's re-run runs, for the log."""
    runs = f"seed {manifest['seed']}, {manifest['replications']} replications, {jobs} jobs"
    if "calibration" in manifest:
        entry = manifest["calibration"]
        runs = f"a calibration of {entry['waves']} waves, {runs}"
    if "psa" in manifest:
        runs = f"a PSA of {manifest['psa']['samples']} samples, {runs}"
    entry = _posterior_entry(manifest)
    if entry is not None:
        runs = f"{runs}, at the draws of {entry['file']}"
    return runs


def _posterior_entry(manifest: dict) -> dict | None:
    """The posterior a run or PSA was made at: its ``file`` and ``sha256`` (None: not one)."""
    return manifest.get("posterior") or (manifest.get("psa") or {}).get("posterior")


def _posterior_problem(entry: dict | None) -> str:
    """Why the posterior file a folder was made at cannot be used again ("" when it can, or
    when the folder was made at none)."""
    if entry is None:
        return ""
    path = Path(entry["file"])
    if not path.is_file():
        return "the posterior file the run drew from is gone: not re-run"
    if sha256_file(path) != entry["sha256"]:
        return "the posterior file changed since the run (checksum differs): not re-run"
    return ""


def compare_tables(scenario: str, name: str, committed: Path, new: Path) -> list[Difference]:
    """Every cell, row or file that differs between two result tables, compared as text."""
    if not new.is_file():
        return [Difference(scenario, name, "", "the re-run did not write this file")]
    if not committed.is_file():
        return [Difference(scenario, name, "", "the committed file is missing")]
    old_table, new_table = _read(committed), _read(new)
    if list(old_table.columns) != list(new_table.columns):
        what = f"columns committed {list(old_table.columns)}, new {list(new_table.columns)}"
        return [Difference(scenario, name, "", what)]
    keys = [c for c in KEY_COLUMNS if c in old_table.columns]
    old_rows, new_rows = _keyed(old_table, keys), _keyed(new_table, keys)
    found = [
        Difference(scenario, name, _where(keys, key), f"row only in the {side} file")
        for side, mine, other in (("committed", old_rows, new_rows), ("new", new_rows, old_rows))
        for key in mine.index.difference(other.index, sort=False)
    ]
    common = old_rows.index.intersection(new_rows.index, sort=False)
    old_values, new_values = old_rows.loc[common], new_rows.loc[common]
    changed = old_values.ne(new_values)
    for position, column in zip(*changed.to_numpy().nonzero(), strict=True):
        key, column_name = common[position], old_values.columns[column]
        before, after = old_values.iat[position, column], new_values.iat[position, column]
        what = f"{column_name} committed {before}, new {after}"
        found.append(Difference(scenario, name, _where(keys, key), what))
    return found


EDITED = "changed since its run (checksum differs)"
# Exit code when a committed file differs from its manifest: the folder is not what its run
# wrote, so it is refused as bad input (as figures and report refuse it), after the listing.
REFUSED = 2


def report(outcomes: list[Outcome], log: Callable[[str], None] = print) -> int:
    """Print the outcome; exit code 0 if every bundled scenario reproduced, 2 if a committed
    file differs from its manifest's checksum, else 1."""
    differences = [d for o in outcomes for d in o.differences]
    for outcome in outcomes:
        if outcome.skipped:
            log(f"{outcome.scenario}: skipped: {outcome.skipped}")
            continue
        for note in outcome.notes[:MAX_NOTES]:
            log(f"{outcome.scenario}: note: {note}")
        if len(outcome.notes) > MAX_NOTES:
            log(f"{outcome.scenario}: note: ... and {len(outcome.notes) - MAX_NOTES} more changes")
        if not outcome.differences:
            log(f"{outcome.scenario}: identical")
        for file in dict.fromkeys(d.file for d in outcome.differences):
            mine = [d for d in outcome.differences if d.file == file]
            for difference in mine[:MAX_LISTED]:
                log(difference.line())
            if len(mine) > MAX_LISTED:
                log(
                    f"{outcome.scenario}: {file}: ... and {len(mine) - MAX_LISTED} more differences"
                )
    checked = [o for o in outcomes if not o.skipped]
    if differences:
        failed = len({d.scenario for d in differences})
        log(f"reproduce: {len(differences)} differences in {failed} of {len(checked)} scenarios")
        if any(d.what == EDITED for d in differences):
            log("reproduce: committed files differ from their manifests: refused")
            return REFUSED
        return 1
    log(f"reproduce: all {len(checked)} scenarios reproduced identically")
    return 0


def _overrides(manifest: dict, scenario: Scenario) -> tuple[int | None, int | None]:
    """The seed and replication count that give the committed run's, as ``carepath run``'s
    options: only what differs from the file (None otherwise), so that a sweep lever on either
    is kept."""
    seed, replications = int(manifest["seed"]), int(manifest["replications"])
    return (
        seed if seed != scenario.simulation.seed else None,
        replications if replications != scenario.simulation.replications else None,
    )


def _command() -> list[str]:
    return ["carepath", *sys.argv[1:]]


def edited_files(name: str, folder: Path, manifest: dict) -> Iterator[Difference]:
    """Committed files whose checksum no longer matches the one their run recorded (a file
    that is gone is a difference of the tables' comparison)."""
    for table, problem in changed_files(folder, manifest):
        if problem == CHANGED:
            yield Difference(name, table, "", EDITED)


def _input_notes(manifest: dict, now: dict) -> list[str]:
    """What changed in the scenario and the libraries since the committed run (explanations,
    not failures: only changed numbers in the results fail)."""
    notes = [
        f"scenario {path}: committed {before!r}, now {after!r}"
        for path, before, after in _changes(manifest.get("parameters") or {}, now)
    ]
    current = package_versions()
    for library, version in sorted((manifest.get("versions") or {}).items()):
        if library != "platform" and current.get(library) != version:
            notes.append(f"{library} {version} then, {current.get(library)} now")
    return notes


def _changes(before: Any, after: Any, path: str = "") -> Iterator[tuple[str, Any, Any]]:
    if isinstance(before, dict) and isinstance(after, dict):
        for key in [*before, *(k for k in after if k not in before)]:
            yield from _changes(before.get(key), after.get(key), f"{path}.{key}".lstrip("."))
    elif isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        for i, (b, a) in enumerate(zip(before, after, strict=True)):
            yield from _changes(b, a, f"{path}[{i}]")
    elif before != after:
        yield path, before, after


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _keyed(table: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """The table indexed by its key columns (by row number when it has none)."""
    if not keys:
        return table.rename_axis("row")
    return table.set_index(keys)


def _where(keys: list[str], key: Any) -> str:
    if not keys:
        return f"row {key + 1}"
    values = key if isinstance(key, tuple) else (key,)
    return ", ".join(f"{k} {v}" for k, v in zip(keys, values, strict=True))


def _inside(file: Path, folder: Path) -> bool:
    return Path(folder).resolve() in file.resolve().parents
