"""The results folder: what a run writes, under which names, how, and how it is read back.

``<out>/<scenario>/`` holds the tidy per-replication outcomes (``replications.csv``), their
summary with each metric's unit and description (``summary.csv``), per-station,
per-facility-week and credit tables, care sought, forgone and delayed and time to care by zone
kind and by travel to the nearest county hospital (``equity.csv``, from
``equity_replications.csv``), the model beside the published figures (``plausibility.csv``)
and a manifest recording how they were made, with a checksum of each table so that later
analyses can prove which results they used.  A sweep's folder holds ``sweep.csv`` and
``sweep_replications.csv`` instead.  A PSA's folder is ``<scenario>_psa/``, a calibration's
``<scenario>_calibration/``, a run or PSA at a posterior's draws ``<scenario>_posterior/`` or
``<scenario>_psa_posterior/`` (beside the plain ones); ``<out>/validation/`` the queueing checks;
``<out>/figures/`` and ``<out>/validation.md`` what is drawn from them.

Every file is written atomically (a reader sees the old file or the new one, never half of
one), and the manifest last, so a folder with a manifest is complete.  This module is the one
place that knows these names; it depends on nothing else of carepath.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path, PurePath
from typing import Any

import numpy as np
import pandas as pd

# -- names ------------------------------------------------------------------------------------

REPLICATIONS_FILE = "replications.csv"
SUMMARY_FILE = "summary.csv"
STATIONS_FILE = "stations.csv"
REFERRALS_FILE = "referrals.csv"
CREDIT_FILE = "credit.csv"
PLAUSIBILITY_FILE = "plausibility.csv"
BUDGET_FILE = "budget.csv"
EQUITY_FILE = "equity.csv"
EQUITY_REPLICATIONS_FILE = "equity_replications.csv"
MANIFEST_FILE = "manifest.json"
SWEEP_FILE = "sweep.csv"
SWEEP_REPLICATIONS_FILE = "sweep_replications.csv"
# carepath psa, into <out>/<scenario>_psa/ (workflows.psa)
PSA_FILE = "psa.csv"
PSA_SUMMARY_FILE = "psa_summary.csv"
PSA_REPLICATIONS_FILE = "psa_replications.csv"
PSA_DESIGN_FILE = "psa_design.csv"
TORNADO_FILE = "tornado.csv"
PRCC_FILE = "prcc.csv"
MORRIS_FILE = "morris.csv"
SOBOL_FILE = "sobol.csv"
PSA_SUFFIX = "_psa"
# A calibration's folder (``workflows.calibrate``): ``<scenario>_calibration``.
CALIBRATION_SUFFIX = "_calibration"
POSTERIOR_FILE = "posterior.csv"
CALIBRATION_RUNS_FILE = "calibration_runs.csv"
CALIBRATION_WAVES_FILE = "calibration_waves.csv"
CALIBRATION_TARGETS_FILE = "calibration_targets.csv"
# A run or PSA at a posterior's draws (``--posterior``) beside the plain one, never over it:
# ``<scenario>_posterior``, ``<scenario>_psa_posterior`` (``posterior_folder``).
POSTERIOR_SUFFIX = "_posterior"
# A folder's longest name: a scenario name's (inputs.schema), since the scenarios a PSA or a
# calibration runs take their folder's name, and their checkpoints live under it.
MAX_FOLDER_NAME = 64
# <out>/validation/queueing.csv: the queueing-theory checks (``carepath validate``)
VALIDATION_FOLDER = "validation"
QUEUEING_FILE = "queueing.csv"
# <out>/figures/<scenario>/<figure>.png, .pdf, .txt and <out>/validation.md, drawn from the above
FIGURES_FOLDER = "figures"
REPORT_FILE = "validation.md"
# <out>/<scenario>/.partial/: a batch's finished replications, until its files are written
PARTIAL_FOLDER = ".partial"


def posterior_folder(folder: str) -> str:
    """The folder of a run or PSA at a posterior's draws, beside the plain one's ``folder``."""
    return f"{folder}{POSTERIOR_SUFFIX}"


def folder_name_problems(scenario_name: str, folder: str, what: str) -> list[str]:
    """Why ``folder``, the name of scenario ``scenario_name``'s ``what`` folder, cannot be one
    (empty when it can): longer than ``MAX_FOLDER_NAME``."""
    if len(folder) <= MAX_FOLDER_NAME:
        return []
    return [
        f"name: {scenario_name!r} is too long for its {what} folder name ({folder!r}: over "
        f"{MAX_FOLDER_NAME} characters)"
    ]


# -- columns ----------------------------------------------------------------------------------

REPLICATION_COLUMNS = ("scenario", "replication", "arm", "metric", "value")
SUMMARY_COLUMNS = ("scenario", "metric", "arm", "n", "mean", "sd", "ci_low", "ci_high")
# summary.csv adds each metric's unit and description (the metric registry's) after those
METRIC_WORDS_COLUMNS = ("unit", "description")
# per station and arm of each replication; the last two are its measured days' checks
# (accounting.stations): the busiest day's utilisation, the share of days cleared by closing
STATION_PERIOD_COLUMNS = ("facility", "station", "servers", "visits", "wait_min", "utilisation")
STATION_DAY_COLUMNS = ("peak_day_utilisation", "cleared_day_share")
STATION_COLUMNS = (*STATION_PERIOD_COLUMNS, *STATION_DAY_COLUMNS)
# per facility, measured week and arm of each replication
FACILITY_WEEK_COLUMNS = (
    "facility",
    "tier",
    "week",
    "referred_up",
    "referred_down",
    "self_referred",
    "wait_min",
    "queue_length",
)
# per simulated day and arm of each replication, when a credit line was drawn on
CREDIT_DAY_COLUMNS = ("day", "outstanding_yuan", "defaulted_yuan")
PER_REPLICATION = ("scenario", "replication", "arm")
STATIONS_COLUMNS = (*PER_REPLICATION, *STATION_COLUMNS)
REFERRALS_COLUMNS = (*PER_REPLICATION, *FACILITY_WEEK_COLUMNS)
CREDIT_COLUMNS = (*PER_REPLICATION, *CREDIT_DAY_COLUMNS)
PLAUSIBILITY_COLUMNS = (
    "scenario",
    "metric",
    "arm",
    "unit",
    "model_mean",
    "model_ci_low",
    "model_ci_high",
    "published",
    "published_low",
    "published_high",
    "overlaps",
    "source",
)
# Net cost by perspective in planner units: per 10,000 residents of the modelled zones per
# year, and per year for the area the scenario stands for (empty without an ``area:``).
BUDGET_COLUMNS = (
    "scenario",
    "perspective",
    "arm",
    "n",
    "yuan_per_10000_residents_year",
    "ci_low",
    "ci_high",
    "area",
    "area_population",
    "area_yuan_per_year",
    "area_ci_low",
    "area_ci_high",
)
# Equity: per arm of each replication, zone kind or band of travel minutes to the nearest county
# hospital (grouping, group), its residents, and each equity metric
EQUITY_GROUP_COLUMNS = ("grouping", "group", "residents")
EQUITY_REPLICATIONS_COLUMNS = (*PER_REPLICATION, *EQUITY_GROUP_COLUMNS, "metric", "value")
# equity.csv: summary.csv's rows (each arm, each paired difference) per grouping, group, metric
EQUITY_COLUMNS = (
    "scenario",
    *EQUITY_GROUP_COLUMNS,
    "metric",
    "arm",
    "n",
    "mean",
    "sd",
    "ci_low",
    "ci_high",
)
QUEUEING_COLUMNS = (
    "system",
    "station",
    "quantity",
    "expected",
    "n",
    "mean",
    "ci_low",
    "ci_high",
    "within_95",
    "level",
    "family_ci_low",
    "family_ci_high",
    "passed",
)

FLOAT_FORMAT = "%.12g"

# -- writing ----------------------------------------------------------------------------------


def write_atomic(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` in one step: readers see the old file or the new one.

    The bytes go to a hidden ``.<name>.<random>.tmp`` file in the same folder (so the final
    rename never crosses file systems), are flushed to disk, then renamed over ``path``.
    On any failure the temporary file is removed and ``path`` is left as it was.
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    # os.open rather than tempfile.mkstemp: mkstemp forces mode 0600, while result files
    # should get the usual permissions from the umask.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_folder(path.parent)


def table_bytes(df: pd.DataFrame) -> bytes:
    """CSV bytes of a table, identical for identical tables on any machine.

    No index, ``\\n`` line ends, floats with 12 significant digits (enough to be exact for
    reporting, few enough to hide last-bit differences between platforms), missing as empty.
    """
    text = df.to_csv(index=False, lineterminator="\n", float_format=FLOAT_FORMAT, na_rep="")
    return text.encode("utf-8")


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file's contents."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def write_tables(
    out_dir: Path, scenario_name: str, tables: dict[str, pd.DataFrame], manifest: dict
) -> Path:
    """Write ``tables`` (file name -> table) and then the manifest into
    ``<out_dir>/<scenario_name>``; return the folder.  See :func:`write_folder`."""
    _check_folder_name(scenario_name)
    return write_folder(Path(out_dir) / scenario_name, tables, manifest)


def write_folder(folder: Path, tables: dict[str, pd.DataFrame], manifest: dict) -> Path:
    """Replace ``folder`` as a whole with ``tables`` and the manifest, which records the
    checksum and size of every table.  The caller's ``manifest`` dict is not modified.

    The new folder is written beside it (``<folder>.new``), the old one renamed away
    (``<folder>.old``), the new one renamed in, the old one deleted: whenever the process stops,
    what is left is the old complete folder or the new complete one, once :func:`repair` has
    tidied a leftover pair (every writer and reader calls it first).
    """
    folder = Path(folder)
    repair(folder)
    new, old = _beside(folder, NEW_SUFFIX), _beside(folder, OLD_SUFFIX)
    new.mkdir(parents=True)
    _fault_point()
    files: dict[str, dict[str, Any]] = {}
    for name, table in tables.items():
        data = table_bytes(table)
        _write_durably(new / name, data)
        files[name] = {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
    document = {**manifest, "files": files}
    text = json.dumps(document, indent=2, sort_keys=False, ensure_ascii=False, default=_jsonable)
    _write_durably(new / MANIFEST_FILE, (text + "\n").encode("utf-8"))
    _fsync_folder(new)
    if folder.exists():
        os.replace(folder, old)
        _fault_point()
    os.replace(new, folder)
    _fsync_folder(folder.parent)
    _fault_point()
    shutil.rmtree(old, ignore_errors=True)
    _fault_point()
    return folder


NEW_SUFFIX, OLD_SUFFIX = ".new", ".old"
# Test hook: the process exits after this many file operations of a folder write (a fault
# injected at every step by tests/test_whole_folders.py).
FAULT_ENV = "CAREPATH_FAULT_AFTER_FILE_OPS"
_fault_count = [0]


def _fault_point() -> None:
    limit = os.environ.get(FAULT_ENV)
    if limit is None:
        return
    _fault_count[0] += 1
    if _fault_count[0] >= int(limit):
        os._exit(86)


def _beside(folder: Path, suffix: str) -> Path:
    return folder.with_name(folder.name + suffix)


def _write_durably(path: Path, data: bytes) -> None:
    with open(path, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    _fault_point()


def is_complete(folder: Path) -> bool:
    """Whether ``folder`` has a manifest and every file it lists, with its checksum."""
    try:
        verify(folder)
    except ResultsProblem:
        return False
    return True


def read_manifest(folder: Path) -> dict:
    """The manifest of ``folder`` as written (ResultsProblem naming it if it cannot be read)."""
    file = Path(folder) / MANIFEST_FILE
    try:
        manifest = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:  # UnicodeDecodeError is a ValueError
        raise ResultsProblem(f"{file}: cannot read the manifest: {error}") from None
    if not isinstance(manifest, dict):
        raise ResultsProblem(f"{file}: not a manifest (a JSON object)")
    return manifest


def verify(folder: Path) -> dict:
    """The manifest of ``folder``, after checking each file it lists against its SHA-256;
    ResultsProblem naming the first file that is missing or differs."""
    manifest = read_manifest(folder)
    for name, problem in changed_files(folder, manifest):
        if problem == MISSING:
            raise ResultsProblem(f"{Path(folder) / name}: listed in the manifest but missing")
        raise ResultsProblem(
            f"{Path(folder) / name}: differs from its checksum in {MANIFEST_FILE} (changed or "
            "cut short since it was written); run the scenario again"
        )
    return manifest


MISSING, CHANGED = "missing", "changed"


def changed_files(folder: Path, manifest: dict) -> list[tuple[str, str]]:
    """(file, MISSING or CHANGED) for each file the manifest lists that is not there or no
    longer has the SHA-256 its run recorded."""
    listed = manifest.get("files") or {}
    if not isinstance(listed, dict):
        raise ResultsProblem(f"{Path(folder) / MANIFEST_FILE}: its files entry is not a mapping")
    found = []
    for name, entry in listed.items():
        path = Path(folder) / name
        expected = entry.get("sha256") if isinstance(entry, dict) else None
        if not path.is_file():
            found.append((name, MISSING))
        elif sha256_file(path) != expected:
            found.append((name, CHANGED))
    return found


def repair(folder: Path) -> None:
    """Tidy what an interrupted :func:`write_folder` left beside ``folder``: keep the new
    folder if it was complete and the old one had been moved away, else the old one."""
    folder = Path(folder)
    new, old = _beside(folder, NEW_SUFFIX), _beside(folder, OLD_SUFFIX)
    if not folder.exists() and new.is_dir() and is_complete(new):
        os.replace(new, folder)
    elif not folder.exists() and old.is_dir():
        os.replace(old, folder)
    shutil.rmtree(new, ignore_errors=True)
    shutil.rmtree(old, ignore_errors=True)


def repair_all(results: Path) -> None:
    """:func:`repair` every folder under ``results`` that has a leftover pair."""
    results = Path(results)
    if not results.is_dir():
        return
    for path in sorted(results.iterdir()):
        for suffix in (NEW_SUFFIX, OLD_SUFFIX):
            if path.is_dir() and path.name.endswith(suffix):
                repair(path.with_name(path.name[: -len(suffix)]))


def _check_folder_name(scenario_name: str) -> None:
    # The name becomes a folder under out_dir; anything that could climb out of it is refused.
    parts = PurePath(scenario_name).parts
    if (
        not scenario_name
        or len(parts) != 1
        or parts[0] in {".", ".."}
        or "/" in scenario_name
        or "\\" in scenario_name
    ):
        raise ValueError(f"scenario name {scenario_name!r} is not a plain folder name")


def _jsonable(value: Any) -> Any:
    """Turn values json cannot write (numpy scalars and arrays, paths, dates) into plain ones."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, PurePath):
        return str(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=str)
    raise TypeError(f"cannot write {type(value).__name__} to the manifest: {value!r}")


def _fsync_folder(folder: Path) -> None:
    # Makes the rename itself durable on POSIX; folders cannot be opened this way on Windows.
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)


# -- one writer per output folder -------------------------------------------------------------

LOCK_FILE = ".carepath.lock"


@contextlib.contextmanager
def writing_into(out: Path) -> Iterator[None]:
    """Hold ``<out>/.carepath.lock`` while a command writes results into ``out``, after making
    sure a file can be written there (ResultsProblem, before any simulating, if not: a file in
    the way, no permission, a full disk; or another carepath run holding the lock)."""
    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
        handle = open(out / LOCK_FILE, "a+", encoding="utf-8")  # noqa: SIM115 (held below)
    except OSError as error:
        raise ResultsProblem(f"--out {out}: cannot write there ({error})") from None
    try:
        _lock(handle, out)
        try:
            probe = out / f".carepath.probe.{os.getpid()}"
            write_atomic(probe, b"can write\n")
            probe.unlink()
        except OSError as error:
            raise ResultsProblem(f"--out {out}: cannot write there ({error})") from None
        yield
    finally:
        handle.close()  # closing releases the lock


def _lock(handle: Any, out: Path) -> None:
    try:
        import fcntl
    except ImportError:  # not POSIX: no lock, as before
        return
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "another process"
        raise ResultsProblem(
            f"--out {out}: another carepath run ({holder}) is writing there; wait for it to "
            "finish or choose another --out"
        ) from None
    handle.seek(0)
    handle.truncate()
    handle.write(f"pid {os.getpid()}")
    handle.flush()


# -- reading ----------------------------------------------------------------------------------


class ResultsProblem(Exception):
    """A results folder that cannot be read; the message names the file."""


@dataclass
class ResultsFolder:
    """One ``<out>/<scenario>/`` folder: its manifest and its tables, read when first used."""

    path: Path
    manifest: dict
    _tables: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)

    @classmethod
    def read(cls, path: Path) -> ResultsFolder:
        """The folder, after tidying a leftover pair of an interrupted write and checking every
        file its manifest lists against its checksum (ResultsProblem if one differs)."""
        repair(Path(path))
        return cls(Path(path), verify(Path(path)))

    @property
    def name(self) -> str:
        """The folder's own name: the scenario's for a run or sweep, ``<scenario>_psa`` for
        a PSA of it."""
        return self.path.name

    def has(self, file: str) -> bool:
        return (self.path / file).is_file()

    def table(self, file: str) -> pd.DataFrame:
        if file not in self._tables:
            try:
                self._tables[file] = pd.read_csv(self.path / file)
            except (OSError, ValueError, UnicodeDecodeError) as error:
                raise ResultsProblem(f"{self.path / file}: cannot read: {error}") from None
        return self._tables[file]


def has_results(results: Path) -> bool:
    """Whether ``results`` holds at least one folder with a manifest."""
    results = Path(results)
    return results.is_dir() and any(results.glob(f"*/{MANIFEST_FILE}"))


def result_folders(results: Path, skip: tuple[Path, ...] = ()) -> list[ResultsFolder]:
    """The folders under ``results`` holding a manifest, in name order (``skip``: folders that
    are not results, such as the figures')."""
    repair_all(results)
    skipped = {Path(p).resolve() for p in skip}
    return [
        ResultsFolder.read(path)
        for path in sorted(Path(results).iterdir())
        if path.is_dir() and (path / MANIFEST_FILE).is_file() and path.resolve() not in skipped
    ]
