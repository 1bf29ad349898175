"""Golden back-test: short fixed-seed runs of every bundled scenario, byte for byte.

A failure lists the metrics that moved.  If the change is intended, regenerate the tables with
``make golden`` (``python -m carepath.workflows.golden --update``), review and commit them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from carepath.workflows.golden import (
    UPDATE_COMMAND,
    differences,
    golden_bytes,
    golden_file,
    main,
)
from conftest import REPO, tiny_data, write_yaml

pytestmark = pytest.mark.integration  # simulates whole scenarios or runs the command

BUNDLED = sorted((REPO / "scenarios").glob("*.yaml"))
GOLDEN = REPO / "tests" / "golden"
# A county of a million takes minutes even over four days: checked by `make test-slow`.
LARGE = {"suixi_county"}


@pytest.mark.parametrize(
    "path",
    [pytest.param(p, marks=pytest.mark.slow) if p.stem in LARGE else p for p in BUNDLED],
    ids=lambda p: p.stem,
)
def test_bundled_scenario_matches_its_golden_table(path: Path):
    target = golden_file(GOLDEN, path)
    if not target.exists():
        pytest.fail(f"no golden table {target}; create it with: {UPDATE_COMMAND}")
    actual = golden_bytes(path)
    expected = target.read_bytes()
    if actual != expected:
        changed = "\n  ".join(differences(expected, actual))
        pytest.fail(
            f"{path.name}: results differ from {target.relative_to(REPO)}:\n  {changed}\n"
            f"If the change is intended: {UPDATE_COMMAND}, then review and commit the tables."
        )


def test_differences_name_the_metric_that_moved():
    header = "scenario,replication,arm,metric,value\n"
    old = header + "s,0,with,wait_min,12.5\ns,0,with,episodes,100\ns,1,with,episodes,90\n"
    new = header + "s,0,with,wait_min,12.75\ns,0,with,episodes,100\ns,0,with,visits,1.2\n"
    assert differences(old.encode(), new.encode()) == [
        "s replication 1 arm with: episodes: gone (was 90)",
        "s replication 0 arm with: visits: new (1.2)",
        "s replication 0 arm with: wait_min: golden 12.5, now 12.75",
    ]
    assert differences(old.encode(), old.encode()) == []


def test_update_writes_the_tables_and_check_then_passes(tmp_path, capsys):
    scenarios = tmp_path / "scenarios"
    scenarios.mkdir()
    data = tiny_data()
    data["zones"][0]["episodes_per_person_year"] = 5.0
    path = write_yaml(scenarios / "tiny.yaml", data)
    golden = tmp_path / "golden"
    args = ["--scenarios", str(scenarios), "--golden", str(golden)]
    assert main(args) == 1  # nothing to compare with yet
    assert UPDATE_COMMAND in capsys.readouterr().out
    assert main([*args, "--update"]) == 0
    assert (golden / "tiny" / "replications.csv").read_bytes() == golden_bytes(path)
    assert main(args) == 0
