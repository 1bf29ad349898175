"""The validation report, ``results/validation.md``, written from result files only.

It simulates nothing: each scenario folder under ``results/`` gives its published figures beside
the model's (``plausibility.csv``), a few headline outputs (``summary.csv``) and its provenance
(``manifest.json``); ``results/validation/queueing.csv`` (made by ``carepath validate``) gives the
queueing-theory checks.  The text depends only on those files, so the same results give the
same report byte for byte.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd

from ..observation.results_folder import MANIFEST_FILE, SUMMARY_FILE, write_atomic

PLAUSIBILITY_FILE = "plausibility.csv"
VALIDATION_FOLDER = "validation"
QUEUEING_FILE = "queueing.csv"
HEADLINES = (
    "cost_total_yuan",
    "cost_medical_yuan",
    "wait_min",
    "time_to_care_min",
    "tests_avoided",
    "referral_load_county",
    "referral_load_city",
    "primary_share",
)
QUANTITY_WORDS = {
    "arrival_per_min": "arrivals per minute",
    "wait_min": "mean wait (min)",
    "p_wait": "probability of waiting",
    "sojourn_min": "mean time at station (min)",
    "queue_length": "time-average number waiting",
    "little_gap": "Little's law gap (L - lambda W)",
}


def number(value: float) -> str:
    """Four significant digits; an empty cell for a missing value."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return f"{value:.4g}"


def with_interval(mean: float, low: float, high: float) -> str:
    if math.isnan(low) or math.isnan(high):
        return number(mean)
    return f"{number(mean)} [{number(low)}, {number(high)}]"


def gap(mean: float, low: float | None, high: float | None) -> str:
    """How far the model's mean lies from a published range, in words."""
    low = None if low is None or math.isnan(low) else low
    high = None if high is None or math.isnan(high) else high
    if math.isnan(mean):
        return "the model gives no value"
    if low is None and high is None:
        return "no published number to compare with"
    if low is not None and mean < low:
        return f"{number(low - mean)} below the published {number(low)} ({mean / low - 1:+.0%})"
    if high is not None and mean > high:
        return f"{number(mean - high)} above the published {number(high)} ({mean / high - 1:+.0%})"
    return "inside the published range"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell.replace("|", "/") for cell in row) + " |" for row in rows]
    return lines


def _provenance(folder: Path) -> str:
    path = folder / MANIFEST_FILE
    if not path.exists():
        return "no manifest"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    git = manifest.get("git") or {}
    commit = (git.get("commit") or "unknown")[:10]
    dirty = {True: ", uncommitted changes", False: "", None: ""}[git.get("dirty")]
    parts = []
    if "replications" in manifest:
        parts.append(f"{manifest['replications']} replications, seed {manifest.get('seed')}")
    parts.append(f"commit {commit}{dirty}")
    parts.append(f"finished {manifest.get('finished', 'unknown')}")
    return "; ".join(parts)


def _gap_notes(folder: Path) -> list[str]:
    """The scenario file's own explanation of each gap (``plausibility[].note``), as run."""
    path = folder / MANIFEST_FILE
    if not path.exists():
        return []
    manifest = json.loads(path.read_text(encoding="utf-8"))
    benchmarks = (manifest.get("parameters") or {}).get("plausibility") or []
    notes = [
        f"- Why {b['metric']} ({b.get('arm', 'paired')}) differs: {' '.join(b['note'].split())}"
        for b in benchmarks
        if b.get("note", "").strip()
    ]
    return ["", *notes] if notes else []


def scenario_section(folder: Path) -> list[str]:
    """Published figures beside the model's, and headline outputs, of one scenario's results."""
    summary = pd.read_csv(folder / SUMMARY_FILE)
    lines = [f"### {folder.name}", "", f"Results: {_provenance(folder)}.", ""]
    published = folder / PLAUSIBILITY_FILE
    if published.exists():
        table = pd.read_csv(published)
        rows = [
            [
                f"{r.metric} ({r.arm})",
                with_interval(r.model_mean, r.model_ci_low, r.model_ci_high),
                str(r.published),
                gap(r.model_mean, r.published_low, r.published_high),
                str(r.overlaps),
                str(r.source).split(":")[0],
            ]
            for r in table.itertuples()
        ]
        header = ["figure", "model mean [95% CI]", "published", "gap (model mean)"]
        lines += _table([*header, "CI meets range", "source"], rows)
        lines += _gap_notes(folder)
    else:
        lines.append("The scenario file lists no published figures to set beside its outputs.")
    lines += ["", "Headline outputs, mean [95% CI] (difference = without - with, the saving):", ""]
    arms = [a for a in ("without", "with", "difference") if a in set(summary.arm)]
    rows = []
    for metric in HEADLINES:
        block = summary[summary.metric == metric].set_index("arm")
        if block.empty:
            continue
        cells = [
            with_interval(*block.loc[arm, ["mean", "ci_low", "ci_high"]])
            if arm in block.index
            else ""
            for arm in arms
        ]
        rows.append([metric, *cells])
    lines += _table(["metric", *arms], rows)
    return [*lines, ""]


def queueing_section(folder: Path) -> list[str]:
    """The queueing-theory checks, system by system."""
    path = folder / QUEUEING_FILE
    lines = ["## Queueing theory", ""]
    if not path.exists():
        return [*lines, f"No `{path}`: run `make validate` (or `carepath validate`).", ""]
    table = pd.read_csv(path)
    lines += [
        f"From `{path}` ({_provenance(folder)}), made by `carepath validate` from the bare "
        "queueing systems under `scenarios/validation/`: one always-open facility, Poisson "
        "onsets, exponential service, no travel, fees or closing hours. Theory: Erlang C per "
        "station, each station fed at the rate the traffic equations give it (product form).",
        "",
        "A check passes when the theoretical value lies inside the replications' Student-t "
        "interval at level 1 - 0.05/m for the m checks of a system (Bonferroni: a correct "
        "model passes all of a system's checks at least 95% of the time); the plain 95% "
        "interval is shown, and how many checks fall inside it.",
        "",
    ]
    rows = []
    for system, block in table.groupby("system", sort=False):
        rows.append(
            [
                str(system),
                str(int(block.n.max())),
                f"{int(block.passed.sum())}/{len(block)}",
                f"{int(block.within_95.sum())}/{len(block)}",
            ]
        )
    lines += _table(["system", "replications", "passed", "inside plain 95%"], rows)
    for system, block in table.groupby("system", sort=False):
        lines += ["", f"### {system}", ""]
        rows = [
            [
                str(r.station),
                QUANTITY_WORDS.get(r.quantity, r.quantity),
                number(r.expected),
                with_interval(r["mean"], r.ci_low, r.ci_high),
                "yes" if r.within_95 else "no",
                "pass" if r.passed else "FAIL",
            ]
            for _, r in block.iterrows()
        ]
        header = ["station", "quantity", "theory", "simulated [95% CI]", "in 95%", "check"]
        lines += _table(header, rows)
    return [*lines, ""]


def report_text(results: Path) -> str:
    results = Path(results)
    folders = (
        sorted(
            f
            for f in results.iterdir()
            if f.is_dir() and f.name != VALIDATION_FOLDER and (f / SUMMARY_FILE).exists()
        )
        if results.is_dir()
        else []
    )
    lines = [
        "# Validation report",
        "",
        "Written by `carepath report` (`make report`) from the result files under "
        f"`{results}/`; it runs no simulation. The figures published about the reforms "
        "(REFORMS.md) are outcomes of the real system: they are never model inputs, and a "
        "scenario is plausible when its outputs land near them.",
        "",
        "## Plausibility: bundled scenarios beside the published figures",
        "",
    ]
    if not folders:
        lines += [f"No scenario results under `{results}/`: run `make run` first.", ""]
    for folder in folders:
        lines += scenario_section(folder)
    lines += queueing_section(results / VALIDATION_FOLDER)
    return "\n".join(lines).rstrip("\n") + "\n"


def write_report(results: Path, out: Path) -> Path:
    """Write the report to ``out`` atomically."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(out, report_text(results).encode("utf-8"))
    return out
