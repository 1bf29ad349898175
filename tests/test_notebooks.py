"""The notebooks: committed without outputs, and every cell runs (in quick mode)."""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from carepath.execution.quick import QUICK_ENV
from conftest import REPO

pytestmark = pytest.mark.integration  # simulates whole scenarios or runs the command

NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))
# A notebook cell may take this long in quick mode before the test gives up on it.
CELL_TIMEOUT_S = 300


def test_the_planner_and_reviewer_notebooks_are_there():
    names = {path.stem for path in NOTEBOOKS}
    assert {"01_quickstart", "02_recognition", "03_credit", "04_outreach", "reviewer"} <= names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_committed_without_outputs(path: Path):
    notebook = nbformat.read(path, as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code, "a notebook without code"
    for cell in code:
        assert cell.outputs == [], f"cell {cell.id} has outputs"
        assert cell.execution_count is None, f"cell {cell.id} has an execution count"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs_in_quick_mode(path: Path, monkeypatch):
    monkeypatch.setenv(QUICK_ENV, "1")
    notebook = nbformat.read(path, as_version=4)
    # One more cell, run last: which Python environment the kernel ran in.
    notebook.cells.append(nbformat.v4.new_code_cell("import sys; print(sys.prefix)"))
    client = NotebookClient(
        notebook,
        timeout=CELL_TIMEOUT_S,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()  # raises CellExecutionError naming the cell and the error
    outputs = [output for cell in notebook.cells for output in cell.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    assert any("QUICK MODE" in o.get("text", "") for o in outputs) or path.stem == "reviewer"
    # The kernel is this environment's Python (the venv's ipykernel), not another one on PATH.
    assert notebook.cells[-1].outputs[0]["text"].strip() == sys.prefix
