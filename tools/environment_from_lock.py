"""Write environment.yml: what pyproject.toml asks for (running, tests, notebooks, Dask), from
conda-forge at the versions of requirements.lock, then carepath itself with pip.

Run by `make lock` after the locks are written; tests/test_environment_sync.py checks the file.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import tomllib
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]
PYTHON = "3.11"
# PyPI name -> conda-forge name, where they differ.
CONDA_NAMES = {"matplotlib": "matplotlib-base"}
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s\\;]+)")


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def locked(path: Path) -> dict[str, str]:
    """Package -> version of a lock file (``name==version`` lines)."""
    pins = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = _PIN.match(line)
        if match:
            pins[normalise(match.group(1))] = match.group(2)
    return pins


def direct_requirements(pyproject: dict) -> list[Requirement]:
    """Runtime dependencies and every extra's, for this Python, each once; an extra a
    requirement asks for (``dask[distributed]``) adds that package."""
    project = pyproject["project"]
    specs = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        specs.extend(extra)
    environment = {"python_version": PYTHON, "python_full_version": f"{PYTHON}.0"}
    found: dict[str, Requirement] = {}
    for spec in specs:
        requirement = Requirement(spec)
        if requirement.marker is not None and not requirement.marker.evaluate(environment):
            continue
        found.setdefault(normalise(requirement.name), requirement)
        for extra in requirement.extras:
            found.setdefault(normalise(extra), Requirement(extra))
    return list(found.values())


def conda_specs(pyproject: dict, pins: dict[str, str]) -> list[str]:
    specs = []
    for requirement in direct_requirements(pyproject):
        name = normalise(requirement.name)
        specs.append(f"{CONDA_NAMES.get(name, name)}=={pins[name]}")
    return specs


def environment_text(pyproject: dict, pins: dict[str, str]) -> str:
    lines = [
        "# Conda environment for carepath: what pyproject.toml asks for (running, tests,",
        "# notebooks, Dask) from conda-forge at the versions of requirements.lock, then carepath.",
        "# Written by `make lock` (tools/environment_from_lock.py); do not edit by hand.",
        "# tests/test_environment_sync.py fails if it disagrees with pyproject.toml or the lock.",
        "name: carepath",
        "channels:",
        "  - conda-forge",
        "dependencies:",
        f"  - python={PYTHON}",
        "  - pip",
        *(f"  - {spec}" for spec in conda_specs(pyproject, pins)),
        "  - pip:",
        "      - -e .",
    ]
    return "\n".join(lines) + "\n"


def main() -> int:
    with (ROOT / "pyproject.toml").open("rb") as handle:
        pyproject = tomllib.load(handle)
    text = environment_text(pyproject, locked(ROOT / "requirements.lock"))
    (ROOT / "environment.yml").write_text(text, encoding="utf-8")
    print(f"wrote {ROOT / 'environment.yml'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
