"""Imports point one way: each module's layer is read off its folder, and no module imports one
in a higher layer or takes part in an import cycle.

The layers, lowest first (a module may import its own layer and those below it):

    inputs < observation < system < behaviour < accounting < analysis < execution < workflows < cli

Observation (the record schemas and the results-folder format) sits below the system because
stations write named station rows; it depends on nothing of the model.

``carepath/cli.py``, ``__init__.py`` (the Python API), ``__main__.py`` and ``reforms.py`` (the
registry lines of the built-in reforms, each joining a mechanism and maybe an accounting tally)
are the top.  Every
import counts: at module level, inside functions and under ``TYPE_CHECKING``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import REPO

PACKAGE = REPO / "models" / "carepath"
LAYERS = (
    "inputs",
    "observation",
    "system",
    "behaviour",
    "accounting",
    "analysis",
    "execution",
    "workflows",
    "cli",
)
# Modules directly under carepath/, by file name: the command line and the public API.
TOP_MODULES = {"cli.py": "cli", "__init__.py": "cli", "__main__.py": "cli", "reforms.py": "cli"}


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def layer_of(path: Path, root: Path) -> str | None:
    """The layer of a source file: its first folder under the package, or its own name at the
    top; None if neither is a layer."""
    parts = path.relative_to(root).parts
    if len(parts) == 1:
        return TOP_MODULES.get(parts[0])
    return parts[0] if parts[0] in LAYERS else None


def imports(path: Path, root: Path, modules: set[str]) -> Iterator[tuple[str, int]]:
    """(module imported, line) for every import of the package in one file."""
    name = module_name(path, root)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == root.name:
                    yield _known(alias.name, modules), node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join([*base, *([node.module] if node.module else [])])
            elif node.module and node.module.split(".")[0] == root.name:
                target = node.module
            else:
                continue
            for alias in node.names:
                # `from . import credit` imports a module; `from .site import Site` a name.
                submodule = f"{target}.{alias.name}"
                yield (submodule if submodule in modules else _known(target, modules)), node.lineno


def _known(name: str, modules: set[str]) -> str:
    """The module an import loads: the longest prefix of the dotted name that is a module."""
    parts = name.split(".")
    while parts and ".".join(parts) not in modules:
        parts.pop()
    return ".".join(parts) or name


def import_graph(root: Path) -> tuple[dict[str, Path], dict[str, dict[str, int]]]:
    files = {module_name(p, root): p for p in sorted(root.rglob("*.py"))}
    modules = set(files)
    graph: dict[str, dict[str, int]] = {name: {} for name in files}
    for name, path in files.items():
        for target, line in imports(path, root, modules):
            if target != name and target in modules:
                graph[name].setdefault(target, line)
    return files, graph


def cycles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def layer_problems(root: Path) -> list[str]:
    """Every upward import, module without a layer and import cycle, one line each."""
    files, graph = import_graph(root)
    problems = []
    for path in files.values():
        if layer_of(path, root) is None:
            where = path.relative_to(root)
            problems.append(f"{where}: in no layer (folders: {', '.join(LAYERS)})")
    rank = {name: LAYERS.index(layer) for name, p in files.items() if (layer := layer_of(p, root))}
    for name, targets in graph.items():
        for target, line in targets.items():
            if name in rank and target in rank and rank[target] > rank[name]:
                where = files[name].relative_to(root)
                problems.append(
                    f"{where}:{line}: {name} ({LAYERS[rank[name]]}) imports {target} "
                    f"({LAYERS[rank[target]]}), a higher layer"
                )
    for component in cycles(graph):
        problems.append(f"import cycle: {' <-> '.join(component)}")
    return problems


def test_imports_point_down_and_never_in_a_circle():
    problems = layer_problems(PACKAGE)
    assert problems == [], "\n".join(problems)


def test_every_folder_of_the_package_is_a_layer():
    folders = {p.name for p in PACKAGE.iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert folders <= set(LAYERS), f"folders without a layer: {sorted(folders - set(LAYERS))}"


def _package(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "carepath"
    for name, text in {"__init__.py": "", **files}.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        (path.parent / "__init__.py").touch()
        path.write_text(text, encoding="utf-8")
    return root


@pytest.mark.parametrize(
    "upward",
    [
        "from ..analysis.report import write_report\n",
        "from carepath.analysis import report\n",
        "def later():\n    from ..analysis import report\n",
        "import carepath.analysis.report\n",
    ],
)
def test_an_upward_import_is_named_with_its_file_and_line(tmp_path, upward):
    root = _package(
        tmp_path,
        {"inputs/checks.py": upward, "analysis/report.py": "def write_report(): ...\n"},
    )
    problems = layer_problems(root)
    assert len(problems) == 1
    assert problems[0].startswith(f"inputs/checks.py:{upward.count(chr(10))}: carepath.inputs")
    assert "carepath.analysis.report (analysis), a higher layer" in problems[0]


def test_a_cycle_inside_one_layer_is_named(tmp_path):
    root = _package(
        tmp_path,
        {
            "workflows/reproduce.py": "def again():\n    from ..workflows.runs import run\n",
            "workflows/runs.py": "from .reproduce import again\n",
            "workflows/sweep.py": "from . import runs\n",
        },
    )
    assert layer_problems(root) == [
        "import cycle: carepath.workflows.reproduce <-> carepath.workflows.runs"
    ]


def test_imports_down_and_a_module_outside_the_layers(tmp_path):
    root = _package(
        tmp_path,
        {
            "cli.py": "from .workflows import runs\nfrom .inputs.schema import Scenario\n",
            "workflows/runs.py": "from ..system import world\n",
            "system/world.py": "from ..inputs import schema\n",
            "inputs/schema.py": "import json\nclass Scenario: ...\n",
            "misc/helpers.py": "",
        },
    )
    assert layer_problems(root) == [
        "misc/__init__.py: in no layer (folders: " + ", ".join(LAYERS) + ")",
        "misc/helpers.py: in no layer (folders: " + ", ".join(LAYERS) + ")",
    ]
