"""What makes carepath citable and pinned: one version everywhere, the licence, citation and
changelog, and the lock files' hashes in every manifest."""

from __future__ import annotations

import hashlib
import sys
from importlib import metadata

import pytest
import yaml

import carepath
from carepath.cli import main
from carepath.execution.manifest import LOCK_FILES, lock_hashes
from conftest import REPO

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised only on Python 3.10
    import tomli as tomllib


def pyproject_version() -> str:
    with (REPO / "pyproject.toml").open("rb") as handle:
        return str(tomllib.load(handle)["project"]["version"])


def test_one_version_everywhere(capsys):
    version = pyproject_version()
    assert carepath.__version__ == version == metadata.version("carepath")
    citation = yaml.safe_load((REPO / "CITATION.cff").read_text(encoding="utf-8"))
    assert citation["version"] == version and citation["license"] == "MIT"
    changelog = (REPO / "CHANGELOG.md").read_text(encoding="utf-8")
    assert f"\n## {version} (" in changelog
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out == f"carepath {version}\n"


def test_the_licence_is_mit():
    text = (REPO / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License") and "WITHOUT WARRANTY OF ANY KIND" in text


def test_manifests_carry_the_locks_sha256(tmp_path):
    hashes = lock_hashes()
    assert set(hashes) == set(LOCK_FILES)
    for name, digest in hashes.items():
        assert digest == hashlib.sha256((REPO / name).read_bytes()).hexdigest()
    # an install without the repository (a wheel) has no lock beside it
    assert lock_hashes(tmp_path) == {name: None for name in LOCK_FILES}
