"""How fast carepath simulates, against bare SimPy; memory against the horizon; 2-core speed-up.

A benchmark, not a test: it measures and prints, it asserts nothing about time.  In one process:

(a) simulated station visits per second of each scenario measured (by default the demo county
    and the demo county with mutual recognition), both arms of one replication (a
    station visit is one queue-and-serve at one station: a row of ``Records.stations``), timing
    the run as a batch makes it (``execution.replication.ReplicationRun``, the arms side by
    side over the same patients): the simulation and, every simulated day, the folding of its
    records into the metrics' aggregates and the pairing of the arms' ended episodes (also
    shown apart), not the metrics computed from them after it;
(b) the same for a bare, idiomatic SimPy tandem queue of three single-server stations (Poisson
    arrivals, exponential service, ``simpy.Resource``, load 0.8) run for as many station visits,
    as SimPy's documentation writes it (the garbage collector left on); and, for comparison
    only, the same tandem with the collector paused as ``simulate`` pauses it;
(c) the ratio of (a) to (b) (>= 1.0: the model is as fast per visit as bare SimPy).
    (a) and (b) alternate for ``--rounds`` rounds and the fastest round of each counts, timed
    in CPU seconds of this process: on a shared machine wall time mostly measures the others;
(d) peak memory of one replication (both arms side by side and their paired comparison, as a
    batch runs it: ``execution.batch.run_task``) at two horizons, each in a fresh
    subprocess (so the peaks are separable): the default path, which folds the records into the
    metrics every simulated day and releases them, and for contrast the full event log
    (``full_log=True``, every row kept).  Printed: the peak of memory allocated while simulating
    (``tracemalloc``, which sees Python objects and numpy arrays; it slows the run, which is not
    timed here), and the process's peak resident set (``ru_maxrss``, imports and transient
    set-up included);
(e) the wall-time speed-up of ``run_many(jobs=2)`` over ``jobs=1`` on a few replications, and
    of a process pool of two workers over a pool of one (``jobs=1`` runs in this process);
(f) with ``--county-year PATH``: one replication, both arms, of a 365-day horizon of that
    (large) scenario: seconds and station visits.

``--profile N`` instead prints the N functions with the most self time (cProfile) in (a) of
each scenario, with their shares of the profiled time.  (d) and (e) use the first scenario.

Usage: ``python benchmarks/bench_model.py [--json] [--rounds N] [--replications N]
[--scenario PATH ...] [--county-year PATH] [--profile N]``
(``make bench``, ``make bench BENCH_ARGS=--json``).  The machine may be shared: the load average
is printed with the results.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import math
import os
import platform
import pstats
import random
import resource
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from contextlib import AbstractContextManager, nullcontext
from importlib import metadata
from pathlib import Path

import simpy

from carepath.execution.batch import Task, run_many, run_task
from carepath.execution.collector import collector_paused
from carepath.execution.options import RunOptions
from carepath.execution.replication import ReplicationRun
from carepath.inputs.arms import WITHOUT, arms_for
from carepath.inputs.scenario_file import load_scenario
from carepath.inputs.schema import Scenario
from carepath.observation.results_folder import STATION_COLUMNS
from carepath.system.streams import Streams
from carepath.system.world import World

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "scenarios" / "demo_county.yaml"
DEMO_RECOGNITION = REPO / "scenarios" / "demo_county_recognition.yaml"
COUNTY_YEAR = REPO / "scenarios" / "suixi_county.yaml"
SEED = 1
MEMORY_HORIZONS_DAYS = (28, 56)
# Bare tandem: mean minutes between arrivals and of each service (load 0.8 at every station).
TANDEM_ARRIVAL_MIN, TANDEM_SERVICE_MIN = 1.0, 0.8


def with_horizon(scenario: Scenario, days: int) -> Scenario:
    simulation = scenario.simulation.model_copy(update={"horizon_days": days})
    return scenario.model_copy(update={"simulation": simulation})


def model_rate(scenario: Scenario, clock: Callable[[], float] = time.perf_counter) -> dict:
    """(a) Station visits per second of replication 0, its arms simulated side by side as a
    batch runs them (``ReplicationRun``: a day at a time, folding each arm's day of records and
    pairing the patients whose episodes ended in both), with the folding and pairing timed
    apart."""
    world = World.build(scenario)
    fold_seconds = 0.0

    def timed(step: Callable[..., None]) -> Callable[..., None]:
        def run_step(*args: object) -> None:
            nonlocal fold_seconds
            folding = clock()
            step(*args)
            fold_seconds += clock() - folding

        return run_step

    start = clock()
    run = ReplicationRun(world, arms_for(scenario), Streams(SEED, 0)).build()
    for arm_run in run.arms.values():
        arm_run.tally.fold = timed(arm_run.tally.fold)  # type: ignore[method-assign]
    if run.pairing is not None:
        run.pairing.fold = timed(run.pairing.fold)  # type: ignore[method-assign]
    run.run()
    seconds = clock() - start
    visits = sum(arm_run.records.count("stations") for arm_run in run.arms.values())
    return {
        "station_visits": visits,
        "seconds": seconds,
        "visits_per_s": visits / seconds,
        "fold_seconds": fold_seconds,
        "visits_per_s_without_fold": visits / (seconds - fold_seconds),
    }


def bare_tandem(
    visits: int,
    seed: int = SEED,
    clock: Callable[[], float] = time.perf_counter,
    collector: Callable[[], AbstractContextManager] = nullcontext,
) -> dict:
    """(b) Customers through three single-server stations in turn until ``visits`` are served."""
    env = simpy.Environment()
    rng = random.Random(seed)  # an own generator, not the global one
    stations = [simpy.Resource(env, capacity=1) for _ in range(3)]
    served = 0

    def customer():
        nonlocal served
        for station in stations:
            with station.request() as request:
                yield request
                yield env.timeout(rng.expovariate(1 / TANDEM_SERVICE_MIN))
            served += 1

    def arrivals(customers: int):
        for _ in range(customers):
            env.process(customer())
            yield env.timeout(rng.expovariate(1 / TANDEM_ARRIVAL_MIN))

    env.process(arrivals(math.ceil(visits / len(stations))))
    with collector():
        start = clock()
        env.run()
        seconds = clock() - start
    return {"station_visits": served, "seconds": seconds, "visits_per_s": served / seconds}


def rates(scenario: Scenario, rounds: int) -> dict:
    """(a), (b) and (c): the fastest of ``rounds`` alternating rounds, in CPU seconds."""
    best: dict[str, dict] = {}

    def keep(name: str, result: dict) -> None:
        if name not in best or result["visits_per_s"] > best[name]["visits_per_s"]:
            best[name] = result

    for _ in range(rounds):
        model = model_rate(scenario, time.process_time)
        keep("model", model)
        visits, cpu = model["station_visits"], time.process_time
        keep("bare_simpy", bare_tandem(visits, clock=cpu))
        keep(
            "bare_simpy_collector_paused",
            bare_tandem(visits, clock=cpu, collector=collector_paused),
        )
    return {
        **best,
        "ratio": best["model"]["visits_per_s"] / best["bare_simpy"]["visits_per_s"],
        "ratio_without_fold": best["model"]["visits_per_s_without_fold"]
        / best["bare_simpy"]["visits_per_s"],
        "ratio_to_collector_paused": best["model"]["visits_per_s"]
        / best["bare_simpy_collector_paused"]["visits_per_s"],
        "rounds": rounds,
        "clock": "CPU seconds of this process (time.process_time)",
    }


def top_functions(scenario: Scenario, count: int) -> list[dict]:
    """The ``count`` functions with the most self time in (a), with their shares of the time
    profiled (cProfile slows small functions most: read shares, not seconds)."""
    profile = cProfile.Profile()
    profile.runcall(model_rate, scenario, time.process_time)
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    total = sum(row[2] for row in stats.values())
    rows = sorted(stats.items(), key=lambda item: -item[1][2])[:count]
    return [
        {
            "function": f"{Path(file).name}:{line}({name})",
            "calls": calls,
            "self_seconds": own,
            "share": own / total,
        }
        for (file, line, name), (_, calls, own, _, _) in rows
    ]


def _rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024  # bytes vs KiB


def memory_child(path: Path, days: int, full_log: bool) -> dict:
    """(d), in a fresh process: one replication at a horizon of ``days``."""
    task = Task(with_horizon(load_scenario(path), days), 0, SEED)
    tracemalloc.start()
    result = run_task(task, full_log=full_log)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    episodes = sum(v for arm, m, v in result.metrics if arm == WITHOUT.name and m == "episodes")
    return {
        "path": "full log" if full_log else "aggregated",
        "horizon_days": days,
        "measured_episodes": int(episodes),
        "simulate_peak_mb": peak / 2**20,
        "rss_peak_mb": _rss_mb(),
    }


def memory(path: Path) -> list[dict]:
    rows = []
    for full_log in (False, True):
        for days in MEMORY_HORIZONS_DAYS:
            command = [sys.executable, __file__, "--memory-child", str(days)]
            command += ["--scenario", str(path), *(["--full-log"] if full_log else [])]
            done = subprocess.run(command, capture_output=True, text=True, check=True)
            rows.append(json.loads(done.stdout))
    for row in rows:
        first = next(r for r in rows if r["path"] == row["path"])
        row["growth"] = row["simulate_peak_mb"] / first["simulate_peak_mb"] - 1
    return rows


def speedup(scenario: Scenario, replications: int) -> dict:
    """(e) Wall time of the same batch on one and on two worker processes."""
    seconds, tables = {}, {}
    for jobs in (1, 2):
        start = time.perf_counter()
        (result,) = run_many([scenario], RunOptions(replications, SEED, jobs))
        seconds[jobs] = time.perf_counter() - start
        tables[jobs] = result.replications
    # jobs=1 runs in this (long-lived) process, jobs=2 in fresh workers; one worker against two
    # is the scaling of the pool itself.
    pool_seconds = {}
    tasks = [Task(scenario, r, SEED) for r in range(replications)]
    for workers in (1, 2):
        start = time.perf_counter()
        with ProcessPoolExecutor(max_workers=workers) as pool:
            list(pool.map(run_task, tasks))
        pool_seconds[workers] = time.perf_counter() - start
    return {
        "replications": replications,
        "seconds_jobs_1": seconds[1],
        "seconds_jobs_2": seconds[2],
        "speedup": seconds[1] / seconds[2],
        "identical_tables": bool(tables[1].equals(tables[2])),
        "seconds_pool_1_worker": pool_seconds[1],
        "seconds_pool_2_workers": pool_seconds[2],
        "pool_speedup": pool_seconds[1] / pool_seconds[2],
    }


# Where a station row of a task result (the arm, then STATION_COLUMNS) has its visits.
VISITS = 1 + STATION_COLUMNS.index("visits")


def county_year_child(path: Path) -> dict:
    """(f), in a fresh process: one replication of a 365-day horizon, as a batch runs it."""
    task = Task(with_horizon(load_scenario(path), 365), 0, SEED)
    wall, cpu = time.perf_counter(), time.process_time()
    result = run_task(task)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    metric = {(arm, name): value for arm, name, value in result.metrics}
    sim = task.scenario.simulation
    return {
        "scenario": task.scenario.name,
        "simulated_days": sim.warmup_days + sim.horizon_days + sim.drain_days,
        "seconds_per_replication": wall,
        "cpu_seconds_per_replication": cpu,
        # station visits that started in the measured year, both arms
        "station_visits": int(sum(row[VISITS] for row in result.parts["stations"])),
        "measured_episodes": int(metric[(WITHOUT.name, "episodes")]),
        # without minus with: the year's net saving per episode, programme cost included
        "net_saving_yuan_per_episode": metric[(WITHOUT.name, "cost_with_programme_yuan")]
        - metric.get(("with", "cost_with_programme_yuan"), math.nan),
        "rss_peak_mb": _rss_mb(),
    }


def county_year(path: Path) -> dict:
    """(f) One replication, both arms and their comparison, of a 365-day horizon (after the
    scenario's warm-up, then its drain), in a fresh process: wall and CPU seconds, peak RSS."""
    command = [sys.executable, __file__, "--county-year-child", str(path)]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def context() -> dict:
    versions = {name: metadata.version(name) for name in ("carepath", "simpy", "numpy")}
    return {
        "python": platform.python_version(),
        **versions,
        "cores": os.cpu_count(),
        "load_average_1min": os.getloadavg()[0],
    }


def rate_lines(name: str, rated: dict) -> list[str]:
    """(a)-(c) of one scenario."""
    model, bare = rated["model"], rated["bare_simpy"]
    paused = rated["bare_simpy_collector_paused"]
    return [
        f"(a) model, {name}, both arms: {model['visits_per_s']:>10,.0f} station visits/s "
        f"({model['station_visits']:,} visits in {model['seconds']:.2f} s, of which folding the "
        f"records {model['fold_seconds']:.2f} s; without it "
        f"{model['visits_per_s_without_fold']:,.0f} visits/s)",
        f"(b) bare SimPy tandem queue:   {bare['visits_per_s']:>10,.0f} station visits/s "
        f"({bare['station_visits']:,} visits in {bare['seconds']:.2f} s)",
        f"(b) bare SimPy tandem, collector paused (for comparison): "
        f"{paused['visits_per_s']:,.0f} station visits/s",
        f"(c) ratio model / bare:        {rated['ratio']:>10.3f} "
        f"(simulation without the fold: {rated['ratio_without_fold']:.3f}; "
        f"to the tandem with the collector paused: {rated['ratio_to_collector_paused']:.3f}; "
        f"fastest of {rated['rounds']} rounds, {rated['clock']})",
    ]


def profile_lines(profiles: dict[str, list[dict]]) -> list[str]:
    lines = []
    for name, rows in profiles.items():
        lines.append(f"top {len(rows)} functions by self time, (a) of {name} under cProfile:")
        lines += [
            f"  {row['share']:6.1%} {row['self_seconds']:6.2f} s {row['calls']:>9,} calls  "
            f"{row['function']}"
            for row in rows
        ]
    return lines


def table(results: dict) -> str:
    lines = [
        "carepath benchmark ("
        + ", ".join(f"{key} {value}" for key, value in results["context"].items())
        + ")"
    ]
    if "profiles" in results:
        return "\n".join(lines + profile_lines(results["profiles"]))
    for name, rated in results["rates"].items():
        lines += rate_lines(name, rated)
    for row in results["memory"]:
        lines.append(
            f"(d) memory, one replication, {row['path']:>10}, {row['horizon_days']:>3}-day "
            f"horizon: {row['simulate_peak_mb']:.1f} MB peak while simulating "
            f"({row['growth']:+.1%}), process peak RSS {row['rss_peak_mb']:.0f} MB "
            f"({row['measured_episodes']:,} measured episodes)"
        )
    up = results["speedup"]
    lines.append(
        f"(e) speed-up jobs=2 / jobs=1:  {up['speedup']:>10.2f} ({up['replications']} "
        f"replications: {up['seconds_jobs_1']:.1f} s vs {up['seconds_jobs_2']:.1f} s; "
        f"identical tables: {up['identical_tables']}); a pool of 2 workers against 1: "
        f"{up['pool_speedup']:.2f} ({up['seconds_pool_1_worker']:.1f} s vs "
        f"{up['seconds_pool_2_workers']:.1f} s)"
    )
    year = results["county_year"]
    if "skipped" in year:
        lines.append(f"(f) county-year: skipped ({year['skipped']})")
    else:
        lines.append(
            f"(f) county-year {year['scenario']} ({year['simulated_days']} simulated days): "
            f"{year['seconds_per_replication']:.0f} s per replication, both arms "
            f"({year['cpu_seconds_per_replication']:.0f} CPU s), "
            f"{year['station_visits']:,} station visits and {year['measured_episodes']:,} "
            f"episodes in the measured year, peak RSS {year['rss_peak_mb']:.0f} MB, net saving "
            f"{year['net_saving_yuan_per_episode']:.2f} yuan per episode"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.add_argument(
        "--scenario",
        type=Path,
        action="append",
        help="a scenario for (a)-(c), repeatable; the first also for (d) and (e) "
        "(default: the demo county and the demo county with mutual recognition)",
    )
    parser.add_argument(
        "--profile", type=int, metavar="N", help="print the N functions with most self time"
    )
    parser.add_argument(
        "--replications", type=int, default=4, help="replications for the speed-up (default 4)"
    )
    parser.add_argument(
        "--county-year",
        type=Path,
        nargs="?",
        const=COUNTY_YEAR,
        help=f"run (f) on this scenario (default {COUNTY_YEAR.relative_to(REPO)})",
    )
    parser.add_argument(
        "--rounds", type=int, default=3, help="rounds of (a) and (b), the fastest counts (3)"
    )
    parser.add_argument("--memory-child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--county-year-child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--full-log", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.county_year_child is not None:
        print(json.dumps(county_year_child(args.county_year_child)))
        return 0
    paths = args.scenario or [DEMO, DEMO_RECOGNITION]
    if args.memory_child is not None:
        print(json.dumps(memory_child(paths[0], args.memory_child, args.full_log)))
        return 0

    scenarios = {path.stem: load_scenario(path) for path in paths}
    results: dict = {"context": context()}
    if args.profile is not None:
        results["profiles"] = {
            name: top_functions(scenario, args.profile) for name, scenario in scenarios.items()
        }
        print(json.dumps(results, indent=2) if args.json else table(results))
        return 0
    first = next(iter(scenarios.values()))
    results |= {
        "rates": {name: rates(scenario, args.rounds) for name, scenario in scenarios.items()},
        "memory": memory(paths[0]),
        "speedup": speedup(first, args.replications),
    }
    if args.county_year is None:
        results["county_year"] = {"skipped": "not asked for (--county-year [PATH])"}
    elif not args.county_year.exists():
        results["county_year"] = {"skipped": f"{args.county_year} does not exist"}
    else:
        results["county_year"] = county_year(args.county_year)
    print(json.dumps(results, indent=2) if args.json else table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
