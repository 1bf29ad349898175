"""Golden back-test: short fixed-seed runs of the bundled scenarios, kept as expected tables.

Each bundled scenario (``scenarios/*.yaml``) is run over a short horizon with its own seed, and
its ``replications.csv`` bytes are compared with ``tests/golden/<scenario>/replications.csv``.
Any change in any number shows up, with the metrics that moved.  When a change is intended
(a model change, a new metric), regenerate the tables, review the diff and commit it::

    make golden        # = python -m carepath.workflows.golden --update
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

import pandas as pd

from ..execution.batch import run
from ..inputs.scenario_file import load_scenario
from ..inputs.schema import Scenario
from ..observation.results_folder import REPLICATIONS_FILE, table_bytes, write_atomic

UPDATE_COMMAND = "make golden  (or: python -m carepath.workflows.golden --update)"
# Short enough for the test suite, long enough that every mechanism acts: 1 day of warm-up,
# 3 measured days, 2 replications; the scenario's own seed and drain days.
GOLDEN_SIMULATION = {"warmup_days": 1, "horizon_days": 3, "replications": 2}
KEYS = ["scenario", "replication", "arm", "metric"]


def golden_scenario(scenario: Scenario) -> Scenario:
    sim = scenario.simulation.model_copy(update=GOLDEN_SIMULATION)
    return scenario.model_copy(update={"simulation": sim})


def golden_bytes(path: Path) -> bytes:
    """The ``replications.csv`` bytes of the short fixed-seed run of one scenario file."""
    return table_bytes(run(golden_scenario(load_scenario(path))).replications)


def differences(expected: bytes, actual: bytes, most: int = 12) -> list[str]:
    """What changed between two ``replications.csv`` tables, one line per changed value."""
    old = pd.read_csv(io.BytesIO(expected)).set_index(KEYS).value
    new = pd.read_csv(io.BytesIO(actual)).set_index(KEYS).value
    lines = []
    for key in old.index.difference(new.index, sort=False):
        lines.append(f"{_name(key)}: gone (was {old[key]:.12g})")
    for key in new.index.difference(old.index, sort=False):
        lines.append(f"{_name(key)}: new ({new[key]:.12g})")
    shared = old.index.intersection(new.index, sort=False)
    changed = old[shared] != new[shared]
    changed &= ~(old[shared].isna() & new[shared].isna())
    for key in shared[changed.to_numpy()]:
        lines.append(f"{_name(key)}: golden {old[key]:.12g}, now {new[key]:.12g}")
    if not lines and expected != actual:
        lines.append("same values, different bytes (row order or formatting)")
    if len(lines) > most:
        lines = [*lines[:most], f"... and {len(lines) - most} more"]
    return lines


def _name(key: tuple) -> str:
    scenario, replication, arm, metric = key
    return f"{scenario} replication {replication} arm {arm}: {metric}"


def golden_file(golden: Path, scenario_path: Path) -> Path:
    return Path(golden) / Path(scenario_path).stem / REPLICATIONS_FILE


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m carepath.workflows.golden",
        description="Check (default) or update the golden tables of the bundled scenarios.",
    )
    parser.add_argument("--update", action="store_true", help="rewrite the golden tables")
    parser.add_argument("--scenarios", type=Path, default=Path("scenarios"))
    parser.add_argument("--golden", type=Path, default=Path("tests/golden"))
    args = parser.parse_args(argv)
    paths = sorted(args.scenarios.glob("*.yaml"))
    if not paths:
        print(f"no scenario files in {args.scenarios}/", file=sys.stderr)
        return 2
    failed = 0
    for path in paths:
        target = golden_file(args.golden, path)
        actual = golden_bytes(path)
        if args.update:
            target.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(target, actual)
            print(f"wrote {target}")
        elif not target.exists():
            failed += 1
            print(f"{path}: no golden table {target}")
        elif target.read_bytes() != actual:
            failed += 1
            print(f"{path}: differs from {target}:")
            for line in differences(target.read_bytes(), actual):
                print(f"  {line}")
        else:
            print(f"{path}: same as {target}")
    if failed:
        print(f"if the change is intended: {UPDATE_COMMAND}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
