"""Refit the facility choice to today's first-contact shares, with the waits the without arm
really has.

The logit's constants are fitted at the waits patients expect before any week is seen
(``care_seeking.choice.start_wait_min``).  If those differ from what the without arm's queues
give, patients' signal drifts and so do first-contact shares.  :func:`refit` runs the without
arm, sets each tier's starting wait to the mean queueing per visit it measured there, refits,
and repeats until the starting waits settle; :func:`share_gaps` says how far the simulated
first-contact shares are from the file's, by condition and tier.

    python -m carepath.workflows.choice_fit scenarios/demo_county.yaml
"""

from __future__ import annotations

import argparse
import math
import sys

import numpy as np
import pandas as pd

from ..accounting.window import measured_window
from ..behaviour.choice import ChoiceModel
from ..behaviour.wait_signal import WaitSignal
from ..execution.replication import simulate
from ..inputs.arms import WITHOUT
from ..inputs.care_seeking import Choice
from ..inputs.scenario_file import load_scenario
from ..inputs.schema import TIERS, Scenario
from ..observation.records import BACKGROUND, NOT_VISITS, Records
from ..system.hours import DAY_MIN
from ..system.world import World

STEADY_DAYS = 28


def first_contact_shares(records: Records, world: World) -> np.ndarray:
    """Simulated first-contact shares by condition and tier (the first visits of the episodes
    with onset in the measured period)."""
    start, end = measured_window(world)
    episodes = records.table("episodes")
    episodes = episodes[(episodes.onset_min >= start) & (episodes.onset_min < end)]
    visits = records.table("visits")
    first = visits[visits.kind == "first"].drop_duplicates("patient")
    merged = first.merge(episodes[["patient", "condition"]], on="patient")
    ranks = np.array([f.rank for f in world.facilities])[merged.facility.to_numpy()]
    counts = np.zeros((len(world.conditions), len(TIERS)))
    np.add.at(counts, (merged.condition.to_numpy(), ranks), 1.0)
    sums = counts.sum(axis=1, keepdims=True)
    return np.divide(counts, sums, out=np.zeros_like(counts), where=sums > 0)


def measured_waits(records: Records, world: World, by: str = "tier") -> dict[str, float]:
    """Mean queueing minutes per arrival (returns not counted) in the measured period, at each
    tier's facilities (``by="tier"``) or at each facility (``by="facility"``, by id)."""
    start, end = measured_window(world)
    stations = records.table("stations")
    stations = stations[(stations.arrive_min >= start) & (stations.arrive_min < end)]
    stations = stations[stations.patient != BACKGROUND]  # they make no visit of the area's
    visits = records.table("visits")
    visits = visits[(visits.arrive_min >= start) & (visits.arrive_min < end)]
    key = np.array([getattr(f, "tier" if by == "tier" else "id") for f in world.facilities])
    wait_min = (stations.start_min - stations.arrive_min).to_numpy()
    waited = pd.Series(wait_min).groupby(key[stations.facility.to_numpy()]).sum()
    arriving = visits[~visits.kind.isin(NOT_VISITS)].facility.to_numpy()
    arrived = pd.Series(key[arriving]).value_counts()
    return {k: float(waited.get(k, 0.0) / n) for k, n in arrived.items() if n}


def _with_start_waits(scenario: Scenario, waits: dict[str, float]) -> Scenario:
    choice = scenario.care_seeking.choice
    assert choice is not None
    rounded = {t: round(m, 1) for t, m in waits.items()}
    new_choice = Choice.model_validate({**choice.model_dump(), "start_wait_min": rounded})
    care = scenario.care_seeking.model_copy(update={"choice": new_choice})
    return scenario.model_copy(update={"care_seeking": care})


def daily_signals(records: Records, world: World) -> list[list[float]]:
    """The wait signal patients had on each simulated day, replayed from the records."""
    model = ChoiceModel.of(world)
    assert model.choice is not None
    signal = WaitSignal(model.start_wait_min, model.choice.signal_days)
    stations = records.rows("stations")
    visits = records.rows("visits")
    days = math.ceil(max((v.arrive_min for v in visits), default=0.0) / DAY_MIN) + 1
    by_day_stations: list[list[tuple]] = [[] for _ in range(days)]
    by_day_visits: list[list[tuple]] = [[] for _ in range(days)]
    # a row is folded at the end of the day it was recorded in (its arrival's day)
    for row in stations:
        by_day_stations[min(int(row.arrive_min // DAY_MIN), days - 1)].append(tuple(row))
    for row in visits:
        by_day_visits[min(int(row.arrive_min // DAY_MIN), days - 1)].append(tuple(row))
    seen = []
    for day in range(days):
        seen.append(list(signal.minutes))
        signal.fold(by_day_stations[day], by_day_visits[day])
    return seen


def share_gaps(scenario: Scenario, seed: int = 0, replication: int = 0) -> pd.DataFrame:
    """First-contact shares of the without arm of one replication beside the file's, by
    condition and tier, in percentage points: ``simulated`` (counted, with its sampling
    error) and ``expected`` (the logit's shares at the waits patients saw each day, averaged
    over the days: the fit's own error, without sampling noise)."""
    world = World.build(scenario)
    records = simulate(world, WITHOUT, seed, replication, full_log=True)
    model = ChoiceModel.of(world)
    counted = first_contact_shares(records, world)
    start, end = measured_window(world)
    days = range(int(start // DAY_MIN), int(end // DAY_MIN))
    signals = daily_signals(records, world)
    expected = np.mean([model.predicted_at(signals[day])[0] for day in days], axis=0)
    rows = []
    for c, cond in enumerate(world.conditions):
        for t, tier in enumerate(TIERS):
            rows.append(
                {
                    "condition": cond.id,
                    "tier": tier,
                    "target": 100 * model.target[c, t],
                    "expected_gap": 100 * (expected[c, t] - model.target[c, t]),
                    "simulated_gap": 100 * (counted[c, t] - model.target[c, t]),
                }
            )
    return pd.DataFrame(rows)


def refit(
    scenario: Scenario, rounds: int = 2, seed: int = 0, by: str = "tier"
) -> tuple[Scenario, dict[str, float]]:
    """The scenario with each tier's (or facility's) starting wait set to what its without arm
    measures over ``STEADY_DAYS`` of warm-up and as many measured, the constants refitted at
    those waits; and the waits."""
    # Long enough for follow-ups to build up to a steady load: a short run's waits still drift,
    # and shares fitted to them miss by a point or two.
    steady = {"warmup_days": STEADY_DAYS, "horizon_days": STEADY_DAYS}
    scenario = scenario.model_copy(
        update={"simulation": scenario.simulation.model_copy(update=steady)}
    )
    waits: dict[str, float] = {}
    for _ in range(rounds):
        world = World.build(scenario)
        records = simulate(world, WITHOUT, seed, 0, full_log=True)
        waits = measured_waits(records, world, by)
        scenario = _with_start_waits(scenario, waits)
    return scenario, waits


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scenario")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--by", choices=("tier", "facility"), default="tier")
    args = parser.parse_args(argv)
    scenario = load_scenario(args.scenario)
    if scenario.care_seeking.choice is None:
        print(f"{args.scenario}: no care_seeking.choice block", file=sys.stderr)
        return 2
    fitted, waits = refit(scenario, args.rounds, by=args.by)
    print("start_wait_min:", {t: round(m, 1) for t, m in waits.items()})
    gaps = share_gaps(fitted)
    print(gaps.round(2).to_string(index=False))
    worst = gaps.expected_gap.abs().max()
    print(f"largest expected gap: {worst:.2f} percentage points (target: within 1)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
