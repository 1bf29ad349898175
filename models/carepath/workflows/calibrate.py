"""Calibration (``carepath calibrate``): which values of a scenario's uncertain inputs make the
model agree with the published figures it is to fit, by history matching in waves, then
importance resampling (``../shared/CALIBRATION.md``; the numerics in
``analysis.history_matching``).

The priors are the file's ``uncertainty:`` block; the targets its ``plausibility:`` entries with
``use: fit`` (observed value, observation sd, discrepancy sd; ``inputs.targets``).  Each wave
runs every design point over the same ``replications`` seeds (common random numbers: the seed is
never a calibrated input), so a point's mean over them is the objective and their spread its
replicate variance.  A wave is checkpointed when all its runs are done, never mid-wave (taking
the first runs to finish would favour inputs that run fast); a calibration stopped at any point
resumes from its last finished wave to the same files.  ``held_out`` targets are never fitted:
they are set beside the posterior's predictive interval.

Written to ``<out>/<scenario>_calibration/``: ``posterior.csv`` (joint draws, one column per
input key path: what ``carepath run --posterior`` and ``carepath psa --posterior`` read),
``calibration_runs.csv`` (every run: wave, point, quantiles, values, target means and replicate
variances, maximum implausibility, kept), ``calibration_waves.csv`` (runs, surviving share and
each emulator's cross-validated R^2 per wave) and ``calibration_targets.csv`` (each fit and
held-out target beside the posterior predictive interval).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

import numpy as np
import pandas as pd

from ..analysis.history_matching import HistoryMatch, Runs, Target, history_match
from ..analysis.plausibility import replication_values
from ..execution.batch import RunResult, run_many
from ..execution.checkpoint import source_digest
from ..execution.manifest import scenario_hash
from ..execution.options import RunOptions
from ..inputs.arms import RELATIVE
from ..inputs.levers import LeverError
from ..inputs.loading import ScenarioError
from ..inputs.scenario_file import resolved
from ..inputs.schema import Scenario
from ..inputs.targets import TargetSpec, calibration_targets, held_out_targets
from ..inputs.uncertain_inputs import UncertainInput, psa_base, scenario_at, uncertain_inputs
from ..observation.results_folder import (
    CALIBRATION_RUNS_FILE,
    CALIBRATION_SUFFIX,
    CALIBRATION_TARGETS_FILE,
    CALIBRATION_WAVES_FILE,
    POSTERIOR_FILE,
    folder_name_problems,
    write_tables,
)
from ..system.streams import stream_key

RUNS_FILE, WAVES_FILE, TARGETS_FILE = (
    CALIBRATION_RUNS_FILE,
    CALIBRATION_WAVES_FILE,
    CALIBRATION_TARGETS_FILE,
)
PREDICTIVE = (0.05, 0.95)  # the posterior predictive interval of a target: 90%


@dataclass(frozen=True)
class CalibrationSettings:
    """``waves`` of history matching (at least 2), ``points_per_wave`` model points each (0:
    ten per input), ``replications`` per point sharing their seeds, ``draws`` resampled from the
    surviving runs, and the implausibility ``cutoff``."""

    waves: int = 2
    points_per_wave: int = 0
    replications: int = 3
    draws: int = 1000
    cutoff: float = 3.0

    def points(self, inputs: int) -> int:
        return self.points_per_wave or 10 * inputs


def calibration_settings(record: dict) -> CalibrationSettings:
    """The settings a manifest's ``calibration`` entry (``calibration_record``) was made with."""
    return CalibrationSettings(
        **{item.name: record[item.name] for item in fields(CalibrationSettings)}
    )


@dataclass
class CalibrationResult:
    scenario: Scenario
    inputs: list[UncertainInput]
    settings: CalibrationSettings
    seed: int
    match: HistoryMatch
    fit: list[TargetSpec]
    held_out: list[TargetSpec]
    tables: dict[str, pd.DataFrame]


def folder_name(scenario: Scenario) -> str:
    return f"{scenario.name}{CALIBRATION_SUFFIX}"


def calibration_seed(seed: int) -> int:
    """The seed of the designs and the resampling, from the run's seed (never a fitted input)."""
    sequence = np.random.SeedSequence((int(seed), stream_key("calibrate")))
    return int(sequence.generate_state(1, dtype=np.uint32)[0])


def calibration_problems(scenario: Scenario, settings: CalibrationSettings) -> list[str]:
    """Why this scenario and these settings cannot be calibrated (empty when they can)."""
    problems = []
    if not scenario.uncertainty:
        problems.append("uncertainty: the file declares no uncertain inputs to calibrate")
    if not calibration_targets(scenario):
        problems.append("plausibility: no entry has use: fit")
    if scenario.sweep is not None:
        problems.append("sweep: a calibration fits one scenario; take the sweep out")
    if settings.waves < 2:
        problems.append("--waves must be at least 2 (history matching refocuses in waves)")
    if settings.replications < 2:
        problems.append("--replications must be at least 2 (the replicate variance needs two)")
    problems += folder_name_problems(scenario.name, folder_name(scenario), "calibration")
    return problems


def target_values(run: RunResult, scenario: Scenario, spec: TargetSpec) -> np.ndarray:
    """A target's value in each replication of a run: its metric in its arm (``difference``:
    without - with; ``relative``: (without - with) / without; ``paired``: the patient-paired
    row), per ``residents`` a year if asked.

    Raises ``ValueError`` where a relative change is undefined (the without value 0): every
    point runs over the same seeds, so a replication cannot be left out of one point's mean."""
    values = replication_values(run.replications, scenario, spec.metric, spec.arm, spec.residents)
    if spec.arm == RELATIVE and values.isna().any():
        undefined = [int(r) for r in values.index[values.isna()]]
        raise ValueError(
            f"target {spec.name}: the without arm's {spec.metric} is 0 in replication(s) "
            f"{undefined}, so its relative change is undefined; compare the difference instead"
        )
    return values.to_numpy(dtype=float)


class Simulator:
    """Runs the model at design points: each point's scenario over the same seeds."""

    def __init__(
        self,
        scenario: Scenario,
        inputs: Sequence[UncertainInput],
        targets: Sequence[TargetSpec],
        settings: CalibrationSettings,
        options: RunOptions,
        seed: int,
        file: Path | None,
    ) -> None:
        self.scenario = scenario
        self.base = psa_base(scenario).model_copy(update={"name": folder_name(scenario)})
        self.inputs = list(inputs)
        self.targets = list(targets)
        # No per-replication checkpoints: a wave is kept only when it is whole.
        self.options = replace(options, replications=settings.replications, seed=seed, out=None)
        self.file = file
        self.outputs: dict[int, np.ndarray] = {}  # wave -> (n, replications, targets)

    def values(self, point: np.ndarray) -> dict[str, float]:
        return {
            item.name: float(item.entry.ppf(float(q)))
            for item, q in zip(self.inputs, point, strict=True)
        }

    def __call__(self, points: np.ndarray, wave: int) -> Runs:
        scenarios, problems = [], []
        for i, point in enumerate(points):
            try:
                scenarios.append(scenario_at(self.base, self.inputs, self.values(point)))
            except LeverError as error:
                where = f"{self.file or self.scenario.name}: calibration wave {wave} point {i}"
                problems += [f"{where}: {message}" for _, message in error.found]
        if problems:
            raise ScenarioError(problems)
        runs = run_many(scenarios, self.options)
        table = np.array(
            [[target_values(run, self.base, spec) for spec in self.targets] for run in runs]
        ).transpose(0, 2, 1)  # (points, replications, targets)
        self.outputs[wave] = table
        fitted = table[:, :, : len(self.fitted)]
        return Runs(
            points=np.asarray(points, dtype=float),
            means=fitted.mean(axis=1),
            variances=fitted.var(axis=1, ddof=1),
            replications=table.shape[1],
        )

    @property
    def fitted(self) -> list[TargetSpec]:
        return [spec for spec in self.targets if spec.use == "fit"]


class WaveCheckpoint:
    """Finished waves on disk (``<out>/<folder>/.waves/``), keyed by what would change them."""

    def __init__(self, out: Path | None, folder: str, key: str) -> None:
        self.where = None if out is None else out / folder / ".waves"
        self.key = key

    def path(self, wave: int) -> Path:
        assert self.where is not None
        return self.where / f"wave_{wave:02d}.npz"

    def save(self, wave: int, runs: Runs, outputs: np.ndarray) -> None:
        if self.where is None:
            return
        self.where.mkdir(parents=True, exist_ok=True)
        temporary = self.path(wave).with_suffix(".tmp.npz")
        np.savez(
            temporary,
            key=np.array(self.key),
            points=runs.points,
            means=runs.means,
            variances=runs.variances,
            replications=np.array(runs.replications),
            outputs=outputs,
        )
        os.replace(temporary, self.path(wave))

    def load(self) -> tuple[list[Runs], dict[int, np.ndarray]]:
        """The waves finished under this key, in order (a wave of another key ends the list)."""
        done: list[Runs] = []
        outputs: dict[int, np.ndarray] = {}
        if self.where is None:
            return done, outputs
        wave = 0
        while self.path(wave).exists():
            with np.load(self.path(wave)) as saved:
                if str(saved["key"]) != self.key:
                    break
                done.append(
                    Runs(
                        points=saved["points"],
                        means=saved["means"],
                        variances=saved["variances"],
                        replications=int(saved["replications"]),
                    )
                )
                outputs[wave] = saved["outputs"]
            wave += 1
        return done, outputs

    def discard(self) -> None:
        if self.where is None or not self.where.exists():
            return
        for path in self.where.glob("wave_*.npz"):
            path.unlink()
        self.where.rmdir()


def checkpoint_key(scenario: Scenario, settings: CalibrationSettings, seed: int) -> str:
    """What a finished wave depends on: the scenario, the settings, the seed and the code."""
    text = json.dumps(
        [scenario_hash(resolved(scenario)), asdict(settings), seed, source_digest()],
        sort_keys=True,
    )
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def run_calibration(
    scenario: Scenario,
    settings: CalibrationSettings,
    options: RunOptions,
    file: Path | None = None,
) -> CalibrationResult:
    """History-match the scenario's uncertain inputs to its fit targets, resuming from the
    waves already finished under ``options.out``, and derive the tables."""
    bad = calibration_problems(scenario, settings)
    if bad:
        raise ScenarioError([f"{file or scenario.name}: {line}" for line in bad])
    seed = options.seed_of(scenario)
    inputs = uncertain_inputs(scenario)
    fit, held_out = calibration_targets(scenario), held_out_targets(scenario)
    simulate = Simulator(scenario, inputs, [*fit, *held_out], settings, options, seed, file)
    waves = WaveCheckpoint(
        options.out, folder_name(scenario), checkpoint_key(scenario, settings, seed)
    )
    done, outputs = waves.load()
    simulate.outputs.update(outputs)

    def keep(wave: int, runs: Runs) -> None:
        waves.save(wave, runs, simulate.outputs[wave])

    match = history_match(
        simulate,
        len(inputs),
        [Target(s.name, s.observed, s.obs_sd, s.discrepancy_sd) for s in fit],
        waves=settings.waves,
        points_per_wave=settings.points(len(inputs)),
        seed=calibration_seed(seed),
        cutoff=settings.cutoff,
        draws=settings.draws,
        done=done,
        on_wave=keep,
    )
    result = CalibrationResult(scenario, inputs, settings, seed, match, fit, held_out, {})
    result.tables = calibration_tables(result, simulate)
    return result


# ---------------------------------------------------------------------------------------------
# Tables


def calibration_tables(result: CalibrationResult, simulate: Simulator) -> dict[str, pd.DataFrame]:
    """Every table of the calibration's folder, by file name."""
    outputs = np.concatenate([simulate.outputs[w] for w in range(len(result.match.runs))])
    return {
        POSTERIOR_FILE: posterior_frame(result),
        RUNS_FILE: _runs_table(result, outputs),
        WAVES_FILE: _waves_table(result),
        TARGETS_FILE: _targets_table(result, outputs),
    }


def posterior_frame(result: CalibrationResult) -> pd.DataFrame:
    """The joint draws: ``draw``, then each input's value (its key path as the column)."""
    points = result.match.posterior.points
    frame = pd.DataFrame({"draw": np.arange(len(points))})
    for j, item in enumerate(result.inputs):
        frame[item.name] = [float(item.entry.ppf(float(q))) for q in points[:, j]]
    return frame


def _runs_table(result: CalibrationResult, outputs: np.ndarray) -> pd.DataFrame:
    match = result.match
    rows = []
    specs = [*result.fit, *result.held_out]
    weights = match.posterior.weights
    index = 0
    for wave, runs in enumerate(match.runs):
        for point in range(runs.size):
            row: dict[str, object] = {"wave": wave, "point": point}
            for j, item in enumerate(result.inputs):
                q = float(runs.points[point, j])
                row[f"q:{item.name}"] = q
                row[item.name] = float(item.entry.ppf(q))
            for t, spec in enumerate(specs):
                row[f"mean:{spec.name}"] = float(outputs[index, :, t].mean())
                row[f"var:{spec.name}"] = float(outputs[index, :, t].var(ddof=1))
            row["kept"] = bool(match.kept[index])
            row["weight"] = float(weights[index])
            rows.append(row)
            index += 1
    return pd.DataFrame(rows)


def _waves_table(result: CalibrationResult) -> pd.DataFrame:
    match = result.match
    rows = []
    for wave, runs in enumerate(match.runs):
        for t, spec in enumerate(result.fit):
            rows.append(
                {
                    "wave": wave,
                    "runs": runs.size,
                    "replications": runs.replications,
                    "surviving_share": match.surviving_share[wave],
                    "target": spec.name,
                    "emulator_r2": float(match.emulator_r2[wave, t]),
                }
            )
    frame = pd.DataFrame(rows)
    frame.attrs["final_share"] = match.final_share
    return frame


def _targets_table(result: CalibrationResult, outputs: np.ndarray) -> pd.DataFrame:
    """Each fit and held-out target beside the posterior predictive interval: every replicate
    of the runs the draws came from (a realisation, as the published figure is one)."""
    source = result.match.posterior.source
    rows = []
    for t, spec in enumerate([*result.fit, *result.held_out]):
        predicted = outputs[source, :, t].ravel()
        low, high = np.quantile(predicted, PREDICTIVE)
        published_low = spec.low if spec.low is not None else spec.observed
        published_high = spec.high if spec.high is not None else spec.observed
        rows.append(
            {
                "target": spec.name,
                "use": spec.use,
                "metric": spec.metric,
                "arm": spec.arm,
                "observed": spec.observed,
                "published_low": published_low,
                "published_high": published_high,
                "obs_sd": spec.obs_sd,
                "discrepancy_sd": spec.discrepancy_sd,
                "predictive_mean": float(predicted.mean()),
                "predictive_p05": float(low),
                "predictive_p95": float(high),
                "met": bool(low <= published_high and published_low <= high),
            }
        )
    return pd.DataFrame(rows)


def calibration_record(result: CalibrationResult) -> dict:
    """The manifest's account: settings, seed, inputs, runs per wave, shares, the rules."""
    match = result.match
    return {
        **asdict(result.settings),
        "seed": calibration_seed(result.seed),
        "inputs": {
            item.name: item.entry.model_dump(exclude_defaults=True) for item in result.inputs
        },
        "runs_per_wave": list(match.runs_per_wave),
        "surviving_share": list(match.surviving_share),
        "final_share": match.final_share,
        "effective_sample_size": match.posterior.effective_sample_size,
        "stopping_rule": match.stopping_rule,
        "acceptance": f"maximum implausibility over the fit targets <= {match.cutoff:g} under "
        "every wave's emulators, then importance weights = the targets' likelihood",
    }


def write_calibration(out: Path, file: Path | None, result: CalibrationResult, record) -> Path:
    """Write the calibration's tables and manifest into ``<out>/<scenario>_calibration/``
    (whole, atomically); the finished waves' checkpoints then go."""
    manifest = record.manifest(
        result.scenario,
        file,
        result.seed,
        result.settings.replications,
        ["without", "with"] if result.scenario.switched_on() else ["without"],
        extra={"calibration": calibration_record(result)},
    )
    folder = write_tables(out, folder_name(result.scenario), result.tables, manifest)
    key = checkpoint_key(result.scenario, result.settings, result.seed)
    WaveCheckpoint(out, folder_name(result.scenario), key).discard()
    return folder
