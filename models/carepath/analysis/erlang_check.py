"""A one-line Erlang C check per station, from a run's results (issue 23).

Where a station's servers and service times were set by hand, this asks whether the simulated
wait is what queueing theory would lead one to expect of those inputs.  For each station of a
results folder's ``stations.csv``, in one arm (default ``without``), averaged over replications:

- servers c; visits per open day: visits over the measured open days (the facility's opening
  hours on the weekdays of the measured period, counted from ``simulation.start_weekday``);
- mean service minutes s: the busy minutes (utilisation x servers x open minutes in the measured
  period, ``accounting.stations``) over the visits;
- the load rho = lambda s / c with lambda the visits per open minute (the utilisation itself),
  and the M/M/c (Erlang C) mean wait at that rate;
- the same at the peak hour: the hour of ``demand.hour_profile`` with the most arrivals per
  minute, within the facility's opening hours (``behaviour.background.open_hour_weights``: the
  hour's weight times the share of it that is open, renormalised over the open day; for a
  whole hour, lambda_peak = visits per open day x the hour's share / 60);
- the simulated mean wait.

What it shows.  The day-average M/M/c wait is a floor: arrivals bunch in the morning, and a
queue fed at the average rate all day waits less than one fed at the morning's.  The peak-hour
figure is what a queue fed at the peak rate long enough to settle would give, a bound on what
a stationary queue would give.  When the queue is near-stationary within each hour, the
simulated wait lies between the two.  A simulated wait far above the peak-hour figure means the
queue carries over from hour to hour (a peak near or above capacity, a backlog at opening) or
that the inputs are not what was meant; "overloaded" (rho >= 1) means no stationary queue exists
at that rate: the wait grows for as long as the rate lasts.

What it does not show.  Service is not exponential: a fixed or lognormal service time with a
coefficient of variation below 1 waits less than M/M/c says (about (1 + cv^2) / 2 of it, as
Allen-Cunneen has it).  Arrivals are not Poisson at stations downstream (the cashier, the
pharmacy, exams, a doctor after registration): they are an upstream station's departures,
smoother under load and shifted later in the day than the hour profile.  The slice's own
patients whose illness begins while the facility is closed arrive within
``demand.arrive_after_opening_min`` of opening, a rush the hour profile does not show.  The
busiest weekday (``demand.weekday_profile``) is averaged in, and patients who balk at or leave a
long queue (impatient queues) shorten it.

Usage::

    python -m carepath.analysis.erlang_check results/demo_county
    python -m carepath.analysis.erlang_check results/mianyang_recognition \\
        --stations 'city_.*(registration|cashier|pharmacy|doctor)' '_thc doctor' --markdown
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..accounting.stations import open_minutes
from ..accounting.window import measured_window
from ..behaviour.background import open_hour_weights
from ..inputs.arms import WITHOUT
from ..inputs.loading import ScenarioError
from ..inputs.scenario_file import load_scenario, resolved, scenario_hash
from ..observation.results_folder import (
    MANIFEST_FILE,
    PER_REPLICATION,
    STATION_PERIOD_COLUMNS,
    STATIONS_FILE,
)
from ..system.hours import DAY_MIN
from ..system.world import FacilityPlan, World
from .queueing import erlang_c

# The columns of stations.csv the check reads (by name: later columns may be added).
NEEDED_COLUMNS = (*PER_REPLICATION, *STATION_PERIOD_COLUMNS)

PROG = "python -m carepath.analysis.erlang_check"
SCENARIOS = Path("scenarios")
OVERLOADED = "overloaded"
# Averaged over replications, per station of one arm.
MEASURES = ["visits", "utilisation", "wait_min"]


class CheckProblem(Exception):
    """A results folder, table or scenario the check cannot read; the message names the path."""


@dataclass(frozen=True)
class StationCheck:
    """One station's Erlang C check: its inputs as the run saw them, the M/M/c waits they
    imply over the open day and at the peak hour, and the simulated wait."""

    facility: str
    station: str
    servers: int
    visits_per_day: float
    service_min: float
    load: float
    peak_load: float
    erlang_wait_min: float  # inf when overloaded
    peak_erlang_wait_min: float  # inf when overloaded
    simulated_wait_min: float


# -- queueing theory on one station ----------------------------------------------------------------


def erlang_c_wait_min(servers: int, arrival_per_min: float, service_min: float) -> float:
    """M/M/c mean wait before service, C(c, a) s / (c - a) with a = lambda s erlangs offered;
    infinite when the queue is overloaded (a >= c), NaN when the rate is unknown."""
    offered = arrival_per_min * service_min
    if math.isnan(offered):
        return math.nan
    if offered >= servers:
        return math.inf
    return erlang_c(servers, offered) * service_min / (servers - offered)


# -- the facility's open day -----------------------------------------------------------------------


def measured_open_min(world: World, plan: FacilityPlan) -> float:
    """Minutes the facility is open in the measured period (after warm-up, for the horizon)."""
    return open_minutes(plan.hours, *measured_window(world))


def open_day_min(plan: FacilityPlan) -> float:
    """Minutes of one open day: closing minus opening time, or the whole day if always open."""
    hours = plan.hours
    return DAY_MIN if hours.always else hours.end_min - hours.start_min


def peak_share_per_min(world: World, plan: FacilityPlan) -> float:
    """The largest share of an open day's arrivals per minute, over the open hours: the peak
    hour's share / 60 for a whole hour (the hour profile restricted to the opening hours);
    NaN when no open hour has any weight."""
    parts = open_hour_weights(world, plan)
    total = sum(weight for _, _, weight in parts)
    if not total:
        return math.nan
    return max(weight / total / (end - start) for start, end, weight in parts)


def check_station(
    world: World,
    plan: FacilityPlan,
    station: str,
    servers: int,
    visits: float,
    utilisation: float,
    simulated_wait_min: float,
) -> StationCheck:
    """The check of one station from its mean visits, utilisation and wait over replications."""
    open_min = measured_open_min(world, plan)
    if not open_min > 0 or not visits > 0:
        raise CheckProblem(
            f"{plan.id} {station}: {visits:g} visits in {open_min:g} open minutes of the measured "
            "period (the scenario read is not the one run?)"
        )
    visits_per_day = visits / (open_min / open_day_min(plan))
    service_min = utilisation * servers * open_min / visits
    arrival_per_min = visits / open_min
    peak_arrival_per_min = visits_per_day * peak_share_per_min(world, plan)
    return StationCheck(
        facility=plan.id,
        station=station,
        servers=servers,
        visits_per_day=visits_per_day,
        service_min=service_min,
        load=arrival_per_min * service_min / servers,
        peak_load=peak_arrival_per_min * service_min / servers,
        erlang_wait_min=erlang_c_wait_min(servers, arrival_per_min, service_min),
        peak_erlang_wait_min=erlang_c_wait_min(servers, peak_arrival_per_min, service_min),
        simulated_wait_min=simulated_wait_min,
    )


# -- a results folder ------------------------------------------------------------------------------


def read_stations(folder: Path) -> pd.DataFrame:
    """A results folder's ``stations.csv``, its columns read by name."""
    if not folder.is_dir():
        raise CheckProblem(f"{folder}: no such results folder")
    file = folder / STATIONS_FILE
    if not file.is_file():
        raise CheckProblem(f"{file}: not found (a results folder of `carepath run` has one)")
    table = pd.read_csv(file)
    missing = [column for column in NEEDED_COLUMNS if column not in table.columns]
    if missing:
        raise CheckProblem(f"{file}: no column {', '.join(missing)}")
    return table


def station_means(table: pd.DataFrame, arm: str) -> pd.DataFrame:
    """Per scenario and station of one arm, the mean visits, utilisation and wait over
    replications, in the table's order."""
    rows = table[table["arm"] == arm]
    if rows.empty:
        arms = ", ".join(map(str, table["arm"].unique()))
        raise CheckProblem(f"no rows of arm {arm!r} in {STATIONS_FILE} (its arms: {arms})")
    keys = ["scenario", "facility", "station", "servers"]
    return rows.groupby(keys, sort=False)[MEASURES].mean().reset_index()


def selected(means: pd.DataFrame, patterns: Sequence[re.Pattern[str]]) -> pd.DataFrame:
    """The stations whose "facility station" matches any of the patterns (all if none)."""
    if not patterns:
        return means
    names = means["facility"].astype(str) + " " + means["station"].astype(str)
    keep = names.map(lambda name: any(p.search(name) for p in patterns))
    return means[keep.astype(bool)]


def load_world(file: Path) -> World:
    """The world of a scenario file, read as it is now."""
    if not file.is_file():
        raise CheckProblem(f"{file}: scenario file not found (name it with --scenario FILE)")
    try:
        return World.build(load_scenario(file))
    except ScenarioError as error:
        raise CheckProblem(f"{file}: {error}") from None


def changed_scenario_note(folder: Path, world: World, file: Path) -> str | None:
    """A note when the scenario read differs from the one the folder's manifest records: the
    opening hours, hour profile and measured period are then read as they are now."""
    try:
        manifest = json.loads((folder / MANIFEST_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    recorded = manifest.get("scenario_sha256") if isinstance(manifest, dict) else None
    if not recorded or manifest.get("scenario") != world.scenario.name:
        return None
    if recorded == scenario_hash(resolved(world.scenario)):
        return None
    return (
        f"note: {file} differs from the scenario {folder} was run with (scenario_sha256 in its "
        f"{MANIFEST_FILE}); opening hours, hour profile and measured period are read as they "
        "are now"
    )


def check_folder(
    folder: Path,
    scenario_file: Path | None = None,
    patterns: Sequence[re.Pattern[str]] = (),
    arm: str = WITHOUT.name,
    notes: list[str] | None = None,
) -> list[StationCheck]:
    """The check of every selected station of a results folder, in one arm.  Each scenario's
    file is ``scenario_file`` or ``scenarios/<scenario>.yaml``; ``notes`` collects what the
    reader should know (a scenario changed since the run)."""
    means = selected(station_means(read_stations(folder), arm), patterns)
    checks = []
    for name, rows in means.groupby("scenario", sort=False):
        file = scenario_file or SCENARIOS / f"{name}.yaml"
        world = load_world(file)
        note = changed_scenario_note(folder, world, file)
        if note and notes is not None:
            notes.append(note)
        plans = {plan.id: plan for plan in world.facilities}
        for row in rows.to_dict("records"):
            plan = plans.get(str(row["facility"]))
            if plan is None:
                raise CheckProblem(f"{file}: no facility {row['facility']} (not the scenario run?)")
            checks.append(
                check_station(
                    world,
                    plan,
                    str(row["station"]),
                    int(row["servers"]),
                    float(row["visits"]),
                    float(row["utilisation"]),
                    float(row["wait_min"]),
                )
            )
    return checks


# -- printing --------------------------------------------------------------------------------------


def _minutes(value: float) -> str:
    """A wait in minutes, or "overloaded" when no stationary queue exists."""
    if math.isinf(value):
        return OVERLOADED
    return f"{value:.1f}" if value == 0 or abs(value) >= 0.05 else f"{value:.1g}"


def _per_day(value: float) -> str:
    return f"{value:.0f}" if value >= 10 else f"{value:.1f}"


def line(check: StationCheck) -> str:
    """One station's check as a line of text."""
    wait = _minutes(check.erlang_wait_min)
    unit = "" if wait == OVERLOADED else " min"
    return (
        f"{check.facility} {check.station}: c={check.servers}, "
        f"{_per_day(check.visits_per_day)} visits/day, s={check.service_min:.2f} min, "
        f"rho {check.load:.2f} (peak hour {check.peak_load:.2f}), "
        f"Erlang C wait {wait}{unit} (peak hour {_minutes(check.peak_erlang_wait_min)}), "
        f"simulated {check.simulated_wait_min:.1f} min"
    )


MARKDOWN_HEADER = (
    "| facility | station | servers | visits/day | service min | rho | rho peak hour "
    "| Erlang C wait min | at peak hour | simulated wait min |"
)


def markdown(checks: Sequence[StationCheck]) -> str:
    """The checks as a markdown table, a row per station."""
    rows = [MARKDOWN_HEADER, "|" + " --- |" * 10]
    for c in checks:
        cells = [
            c.facility,
            c.station,
            str(c.servers),
            _per_day(c.visits_per_day),
            f"{c.service_min:.2f}",
            f"{c.load:.2f}",
            f"{c.peak_load:.2f}",
            _minutes(c.erlang_wait_min),
            _minutes(c.peak_erlang_wait_min),
            f"{c.simulated_wait_min:.1f}",
        ]
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)


# -- command line ----------------------------------------------------------------------------------


def _pattern(text: str) -> re.Pattern[str]:
    try:
        return re.compile(text)
    except re.error as error:
        raise argparse.ArgumentTypeError(f"not a regular expression: {text!r} ({error})") from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="A one-line Erlang C (M/M/c) check per station of a results folder: the "
        "mean wait its servers, visits and service minutes imply over the open day and at the "
        "peak hour, beside the simulated wait.",
    )
    parser.add_argument("folder", type=Path, metavar="RESULTS_FOLDER")
    parser.add_argument(
        "--scenario",
        type=Path,
        metavar="FILE",
        help="the scenario file run (default: scenarios/<scenario>.yaml)",
    )
    parser.add_argument(
        "--stations",
        type=_pattern,
        nargs="+",
        default=[],
        metavar="PATTERN",
        help='regular expressions searched in "facility station" (default: every station)',
    )
    parser.add_argument(
        "--arm", default=WITHOUT.name, help=f"the arm to check (default: {WITHOUT.name})"
    )
    parser.add_argument("--markdown", action="store_true", help="print a markdown table")
    args = parser.parse_args(argv)
    notes: list[str] = []
    try:
        checks = check_folder(args.folder, args.scenario, args.stations, args.arm, notes)
    except CheckProblem as problem:
        print(f"{PROG}: error: {problem}", file=sys.stderr)
        return 2
    for note in notes:
        print(note, file=sys.stderr)
    if not checks:
        print(
            f"{PROG}: error: no station matches {' '.join(p.pattern for p in args.stations)}",
            file=sys.stderr,
        )
        return 2
    print(markdown(checks) if args.markdown else "\n".join(map(line, checks)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
