"""Attribution of moved numbers to an issue: golden rows of a commit before it, reproduced by
the code now from scenario files as some commit had them, with a change applied.

Each attribution test names the golden tables it must keep (``golden_commit``), the scenario
files it runs (``files_commit``: those of the issue's own landing, so that later issues'
inputs do not count against it) and the neutral setting of what the issue added
(``transform``).  A clone without that history skips.
"""

from __future__ import annotations

import io
import subprocess
import tarfile
from collections.abc import Callable
from pathlib import Path

import pytest

from carepath.execution.batch import run
from carepath.inputs.scenario_file import load_scenario
from carepath.inputs.schema import Scenario
from carepath.observation.results_folder import table_bytes
from carepath.workflows.golden import golden_scenario
from conftest import REPO


def git_show(commit: str, path: str) -> bytes | None:
    done = subprocess.run(
        ["git", "show", f"{commit}:{path}"], cwd=REPO, capture_output=True, check=False
    )
    return done.stdout if done.returncode == 0 else None


def scenarios_at(commit: str, folder: Path) -> Path:
    """The scenario folder as it was at ``commit``, written under ``folder``."""
    done = subprocess.run(
        ["git", "archive", commit, "scenarios"], cwd=REPO, capture_output=True, check=False
    )
    if done.returncode != 0:
        pytest.skip(f"no git history of {commit} here")
    with tarfile.open(fileobj=io.BytesIO(done.stdout)) as archive:
        archive.extractall(folder, filter="data")
    return folder / "scenarios"


# Issue 23's metrics: the status quo inside facilities (accounting.visit_times).
ISSUE_23_METRICS = frozenset(
    {
        "city_consult_wait_min",
        "city_registration_wait_min",
        "city_cashier_wait_min",
        "city_pharmacy_wait_min",
        "city_long_visit_share",
        "township_wait_min",
        "township_consult_min",
        "hospital_wait_min",
        "hospital_on_site_min",
    }
)
# Issue 24's metric: admissions of chronic conditions (conditions[].chronic), for Suixi's
# published fall in chronic admissions.
ISSUE_24_METRICS = frozenset({"admissions_per_1000_year_chronic"})
# Metrics later issues added: new rows under every earlier issue's test too, with no bearing on
# the rows it keeps (each issue's own test names its metrics as ``new_metrics``).
LATER_METRICS = ISSUE_23_METRICS | ISSUE_24_METRICS


def rows_by_key(table: bytes) -> dict[str, str]:
    """Each row's text, by its scenario, replication, arm and metric."""
    lines = table.decode().splitlines()
    return {",".join(line.split(",")[:4]): line for line in lines[1:]}


def check_rows_kept(
    golden_commit: str,
    scenarios: Path,
    name: str,
    new_metrics: set[str],
    transform: Callable[[Scenario], Scenario] = lambda scenario: scenario,
    redefined: frozenset[str] = frozenset(),
) -> None:
    """Every golden row of ``golden_commit`` is byte-identical, but those of ``redefined``
    metrics (whose definition changed: they have no neutral setting); only ``new_metrics`` are
    new."""
    before = git_show(golden_commit, f"tests/golden/{name}/replications.csv")
    if before is None:
        pytest.skip(f"no git history of {golden_commit} here")
    scenario = transform(load_scenario(scenarios / f"{name}.yaml"))
    now = table_bytes(run(golden_scenario(scenario)).replications)
    old, new = rows_by_key(before), rows_by_key(now)
    assert before.decode().splitlines()[0] == now.decode().splitlines()[0]  # the header
    changed = [
        key
        for key, line in old.items()
        if new.get(key) != line and key.rsplit(",", 1)[1] not in redefined
    ]
    assert not changed, f"{len(changed)} rows moved, e.g. {changed[:3]}"
    added = {key.rsplit(",", 1)[1] for key in new.keys() - old.keys()}
    assert added <= new_metrics | LATER_METRICS, f"unexpected new metrics {added - new_metrics}"
