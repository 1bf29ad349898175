"""pyproject.toml and environment.yml must not disagree.

environment.yml is meant to install only python and pip through conda and everything else
through pip from pyproject.toml (``-e .[dev,notebooks,cluster]``). ``find_problems`` lists every way
the two files could drift apart; the first test runs it on the real files, the second shows on
a hand-made mismatching pair that it does notice drift.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import yaml

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised only on Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent

CORE_RUNTIME = {"simpy", "numpy", "scipy", "matplotlib", "pandas", "pydantic", "pyyaml", "tqdm"}
REQUIRED_EXTRAS = {"dev", "notebooks", "cluster"}
CONDA_ONLY = {"python", "pip"}

# A PEP 508 requirement or a conda match spec starts with the distribution name.
_NAME = re.compile(r"^\s*(?:[\w.-]+::)?([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)")
# The project itself installed by pip: "-e .[a,b]", "--editable=.[a]", ".[a]" or plain ".".
_PROJECT = re.compile(r"^(?P<editable>(?:-e|--editable)(?:\s+|=))?\.(?:\[(?P<extras>[^\]]*)\])?$")
_PYTHON_PIN = re.compile(r"^python\s*(?:==?|>=)?\s*(\d+)\.(\d+)")
_REQUIRES_PYTHON = re.compile(r">=\s*(\d+)\.(\d+)")


def normalise(name: str) -> str:
    """PEP 503 normalised package name."""
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(spec: str) -> str:
    match = _NAME.match(spec)
    if match is None:
        raise ValueError(f"cannot read a package name from {spec!r}")
    return normalise(match.group(1))


def find_problems(pyproject: dict, environment: dict) -> list[str]:
    """Return every disagreement between a parsed pyproject.toml and environment.yml."""
    problems: list[str] = []
    project = pyproject.get("project", {})
    runtime = {requirement_name(dep) for dep in project.get("dependencies", [])}
    extras = {normalise(name) for name in project.get("optional-dependencies", {})}

    conda_specs: list[str] = []
    pip_specs: list[str] = []
    for dep in environment.get("dependencies") or []:
        if isinstance(dep, dict):
            for key, value in dep.items():
                if key == "pip":
                    pip_specs.extend(str(item) for item in value or [])
                else:
                    problems.append(f"unexpected mapping {key!r} in environment dependencies")
        else:
            conda_specs.append(str(dep))

    conda_names = {requirement_name(spec) for spec in conda_specs}
    for name in sorted(conda_names - CONDA_ONLY - runtime):
        problems.append(f"conda installs {name!r}, which is not a runtime dependency in pyproject")
    if "pip" not in conda_names:
        problems.append("conda dependencies do not include pip")

    python_pins = [m for spec in conda_specs if (m := _PYTHON_PIN.match(spec.strip()))]
    floor = _REQUIRES_PYTHON.search(project.get("requires-python", ""))
    if floor is not None:
        lowest = (int(floor.group(1)), int(floor.group(2)))
        for pin in python_pins:
            pinned = (int(pin.group(1)), int(pin.group(2)))
            if pinned < lowest:
                problems.append(
                    f"environment pins python {pinned[0]}.{pinned[1]}, below requires-python "
                    f"{project['requires-python']!r}"
                )

    project_installs = []
    for spec in pip_specs:
        match = _PROJECT.match(spec.strip())
        if match is not None:
            project_installs.append(match)
            continue
        name = requirement_name(spec.lstrip("-").strip())
        if name not in runtime:
            problems.append(f"pip section installs {name!r}, which is not a runtime dependency")

    if len(project_installs) != 1:
        problems.append(
            f"pip section must install the project exactly once as '-e .[dev,notebooks,cluster]', "
            f"found {len(project_installs)} project installs in {pip_specs!r}"
        )
    for match in project_installs:
        if not match.group("editable"):
            problems.append("the project is not installed editable (-e) in the pip section")
        named = {normalise(e) for e in (match.group("extras") or "").split(",") if e.strip()}
        for extra in sorted(REQUIRED_EXTRAS - named):
            problems.append(f"pip section does not install extra {extra!r}")
        for extra in sorted(named - extras):
            problems.append(f"environment asks for extra {extra!r}, not defined in pyproject")

    return problems


def load_real_files() -> tuple[dict, dict]:
    with (ROOT / "pyproject.toml").open("rb") as fh:
        pyproject = tomllib.load(fh)
    with (ROOT / "environment.yml").open(encoding="utf-8") as fh:
        environment = yaml.safe_load(fh)
    return pyproject, environment


def test_pyproject_and_environment_agree() -> None:
    pyproject, environment = load_real_files()

    assert find_problems(pyproject, environment) == []

    runtime = {requirement_name(dep) for dep in pyproject["project"]["dependencies"]}
    missing = CORE_RUNTIME - runtime
    assert not missing, f"core runtime dependencies missing from pyproject: {sorted(missing)}"
    missing_extras = REQUIRED_EXTRAS - set(pyproject["project"]["optional-dependencies"])
    assert not missing_extras, f"extras missing from pyproject: {sorted(missing_extras)}"


def test_find_problems_reports_a_mismatching_pair() -> None:
    pyproject = {
        "project": {
            "requires-python": ">=3.10",
            "dependencies": ["simpy>=4.1", "numpy>=1.26", "PyYAML>=6.0"],
            "optional-dependencies": {
                "dev": ["pytest"],
                "notebooks": ["jupyter"],
                "cluster": ["dask"],
            },
        }
    }
    agreeing = {
        "dependencies": [
            "python=3.11",
            "pip",
            "NumPy>=1.26",
            {"pip": ["-e .[dev,notebooks,cluster]"]},
        ],
    }
    assert find_problems(pyproject, agreeing) == []

    mismatching = {
        "dependencies": [
            "python=3.9",
            "pip",
            "networkx>=3.0",
            "conda-forge::py_yaml",  # normalises to py-yaml, not pyyaml
            {"pip": ["-e .[dev,docs]", "seaborn"]},
        ]
    }
    problems = find_problems(pyproject, mismatching)
    text = "\n".join(problems)
    assert "'networkx'" in text
    assert "'py-yaml'" in text
    assert "'seaborn'" in text
    assert "extra 'docs'" in text
    assert "extra 'notebooks'" in text
    assert "python 3.9" in text
    assert "extra 'cluster'" in text
    assert len(problems) == 7, problems

    not_editable = {"dependencies": ["python=3.11", "pip", {"pip": [".[dev,notebooks,cluster]"]}]}
    assert find_problems(pyproject, not_editable) == [
        "the project is not installed editable (-e) in the pip section"
    ]

    no_pip_section = {"dependencies": ["python=3.11"]}
    problems = find_problems(pyproject, no_pip_section)
    assert any("do not include pip" in p for p in problems)
    assert any("exactly once" in p for p in problems)
