"""Choosing the replication count: add replications until an interval is narrow enough.

``carepath run --precision 0.05`` runs a pilot batch, then adds replications in rounds until the
95% interval of one summary figure has a half-width of at most 5% of its mean, or a cap is hit.
The figure is the metric's paired difference ``without - with`` (the saving) when the scenario
switches a reform on, the ``without`` arm's mean when it switches none on (every difference is
then exactly 0), and the ``paired`` row for a patient-paired metric; ``--precision-arm`` picks
another.  After each round the next count is the one the current standard deviation says is
needed, at least one more and at most twice as many as so far.

Replication r's results depend only on the scenario, the seed and r, never on the round it ran
in, so the files written equal those of a direct run with the chosen count.

The manifest also gets an MSER-5 warm-up estimate (``analysis.warmup``) from the daily mean wait
of replication 0 of each arm, beside the configured warm-up days.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pandas as pd

from ..analysis.warmup import BATCH, daily_wait, warmup_days
from ..execution.batch import RunResult, run_replications
from ..execution.options import DEFAULT_OPTIONS, RunOptions
from ..execution.replication import simulate
from ..inputs.arms import PAIRED, arms_for
from ..inputs.metric_registry import METRICS
from ..inputs.schema import Scenario
from ..system.world import World

PRECISION_ARMS = ("without", "with", "difference", PAIRED)
DEFAULT_MAX_REPLICATIONS = 200
MIN_PILOT = 3


@dataclass(frozen=True)
class Target:
    """What precision to reach, on which figure, within how many replications."""

    relative: float  # half-width of the 95% interval / |mean|
    metric: str = "wait_min"
    arm: str | None = None  # None: see default_arm
    pilot: int | None = None  # None: the scenario's replications
    max_replications: int = DEFAULT_MAX_REPLICATIONS


def target_problems(target: Target) -> list[str]:
    """Why a target cannot be used, one line each (empty if it can)."""
    problems = []
    if not target.relative > 0:
        problems.append(f"--precision: must be > 0, got {target.relative}")
    if not METRICS.knows(target.metric):
        problems.append(f"--precision-metric: no such metric, got {target.metric!r}")
    elif target.arm is not None:
        paired = METRICS.knows(target.metric, "paired")
        if paired != (target.arm == PAIRED):
            arms = PAIRED if paired else "without, with or difference"
            problems.append(f"--precision-arm: {target.metric} is summarised as {arms}")
    return problems


def default_arm(scenario: Scenario, metric: str) -> str:
    if METRICS.knows(metric, "paired"):
        return PAIRED
    return "difference" if scenario.switched_on() else "without"


def half_width(summary: pd.DataFrame, metric: str, arm: str) -> tuple[float, float]:
    """Mean and half-width of the 95% interval of one summary row."""
    row = summary[(summary.metric == metric) & (summary.arm == arm)]
    if row.empty:
        raise ValueError(f"the summary has no row for {metric} ({arm})")
    r = row.iloc[0]
    return float(r["mean"]), float(r.ci_high - r.ci_low) / 2


def precise_enough(mean: float, half: float, relative: float) -> bool:
    """Whether the half-width is at most ``relative`` times the mean's size (NaN: not yet)."""
    return not math.isnan(half) and half <= relative * abs(mean)


def next_count(n: int, mean: float, half: float, relative: float, cap: int) -> int:
    """Replications for the next round: what the spread so far needs, n+1 to 2n, at most cap."""
    wanted = 2 * n
    if not math.isnan(half) and mean != 0:
        wanted = math.ceil(n * (half / (relative * abs(mean))) ** 2)
    return min(cap, max(n + 1, min(wanted, 2 * n)))


def join(parts: list[RunResult]) -> RunResult:
    """Batches of consecutive replications of one scenario as one batch."""
    if len(parts) == 1:
        return parts[0]

    def stack(name: str) -> pd.DataFrame:
        return pd.concat([getattr(p, name) for p in parts], ignore_index=True)

    first = parts[0]
    tables = {
        file: pd.concat([p.tables[file] for p in parts], ignore_index=True) for file in first.tables
    }
    return RunResult.of(
        first.scenario,
        first.seed,
        stack("replications"),
        stack("stations"),
        stack("referrals"),
        stack("equity"),
        tables,
    )


def run_to_precision(
    scenario: Scenario, target: Target, options: RunOptions = DEFAULT_OPTIONS
) -> tuple[RunResult, dict]:
    """Run rounds of replications until ``target`` is met or its cap; the batch and a report.

    ``options``: the seed, jobs and progress bar (the replication count is the target's).
    """
    problems = target_problems(target)
    if problems:
        raise ValueError("; ".join(problems))
    seed = options.seed_of(scenario)
    arm = target.arm or default_arm(scenario, target.metric)
    cap = max(target.max_replications, MIN_PILOT)
    n = min(cap, max(MIN_PILOT, target.pilot or scenario.simulation.replications))
    parts = [run_replications(scenario, range(n), seed, options)]
    rounds = []
    while True:
        result = join(parts)
        mean, half = half_width(result.summary, target.metric, arm)
        rounds.append({"replications": n, "mean": mean, "half_width": half})
        met = precise_enough(mean, half, target.relative)
        if met or n >= cap:
            break
        more = next_count(n, mean, half, target.relative, cap)
        parts.append(run_replications(scenario, range(n, more), seed, options))
        n = more
    report = {
        "target_relative_half_width": target.relative,
        "metric": target.metric,
        "arm": arm,
        "confidence": 0.95,
        "replications": n,
        "met": met,
        "max_replications": cap,
        "stopped_at_cap": not met,
        "mean": mean,
        "half_width": half,
        "relative_half_width": half / abs(mean) if mean else None,
        "rounds": rounds,
    }
    return result, report


def warmup_estimate(scenario: Scenario, seed: int | None = None) -> dict:
    """MSER-5 warm-up of the daily mean wait, replication 0 of each arm, beside the configured."""
    seed = scenario.simulation.seed if seed is None else seed
    world = World.build(scenario)
    by_arm: dict[str, dict[str, Any]] = {}
    for arm in arms_for(scenario):
        series = daily_wait(simulate(world, arm, seed, 0, full_log=True), world)
        try:
            day, cut = warmup_days(series)
        except ValueError as error:
            by_arm[arm.name] = {"mser5_days": None, "note": str(error)}
            continue
        by_arm[arm.name] = {
            "mser5_days": day,
            "reliable": cut.reliable,
            "days_in_series": len(series),
        }
    estimates = [a["mser5_days"] for a in by_arm.values() if a["mser5_days"] is not None]
    return {
        "configured_days": scenario.simulation.warmup_days,
        "mser5_days": max(estimates) if estimates else None,
        "method": f"MSER-{BATCH} on the daily mean wait per episode by onset day, replication 0",
        "arms": by_arm,
    }
