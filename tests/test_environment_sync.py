"""pyproject.toml, the two lock files and environment.yml must agree.

``requirements.lock`` pins everything (running, tests, notebooks, Dask) with hashes;
``requirements-run.lock`` pins what running needs, at the same versions; environment.yml asks
conda-forge for pyproject's direct dependencies at the lock's versions (a PyPI -> conda-forge
name map where they differ) and installs carepath with pip.  ``find_problems`` lists every way
they could drift apart; the tests run it on the real files and show on hand-made files that it
notices drift.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml
from packaging.requirements import Requirement
from packaging.version import Version

from conftest import REPO

sys.path.insert(0, str(REPO / "tools"))
from environment_from_lock import (  # noqa: E402
    CONDA_NAMES,
    PYTHON,
    direct_requirements,
    locked,
    normalise,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised only on Python 3.10
    import tomli as tomllib

CORE_RUNTIME = {"simpy", "numpy", "scipy", "matplotlib", "pandas", "pydantic", "pyyaml", "tqdm"}


def find_problems(
    pyproject: dict, full: dict[str, str], run: dict[str, str], environment: dict
) -> list[str]:
    """Every disagreement between pyproject, the full and run locks and environment.yml."""
    problems: list[str] = []
    wanted = direct_requirements(pyproject)
    for requirement in wanted:
        name = normalise(requirement.name)
        version = full.get(name)
        if version is None:
            problems.append(f"requirements.lock does not pin {name!r}")
        elif not requirement.specifier.contains(Version(version), prereleases=True):
            problems.append(f"requirements.lock pins {name}=={version}, outside {requirement}")
    for spec in pyproject["project"]["dependencies"]:
        name = normalise(Requirement(spec).name)
        if name not in run:
            problems.append(f"requirements-run.lock does not pin {name!r}")
    for name, version in run.items():
        if full.get(name) != version:
            problems.append(
                f"requirements-run.lock pins {name}=={version}, requirements.lock {full.get(name)}"
            )

    expected = {CONDA_NAMES.get(n, n): full.get(n) for n in (normalise(r.name) for r in wanted)}
    conda: dict[str, str | None] = {}
    pip_specs: list[str] = []
    for item in environment.get("dependencies") or []:
        if isinstance(item, dict):
            pip_specs.extend(str(spec) for spec in item.get("pip") or [])
            continue
        name, _, version = str(item).partition("==")
        conda[normalise(name.split("=")[0])] = version or None
    if conda.pop("python", "missing") is not None or f"python={PYTHON}" not in map(
        str, environment.get("dependencies") or []
    ):
        problems.append(f"environment.yml must pin python={PYTHON}")
    if "pip" not in conda:
        problems.append("environment.yml does not install pip")
    conda.pop("pip", None)
    for name in sorted(set(expected) | set(conda)):
        if name not in conda:
            problems.append(f"environment.yml does not ask for {name!r}")
        elif name not in expected:
            problems.append(f"environment.yml asks for {name!r}, not a dependency in pyproject")
        elif conda[name] != expected[name]:
            problems.append(
                f"environment.yml pins {name}=={conda[name]}, the lock {expected[name]}"
            )
    if pip_specs != ["-e ."]:
        problems.append(f"environment.yml's pip section must be ['-e .'], got {pip_specs}")
    return problems


def real_files() -> tuple[dict, dict[str, str], dict[str, str], dict]:
    with (REPO / "pyproject.toml").open("rb") as handle:
        pyproject = tomllib.load(handle)
    environment = yaml.safe_load((REPO / "environment.yml").read_text(encoding="utf-8"))
    full = locked(REPO / "requirements.lock")
    run = locked(REPO / "requirements-run.lock")
    return pyproject, full, run, environment


def test_pyproject_locks_and_environment_agree() -> None:
    pyproject, full, run, environment = real_files()
    assert find_problems(pyproject, full, run, environment) == []
    runtime = {normalise(Requirement(d).name) for d in pyproject["project"]["dependencies"]}
    assert runtime >= CORE_RUNTIME
    assert "pytest" in full and "pytest" not in run  # running installs no test tools


def test_every_locked_package_has_hashes() -> None:
    for lock in ("requirements.lock", "requirements-run.lock"):
        text = (REPO / lock).read_text(encoding="utf-8")
        entries = [e for e in text.split("\n") if "==" in e and not e.startswith("#")]
        assert len(entries) == len(locked(REPO / lock)) > 10
        blocks = text.split("==")[1:]
        assert all("--hash=sha256:" in block for block in blocks), lock


def test_find_problems_notices_drift(tmp_path: Path) -> None:
    pyproject = {
        "project": {
            "dependencies": ["simpy>=4.1,<5", "PyYAML>=6.0"],
            "optional-dependencies": {
                "dev": ["pytest>=8", "tomli>=2; python_version < '3.11'"],
                "cluster": ["dask[distributed]>=2024.1"],
            },
        }
    }
    full = {
        "simpy": "4.1.2",
        "pyyaml": "6.0.4",
        "pytest": "9.2.0",
        "dask": "2024.2",
        "distributed": "2024.2",
    }
    run = {"simpy": "4.1.2", "pyyaml": "6.0.4"}
    agreeing = {
        "dependencies": [
            f"python={PYTHON}",
            "pip",
            "simpy==4.1.2",
            "pyyaml==6.0.4",
            "pytest==9.2.0",
            "dask==2024.2",
            "distributed==2024.2",
            {"pip": ["-e ."]},
        ]
    }
    assert find_problems(pyproject, full, run, agreeing) == []

    drifted = {
        "dependencies": [
            "python=3.10",
            "simpy==4.1.1",
            "pyyaml==6.0.4",
            "networkx==3.0",
            "dask==2024.2",
            {"pip": ["-e .[dev]"]},
        ]
    }
    problems = find_problems(
        pyproject,
        {**full, "simpy": "5.0.0"},
        {"simpy": "4.1.2"},
        drifted,
    )
    assert problems == [
        "requirements.lock pins simpy==5.0.0, outside simpy<5,>=4.1",
        "requirements-run.lock does not pin 'pyyaml'",
        "requirements-run.lock pins simpy==4.1.2, requirements.lock 5.0.0",
        f"environment.yml must pin python={PYTHON}",
        "environment.yml does not install pip",
        "environment.yml does not ask for 'distributed'",
        "environment.yml asks for 'networkx', not a dependency in pyproject",
        "environment.yml does not ask for 'pytest'",
        "environment.yml pins simpy==4.1.1, the lock 5.0.0",
        "environment.yml's pip section must be ['-e .'], got ['-e .[dev]']",
    ]
