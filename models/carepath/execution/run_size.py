"""How big a run is before it starts: episodes to simulate and the memory a worker needs.

A file can ask for a run that would take days or exhaust memory (a county of a billion, a
billion replications).  ``carepath run`` sizes the batch first and refuses, with exit 2, one
above :data:`MAX_EPISODES` episodes or whose workers would need more than half the machine's
memory, unless ``--force``.  The memory is an upper bound: every episode of a replication's
arms held at once (the fold releases ended ones, so a real run holds far fewer).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from ..inputs.arms import arms_for
from ..inputs.economics import DAYS_PER_YEAR
from ..inputs.schema import Scenario

MAX_EPISODES = 50_000_000
# Held per episode in care, all of an arm's rows and the patient's draws (an upper bound).
BYTES_PER_EPISODE = 4096


@dataclass(frozen=True)
class RunSize:
    """Episodes over the whole batch, and the memory one worker may hold (bytes)."""

    episodes: float
    worker_bytes: float


def episodes_per_arm(scenario: Scenario) -> float:
    """Expected illness onsets of one arm of one replication (warm-up and measured period)."""
    sim = scenario.simulation
    years = (sim.warmup_days + sim.horizon_days) / DAYS_PER_YEAR
    return sum(z.population * z.episodes_per_person_year for z in scenario.zones) * years


def run_size(scenario: Scenario, replications: int | None = None) -> RunSize:
    """The size of running ``scenario`` (every arm, every sweep variant) ``replications`` times
    (default: the file's)."""
    count = replications or scenario.simulation.replications
    variants = scenario.sweep.variant_count if scenario.sweep is not None else 1
    per_replication = episodes_per_arm(scenario) * len(arms_for(scenario))
    return RunSize(
        episodes=per_replication * count * variants,
        worker_bytes=per_replication * BYTES_PER_EPISODE,
    )


def machine_bytes() -> float:
    """Physical memory of this machine (bytes), or infinity where it cannot be read."""
    try:
        return float(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):
        return float("inf")


def size_problems(
    scenario: Scenario, replications: int | None, workers: int, memory: float | None = None
) -> list[str]:
    """Why running the scenario is refused without ``--force`` (empty when it is not)."""
    size = run_size(scenario, replications)
    memory = machine_bytes() if memory is None else memory
    problems = []
    if size.episodes > MAX_EPISODES:
        problems.append(
            f"{scenario.name}: about {size.episodes:,.0f} episodes to simulate, more than "
            f"{MAX_EPISODES:,}; use --force to run it anyway"
        )
    needed = size.worker_bytes * max(1, workers)
    if needed > memory / 2:
        problems.append(
            f"{scenario.name}: up to {needed / 2**30:,.1f} GiB for {max(1, workers)} worker(s), "
            f"more than half of this machine's {memory / 2**30:,.1f} GiB; use fewer --jobs, or "
            "--force to run it anyway"
        )
    return problems
