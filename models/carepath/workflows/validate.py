"""Queueing-theory checks: run bare queueing systems and compare them with the theory.

Each scenario under ``scenarios/validation/`` is a bare system (``analysis.bare_system``).  Its
replications run the ``without`` arm only (there is no reform), and every station's arrival
rate, mean wait, probability of waiting, mean time at the station, time-average number waiting
and Little's-law gap is compared with what the traffic equations and Erlang C predict; with more
than one station, so are the mean wait and time from onset to the end of care per episode.

A comparison passes when the expected value lies inside the replications' Student-t interval.
A system makes many comparisons at once, so each interval is widened to level 1 - 0.05/m for m
comparisons (Bonferroni): a correct model then passes all of them at least 95% of the time.
The plain 95% interval is reported beside it.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..accounting.metrics import compute
from ..accounting.tally import tally_of
from ..accounting.window import measured_window
from ..analysis.bare_system import Network, NotBareSystem, expected
from ..analysis.queue_records import QUANTITIES, station_queues
from ..analysis.statistics import describe
from ..execution.manifest import RunRecord, package_versions, scenario_hash
from ..execution.replication import simulate
from ..inputs.arms import WITHOUT
from ..inputs.loading import ScenarioError
from ..inputs.scenario_file import load_scenario, resolved
from ..inputs.schema import Scenario
from ..observation.results_folder import QUEUEING_COLUMNS, QUEUEING_FILE, write_folder
from ..system.world import World

EPISODE = "per episode"  # the station label of the whole-journey rows
FAMILY_CONFIDENCE = 0.95


@dataclass(frozen=True)
class _Replication:
    scenario: Scenario
    seed: int
    replication: int


def _observe(task: _Replication) -> dict[tuple[str, str], float]:
    """One replication's observed quantities, keyed by (station, quantity)."""
    world = World.build(task.scenario)
    records = simulate(world, WITHOUT, task.seed, task.replication, full_log=True)
    start, end = measured_window(world)
    seen = {
        (station, quantity): value
        for station, values in station_queues(records, start, end).items()
        for quantity, value in values.items()
    }
    metrics = compute(tally_of(records, world))
    seen[(EPISODE, "wait_min")] = metrics["wait_min"]
    seen[(EPISODE, "sojourn_min")] = metrics["time_to_care_min"]
    return seen


def expectations(network: Network) -> dict[tuple[str, str], float]:
    """What theory expects, keyed by (station, quantity) as ``_observe`` reports them."""
    out: dict[tuple[str, str], float] = {}
    for station, queue in network.stations.items():
        theory = {
            "arrival_per_min": queue.arrival_per_min,
            "wait_min": queue.wait_min,
            "p_wait": queue.p_wait,
            "sojourn_min": queue.sojourn_min,
            "queue_length": queue.queue_length,
            "little_gap": 0.0,
        }
        out.update({(station, q): theory[q] for q in QUANTITIES})
    if len(network.stations) > 1 or network.delay_per_episode_min > 0:
        out[(EPISODE, "wait_min")] = network.wait_per_episode_min
        out[(EPISODE, "sojourn_min")] = network.sojourn_per_episode_min
    return out


def check_system(
    scenario: Scenario, replications: int | None = None, seed: int | None = None, jobs: int = 1
) -> pd.DataFrame:
    """Simulate a bare system and set each observed quantity beside theory (``QUEUEING_COLUMNS``).

    Raises ``NotBareSystem`` (naming the keys) when the scenario is not a bare system.
    """
    theory = expectations(expected(scenario))
    sim = scenario.simulation
    n = replications if replications is not None else sim.replications
    s = seed if seed is not None else sim.seed
    tasks = [_Replication(scenario, s, r) for r in range(n)]
    observed = _map(tasks, jobs)
    level = 1.0 - (1.0 - FAMILY_CONFIDENCE) / len(theory)
    rows = []
    for (station, quantity), value in theory.items():
        values = np.array([seen.get((station, quantity), np.nan) for seen in observed])
        plain, family = describe(values), describe(values, level)
        rows.append(
            (
                scenario.name,
                station,
                quantity,
                value,
                plain["n"],
                plain["mean"],
                plain["ci_low"],
                plain["ci_high"],
                _inside(value, plain),
                level,
                family["ci_low"],
                family["ci_high"],
                _inside(value, family),
            )
        )
    return pd.DataFrame(rows, columns=list(QUEUEING_COLUMNS))


def _inside(value: float, interval: dict[str, float]) -> bool:
    return bool(interval["ci_low"] <= value <= interval["ci_high"])


def _map(tasks: Sequence[_Replication], jobs: int) -> list[dict]:
    """Each replication's observations, in replication order, on ``jobs`` processes."""
    if jobs <= 1:
        return [_observe(task) for task in tasks]
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(_observe, tasks))


def validate_files(
    files: Sequence[Path], replications: int | None = None, jobs: int = 1
) -> tuple[pd.DataFrame, list[dict], list[str]]:
    """Check every bare system: the joined table, one manifest entry each, and bad-input lines.

    Every file is read and checked before anything is simulated; with any problem nothing runs.
    """
    loaded, problems = [], []
    for file in files:
        try:
            scenario = load_scenario(file)
            expected(scenario)
            loaded.append((file, scenario))
        except ScenarioError as error:
            problems.extend(error.problems)
        except NotBareSystem as error:
            problems.extend(f"{file}: {line}" for line in error.problems)
    if problems:
        return pd.DataFrame(columns=list(QUEUEING_COLUMNS)), [], problems
    tables, systems = [], []
    for file, scenario in loaded:
        tables.append(check_system(scenario, replications, jobs=jobs))
        systems.append(
            {
                "scenario": scenario.name,
                "scenario_file": str(file),
                "scenario_sha256": scenario_hash(resolved(scenario)),
                "seed": scenario.simulation.seed,
                "replications": int(tables[-1].n.max()),
            }
        )
    return pd.concat(tables, ignore_index=True), systems, []


@dataclass
class Validation:
    """What ``carepath validate`` found: the checks, or why nothing ran; the file written."""

    table: pd.DataFrame
    problems: list[str]
    written: Path | None = None


def run_validation(
    files: Sequence[Path], out_dir: Path, run: RunRecord, replications: int | None = None
) -> Validation:
    """Check every bare system on ``run.jobs`` processes and write ``queueing.csv`` and its
    manifest into ``out_dir``; nothing is written if a file has a problem."""
    table, systems, problems = validate_files(files, replications, run.jobs)
    if problems:
        return Validation(table, problems)
    run = run.ended()
    assert run.finished is not None
    manifest = {
        "command": run.command,
        "started": run.started.isoformat(),
        "finished": run.finished.isoformat(),
        "git": run.git,
        "versions": package_versions(),
        "family_confidence": FAMILY_CONFIDENCE,
        "systems": systems,
    }
    folder = write_folder(out_dir, {QUEUEING_FILE: table}, manifest)
    return Validation(table, [], folder / QUEUEING_FILE)
