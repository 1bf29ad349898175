"""Writing a scenario's result files so that a reader never sees a half-written file.

A run produces, per scenario, the tidy per-replication outcomes, their summary and a manifest
recording how they were made, including a checksum of each table so that later analyses can
prove which results they used.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
from datetime import date, datetime
from pathlib import Path, PurePath
from typing import Any

import numpy as np
import pandas as pd

REPLICATIONS_FILE = "replications.csv"
SUMMARY_FILE = "summary.csv"
MANIFEST_FILE = "manifest.json"
FLOAT_FORMAT = "%.12g"


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


def write_run(
    out_dir: Path,
    scenario_name: str,
    replications: pd.DataFrame,
    summary: pd.DataFrame,
    manifest: dict,
    more: dict[str, pd.DataFrame] | None = None,
) -> Path:
    """Write a scenario's replications, summary and manifest into ``<out_dir>/<scenario_name>``.

    ``more`` adds tables by file name (e.g. ``stations.csv``).  The manifest is written last
    and records the checksum and size of every table, so a folder with a manifest is complete.
    The caller's ``manifest`` dict is not modified.  Returns the scenario folder.
    """
    tables = {REPLICATIONS_FILE: replications, SUMMARY_FILE: summary, **(more or {})}
    return write_tables(out_dir, scenario_name, tables, manifest)


def write_tables(
    out_dir: Path, scenario_name: str, tables: dict[str, pd.DataFrame], manifest: dict
) -> Path:
    """Write ``tables`` (file name -> table) and then the manifest into ``<out_dir>/<name>``.

    As ``write_run``, for result folders of another shape (a sweep's).
    """
    _check_folder_name(scenario_name)
    folder = Path(out_dir) / scenario_name
    folder.mkdir(parents=True, exist_ok=True)
    files: dict[str, dict[str, Any]] = {}
    for name, table in tables.items():
        target = folder / name
        write_atomic(target, table_bytes(table))
        files[name] = {"sha256": sha256_file(target), "bytes": target.stat().st_size}
    document = {**manifest, "files": files}
    text = json.dumps(document, indent=2, sort_keys=False, ensure_ascii=False, default=_jsonable)
    write_atomic(folder / MANIFEST_FILE, (text + "\n").encode("utf-8"))
    return folder


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
