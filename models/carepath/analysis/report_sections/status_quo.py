"""The report's status-quo section: each scenario's without arm beside the published process
times of Chinese outpatient care (a scenario's ``status_quo:`` entries, EVIDENCE.md a), so a
reader sees whether the care the reforms meet looks like the care they were made for.

The rows are the status-quo entries of ``plausibility.csv`` (which holds every published
figure of the run, the status quo's last); "met" means the model's mean lies inside the
published range, not merely that its interval touches it.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from ...inputs.metric_registry import METRICS
from ...observation.results_folder import PLAUSIBILITY_FILE, STATIONS_FILE
from ..report import (
    folders_with,
    gap,
    markdown_table,
    provenance,
    read_manifest,
    section,
    with_interval,
)

STATUS_QUO = "status_quo"
STATUS_QUO_ARM = "without"
# The daily limits the status quo's inputs were set to meet (tests/test_committed_stations.py).
MOST_DAY_UTILISATION, LEAST_CLEARED_SHARE = 0.95, 0.95


def status_quo_entries(folder: Path) -> list[dict]:
    """The run's ``status_quo:`` entries as the manifest resolved them (none if it has none)."""
    manifest = read_manifest(folder)
    if manifest is None:
        return []
    return list((manifest.get("parameters") or {}).get(STATUS_QUO) or [])


def split_rows(folder: Path, table: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A run's ``plausibility.csv`` rows split into its ``plausibility:`` figures and its
    status-quo ones: written in that order (``Scenario.benchmarks``), so told apart by place,
    not by metric (a plausibility figure may speak to a status-quo metric too)."""
    count = len(status_quo_entries(folder))
    first = len(table) - count
    return table.iloc[:first], table.iloc[first:]


def met(mean: float, low: float | None, high: float | None) -> bool:
    """Whether the model's mean lies inside the published range."""
    if math.isnan(mean):
        return False
    below = low is not None and not math.isnan(low) and mean < low
    above = high is not None and not math.isnan(high) and mean > high
    return not (below or above)


@section("status_quo", order=90)
def status_quo(results: Path) -> list[str]:
    folders = [f for f in folders_with(results, PLAUSIBILITY_FILE) if status_quo_entries(f)]
    lines = [
        "## Status quo: the without arm beside published process times",
        "",
        "Waits, time on site and consultations of the care the reforms meet, from each "
        "scenario's `status_quo:` entries (EVIDENCE.md a; docs/validation.md). Met: the model's "
        "mean lies inside the published range. Fit entries are calibration targets; held-out "
        "ones check the fit.",
        "",
    ]
    if not folders:
        return [*lines, "No scenario's results declare status-quo figures.", ""]
    for folder in folders:
        lines += scenario_table(folder)
    return lines


def scenario_table(folder: Path) -> list[str]:
    """One scenario's status-quo table, and the file's explanation of each miss."""
    _, table = split_rows(folder, pd.read_csv(folder / PLAUSIBILITY_FILE))
    rows, misses = [], []
    for r, entry in zip(table.to_dict("records"), status_quo_entries(folder), strict=True):
        low, high = r["published_low"], r["published_high"]
        hit = met(r["model_mean"], low, high)
        words = METRICS.get(r["metric"]).description if METRICS.knows(r["metric"]) else ""
        rows.append(
            [
                f"{r['metric']} ({r['arm']})",
                words,
                str(entry.get("use", "check")),
                str(r["published"]),
                str(r["source"]).split(":")[0],
                with_interval(r["model_mean"], r["model_ci_low"], r["model_ci_high"]),
                "met" if hit else f"not met: {gap(r['model_mean'], low, high)}",
            ]
        )
        note = " ".join(str(entry.get("note", "")).split())
        if not hit:
            misses.append(f"- Why {r['metric']} is not met: {note or 'no explanation filed'}")
    header = ["target", "what", "use", "published range", "source", "model [95% CI]", "met"]
    lines = [f"### {folder.name}", "", f"Results: {provenance(folder)}.", ""]
    lines += markdown_table(header, rows)
    return [*lines, *([""] + misses if misses else []), *overloaded(folder), ""]


def overloaded(folder: Path) -> list[str]:
    """The stations a reform's arm loads beyond the status quo's daily limits (busiest day
    above 0.95 of the open minutes, or a line not emptied before closing on more than 5% of
    days), in how many replications: a finding about the reform, not about the inputs."""
    path = folder / STATIONS_FILE
    if not path.exists():
        return []
    table = pd.read_csv(path)
    if "peak_day_utilisation" not in table.columns:
        return []
    over = table[
        (table.arm != STATUS_QUO_ARM)
        & (
            (table.peak_day_utilisation > MOST_DAY_UTILISATION)
            | (table.cleared_day_share < LEAST_CLEARED_SHARE)
        )
    ]
    if over.empty:
        return []
    counts = over.groupby(["arm", "facility", "station"], sort=True).agg(
        replications=("replication", "size"), peak=("peak_day_utilisation", "max")
    )
    items = [
        f"{facility} {station} in arm {arm} ({n} replications, busiest day {peak:.2f})"
        for (arm, facility, station), n, peak in zip(
            counts.index, counts.replications, counts.peak, strict=True
        )
    ]
    return [
        "",
        "Stations a reform loads beyond the status quo's daily limits: " + "; ".join(items) + ".",
    ]
