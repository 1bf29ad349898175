"""The report's plausibility section: each scenario's published figures beside the model's
(``plausibility.csv``), its headline outputs (``summary.csv``) and its provenance
(``manifest.json``)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ...inputs.metric_registry import METRICS
from ...observation.results_folder import PLAUSIBILITY_FILE, SUMMARY_FILE
from ..headline import change_reading
from ..report import (
    folders_with,
    gap,
    interval_cells,
    markdown_table,
    provenance,
    read_manifest,
    section,
    with_interval,
)
from .status_quo import split_rows

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


@section("plausibility", order=100)
def plausibility(results: Path) -> list[str]:
    folders = folders_with(results, SUMMARY_FILE)
    lines = ["## Plausibility: bundled scenarios beside the published figures", ""]
    if not folders:
        lines += [f"No scenario results under `{results}/`: run `make run` first.", ""]
    for folder in folders:
        lines += scenario_section(folder)
    return lines


def _gap_notes(folder: Path) -> list[str]:
    """The scenario file's own explanation of each gap (``plausibility[].note``), as run."""
    manifest = read_manifest(folder)
    if manifest is None:
        return []
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
    lines = [f"### {folder.name}", "", f"Results: {provenance(folder)}.", ""]
    published = folder / PLAUSIBILITY_FILE
    if published.exists():
        table, _ = split_rows(folder, pd.read_csv(published))  # the rest: the status quo's
    if published.exists() and len(table):
        rows = [
            [
                f"{r['metric']} ({r['arm']})",
                str(r.get("unit", "")),
                with_interval(r["model_mean"], r["model_ci_low"], r["model_ci_high"]),
                str(r["published"]),
                gap(r["model_mean"], r["published_low"], r["published_high"]),
                str(r["overlaps"]),
                str(r["source"]).split(":")[0],
            ]
            for r in table.to_dict("records")
        ]
        header = ["figure", "unit", "model mean [95% CI]", "published", "gap (model mean)"]
        lines += markdown_table([*header, "CI meets range", "source"], rows)
        lines += _gap_notes(folder)
    else:
        lines.append("The scenario file lists no published figures to set beside its outputs.")
    lines += [
        "",
        "Headline outputs, mean [95% CI]; difference = without - with; `better`: the direction "
        "that is an improvement (metric registry), and what the difference reads as:",
        "",
    ]
    arms = [a for a in ("without", "with", "difference") if a in set(summary.arm)]
    rows = []
    for metric in HEADLINES:
        block = summary[summary.metric == metric].set_index("arm")
        if block.empty:
            continue
        cells = interval_cells(block, arms)
        registered = METRICS.get(metric)
        reading = ""
        if "difference" in block.index:
            mean, low, high = block.loc["difference", ["mean", "ci_low", "ci_high"]]
            reading = change_reading(metric, mean, low, high)
        rows.append([metric, registered.unit, *cells, registered.better, reading])
    lines += markdown_table(["metric", "unit", *arms, "better", "reads as"], rows)
    return [*lines, ""]
