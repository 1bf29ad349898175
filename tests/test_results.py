"""Tests of result files (deterministic tables, atomic writes, checksums) and the manifest."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from carepath.analysis.statistics import summarise
from carepath.execution.manifest import (
    SEEDING_RULE,
    build_manifest,
    git_state,
    package_versions,
    scenario_hash,
)
from carepath.observation import results_folder as results
from carepath.observation.results_folder import (
    REPLICATIONS_FILE,
    SUMMARY_FILE,
    sha256_file,
    table_bytes,
    write_atomic,
    write_tables,
)

MANIFEST_KEYS = [
    "carepath_manifest_version",
    "scenario",
    "scenario_file",
    "scenario_sha256",
    "seed",
    "replications",
    "arms",
    "seeds",
    "command",
    "started",
    "finished",
    "duration_s",
    "git",
    "versions",
    "locks",
    "parameters",
]


def replications_table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "scenario": ["base"] * 4,
            "replication": [0, 0, 1, 1],
            "arm": ["without", "with", "without", "with"],
            "metric": ["wait_days"] * 4,
            "value": [3.5, 2.25, 4.0, 3.0],
        }
    )


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


# --- table_bytes -------------------------------------------------------------------------


def test_table_bytes_is_deterministic_and_compact() -> None:
    def frame() -> pd.DataFrame:
        return pd.DataFrame({"metric": ["a", "b", "c"], "value": [0.1 + 0.2, np.nan, 1 / 3]})

    first, second = table_bytes(frame()), table_bytes(frame())
    assert first == second
    assert first == b"metric,value\na,0.3\nb,\nc,0.333333333333\n"
    assert b"\r" not in first


def test_summary_of_identical_arms_prints_zero_effects() -> None:
    data = replications_table()
    data["value"] = [0.1, 0.1, 0.7, 0.7]
    text = table_bytes(summarise(data)).decode()
    assert text.splitlines()[-1] == "base,wait_days,difference,2,0,0,0,0"


# --- write_atomic -----------------------------------------------------------------------


def test_write_atomic_writes_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "summary.csv"
    write_atomic(target, b"first\n")
    write_atomic(target, b"second\n")
    assert target.read_bytes() == b"second\n"
    assert [p.name for p in tmp_path.iterdir()] == ["summary.csv"]


def test_failed_rename_keeps_the_old_file(tmp_path: Path, monkeypatch) -> None:
    target = tmp_path / "summary.csv"
    target.write_bytes(b"old results\n")
    seen: list[str] = []

    def broken_replace(src, dst):
        seen.append(Path(src).name)
        raise OSError("disk vanished")

    monkeypatch.setattr(results.os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk vanished"):
        write_atomic(target, b"new results\n")

    assert target.read_bytes() == b"old results\n"
    assert leftovers(tmp_path) == []
    # The temporary file was hidden, in the same folder and recognisable as temporary.
    assert seen and seen[0].startswith(".") and seen[0].endswith(".tmp")


def test_failed_write_keeps_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "summary.csv"
    target.write_bytes(b"old results\n")
    with pytest.raises(TypeError):
        write_atomic(target, "text is not bytes")  # type: ignore[arg-type]
    assert target.read_bytes() == b"old results\n"
    assert leftovers(tmp_path) == []


# --- write_tables --------------------------------------------------------------------------


def test_write_tables_writes_tables_and_manifest_with_checksums(tmp_path: Path) -> None:
    data = replications_table()
    summary = summarise(data)
    manifest = {"scenario": "base", "seed": np.int64(7), "source": Path("scenarios/base.yaml")}

    tables = {REPLICATIONS_FILE: data, SUMMARY_FILE: summary}
    folder = write_tables(tmp_path / "results", "base", tables, manifest)

    assert folder == tmp_path / "results" / "base"
    assert sorted(p.name for p in folder.iterdir()) == [
        "manifest.json",
        "replications.csv",
        "summary.csv",
    ]
    assert (folder / "replications.csv").read_bytes() == table_bytes(data)
    assert (folder / "summary.csv").read_bytes() == table_bytes(summary)

    raw = (folder / "manifest.json").read_text(encoding="utf-8")
    assert raw.endswith("}\n")
    written = json.loads(raw)
    assert list(written) == ["scenario", "seed", "source", "files"]
    assert written["seed"] == 7
    assert written["source"] == "scenarios/base.yaml"
    for name in ("replications.csv", "summary.csv"):
        content = (folder / name).read_bytes()
        assert written["files"][name] == {
            "sha256": hashlib.sha256(content).hexdigest(),
            "bytes": len(content),
        }
        assert written["files"][name]["sha256"] == sha256_file(folder / name)
    assert "files" not in manifest  # the caller's dict is left alone


def test_write_tables_keeps_non_ascii_text(tmp_path: Path) -> None:
    tables = {REPLICATIONS_FILE: replications_table()}
    folder = write_tables(tmp_path, "base", tables, {"note": "县医院"})
    assert "县医院" in (folder / "manifest.json").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", ["", ".", "..", "a/b", "../escape"])
def test_write_tables_refuses_names_that_are_not_one_folder(tmp_path: Path, name: str) -> None:
    with pytest.raises(ValueError, match="folder name"):
        write_tables(tmp_path, name, {REPLICATIONS_FILE: replications_table()}, {})


# --- manifest ---------------------------------------------------------------------------


def make_manifest(**extra) -> dict:
    started = datetime(2024, 5, 1, 8, 0, 0, tzinfo=timezone.utc)
    return build_manifest(
        scenario_name="base",
        scenario_file="scenarios/base.yaml",
        resolved={"referral": {"rate": 0.2}, "horizon_days": 365},
        seed=20240501,
        replications=30,
        arms=["without", "with"],
        command=["carepath", "run", "scenarios/base.yaml"],
        started=started,
        finished=started + timedelta(seconds=90.5),
        extra=extra or None,
    )


def test_manifest_keys_are_in_reading_order_with_extra_last() -> None:
    manifest = make_manifest(host_note="laptop", warm_up_days=30)
    assert list(manifest) == [*MANIFEST_KEYS, "host_note", "warm_up_days"]
    assert manifest["carepath_manifest_version"] == 2
    assert manifest["seeds"] == SEEDING_RULE
    assert manifest["started"] == "2024-05-01T08:00:00+00:00"
    assert manifest["finished"] == "2024-05-01T08:01:30.500000+00:00"
    assert manifest["duration_s"] == 90.5
    assert manifest["scenario_sha256"] == scenario_hash(manifest["parameters"])
    assert set(manifest["git"]) == {"commit", "dirty"}
    json.dumps(manifest)  # plain JSON types only


def test_manifest_refuses_extra_keys_that_replace_provenance() -> None:
    with pytest.raises(ValueError, match="seed"):
        make_manifest(seed=1)


def test_naive_times_are_written_with_a_timezone() -> None:
    manifest = build_manifest(
        scenario_name="base",
        scenario_file=None,
        resolved={},
        seed=1,
        replications=1,
        arms=["without"],
        command=[],
        started=datetime(2024, 5, 1, 8, 0, 0),
        finished=datetime(2024, 5, 1, 8, 0, 1),
    )
    assert datetime.fromisoformat(manifest["started"]).tzinfo is not None
    assert manifest["duration_s"] == 1.0


def test_scenario_hash_ignores_key_order() -> None:
    assert scenario_hash({"a": 1, "b": {"c": 2, "d": 3}}) == scenario_hash(
        {"b": {"d": 3, "c": 2}, "a": 1}
    )
    assert scenario_hash({"a": 1}) != scenario_hash({"a": 2})
    assert len(scenario_hash({"when": datetime(2024, 1, 1)})) == 64  # default=str


def test_package_versions_lists_python_and_libraries() -> None:
    versions = package_versions()
    assert list(versions)[0] == "python"
    assert {"carepath", "simpy", "numpy", "scipy", "pandas", "pyyaml", "tqdm"} <= set(versions)
    assert versions["numpy"] == np.__version__


def test_git_state_outside_a_repository_is_none(tmp_path: Path, monkeypatch) -> None:
    # Stop git from finding a repository above tmp_path on machines where there is one.
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    assert git_state(tmp_path) == {"commit": None, "dirty": None}
    assert git_state(tmp_path / "does" / "not" / "exist") == {"commit": None, "dirty": None}


def test_git_state_without_git_is_none(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    assert git_state(tmp_path) == {"commit": None, "dirty": None}


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_git_state_reports_commit_and_dirtiness(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    for key in ("GIT_AUTHOR_NAME", "GIT_COMMITTER_NAME"):
        monkeypatch.setenv(key, "Test")
    for key in ("GIT_AUTHOR_EMAIL", "GIT_COMMITTER_EMAIL"):
        monkeypatch.setenv(key, "test@example.org")

    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", *args], cwd=tmp_path, capture_output=True, text=True, check=True
        )
        return done.stdout.strip()

    git("init", "-q")
    (tmp_path / "model.py").write_text("x = 1\n")
    (tmp_path / "results" / "s").mkdir(parents=True)
    (tmp_path / "results" / "s" / "summary.csv").write_text("a\n1\n")
    git("add", "model.py", "results")
    git("-c", "commit.gpgsign=false", "commit", "-q", "-m", "start")
    head = git("rev-parse", "HEAD")

    assert git_state(tmp_path) == {"commit": head, "dirty": False}
    # regenerated results (`make results` runs one command after another) are not code
    (tmp_path / "results" / "s" / "summary.csv").write_text("a\n2\n")
    assert git_state(tmp_path / "model.py") == {"commit": head, "dirty": False}
    (tmp_path / "model.py").write_text("x = 2\n")
    assert git_state(tmp_path / "model.py") == {"commit": head, "dirty": True}
