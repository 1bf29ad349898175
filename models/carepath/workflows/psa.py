"""Probabilistic sensitivity analysis (``carepath psa``): how much each answer depends on the
inputs the scenario file declares uncertain (its ``uncertainty:`` block).

The design, every point a scenario at drawn input values:
- ``base``: the file's own values (what ``carepath run`` runs);
- ``lhs``: ``samples`` Latin hypercube draws (``scipy.stats.qmc``, seeded) in quantile space,
  each mapped through its input's distribution;
- ``tornado``: each input alone at its 10th and then its 90th percentile, the others as filed;
- ``morris``: ``trajectories`` Morris trajectories (SALib), for screening.
Given a posterior (``--posterior``: joint draws of the inputs, ``inputs.posterior``), the
``lhs`` points are posterior rows instead, chosen at random (seeded) and each taking every input
from its one row, never each input on its own (CALIBRATION.md); the tornado, Morris and Sobol
indices move or integrate each input on its own, as if the inputs were independent, which a
posterior's are not: they are left out, and the manifest's ``psa.posterior`` says so.  Its
folder is ``<scenario>_psa_posterior/``, beside a plain PSA's ``<scenario>_psa/``.
Every point runs every arm over the same patients with the same ``replications`` seeds (common
random numbers across points), as one batch: checkpoints, resume, failures, progress, the local
pool and ``--scheduler`` are those of ``carepath run``.

Input variance is reported apart from simulation noise (``analysis.sensitivity.variance_parts``):
with common random numbers the per-replication noise shared by every point cancels between
points, so the input variance is the variance of the sample means minus the samples x
replications interaction mean square over r; the one-way estimator (minus the mean
within-sample variance over r) is shown beside it.  Every join between draws and results is by
point id, never by row order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd
from scipy.stats import qmc

from ..analysis.headline import HEADLINE
from ..analysis.sensitivity import (
    EMULATOR_MIN_SAMPLES,
    morris_design,
    morris_indices,
    prcc,
    probability_above_zero,
    probability_better,
    sobol_on_emulator,
    variance_parts,
)
from ..execution.batch import RunResult, run_many
from ..execution.checkpoint import Checkpoint
from ..execution.manifest import RunRecord, scenario_hash
from ..execution.options import RunOptions
from ..inputs.arms import PAIRED
from ..inputs.levers import LeverError
from ..inputs.loading import ScenarioError
from ..inputs.metric_registry import METRICS
from ..inputs.posterior import Posterior, chosen_rows, load_posterior
from ..inputs.scenario_file import resolved
from ..inputs.schema import Scenario
from ..inputs.uncertain_inputs import UncertainInput, psa_base, scenario_at, uncertain_inputs
from ..observation.results_folder import (
    MORRIS_FILE,
    PRCC_FILE,
    PSA_DESIGN_FILE,
    PSA_FILE,
    PSA_REPLICATIONS_FILE,
    PSA_SUFFIX,
    PSA_SUMMARY_FILE,
    SOBOL_FILE,
    TORNADO_FILE,
    folder_name_problems,
    posterior_folder,
    write_tables,
)
from ..system.streams import stream_key

TORNADO_QUANTILES = (0.1, 0.9)
# Why a PSA of a posterior has no tornado, Morris or Sobol indices (in its manifest).
POSTERIOR_SKIPS = (
    "tornado, Morris and Sobol indices left out: each moves or integrates one input on its "
    "own, as if the inputs were independent, and a posterior's draws are not"
)
MORRIS_LEVELS = 4
MIN_REPLICATIONS = 2  # the simulation noise is estimated from the spread within a point
DIFFERENCE = "difference"


@dataclass(frozen=True)
class PsaSettings:
    """What to run: LHS ``samples``, ``replications`` per point (same seeds at every point),
    a tornado, ``morris_trajectories`` (0: none), Sobol indices on an emulator of the
    headline metrics, and ``bootstrap`` resamples of the PRCC intervals."""

    samples: int
    replications: int = MIN_REPLICATIONS
    tornado: bool = True
    morris_trajectories: int = 10
    sobol: bool = True
    bootstrap: int = 1000

    @property
    def emulated(self) -> bool:
        """Whether Sobol indices are computed: asked for, with enough samples to check the
        emulator by cross-validation (else left out, and the manifest says so)."""
        return self.sobol and self.samples >= EMULATOR_MIN_SAMPLES

    def record(self) -> dict:
        return {
            "samples": self.samples,
            "replications": self.replications,
            "tornado": self.tornado,
            "morris_trajectories": self.morris_trajectories,
            "sobol": self.emulated,
            "bootstrap": self.bootstrap,
        }


def psa_settings(record: dict) -> PsaSettings:
    """The settings a manifest's ``psa`` entry (``PsaSettings.record``) was made with."""
    return PsaSettings(
        samples=int(record["samples"]),
        replications=int(record["replications"]),
        tornado=bool(record["tornado"]),
        morris_trajectories=int(record["morris_trajectories"]),
        sobol=bool(record["sobol"]),
        bootstrap=int(record["bootstrap"]),
    )


@dataclass(frozen=True)
class Point:
    """One scenario of the design: which design and its id there, each input's value and the
    quantile of its distribution that value sits at."""

    design: str
    index: int
    values: dict[str, float]
    quantiles: dict[str, float]
    draw: int | None = None  # the posterior draw (its id) the point was taken from, if any


@dataclass
class PsaResult:
    """A finished PSA: the points and the batch result of each (by position)."""

    scenario: Scenario  # as filed, with its uncertainty block
    inputs: list[UncertainInput]
    settings: PsaSettings
    seed: int
    points: list[Point]
    runs: list[RunResult]
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    posterior: Posterior | None = None  # the joint draws the lhs points were taken from


def folder_name(scenario: Scenario, posterior: bool = False) -> str:
    """The PSA's results folder (and checkpoint) name: ``<scenario>_psa``, or
    ``<scenario>_psa_posterior`` for a PSA of a posterior's draws (beside the plain one)."""
    name = f"{scenario.name}{PSA_SUFFIX}"
    return posterior_folder(name) if posterior else name


def psa_problems(scenario: Scenario, settings: PsaSettings, posterior: bool = False) -> list[str]:
    """Why this scenario and these settings cannot be run as a PSA (of a posterior's draws if
    ``posterior``) (empty when they can)."""
    problems = []
    if not scenario.uncertainty:
        problems.append("uncertainty: the file declares no uncertain inputs to draw")
    if scenario.sweep is not None:
        problems.append("sweep: a PSA runs one scenario; take the sweep out (or use its levers)")
    if settings.replications < MIN_REPLICATIONS:
        problems.append(f"--replications must be at least {MIN_REPLICATIONS} for a PSA")
    if settings.morris_trajectories == 1:
        problems.append("--morris needs 0 (none) or at least 2 trajectories (sigma needs two)")
    k = len(scenario.uncertainty)
    if scenario.uncertainty and settings.samples < k + 3:
        problems.append(
            f"--samples {settings.samples} is too few for {k} inputs: partial rank correlations "
            f"need at least {k + 3}"
        )
    problems += folder_name_problems(scenario.name, folder_name(scenario, posterior), "PSA")
    return problems


def derived_seed(seed: int, purpose: str) -> int:
    """A seed for one purpose of the PSA (the LHS, Morris, bootstrap), from the run's seed and
    the purpose's name, so that each is fixed and none shifts another."""
    sequence = np.random.SeedSequence((int(seed), stream_key(f"psa:{purpose}")))
    return int(sequence.generate_state(1, dtype=np.uint32)[0])


def posterior_settings(settings: PsaSettings) -> PsaSettings:
    """The settings of a PSA of a posterior: no tornado, Morris or Sobol (POSTERIOR_SKIPS)."""
    return replace(settings, tornado=False, morris_trajectories=0, sobol=False)


def posterior_rows(posterior: Posterior, samples: int, seed: int) -> list[int]:
    """The posterior rows (positions) of the ``samples`` lhs points, from the run's seed."""
    return chosen_rows(len(posterior.draws), samples, derived_seed(seed, "posterior"))


def design(
    inputs: Sequence[UncertainInput],
    settings: PsaSettings,
    seed: int,
    posterior: Posterior | None = None,
) -> list[Point]:
    """Every point of the PSA, in a fixed order: base, lhs, tornado, morris.  Given a
    ``posterior``, base and then one lhs point per chosen row, every input from that row."""
    names = [item.name for item in inputs]
    points = [_point("base", 0, inputs, {})]
    if posterior is not None:
        for i, row in enumerate(posterior_rows(posterior, settings.samples, seed)):
            drawn = posterior.values(row)
            quantiles = {
                item.name: float(item.entry.frozen().cdf(drawn[item.name])) for item in inputs
            }
            values = {item.name: drawn[item.name] for item in inputs}
            points.append(Point("lhs", i, values, quantiles, posterior.draw_id(row)))
        return points
    sampler = qmc.LatinHypercube(
        d=len(inputs), rng=np.random.default_rng(derived_seed(seed, "lhs"))
    )
    for i, row in enumerate(sampler.random(settings.samples)):
        points.append(_point("lhs", i, inputs, dict(zip(names, row, strict=True))))
    if settings.tornado:
        for j, name in enumerate(names):
            for end, q in enumerate(TORNADO_QUANTILES):
                points.append(_point("tornado", 2 * j + end, inputs, {name: q}))
    if settings.morris_trajectories:
        rows = morris_design(
            len(inputs), settings.morris_trajectories, MORRIS_LEVELS, derived_seed(seed, "morris")
        )
        for i, row in enumerate(rows):
            points.append(_point("morris", i, inputs, dict(zip(names, row, strict=True))))
    return points


def _point(
    kind: str, index: int, inputs: Sequence[UncertainInput], quantiles: dict[str, float]
) -> Point:
    values, where = {}, {}
    for item in inputs:
        if item.name in quantiles:
            q = float(quantiles[item.name])
            values[item.name] = float(item.entry.ppf(q))
        else:
            values[item.name] = item.base_value
            q = float(item.entry.frozen().cdf(item.base_value))
        where[item.name] = q
    return Point(kind, index, values, where)


def point_scenarios(
    scenario: Scenario,
    inputs: Sequence[UncertainInput],
    points: Sequence[Point],
    file: Path | None,
    posterior: Posterior | None = None,
) -> list[Scenario]:
    """Each point's scenario, validated, named for the PSA folder (so its checkpoints live
    there).  Raises ``ScenarioError`` naming the file (and the posterior file and draw of a
    point taken from one), the point and its values when a drawn combination is not a valid
    scenario; nothing has run then."""
    folder = folder_name(scenario, posterior is not None)
    base = psa_base(scenario).model_copy(update={"name": folder})
    found, problems = [], []
    for point in points:
        try:
            found.append(scenario_at(base, inputs, point.values))
        except LeverError as error:
            where = f"{file or scenario.name}: uncertainty: the {point.design} point {point.index}"
            if posterior is not None and point.draw is not None:
                where = f"{posterior.file}: draw {point.draw} ({where})"
            problems += [f"{where} ({point.values}): {message}" for _, message in error.found]
    if problems:
        raise ScenarioError(problems)
    return found


def run_psa(
    scenario: Scenario,
    settings: PsaSettings,
    options: RunOptions,
    file: Path | None = None,
    posterior: Posterior | None = None,
) -> PsaResult:
    """Run every point of the PSA as one batch (``options`` as for ``carepath run``; its
    ``replications`` is ignored for ``settings.replications``) and derive its tables.  With a
    ``posterior`` (``inputs.posterior.load_posterior``), its lhs points are posterior rows
    and the settings ``posterior_settings``.

    Raises ``ScenarioError`` for a design point that is not a valid scenario and
    ``BatchFailed`` if a replication raised (the others kept, given ``options.out``).
    """
    if posterior is not None:
        settings = posterior_settings(settings)
    bad = psa_problems(scenario, settings, posterior is not None)
    if bad:
        raise ScenarioError([f"{file or scenario.name}: {line}" for line in bad])
    seed = options.seed_of(scenario)
    inputs = uncertain_inputs(scenario)
    points = design(inputs, settings, seed, posterior)
    scenarios = point_scenarios(scenario, inputs, points, file, posterior)
    unique: dict[str, Scenario] = {}
    keys = []
    for one in scenarios:  # a Morris design may visit a point twice: it runs once
        key = scenario_hash(resolved(one))
        unique.setdefault(key, one)
        keys.append(key)
    batch_options = replace(options, replications=settings.replications, seed=seed)
    done = dict(zip(unique, run_many(list(unique.values()), batch_options), strict=True))
    runs = [done[k] for k in keys]
    result = PsaResult(scenario, inputs, settings, seed, points, runs, posterior=posterior)
    result.tables = psa_tables(result)
    return result


def psa(
    scenario: Scenario,
    samples: int,
    replications: int = MIN_REPLICATIONS,
    seed: int | None = None,
    jobs: int = 1,
    progress: bool = False,
    out: Path | None = None,
    scheduler: str | None = None,
    posterior: str | Path | None = None,
    **settings: Any,
) -> PsaResult:
    """The PSA of a scenario's ``uncertainty:`` block, for notebooks: ``result.tables`` holds
    what ``carepath psa`` writes, by file name.  ``settings``: the other fields of
    :class:`PsaSettings` (``morris_trajectories``, ``tornado``, ``sobol``, ``bootstrap``).
    ``posterior``: a posterior file whose joint draws the samples are taken from.

    >>> psa(scenario, samples=16, morris_trajectories=0).tables["psa.csv"]
    """
    chosen = PsaSettings(samples=samples, replications=replications, **settings)
    options = RunOptions(replications, seed, jobs, progress, out, scheduler)
    drawn = None if posterior is None else load_posterior(posterior, scenario)
    return run_psa(scenario, chosen, options, posterior=drawn)


def discard_checkpoints(result: PsaResult, out: Path) -> None:
    """The PSA's files are written: its checkpoints go."""
    for run in result.runs[:1]:
        Checkpoint(out, run.scenario, result.seed).discard()


def write_psa(out: Path, file: Path | None, result: PsaResult, record: RunRecord) -> Path:
    """Write the PSA's tables and manifest into ``<out>/<scenario>_psa/`` (of a posterior's
    draws: ``<out>/<scenario>_psa_posterior/``), whole, atomically."""
    manifest = record.manifest(
        result.scenario,
        file,
        result.seed,
        result.settings.replications,
        result.runs[0].arms,
        extra={"psa": psa_record(result)},
    )
    folder = folder_name(result.scenario, result.posterior is not None)
    return write_tables(out, folder, result.tables, manifest)


def psa_record(result: PsaResult) -> dict:
    """The manifest's account of the PSA: settings, seeds, inputs and the design's size; of a
    PSA of a posterior, its file, checksum, the draws used and what was left out."""
    counts = pd.Series([p.design for p in result.points]).value_counts()
    record = {
        **result.settings.record(),
        "seeds": {
            purpose: derived_seed(result.seed, purpose)
            for purpose in ("lhs", "morris", "bootstrap", "sobol")
        },
        "inputs": {
            item.name: item.entry.model_dump(exclude_defaults=True) for item in result.inputs
        },
        "points": {kind: int(n) for kind, n in counts.items()},
        "analysed_arm": analysed_arm(result.scenario),
    }
    if result.posterior is not None:
        rows = posterior_rows(result.posterior, result.settings.samples, result.seed)
        record["posterior"] = {
            **result.posterior.record(rows),
            "seed": derived_seed(result.seed, "posterior"),
            "left_out": POSTERIOR_SKIPS,
        }
    return record


def analysed_arm(scenario: Scenario) -> str:
    """The arm the rankings read: the saving when the file switches a reform on, else the
    status quo."""
    return DIFFERENCE if scenario.switched_on() else "without"


# ---------------------------------------------------------------------------------------------
# Tables


def psa_tables(result: PsaResult) -> dict[str, pd.DataFrame]:
    """Every table of the PSA's folder, by file name."""
    replications = _replications(result)
    summary = _summaries(result)
    per_rep = _per_replication(replications)
    tables = {
        PSA_FILE: _distribution(result, summary, per_rep),
        PSA_SUMMARY_FILE: _lhs_summary(summary),
        PSA_DESIGN_FILE: _design_table(result),
        PSA_REPLICATIONS_FILE: replications,
    }
    arms = _ranked_arms(result)
    if result.settings.tornado:
        tables[TORNADO_FILE] = _tornado(result, summary, arms)
    tables[PRCC_FILE] = _prcc(result, summary, arms)
    if result.settings.morris_trajectories:
        tables[MORRIS_FILE] = _morris(result, summary, arms)
    if result.settings.emulated:
        tables[SOBOL_FILE] = _sobol(result, summary, arms)
    return tables


def _replications(result: PsaResult) -> pd.DataFrame:
    return _by_point(result, [run.replications for run in result.runs])


def _summaries(result: PsaResult) -> pd.DataFrame:
    return _by_point(result, [run.summary for run in result.runs])


def _by_point(result: PsaResult, tables: list[pd.DataFrame]) -> pd.DataFrame:
    """Each point's table stacked, its rows named by the file's scenario and the point."""
    frames = []
    for point, table in zip(result.points, tables, strict=True):
        frame = table.assign(scenario=result.scenario.name)
        frame.insert(1, "design", point.design)
        frame.insert(2, "point", point.index)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def _lhs_summary(summary: pd.DataFrame) -> pd.DataFrame:
    lhs = summary[summary.design == "lhs"].drop(columns="design")
    return lhs.rename(columns={"point": "sample"}).reset_index(drop=True)


def _design_table(result: PsaResult) -> pd.DataFrame:
    rows = [
        (point.design, point.index, name, point.quantiles[name], point.values[name])
        for point in result.points
        for name in point.values
    ]
    table = pd.DataFrame(rows, columns=["design", "point", "input", "quantile", "value"])
    if result.posterior is not None:  # the posterior draw each point was taken from
        draws = [point.draw for point in result.points for _ in point.values]
        table["draw"] = pd.array(draws, dtype="Int64")
    return table


def _per_replication(replications: pd.DataFrame) -> pd.DataFrame:
    """The LHS samples' per-replication values with a ``difference`` arm (without - with)
    added: sample, replication, arm, metric, value."""
    lhs = replications[replications.design == "lhs"].rename(columns={"point": "sample"})
    keys = ["sample", "replication", "metric"]
    arms = lhs.set_index([*keys, "arm"])["value"].unstack("arm")
    frames = [lhs[["sample", "replication", "arm", "metric", "value"]]]
    if {"without", "with"} <= set(arms.columns):
        both = arms[["without", "with"]].dropna()
        difference = (both["without"] - both["with"]).rename("value").reset_index()
        frames.append(difference.assign(arm=DIFFERENCE))
    return pd.concat(frames, ignore_index=True)


def _distribution(result: PsaResult, summary: pd.DataFrame, per_rep: pd.DataFrame) -> pd.DataFrame:
    """Each metric and arm over the input samples: spread, percentiles, chance of a gain and
    the variance split between inputs and simulation noise."""
    base = summary[summary.design == "base"].set_index(["metric", "arm"])["mean"]
    rows = []
    for (metric, arm), block in per_rep.groupby(["metric", "arm"], sort=False):
        table = block.pivot(index="sample", columns="replication", values="value").sort_index()
        values = table.to_numpy(dtype=float)
        # A ratio is undefined in a replication with nothing to divide (no recognised test):
        # such samples are left out, and `samples` says how many remain.
        values = values[np.isfinite(values).all(axis=1)]
        rows.append(
            {
                "scenario": result.scenario.name,
                "metric": metric,
                "arm": arm,
                "samples": len(values),
                "base_mean": float(base.get((metric, arm), np.nan)),
                **_spread(str(metric), str(arm), values),
            }
        )
    order = {arm: i for i, arm in enumerate(("without", "with", DIFFERENCE, PAIRED))}
    table = pd.DataFrame(rows)
    table["_arm"] = table.arm.map(order)
    table["_metric"] = table.metric.map({m: i for i, m in enumerate(dict.fromkeys(table.metric))})
    return (
        table.sort_values(["_arm", "_metric"])
        .drop(columns=["_arm", "_metric"])
        .reset_index(drop=True)
    )


SPREAD = ("mean", "sd", "p05", "p50", "p95", "p_above_zero", "p_better")
VARIANCE = (
    "var_sample_means",
    "var_within",
    "var_interaction",
    "var_input",
    "var_input_unpaired",
    "var_noise_of_mean",
    "share_input",
)


def _spread(metric: str, arm: str, values: np.ndarray) -> dict[str, float]:
    """The distribution of the sample means (rows of ``values``, samples x replications) and
    its variance split; NaN with fewer than two samples."""
    if len(values) < 2:
        return dict.fromkeys((*SPREAD, *VARIANCE), np.nan)
    means = values.mean(axis=1)
    better = METRICS.get(metric).better if METRICS.knows(metric) else "neither"
    parts = variance_parts(values)
    return {
        "mean": float(means.mean()),
        "sd": float(means.std(ddof=1)),
        "p05": float(np.percentile(means, 5)),
        "p50": float(np.percentile(means, 50)),
        "p95": float(np.percentile(means, 95)),
        "p_above_zero": probability_above_zero(means),
        "p_better": probability_better(means, better) if arm in (DIFFERENCE, PAIRED) else np.nan,
        **{key: float(parts[key]) for key in VARIANCE},
    }


def _ranked_arms(result: PsaResult) -> tuple[str, ...]:
    """The arms whose metrics are ranked by input: the analysed arm and the paired rows."""
    return (analysed_arm(result.scenario), PAIRED)


def _sample_means(summary: pd.DataFrame, kind: str, arms: Sequence[str]) -> pd.DataFrame:
    """Mean per point of each (metric, arm) of one design: index point, columns (metric, arm)."""
    rows = summary[(summary.design == kind) & summary.arm.isin(arms)]
    return rows.pivot_table(index="point", columns=["metric", "arm"], values="mean", sort=False)


def _metric_arms(means: pd.DataFrame) -> list[tuple[str, str]]:
    pairs = cast(list[tuple[str, str]], means.columns.to_list())  # a (metric, arm) MultiIndex
    return [(str(metric), str(arm)) for metric, arm in pairs]


def _input_frame(result: PsaResult, kind: str, what: str) -> pd.DataFrame:
    """Each point's input values (``what="values"``) or quantiles, index point."""
    points = [p for p in result.points if p.design == kind]
    frame = pd.DataFrame(
        [getattr(p, what) for p in points], index=pd.Index([p.index for p in points], name="point")
    )
    return frame[[item.name for item in result.inputs]]


def _tornado(result: PsaResult, summary: pd.DataFrame, arms: Sequence[str]) -> pd.DataFrame:
    indexed = summary.set_index(["design", "point", "metric", "arm"])
    rows = []
    base = summary[(summary.design == "base") & summary.arm.isin(arms)]
    for _, row in base.iterrows():
        metric, arm = row["metric"], row["arm"]
        for j, item in enumerate(result.inputs):
            low = indexed.loc[("tornado", 2 * j, metric, arm)]
            high = indexed.loc[("tornado", 2 * j + 1, metric, arm)]
            rows.append(
                {
                    "scenario": result.scenario.name,
                    "metric": metric,
                    "arm": arm,
                    "input": item.name,
                    "base_value": item.base_value,
                    "low_value": float(item.entry.ppf(TORNADO_QUANTILES[0])),
                    "high_value": float(item.entry.ppf(TORNADO_QUANTILES[1])),
                    "base_mean": row["mean"],
                    "low_mean": low["mean"],
                    "low_ci_low": low["ci_low"],
                    "low_ci_high": low["ci_high"],
                    "high_mean": high["mean"],
                    "high_ci_low": high["ci_low"],
                    "high_ci_high": high["ci_high"],
                    "swing": abs(high["mean"] - low["mean"]),
                }
            )
    return pd.DataFrame(rows)


def _prcc(result: PsaResult, summary: pd.DataFrame, arms: Sequence[str]) -> pd.DataFrame:
    inputs = _input_frame(result, "lhs", "values")
    means = _sample_means(summary, "lhs", arms)
    seed = derived_seed(result.seed, "bootstrap")
    frames = []
    for metric, arm in _metric_arms(means):
        table = prcc(inputs, means[(metric, arm)], result.settings.bootstrap, seed)
        frames.append(_labelled(result, metric, arm, table))
    return pd.concat(frames, ignore_index=True)


def _morris(result: PsaResult, summary: pd.DataFrame, arms: Sequence[str]) -> pd.DataFrame:
    quantiles = _input_frame(result, "morris", "quantiles")
    means = _sample_means(summary, "morris", arms).loc[quantiles.index]
    names = list(quantiles.columns)
    seed = derived_seed(result.seed, "morris")
    frames = []
    for metric, arm in _metric_arms(means):
        outputs = means[(metric, arm)].to_numpy(dtype=float)
        table = morris_indices(quantiles.to_numpy(), outputs, names, MORRIS_LEVELS, seed)
        frames.append(_labelled(result, metric, arm, table))
    return pd.concat(frames, ignore_index=True)


def _sobol(result: PsaResult, summary: pd.DataFrame, arms: Sequence[str]) -> pd.DataFrame:
    """First-order and total Sobol indices of a Gaussian-process emulator of each headline
    metric, fitted to the LHS samples (with the emulator's cross-validated R^2)."""
    quantiles = _input_frame(result, "lhs", "quantiles")
    means = _sample_means(summary, "lhs", arms)
    seed = derived_seed(result.seed, "sobol")
    headline = dict.fromkeys(metric for _, metric, _ in HEADLINE)
    frames = []
    for metric, arm in _metric_arms(means):
        if metric not in headline or arm == PAIRED:
            continue
        table, _ = sobol_on_emulator(quantiles, means[(metric, arm)], seed)
        frames.append(_labelled(result, metric, arm, table))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _labelled(result: PsaResult, metric: str, arm: str, table: pd.DataFrame) -> pd.DataFrame:
    front = pd.DataFrame(
        {"scenario": result.scenario.name, "metric": metric, "arm": arm}, index=table.index
    )
    return pd.concat([front, table], axis=1)


def run_psa_file(
    file: Path,
    scenario: Scenario,
    settings: PsaSettings,
    options: RunOptions,
    record: RunRecord,
    posterior: Posterior | None = None,
) -> tuple[PsaResult, Path]:
    """``carepath psa``: run the PSA of one scenario file (of a ``posterior``'s draws, if
    given) and write its folder into ``options.out``; its checkpoints are discarded once the
    folder is written."""
    if options.out is None:
        raise ValueError("a PSA needs an output folder (options.out)")
    result = run_psa(scenario, settings, options, file, posterior)
    folder = write_psa(options.out, file, result, record.ended())
    discard_checkpoints(result, options.out)
    return result, folder


def summary_lines(result: PsaResult, top: int = 3) -> list[str]:
    """What a terminal shows of a finished PSA: each headline saving over the input samples
    (median, 5th-95th percentile, chance of a gain, input share of the variance) and the
    inputs whose partial rank correlation with it is largest."""
    table = result.tables[PSA_FILE].set_index(["metric", "arm"])
    ranks = result.tables[PRCC_FILE]
    arm = analysed_arm(result.scenario)
    lines = []
    for metric in dict.fromkeys(m for _, m, a in HEADLINE if a == DIFFERENCE):
        if (metric, arm) not in table.index:
            continue
        row = table.loc[(metric, arm)]
        word = "saved" if arm == DIFFERENCE else "without"
        gain = "" if np.isnan(row["p_better"]) else f"; P(gain) {row['p_better']:.2f}"
        share = row.get("share_input", np.nan)
        lines.append(
            f"{word} {metric}: median {row['p50']:.4g} [5-95%: {row['p05']:.4g} to "
            f"{row['p95']:.4g}]{gain}; input share of variance {share:.2f}"
        )
        mine = ranks[(ranks.metric == metric) & (ranks.arm == arm)].dropna(subset=["prcc"])
        strongest = mine.reindex(mine.prcc.abs().sort_values(ascending=False).index).head(top)
        for _, rank in strongest.iterrows():
            lines.append(
                f"  PRCC {rank['prcc']:+.2f} [{rank['ci_low']:+.2f}, {rank['ci_high']:+.2f}] "
                f"{rank['input']}"
            )
    return lines
