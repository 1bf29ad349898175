"""The manifest of a run: everything needed to say how a set of results was produced.

It records the scenario as resolved (after defaults and overrides), its hash, the seed and
seeding rule, the command line, timing, the code's git state and the library versions.
"""

from __future__ import annotations

import os
import platform
import subprocess
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

from ..inputs.loading import read_tree
from ..inputs.scenario_file import resolved, scenario_hash
from ..inputs.schema import Scenario
from ..observation.results_folder import sha256_file

MANIFEST_VERSION = 2  # 2: "locks", the SHA-256 of the lock files

SEEDING_RULE = (
    "numpy SeedSequence entropy (seed, replication, stream name); each patient draws from a "
    "stream keyed by patient id; all arms of a replication share the same streams"
)

# Manifest key -> distribution name, for the libraries whose version can change results.
_DISTRIBUTIONS = {
    "carepath": "carepath",
    "simpy": "simpy",
    "numpy": "numpy",
    "scipy": "scipy",
    "pandas": "pandas",
    "pydantic": "pydantic",
    "pyyaml": "PyYAML",
    "tqdm": "tqdm",
    "matplotlib": "matplotlib",
    "salib": "SALib",  # carepath psa: Morris and Sobol indices
    "scikit-learn": "scikit-learn",  # carepath psa: the emulator of the Sobol indices
}

_GIT_TIMEOUT_S = 10
# Folders of generated outputs, as git pathspecs from the repository's top.
GENERATED = (":(top,exclude)results", ":(top,exclude)tests/golden")

# The git state that matters is that of the code which ran, not of the scenario file's folder
# or wherever the command was started from.
_CODE_FOLDER = Path(__file__).resolve().parent
# The lock files an environment is installed from (`make install`, `make run`), at the top of
# the repository this package sits in (models/carepath/execution/ -> three levels up).
LOCK_FILES = ("requirements.lock", "requirements-run.lock")
_REPOSITORY = _CODE_FOLDER.parents[2]


@dataclass(frozen=True)
class RunRecord:
    """How a command ran, for the manifests it writes: its command line, when it started (and
    ended), the code's git state when it started, and where it ran (local jobs or a Dask
    scheduler)."""

    command: list[str]
    started: datetime
    git: dict
    jobs: int = 1
    scheduler: str | None = None
    finished: datetime | None = None

    @classmethod
    def start(cls, command: list[str], jobs: int = 1, scheduler: str | None = None) -> RunRecord:
        """Now, with the code's git state read now: result files written later do not count as
        changes to the code."""
        return cls(list(command), datetime.now(timezone.utc), code_state(), jobs, scheduler)

    def ended(self) -> RunRecord:
        """The record with its end time: now."""
        return replace(self, finished=datetime.now(timezone.utc))

    def where(self) -> dict:
        """The manifest's entry for where the replications ran."""
        return {"scheduler": self.scheduler} if self.scheduler else {"jobs": self.jobs}

    def manifest(
        self,
        scenario: Scenario,
        scenario_file: str | Path | None,
        seed: int,
        replications: int,
        arms: list[str],
        extra: dict | None = None,
    ) -> dict:
        """The manifest of one scenario's results made by this run (``build_manifest``): where
        it ran, then ``extra``, then the checksums of the scenario file and its bases."""
        return build_manifest(
            scenario_name=scenario.name,
            scenario_file=None if scenario_file is None else str(scenario_file),
            resolved=resolved(scenario),
            seed=seed,
            replications=replications,
            arms=arms,
            command=self.command,
            started=self.started,
            finished=self.finished or datetime.now(timezone.utc),
            extra={
                **self.where(),
                **(extra or {}),
                "scenario_files": {} if scenario_file is None else scenario_files(scenario_file),
            },
            git=self.git,
        )


def build_manifest(
    *,
    scenario_name: str,
    scenario_file: str | None,
    resolved: dict,
    seed: int,
    replications: int,
    arms: list[str],
    command: list[str],
    started: datetime,
    finished: datetime,
    extra: dict | None = None,
    git: dict | None = None,
) -> dict:
    """Assemble the manifest of one scenario's run, keys in a fixed reading order.

    Times without a timezone are taken as local time (what ``datetime.now()`` returns) and
    written with their offset. The git state is that of the repository holding this package,
    since that is the code which ran; pass ``git`` as read when the run started, so that result
    files written since do not count as changes. ``extra`` keys come last and may not replace
    a standard key, so provenance cannot be overwritten by accident.
    """
    started, finished = _aware(started), _aware(finished)
    manifest: dict[str, Any] = {
        "carepath_manifest_version": MANIFEST_VERSION,
        "scenario": scenario_name,
        "scenario_file": scenario_file,
        "scenario_sha256": scenario_hash(resolved),
        "seed": seed,
        "replications": replications,
        "arms": list(arms),
        "seeds": SEEDING_RULE,
        "command": list(command),
        "started": started.isoformat(),
        "finished": finished.isoformat(),
        "duration_s": (finished - started).total_seconds(),
        "git": git if git is not None else code_state(),
        "versions": package_versions(),
        "locks": lock_hashes(),
        "parameters": resolved,
    }
    clashes = sorted(set(extra or {}) & set(manifest))
    if clashes:
        raise ValueError(f"extra manifest keys would replace standard keys: {clashes}")
    manifest.update(extra or {})
    return manifest


def code_state() -> dict:
    """The git state of the repository holding this package."""
    return git_state(_CODE_FOLDER)


def git_state(path: Path | None = None) -> dict:
    """Commit and dirtiness of the git repository containing ``path`` (default: cwd).

    Values are None when git is not installed or ``path`` is not inside a repository; a
    repository without commits has commit None. Never raises: provenance is best effort and
    must not fail a finished run.
    """
    try:
        folder = Path.cwd() if path is None else Path(path)
        if not folder.is_dir():
            folder = folder.parent
        commit = _git(folder, "rev-parse", "HEAD")
        # Untracked files (such as the results a run is writing) do not make the code dirty,
        # nor do the generated outputs: `make results` writes results/ and tests/golden/ with
        # one command after another, and each later one must still see clean code.
        status = _git(
            folder, "status", "--porcelain", "--untracked-files=no", "--", ":/", *GENERATED
        )
    except Exception:
        return {"commit": None, "dirty": None}
    return {
        "commit": (commit.strip() or None) if commit is not None else None,
        "dirty": bool(status.strip()) if status is not None else None,
    }


def package_versions() -> dict:
    """Python version and installed versions of carepath and its libraries (None if absent)."""
    versions: dict[str, str | None] = {"python": platform.python_version()}
    for key, distribution in _DISTRIBUTIONS.items():
        try:
            versions[key] = metadata.version(distribution)
        except metadata.PackageNotFoundError:
            versions[key] = None
    # Results are meant to be identical across machines; if one ever differs, this says where.
    versions["platform"] = platform.platform()
    return versions


def lock_hashes(folder: Path | None = None) -> dict[str, str | None]:
    """SHA-256 of each lock file beside the code (None where there is none: an install from
    a wheel), so that a manifest names the exact versions the environment was meant to hold."""
    folder = _REPOSITORY if folder is None else folder
    return {
        name: sha256_file(folder / name) if (folder / name).is_file() else None
        for name in LOCK_FILES
    }


def scenario_files(path: str | Path) -> dict[str, str]:
    """SHA-256 of the scenario file and of every base it ``extends``, by path as given.

    The scenario hash covers what the files resolve to; these say which texts were read.
    """
    _, origins = read_tree(path)
    files = sorted({str(file) for file in origins.values()})
    return {file: sha256_file(Path(file)) for file in files}


def _git(folder: Path, *args: str) -> str | None:
    """Output of a git command run in ``folder``, or None if git is missing or it fails."""
    try:
        done = subprocess.run(
            ["git", *args],
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=_GIT_TIMEOUT_S,
            check=False,
            # A status check must not take git's index lock from under a concurrent commit.
            env={**os.environ, "GIT_OPTIONAL_LOCKS": "0"},
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.astimezone()
