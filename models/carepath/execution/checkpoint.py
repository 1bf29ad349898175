"""Checkpoints: every finished replication kept on disk the moment it completes.

A replication's results depend on nothing but the resolved scenario, the seed, the replication
number and the code that simulates it (carepath's own source and the versions of the libraries
it runs on).  All of these but the replication number are hashed into a key, and replication r
of a scenario lives at ``<out>/<scenario>/.partial/<key>/rep-000r.json``.  Changing the scenario,
the seed, the code or a library changes the key, so a stale replication is never read back; a
larger ``--replications`` reuses the ones already done.

Each file is written atomically (``results_folder.write_atomic``): a killed batch leaves whole
files or none.  JSON keeps row order, and Python writes a float as the shortest text that reads
back as the same float (NaN and infinities included), so a table rebuilt from checkpoints is the
table the replications made.  The folder is removed once the scenario's final files are written.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import shutil
from pathlib import Path
from typing import Any

import numpy as np

from ..inputs.scenario_file import resolved
from ..inputs.schema import Scenario
from ..observation.results_folder import PARTIAL_FOLDER, write_atomic
from .manifest import package_versions, scenario_hash

# Bump when the file layout below changes: old checkpoints then get a different key.
# 2: a SHA-256 of the parts in each file, checked on reading.
CHECKPOINT_FORMAT = 2
_PACKAGE_FOLDER = Path(__file__).resolve().parents[1]

Parts = dict[str, list[tuple] | None]  # a task result's tables by name: rows in order


@functools.cache
def source_digest() -> str:
    """SHA-256 of carepath's Python source: it changes whenever the code that simulates does,
    committed or not."""
    digest = hashlib.sha256()
    for path in sorted(_PACKAGE_FOLDER.rglob("*.py")):
        digest.update(path.relative_to(_PACKAGE_FOLDER).as_posix().encode("utf-8") + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def checkpoint_key(scenario: Scenario, seed: int) -> str:
    """What determines every replication of a batch but the replication number, hashed."""
    determinants = {
        "format": CHECKPOINT_FORMAT,
        "scenario_sha256": scenario_hash(resolved(scenario)),
        "seed": int(seed),
        "source_sha256": source_digest(),
        # the libraries' versions, not the machine's: a resume on another node of the same
        # environment reads the same checkpoints
        "versions": {k: v for k, v in package_versions().items() if k != "platform"},
    }
    text = json.dumps(determinants, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]


class Checkpoint:
    """The finished replications of one scenario's batch (one scenario, seed and code)."""

    def __init__(
        self, out_dir: Path, scenario: Scenario, seed: int, folder: str | None = None
    ) -> None:
        """``folder``: the results folder the batch writes, if not the scenario's name (a run
        at a posterior's draws: ``<scenario>_posterior``)."""
        self.scenario = scenario.name
        self.seed = int(seed)
        self.key = checkpoint_key(scenario, seed)
        self.partial = Path(out_dir) / (folder or scenario.name) / PARTIAL_FOLDER
        self.folder = self.partial / self.key
        # What load found unusable, one line each (the command prints them).
        self.set_aside: list[str] = []

    def path(self, replication: int) -> Path:
        return self.folder / f"rep-{replication:04d}.json"

    def error_path(self, replication: int) -> Path:
        return self.folder / f"rep-{replication:04d}.error.txt"

    def save(self, replication: int, parts: Parts) -> None:
        """Keep one finished replication; a failure noted for it before is cleared."""
        self.folder.mkdir(parents=True, exist_ok=True)
        document = {
            "format": CHECKPOINT_FORMAT,
            "key": self.key,
            "scenario": self.scenario,
            "seed": self.seed,
            "replication": replication,
            "parts_sha256": _digest(parts),
            "parts": parts,
        }
        text = json.dumps(document, separators=(",", ":"), default=_plain)
        write_atomic(self.path(replication), text.encode("utf-8"))
        self.error_path(replication).unlink(missing_ok=True)

    def load(self, replication: int, widths: dict[str, int] | None = None) -> Parts | None:
        """A finished replication's tables, or None if it is not done.

        A file that is not a checkpoint of this batch, or whose parts differ from their
        checksum, or whose rows are not ``widths`` long (part -> row length) is set aside as
        ``rep-000r.json.bad``, noted in ``set_aside`` and run again.
        """
        path = self.path(replication)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError) as error:
            self._set_aside(path, f"cannot be read ({error})")
            return None
        problem, parts = _checked(text, (self.key, self.scenario, self.seed, replication), widths)
        if problem is not None:
            self._set_aside(path, problem)
        return parts

    def _set_aside(self, path: Path, problem: str) -> None:
        bad = path.with_name(path.name + ".bad")
        with contextlib.suppress(OSError):
            os.replace(path, bad)
        self.set_aside.append(f"{path}: {problem}; set aside as {bad.name}, run again")

    def note_failure(self, replication: int, text: str) -> Path:
        """Keep a failed replication's full traceback beside the finished ones."""
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.error_path(replication)
        write_atomic(path, text.encode("utf-8"))
        return path

    def discard(self) -> None:
        """The scenario's files are written: remove its checkpoints, those of older batches of
        it (another seed, older code) included."""
        shutil.rmtree(self.partial, ignore_errors=True)


def _digest(parts: Parts) -> str:
    text = json.dumps(parts, separators=(",", ":"), sort_keys=True, default=_plain)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _checked(
    text: str, expected: tuple[str, str, int, int], widths: dict[str, int] | None
) -> tuple[str | None, Parts | None]:
    """(what is wrong with a checkpoint file's text, or None; its parts if nothing is)."""
    try:
        document = json.loads(text)
    except ValueError as error:
        return f"not JSON ({error})", None
    if not isinstance(document, dict):
        return f"not a checkpoint (a JSON {type(document).__name__})", None
    if document.get("format") != CHECKPOINT_FORMAT:
        return f"format {document.get('format')!r}, not {CHECKPOINT_FORMAT}", None
    found = tuple(document.get(k) for k in ("key", "scenario", "seed", "replication"))
    if found != expected:
        return f"belongs to another batch or replication ({found})", None
    parts = document.get("parts")
    if not isinstance(parts, dict) or not all(
        rows is None or (isinstance(rows, list) and all(isinstance(r, list) for r in rows))
        for rows in parts.values()
    ):
        return "its parts are not tables (lists of rows)", None
    if document.get("parts_sha256") != _digest(parts):
        return "its parts differ from their checksum (changed since written)", None
    if widths is not None:
        if set(parts) != set(widths):
            return f"has parts {sorted(parts)}, expected {sorted(widths)}", None
        for name, rows in parts.items():
            bad = [r for r in rows or [] if len(r) != widths[name]]
            if bad:
                return f"{name}: a row of {len(bad[0])} values, expected {widths[name]}", None
    return None, {
        name: None if rows is None else [tuple(row) for row in rows] for name, rows in parts.items()
    }


def _plain(value: Any) -> Any:
    # numpy scalars from analysis code: .item() gives the same number as a Python int or float.
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"cannot keep {type(value).__name__} in a checkpoint: {value!r}")
