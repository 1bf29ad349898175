"""The report's input-uncertainty section: each PSA folder's savings over the input samples
beside the base case, the split of their variance between inputs and simulation noise, and the
inputs that move them most (``psa.csv``, ``prcc.csv``, ``tornado.csv``, ``morris.csv``,
``sobol.csv``; ``carepath psa``)."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from ...observation.results_folder import (
    MORRIS_FILE,
    PRCC_FILE,
    PSA_FILE,
    SOBOL_FILE,
    TORNADO_FILE,
)
from ..report import folders_with, markdown_table, number, provenance, read_manifest, section

SAVINGS = ("cost_total_yuan", "cost_medical_yuan", "wait_min", "time_to_care_min")
TOP = 3


@section("input uncertainty", order=150)
def input_uncertainty(results: Path) -> list[str]:
    folders = folders_with(results, PSA_FILE)
    if not folders:
        return []
    lines = [
        "## Input uncertainty: probabilistic sensitivity analysis",
        "",
        "The intervals above show simulation noise only. Here the inputs a file declares "
        "uncertain (`uncertainty:`) are drawn by Latin hypercube and each draw is simulated "
        "over the same patients (`carepath psa`, docs/psa.md). `input share` is the part of "
        "the spread of the sample means that the inputs make, the rest being simulation noise.",
        "",
    ]
    for folder in folders:
        lines += psa_section(folder)
    return lines


def psa_section(folder: Path) -> list[str]:
    manifest = read_manifest(folder) or {}
    settings = manifest.get("psa") or {}
    arm = settings.get("analysed_arm", "difference")
    lines = [
        f"### {folder.name}",
        "",
        f"Results: {provenance(folder)}; {settings.get('samples')} input samples; "
        f"design points {settings.get('points')}.",
        "",
        *_inputs(settings),
        "",
        f"Arm `{arm}` (difference = without - with, the saving) over the input samples: the "
        "base case (the file's values), the median and 5th-95th percentile of the sample "
        "means, the share of samples in which the reform is better, the input share of the "
        "variance, and the inputs with the largest partial rank correlation:",
        "",
    ]
    table = pd.read_csv(folder / PSA_FILE)
    ranks = _read(folder / PRCC_FILE)
    rows = []
    for metric in SAVINGS:
        row = table[(table.metric == metric) & (table.arm == arm)]
        if row.empty:
            continue
        r = row.iloc[0]
        rows.append(
            [
                metric,
                number(r["base_mean"]),
                f"{number(r['p50'])} [{number(r['p05'])}, {number(r['p95'])}]",
                _share(r["p_better"]),
                number(r["share_input"]),
                _strongest(ranks, metric, arm),
            ]
        )
    header = ["metric", "base case", "median [5%, 95%]", "P(better)", "input share"]
    lines += markdown_table([*header, "strongest inputs (PRCC)"], rows)
    lines += ["", *_screening(folder, arm), ""]
    return lines


def _inputs(settings: dict) -> list[str]:
    rows = []
    for name, entry in (settings.get("inputs") or {}).items():
        params = ", ".join(
            f"{k} {v}" for k, v in entry.items() if k not in ("dist", "source", "also")
        )
        also = f" (+{len(entry['also'])} keys)" if entry.get("also") else ""
        rows.append([f"`{name}`{also}", f"{entry['dist']}: {params}", str(entry["source"])])
    return markdown_table(["input", "distribution", "source"], rows)


def _read(path: Path) -> pd.DataFrame | None:
    return pd.read_csv(path) if path.exists() else None


def _share(value: float) -> str:
    return "" if value is None or math.isnan(value) else f"{value:.0%}"


def _strongest(ranks: pd.DataFrame | None, metric: str, arm: str) -> str:
    if ranks is None:
        return ""
    mine = ranks[(ranks.metric == metric) & (ranks.arm == arm)].dropna(subset=["prcc"])
    mine = mine.reindex(mine.prcc.abs().sort_values(ascending=False).index).head(TOP)
    return "; ".join(
        f"{r['input']} {r['prcc']:+.2f} [{r['ci_low']:+.2f}, {r['ci_high']:+.2f}]"
        for r in mine.to_dict("records")
    )


def _screening(folder: Path, arm: str) -> list[str]:
    """One line per ranking method for the total cost saved: its top inputs."""
    metric = SAVINGS[0]
    found = []
    for file, column, words in (
        (TORNADO_FILE, "swing", "tornado swing (P10 to P90, others as filed)"),
        (MORRIS_FILE, "mu_star", "Morris mu*"),
        (SOBOL_FILE, "ST", "total Sobol index of the emulator"),
    ):
        table = _read(folder / file)
        if table is None:
            continue
        mine = table[(table.metric == metric) & (table.arm == arm)].dropna(subset=[column])
        top = mine.sort_values(column, ascending=False, kind="stable").head(TOP)
        ranked = ", ".join(f"{r['input']} ({number(r[column])})" for r in top.to_dict("records"))
        extra = ""
        if file == SOBOL_FILE and len(mine):
            extra = f"; emulator cross-validated R^2 {number(mine['emulator_r2'].iloc[0])}"
        found.append(f"- {metric}, {words}: {ranked}{extra}")
    return found
