"""The report's calibration section: for each ``<scenario>_calibration`` folder (``carepath
calibrate``), how history matching narrowed the inputs wave by wave, the rules it kept and
stopped by, each target beside the posterior's predictive interval, how much each input's 90%
interval shrank from its prior's (an input whose posterior interval is still more than half as
wide as its prior's is not identified by the targets), and the pairs of inputs whose posterior
draws are strongly correlated (directions the targets cannot tell apart).

It reads ``posterior.csv``, ``calibration_waves.csv``, ``calibration_targets.csv`` and the
manifest's ``calibration`` entry only.
"""

from __future__ import annotations

import math
from itertools import combinations
from pathlib import Path

import numpy as np
import pandas as pd

from ...inputs.uncertainty import Uncertain
from ...observation.results_folder import (
    CALIBRATION_SUFFIX,
    CALIBRATION_TARGETS_FILE,
    CALIBRATION_WAVES_FILE,
    POSTERIOR_FILE,
)
from ..report import folders_with, markdown_table, number, provenance, read_manifest, section

WAVES_FILE, TARGETS_FILE = CALIBRATION_WAVES_FILE, CALIBRATION_TARGETS_FILE
LEVEL = 0.9  # the central intervals compared: 90%
NOT_IDENTIFIED = 0.5  # posterior width / prior width above this: not identified
STRONG = 0.7  # |posterior correlation| above this: a strongly correlated pair


@section("calibration", order=103)
def calibration(results: Path) -> list[str]:
    """The section: an intro and one part per calibration folder; nothing when there is none."""
    folders = [
        f for f in folders_with(results, POSTERIOR_FILE) if f.name.endswith(CALIBRATION_SUFFIX)
    ]
    if not folders:
        return []
    lines = [
        "## Calibration: history matching to the published figures",
        "",
        "Each calibration (`carepath calibrate`) keeps the inputs whose simulated targets are "
        "not implausible, wave by wave, then resamples the survivors by the targets' "
        "likelihood. An input is `not identified` when its posterior 90% interval is more "
        f"than {NOT_IDENTIFIED:g} times as wide as its prior's; a pair of inputs is strongly "
        f"correlated when their posterior draws' correlation exceeds {STRONG:g} in size.",
        "",
    ]
    for folder in folders:
        lines += calibration_part(folder)
    return lines


def calibration_part(folder: Path) -> list[str]:
    """One calibration folder's lines."""
    manifest = read_manifest(folder) or {}
    record = manifest.get("calibration") or {}
    lines = [f"### {folder.name}", "", f"Results: {provenance(folder)}.", ""]
    lines += _waves(folder, record)
    lines += _targets(folder)
    posterior = pd.read_csv(folder / POSTERIOR_FILE).drop(columns="draw", errors="ignore")
    lines += _inputs(posterior, record.get("inputs") or {})
    lines += _pairs(posterior)
    return lines


def _waves(folder: Path, record: dict) -> list[str]:
    waves = pd.read_csv(folder / WAVES_FILE) if (folder / WAVES_FILE).exists() else None
    runs = list(record.get("runs_per_wave") or [])
    shares = list(record.get("surviving_share") or [])
    if waves is not None and not waves.empty:
        per_wave = waves.drop_duplicates("wave").sort_values("wave")
        runs = runs or per_wave["runs"].tolist()
        shares = shares or per_wave["surviving_share"].tolist()
    rows = [
        [str(w), str(int(r)), _share(s)] for w, (r, s) in enumerate(zip(runs, shares, strict=False))
    ]
    lines = markdown_table(["wave", "runs", "surviving share"], rows)
    return [
        *lines,
        "",
        f"- final share: {_share(record.get('final_share'))}",
        f"- effective sample size: {number(record.get('effective_sample_size'))} "
        f"of {record.get('draws')} draws",
        f"- acceptance: {record.get('acceptance', 'unknown')}",
        f"- stopping rule: {record.get('stopping_rule', 'unknown')}",
        "",
    ]


def _targets(folder: Path) -> list[str]:
    if not (folder / TARGETS_FILE).exists():
        return []
    table = pd.read_csv(folder / TARGETS_FILE)
    rows = []
    for r in table.to_dict("records"):
        predictive = (
            f"{number(r['predictive_mean'])} "
            f"[{number(r['predictive_p05'])}, {number(r['predictive_p95'])}]"
        )
        met = r.get("met")
        rows.append(
            [
                str(r["target"]),
                str(r["use"]),
                f"{number(r['published_low'])} to {number(r['published_high'])}",
                predictive,
                ""
                if met is None or (isinstance(met, float) and math.isnan(met))
                else ("met" if _true(met) else "not met"),
            ]
        )
    header = ["target", "use", "published range", "predictive mean [90%]", "met"]
    return [*markdown_table(header, rows), ""]


def _inputs(posterior: pd.DataFrame, priors: dict) -> list[str]:
    tail = (1 - LEVEL) / 2
    rows = []
    for name in posterior.columns:
        values = posterior[name].to_numpy(dtype=float)
        low, high = np.quantile(values, [tail, 1 - tail])
        prior_cell, ratio_cell, reading = "", "", ""
        if name in priors:
            prior = Uncertain.model_validate(priors[name])
            p_low, p_high = (float(v) for v in prior.ppf([tail, 1 - tail]))
            prior_cell = f"[{number(p_low)}, {number(p_high)}]"
            if p_high > p_low:
                ratio = float(high - low) / (p_high - p_low)
                ratio_cell = f"{ratio:.2f}"
                reading = "not identified" if ratio > NOT_IDENTIFIED else "identified"
        rows.append(
            [f"`{name}`", prior_cell, f"[{number(low)}, {number(high)}]", ratio_cell, reading]
        )
    header = ["input", "prior 90%", "posterior 90%", "width ratio", "reads as"]
    return [*markdown_table(header, rows), ""]


def _pairs(posterior: pd.DataFrame) -> list[str]:
    names = list(posterior.columns)
    found = []
    if len(names) > 1 and len(posterior) > 2:
        with np.errstate(divide="ignore", invalid="ignore"):
            matrix = np.atleast_2d(np.corrcoef(posterior.to_numpy(dtype=float), rowvar=False))
        for i, j in combinations(range(len(names)), 2):
            rho = float(matrix[i, j])
            if math.isfinite(rho) and abs(rho) > STRONG:
                found.append(f"`{names[i]}` and `{names[j]}` ({rho:+.2f})")
    return [f"Strongly correlated directions: {'; '.join(found) or 'none'}.", ""]


def _share(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return f"{float(value):.1%}"  # type: ignore[arg-type]


def _true(value: object) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    return bool(value)
