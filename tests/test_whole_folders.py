"""A results folder is replaced whole: whenever a write stops, the old complete folder or the new
complete one is what readers find, and a folder whose files differ from its manifest is refused.

A fault is injected after every file operation of a write in turn (``CAREPATH_FAULT_AFTER_FILE_OPS``
makes the writing process exit there, as kill -9 or a full disk would stop it)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from carepath.observation.results_folder import (
    FAULT_ENV,
    MANIFEST_FILE,
    ResultsFolder,
    ResultsProblem,
    result_folders,
)

WRITE = textwrap.dedent(
    """
    import sys
    import pandas as pd
    from carepath.observation.results_folder import write_tables
    version = sys.argv[2]
    tables = {
        f"{name}.csv": pd.DataFrame({"version": [version] * 3, "value": [1.5, 2.5, float(i)]})
        for i, name in enumerate(sys.argv[3].split(","))
    }
    write_tables(sys.argv[1], "demo", tables, {"scenario": "demo", "version": version})
    """
)


def write(out: Path, version: str, names: str, fault_after: int | None = None) -> int:
    env = {} if fault_after is None else {FAULT_ENV: str(fault_after)}
    done = subprocess.run(
        [sys.executable, "-c", WRITE, str(out), version, names],
        env={**__import__("os").environ, **env},
        capture_output=True,
        text=True,
    )
    assert done.returncode in (0, 86), done.stderr
    return done.returncode


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.mark.integration
def test_a_write_stopped_after_any_file_operation_leaves_a_whole_folder(tmp_path):
    write(tmp_path / "reference", "new", "replications,summary,extra")
    new = snapshot(tmp_path / "reference" / "demo")
    out = tmp_path / "out"
    write(out, "old", "replications,summary,stations")
    old = snapshot(out / "demo")
    seen = set()
    for k in range(1, 20):
        code = write(out, "new", "replications,summary,extra", fault_after=k)
        folder = ResultsFolder.read(out / "demo")  # repairs what the stopped write left
        got = snapshot(folder.path)
        assert got in (old, new), k
        assert sorted(p.name for p in out.iterdir()) == ["demo"], k
        seen.add("new" if got == new else "old")
        if code == 0:
            break
        write(out, "old", "replications,summary,stations")  # back to the old folder
    else:
        pytest.fail("the write never finished")
    assert seen == {"old", "new"} and k >= 7


def test_a_folder_that_differs_from_its_manifest_is_refused(tmp_path):
    write(tmp_path, "v1", "replications,summary")
    folder = tmp_path / "demo"
    summary = folder / "summary.csv"
    summary.write_bytes(summary.read_bytes()[:-5])  # cut short
    with pytest.raises(ResultsProblem, match="summary.csv: differs from its checksum"):
        ResultsFolder.read(folder)
    with pytest.raises(ResultsProblem, match="summary.csv"):
        result_folders(tmp_path)
    summary.unlink()
    with pytest.raises(ResultsProblem, match="summary.csv: listed in the manifest but missing"):
        ResultsFolder.read(folder)
    (folder / MANIFEST_FILE).write_text("{not json", encoding="utf-8")
    with pytest.raises(ResultsProblem, match="cannot read the manifest"):
        ResultsFolder.read(folder)
