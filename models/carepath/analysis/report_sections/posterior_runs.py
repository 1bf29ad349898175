"""The report's section on the seed scenarios run from their calibrated posteriors (``carepath
run FILE --posterior``, folders ``<scenario>_posterior``).  Replication r of such a run is at the
joint draw ``draws_used[r]`` of the uncertain inputs, so the spread of its values carries the
inputs' uncertainty and the simulation's together.

For each such folder: its provenance and posterior; every published figure the scenario files
(fit, held-out and check, plausibility and status quo) beside the run's mean and 90% predictive
interval, with the calibration's own interval beside the targets it kept and the file's note on
each miss; each perspective's net saving, and the headline savings, per 10,000 residents per
year with the 95% interval of the mean and the 90% predictive interval; and the inputs whose
drawn values move the society's saving and the first fitted figure most (Spearman rank
correlation, each replication joined to its draw by the draw's id, never by row order).

It reads the folder's ``replications.csv`` and manifest (the scenario as run and the
``posterior`` entry), the posterior file that entry names and the ``calibration_targets.csv``
beside it.  The per-replication values are those a calibration fits
(``plausibility.replication_values``) and ``budget.csv`` summarises (``planner.in_residents``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import ValidationError
from scipy import stats

from ...inputs.metric_registry import METRICS, PERSPECTIVES, net_cost_name
from ...inputs.posterior import DRAW
from ...inputs.scenario_file import scenario_as_run
from ...inputs.schema import Benchmark, Scenario
from ...inputs.targets import FIT, target_name
from ...observation.results_folder import (
    CALIBRATION_TARGETS_FILE,
    REPLICATIONS_FILE,
    SUMMARY_FILE,
    posterior_folder,
    sha256_file,
)
from ..planner import PER_10K, RESIDENT_WORDS, scalable
from ..plausibility import replication_values
from ..report import (
    folders_with,
    gap,
    markdown_table,
    number,
    provenance,
    read_manifest,
    section,
    with_interval,
)
from ..statistics import describe
from .perspectives import yuan, yuan_interval

LEVEL = 0.9  # the predictive interval: the 5th to 95th percentile of the replications' values
FEWEST_TO_RANK = 8  # below this many replications a rank correlation says nothing
TOP = 3
SOCIETY = "society"
# Savings shown beside the perspectives': per 10,000 residents per year where the metric is an
# amount per episode or a count, else in its own unit (a referral load is per week already).
HEADLINES = (
    "cost_total_yuan",
    "wait_min",
    "tests_avoided",
    "referral_load_county",
    "referral_load_city",
)


@dataclass(frozen=True)
class Spread:
    """Replications' values: their mean, its 95% t interval, and the 90% predictive interval
    (where one more replication, a new draw of inputs and patients, is expected to fall)."""

    n: int
    mean: float
    ci_low: float
    ci_high: float
    p05: float
    p95: float


def spread(values: pd.Series | np.ndarray) -> Spread:
    """The :class:`Spread` of one value per replication (NaN throughout for none)."""
    array = np.asarray(values, dtype=float)
    summary = describe(array)
    if len(array) == 0:
        return Spread(0, math.nan, math.nan, math.nan, math.nan, math.nan)
    tail = (1 - LEVEL) / 2
    low, high = (float(v) for v in np.quantile(array, [tail, 1 - tail]))
    return Spread(len(array), summary["mean"], summary["ci_low"], summary["ci_high"], low, high)


def meets(
    low: float, high: float, published_low: float | None, published_high: float | None
) -> bool | None:
    """Whether the predictive interval [low, high] meets the published range (an end not
    published leaves the range open there); None when nothing is published to meet."""
    if published_low is None and published_high is None:
        return None
    if math.isnan(low) or math.isnan(high):
        return False
    below = published_low is not None and high < published_low
    above = published_high is not None and low > published_high
    return not (below or above)


@section("posterior runs", order=103)  # same order as "calibration", after it by name
def posterior_runs(results: Path) -> list[str]:
    """The section: an intro, the scenarios run at their filed values only, and one part per
    posterior run; nothing when there is no posterior run."""
    folders = posterior_run_folders(results)
    if not folders:
        return []
    lines = [
        "## Seed scenarios from their posteriors: fitted and held-out targets, savings with "
        "input uncertainty",
        "",
        "Each seed scenario with a calibrated posterior is run again from it (`carepath run "
        "FILE --posterior`, `make results`): replication r is at the posterior's joint draw "
        "`draws_used[r]`, so the spread over replications carries the inputs' uncertainty and "
        "the simulation's together. Mean over replications, the 95% t interval of that mean, "
        f"and the {LEVEL:.0%} predictive interval (5th to 95th percentile of the replications' "
        "values). A figure is met when its predictive interval meets the published range. "
        "Inputs are ranked by the size of the Spearman rank correlation between each input's "
        "drawn value and the output, each replication joined to its draw by the draw's id.",
        "",
    ]
    lines += _filed_only(results, folders)
    for folder in folders:
        lines += posterior_run_part(results, folder)
    return lines


def posterior_run_folders(results: Path) -> list[Path]:
    """The folders of runs at posterior draws: replications with a manifest naming the
    posterior (a PSA of a posterior writes no ``replications.csv``)."""
    return [f for f in folders_with(results, REPLICATIONS_FILE) if _posterior_record(f)]


def _posterior_record(folder: Path) -> dict:
    return dict((read_manifest(folder) or {}).get("posterior") or {})


def _filed_only(results: Path, folders: list[Path]) -> list[str]:
    """One line naming the scenario folders that have no run from a posterior."""
    drawn = {f.name for f in folders}
    filed = [
        f.name
        for f in folders_with(results, SUMMARY_FILE)
        if f.name not in drawn and posterior_folder(f.name) not in drawn
    ]
    if not filed:
        return []
    return [
        f"Run at their filed values (no posterior run; see the plausibility section): "
        f"{', '.join(filed)}.",
        "",
    ]


def posterior_run_part(results: Path, folder: Path) -> list[str]:
    """One posterior run's lines."""
    manifest = read_manifest(folder) or {}
    record = _posterior_record(folder)
    replications = pd.read_csv(folder / REPLICATIONS_FILE)
    count = replications.replication.nunique()
    used = list(record.get("draws_used") or [])
    lines = [
        f"### {folder.name}",
        "",
        f"Results: {provenance(folder)}.",
        "",
        f"Posterior: `{record.get('file')}`, {record.get('draws')} joint draws of "
        f"{len(record.get('inputs') or [])} inputs; {count} replications, each at its own "
        f"draw ({len(set(used))} different draws).",
        "",
    ]
    try:
        scenario = scenario_as_run(manifest.get("parameters") or {})
    except ValidationError:
        return [*lines, "This version cannot read the scenario the manifest records.", ""]
    lines += _targets(results, record, scenario, replications)
    lines += _savings(scenario, replications)
    lines += _sensitivity(results, record, scenario, replications)
    return lines


# -- published figures --------------------------------------------------------------------------


def figure_values(replications: pd.DataFrame, scenario: Scenario, entry: Benchmark) -> pd.Series:
    """A published figure's model value in each replication, indexed by replication (empty
    when the run has no such value, as for a patient-paired metric put per residents)."""
    return _values(replications, scenario, entry.metric, entry.arm, entry.residents)


def _values(
    replications: pd.DataFrame, scenario: Scenario, metric: str, arm: str, residents: int | None
) -> pd.Series:
    # empty when the run has no row of that metric in the arms it needs
    return replication_values(replications, scenario, metric, arm, residents).dropna()


def _targets(
    results: Path, record: dict, scenario: Scenario, replications: pd.DataFrame
) -> list[str]:
    """Every published figure beside the run's predictive interval, and why each missed."""
    entries = scenario.benchmarks()
    if not entries:
        return ["The scenario file lists no published figures.", ""]
    calibrated = _calibrated(results, record)
    rows, misses = [], []
    for (filed_under, _), entry in entries:
        name = target_name(entry)
        found = spread(figure_values(replications, scenario, entry))
        hit = meets(found.p05, found.p95, entry.low, entry.high)
        if hit is None:
            reading = "nothing published to meet"
        else:
            reading = "met" if hit else f"not met: {gap(found.mean, entry.low, entry.high)}"
        use = entry.use if filed_under == "plausibility" else f"{entry.use} (status quo)"
        row = [name, use, _published(entry), with_interval(found.mean, found.p05, found.p95)]
        if calibrated is not None:
            row.append(calibrated.get(name, ""))
        rows.append([*row, reading])
        if hit is False:
            note = " ".join(entry.note.split())
            misses.append(f"- Why {name} is not met: {note or 'no explanation filed'}")
    header = ["figure", "use", "published range", f"run mean [{LEVEL:.0%} predictive]"]
    if calibrated is not None:
        header.append(f"calibration mean [{LEVEL:.0%} predictive]")
    lines = [*markdown_table([*header, "met"], rows), ""]
    return [*lines, *misses, *([""] if misses else [])]


def _published(entry: Benchmark) -> str:
    if entry.low is not None and entry.high is not None:
        return f"{number(entry.low)} to {number(entry.high)}"
    if entry.low is not None:
        return f"at least {number(entry.low)}"
    if entry.high is not None:
        return f"at most {number(entry.high)}"
    return entry.published


def _calibrated(results: Path, record: dict) -> dict[str, str] | None:
    """The calibration's own predictive mean [90%] of each target it kept, by target name, from
    the ``calibration_targets.csv`` beside the posterior file; None without one."""
    file = results / Path(str(record.get("file", ""))).parent.name / CALIBRATION_TARGETS_FILE
    if not record.get("file") or not file.is_file():
        return None
    table = pd.read_csv(file)
    return {
        str(r["target"]): with_interval(
            r["predictive_mean"], r["predictive_p05"], r["predictive_p95"]
        )
        for r in table.to_dict("records")
    }


# -- savings -------------------------------------------------------------------------------------


def saving_values(
    replications: pd.DataFrame, scenario: Scenario, metric: str, residents: int | None = PER_10K
) -> pd.Series:
    """Per replication, the saving without - with of ``metric`` (per ``residents`` per year
    if given), or the arm without's value when the run has no arm with."""
    compared = {"without", "with"} <= set(replications.arm)
    arm = "difference" if compared else "without"
    return _values(replications, scenario, metric, arm, residents)


def _savings(scenario: Scenario, replications: pd.DataFrame) -> list[str]:
    compared = {"without", "with"} <= set(replications.arm)
    words = "net saving (without - with)" if compared else "net cost, arm without"
    rows = []
    for perspective in PERSPECTIVES:
        values = saving_values(replications, scenario, net_cost_name(perspective))
        if values.empty:
            continue
        found = spread(values)
        rows.append(
            [
                perspective,
                yuan_interval(found.mean, found.ci_low, found.ci_high),
                f"[{yuan(found.p05)}, {yuan(found.p95)}]",
            ]
        )
    header = [
        "perspective",
        f"{words} per 10,000 residents per year, mean [95% CI]",
        f"{LEVEL:.0%} predictive interval",
    ]
    lines = [*markdown_table(header, rows), ""]
    rows = []
    for metric in HEADLINES:
        if not METRICS.knows(metric):
            continue
        unit = METRICS.get(metric).unit
        per = PER_10K if scalable(metric) else None
        if per is not None:
            unit = f"{unit.removesuffix(' per episode')} {RESIDENT_WORDS[per]}"
        values = saving_values(replications, scenario, metric, per)
        if values.empty:
            continue
        found = spread(values)
        rows.append(
            [
                metric,
                unit,
                with_interval(found.mean, found.ci_low, found.ci_high, _amount),
                f"[{_amount(found.p05)}, {_amount(found.p95)}]",
                METRICS.get(metric).better,
            ]
        )
    if rows:
        what = "without - with" if compared else "arm without"
        header = ["metric", "unit", f"{what}, mean [95% CI]", f"{LEVEL:.0%} predictive interval"]
        lines += [*markdown_table([*header, "better"], rows), ""]
    return lines


def _amount(value: float) -> str:
    """Whole numbers with thousands separators from 1,000 up; four significant digits below."""
    if math.isnan(value):
        return ""
    return f"{round(value):,}" if abs(value) >= 1000 else number(value)


# -- inputs by sensitivity -----------------------------------------------------------------------


def _sensitivity(
    results: Path, record: dict, scenario: Scenario, replications: pd.DataFrame
) -> list[str]:
    """The inputs whose drawn values move the society's net saving and the first fitted figure
    most, by |Spearman rho| over the replications."""
    head = f"Top inputs by |Spearman rank correlation| with each output (up to {TOP}):"
    count = replications.replication.nunique()
    if count < FEWEST_TO_RANK:
        return [
            f"Inputs by sensitivity: the run has {count} replications, too few to rank inputs "
            f"(at least {FEWEST_TO_RANK}).",
            "",
        ]
    drawn, problem = drawn_inputs(results, record, sorted(replications.replication.unique()))
    if drawn is None:
        return [f"Inputs by sensitivity: {problem}.", ""]
    outputs = [
        (
            "society's net saving per 10,000 residents per year",
            saving_values(replications, scenario, net_cost_name(SOCIETY)),
        )
    ]
    fitted = [entry for _, entry in scenario.benchmarks() if entry.use == FIT]
    if fitted:
        outputs.append(
            (f"{target_name(fitted[0])}, fitted", figure_values(replications, scenario, fitted[0]))
        )
    lines = [head, ""]
    for words, values in outputs:
        ranked = rank_inputs(drawn, values)
        found = "; ".join(f"`{name}` {rho:+.2f}" for name, rho in ranked[:TOP])
        if values.nunique() < 2:
            found = "the same in every replication, so nothing to rank"
        lines.append(f"- {words}: {found or 'no input drawn at more than one value'}")
    return [*lines, ""]


def drawn_inputs(
    results: Path, record: dict, replications: list[int]
) -> tuple[pd.DataFrame | None, str]:
    """Each replication's drawn inputs, indexed by replication: replication r is joined to the
    posterior's row whose draw id is ``draws_used[r]`` (the rows' order in the file does not
    matter).  None and why, when the file is gone or not the one the run used."""
    named = Path(str(record.get("file", "")))
    # The calibration folder beside this run first (the recorded path is relative to wherever
    # the run was started), then the path as recorded.
    found = [p for p in (results / named.parent.name / named.name, named) if p.is_file()]
    if not record.get("file") or not found:
        return None, f"the posterior file `{named}` is not there to join replications to draws"
    if record.get("sha256") and sha256_file(found[0]) != record["sha256"]:
        return None, f"`{found[0]}` is not the posterior file the run used (its SHA-256 differs)"
    draws = pd.read_csv(found[0]).set_index(DRAW)
    used = list(record.get("draws_used") or [])
    if any(not 0 <= r < len(used) for r in replications):
        return None, f"the manifest names draws for {len(used)} replications only"
    ids = [int(used[r]) for r in replications]
    missing = sorted(set(ids) - set(draws.index))
    if missing:
        return None, f"draws {missing[:5]} of the run are not in `{found[0]}`"
    drawn = draws.loc[ids].astype(float)
    drawn.index = pd.Index(replications, name="replication")
    return drawn, ""


def rank_inputs(drawn: pd.DataFrame, values: pd.Series) -> list[tuple[str, float]]:
    """(input, Spearman rho) between each input's drawn value and the output, joined on the
    replication, largest |rho| first; inputs drawn at one value only (or an output that never
    varies) give no rho and are left out."""
    both = drawn.join(values.rename("output"), how="inner")
    output = both.pop("output").to_numpy(dtype=float)
    if len(output) < 2 or np.all(output == output[0]):
        return []
    ranked = []
    for name in both.columns:
        x = both[name].to_numpy(dtype=float)
        if np.all(x == x[0]):
            continue
        rho = float(stats.spearmanr(x, output)[0])
        if math.isfinite(rho):
            ranked.append((str(name), rho))
    return sorted(ranked, key=lambda item: -abs(item[1]))
