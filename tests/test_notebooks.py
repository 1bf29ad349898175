"""The notebooks: committed without outputs, and every cell runs (in quick mode)."""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

import carepath
from carepath.execution.quick import QUICK_ENV, QUICK_LEVERS
from carepath.inputs.planner_levers import settings
from conftest import REPO

pytestmark = pytest.mark.integration  # simulates whole scenarios or runs the command

NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))
PLANNER = ("01_quickstart", "02_recognition", "03_credit", "04_outreach")
# A notebook cell may take this long in quick mode before the test gives up on it.
CELL_TIMEOUT_S = 300
PANEL_CALL = "carepath.lever_panel("
WIDGET = "application/vnd.jupyter.widget-view+json"


def test_the_planner_and_reviewer_notebooks_are_there():
    names = {path.stem for path in NOTEBOOKS}
    assert {*PLANNER, "reviewer"} <= names


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
    # The lever panel cell shows the panel's widgets.
    for cell in notebook.cells:
        if cell.cell_type == "code" and PANEL_CALL in cell.source:
            assert any(WIDGET in output.get("data", {}) for output in cell.outputs), cell.source


@pytest.mark.parametrize("name", PLANNER)
def test_every_planner_notebook_has_the_lever_panel(name: str):
    notebook = nbformat.read(REPO / "notebooks" / f"{name}.ipynb", as_version=4)
    assert any(PANEL_CALL in cell.source for cell in notebook.cells if cell.cell_type == "code")


def _acceptance_zero_savings(remote_reading: bool) -> dict[str, float]:
    scenario = carepath.load_scenario(REPO / "scenarios" / "demo_county_recognition.yaml")
    levers = {**QUICK_LEVERS, **settings(scenario, {"recognition_acceptance": 0.0})}
    if not remote_reading:
        levers["reforms.recognition.remote_reading"] = []
    summary = carepath.run(carepath.with_levers(scenario, levers)).summary
    saved = summary[summary.arm == "difference"].set_index("metric")["mean"]
    return saved.to_dict()


def test_notebook_02_says_what_its_table_shows_at_acceptance_zero():
    """At acceptance 0 nothing is recognised, yet time is saved: remote reading still acts."""
    notebook = nbformat.read(REPO / "notebooks" / "02_recognition.ipynb", as_version=4)
    words = next(c.source for c in notebook.cells if "At acceptance 0" in c.source)
    assert "remote reading" in words and "is not 0" in words
    with_reading = _acceptance_zero_savings(remote_reading=True)
    assert with_reading["tests_avoided"] == 0.0
    assert with_reading["time_to_care_min"] != 0.0
    without_reading = _acceptance_zero_savings(remote_reading=False)
    for metric in ("cost_total_yuan", "time_to_care_min", "wait_min"):  # the table's
        assert without_reading[metric] == 0.0, metric
