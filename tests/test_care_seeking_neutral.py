"""Attribution of issue 18's moved numbers: with care seeking at its neutral setting (everyone
seeks care at once, fixed first-contact shares, no cash limit, no patience limit, no urgent
condition), every row of the golden tables main had before care seeking is byte-identical.

The golden tables before care seeking are read from git (commit ``BEFORE``); a clone without
that history skips.  ``make test`` runs ``demo_county``; the others are ``slow``
(``make test-slow``).
"""

from __future__ import annotations

import subprocess

import pytest

from carepath.execution.batch import run
from carepath.inputs.scenario_file import load_scenario
from carepath.observation.results_folder import table_bytes
from carepath.workflows.golden import golden_scenario
from conftest import REPO, without_care_seeking

BEFORE = "a330aa3"  # main before care seeking (issue 18)
SCENARIOS = sorted(p.stem for p in (REPO / "scenarios").glob("*.yaml"))


def golden_before(name: str) -> bytes | None:
    done = subprocess.run(
        ["git", "show", f"{BEFORE}:tests/golden/{name}/replications.csv"],
        cwd=REPO,
        capture_output=True,
        check=False,
    )
    return done.stdout if done.returncode == 0 else None


def rows_by_key(table: bytes) -> dict[str, str]:
    """Each row's text, by its scenario, replication, arm and metric."""
    lines = table.decode().splitlines()
    return {",".join(line.split(",")[:4]): line for line in lines[1:]}


def check_neutral(name: str) -> None:
    before = golden_before(name)
    if before is None:
        pytest.skip(f"no git history of {BEFORE} here")
    path = REPO / "scenarios" / f"{name}.yaml"
    now = table_bytes(run(golden_scenario(without_care_seeking(load_scenario(path)))).replications)
    old, new = rows_by_key(before), rows_by_key(now)
    assert before.decode().splitlines()[0] == now.decode().splitlines()[0]  # the header
    changed = [key for key, line in old.items() if new.get(key) != line]
    assert not changed, f"{len(changed)} rows moved, e.g. {changed[:3]}"
    added = {key.rsplit(",", 1)[1] for key in new.keys() - old.keys()}
    # only the new metrics are new rows
    assert added <= {
        "care_sought_share",
        "episodes_forgone",
        "episodes_delayed",
        "balked",
        "reneged",
        *(f"visits_{t}" for t in ("village", "township", "county", "city")),
    }


def test_neutral_care_seeking_keeps_demo_county_golden_rows():
    check_neutral("demo_county")


@pytest.mark.slow
@pytest.mark.parametrize("name", [n for n in SCENARIOS if n != "demo_county"])
def test_neutral_care_seeking_keeps_every_golden_row(name: str):
    check_neutral(name)
