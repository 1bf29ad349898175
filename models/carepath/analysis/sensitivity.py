"""Statistics of a probabilistic sensitivity analysis (PSA) of the simulation.

A PSA draws N samples of the uncertain inputs and simulates each sample with r replications.
Replication j uses the same random seed in every sample (common random numbers), so the
simulation noise of a replication has a part shared by all samples (a block effect) and a part
of its own. This module separates the spread of the outputs that the inputs cause from the
simulation noise, ranks the inputs (partial rank correlations, Morris elementary effects,
Sobol indices of a Gaussian-process emulator) and summarises how often a reform helps.

Samples are joined to their results by sample id (the DataFrame index), never by row order:
a reordered results table must not silently pair one sample's inputs with another's output.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from SALib.analyze import morris as morris_analysis  # type: ignore[import-untyped]
from SALib.analyze import sobol as sobol_analysis
from SALib.sample import morris as morris_sampling  # type: ignore[import-untyped]
from SALib.sample import sobol as sobol_sampling
from scipy import stats
from sklearn.exceptions import ConvergenceWarning  # type: ignore[import-untyped]
from sklearn.gaussian_process import GaussianProcessRegressor  # type: ignore[import-untyped]
from sklearn.gaussian_process.kernels import (  # type: ignore[import-untyped]
    RBF,
    ConstantKernel,
    WhiteKernel,
)
from sklearn.model_selection import KFold  # type: ignore[import-untyped]

PRCC_COLUMNS = ["input", "prcc", "ci_low", "ci_high", "samples"]
MORRIS_COLUMNS = ["input", "mu", "mu_star", "mu_star_conf", "sigma", "trajectories"]
SOBOL_COLUMNS = ["input", "S1", "S1_conf", "ST", "ST_conf", "emulator_r2"]
DIRECTIONS = ("lower", "higher", "neither")

_MORRIS_RESAMPLES = 1000
_EMULATOR_FOLDS = 5
# Cross-validation needs two samples in every fold.
EMULATOR_MIN_SAMPLES = 2 * _EMULATOR_FOLDS
_EMULATOR_RESTARTS = 3
# Residuals this small relative to the ranks' own spread mean the ranks are (numerically) fully
# explained by the other inputs: the partial correlation is undefined, not a noisy +-1.
_RESIDUAL_RELATIVE_TOLERANCE = 1e-9
# Morris points are rounded back onto the level grid only when within this distance, so a
# design that went through a text file still counts as the same design.
_GRID_TOLERANCE = 1e-6
_IDS_SHOWN = 10


# --- Input variance versus simulation noise ---------------------------------------------------


def variance_parts(values: np.ndarray) -> dict[str, float]:
    """Split the spread of one output over PSA samples into input variance and simulation noise.

    ``values`` holds one output, row i for sample i and column j for replication j, where
    replication j used the same seed in every sample. The variance of the sample means mixes the
    variance the uncertain inputs cause with the simulation noise left in each mean. The noise
    that matters for comparing samples is the sample-by-replication interaction: the part of a
    replication's noise it shares with every other sample shifts all sample means alike and so
    does not spread them. Hence ``var_input`` subtracts ``var_interaction / r``; the one-way
    ``var_input_unpaired`` subtracts the whole within-sample variance and is biased low by the
    shared part when replications share seeds. Estimates may come out negative by chance and are
    reported as computed.
    """
    table = np.asarray(values, dtype=float)
    _check_replication_table(table)
    samples, replications = table.shape
    sample_means = table.mean(axis=1)
    var_sample_means = float(np.var(sample_means, ddof=1))
    var_within = float(np.mean(np.var(table, axis=1, ddof=1)))
    var_interaction = _interaction_mean_square(table)
    var_input = var_sample_means - var_interaction / replications
    share_input = var_input / var_sample_means if var_sample_means > 0 else float("nan")
    return {
        "samples": float(samples),
        "replications": float(replications),
        "var_sample_means": var_sample_means,
        "var_within": var_within,
        "var_interaction": var_interaction,
        "var_input": var_input,
        "var_input_unpaired": var_sample_means - var_within / replications,
        "var_noise_of_mean": var_interaction / replications,
        "share_input": share_input,
    }


def _check_replication_table(table: np.ndarray) -> None:
    if table.ndim != 2:
        raise ValueError(f"expected a samples x replications table, got {table.ndim} dimensions")
    samples, replications = table.shape
    if samples < 2:
        raise ValueError(f"need at least 2 samples to estimate input variance, got {samples}")
    if replications < 2:
        raise ValueError(
            f"need at least 2 replications per sample to estimate noise, got {replications}"
        )
    if not np.isfinite(table).all():
        raise ValueError("the samples x replications table holds NaN or infinite values")


def _interaction_mean_square(table: np.ndarray) -> float:
    """Residual mean square of a two-way table without replication (samples x replications)."""
    samples, replications = table.shape
    residuals = (
        table - table.mean(axis=1, keepdims=True) - table.mean(axis=0, keepdims=True) + table.mean()
    )
    return float(np.sum(residuals**2) / ((samples - 1) * (replications - 1)))


# --- Joining samples to results by id -------------------------------------------------------


def _aligned(inputs: pd.DataFrame, output: pd.Series) -> tuple[pd.DataFrame, pd.Series]:
    """Inputs and output in one order of sample id, or ValueError naming ids that do not match.

    Sorting by id makes every result (bootstrap draws included) independent of row order.
    """
    for label, index in (("inputs", inputs.index), ("output", output.index)):
        if index.has_duplicates:
            repeated = index[index.duplicated()].unique().tolist()
            raise ValueError(f"{label} repeat sample ids {_some(repeated)}")
    missing = inputs.index.difference(output.index).tolist()
    extra = output.index.difference(inputs.index).tolist()
    if missing or extra:
        problems = []
        if missing:
            problems.append(f"sample ids with inputs but no output: {_some(missing)}")
        if extra:
            problems.append(f"sample ids with an output but no inputs: {_some(extra)}")
        raise ValueError("inputs and output do not cover the same samples; " + "; ".join(problems))
    ordered = inputs.sort_index()
    return ordered, output.loc[ordered.index]


def _some(ids: list) -> str:
    shown = ", ".join(str(i) for i in sorted(ids)[:_IDS_SHOWN])
    more = f" and {len(ids) - _IDS_SHOWN} more" if len(ids) > _IDS_SHOWN else ""
    return f"[{shown}]{more}"


def _finite_matrix(frame: pd.DataFrame | pd.Series, label: str) -> np.ndarray:
    matrix = frame.to_numpy(dtype=float)
    if not np.isfinite(matrix).all():
        raise ValueError(f"{label} hold NaN or infinite values")
    return matrix


# --- Partial rank correlation ---------------------------------------------------------------


def prcc(
    inputs: pd.DataFrame,
    output: pd.Series,
    n_boot: int = 1000,
    seed: int = 0,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Partial rank correlation of each uncertain input with the output, with bootstrap intervals.

    The PRCC measures how monotonically the output moves with one input once the other inputs'
    (rank) effects are removed. ``inputs`` has one column per input and ``output`` one value per
    sample, both indexed by sample id. The interval is a percentile bootstrap over samples,
    re-ranking each resample. An input or output that does not vary gets NaN.
    """
    if n_boot < 1:
        raise ValueError(f"n_boot must be at least 1, got {n_boot}")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must lie strictly between 0 and 1, got {confidence}")
    ordered_inputs, ordered_output = _aligned(inputs, output)
    samples, input_count = ordered_inputs.shape
    if samples <= input_count + 2:
        raise ValueError(
            f"PRCC of {input_count} inputs needs more than {input_count + 2} samples, got {samples}"
        )
    input_values = _finite_matrix(ordered_inputs, "inputs")
    output_values = _finite_matrix(ordered_output, "output")
    estimate = _prcc_all(input_values, output_values)
    rng = np.random.default_rng(seed)
    draws = np.empty((n_boot, input_count))
    for draw in range(n_boot):
        rows = rng.integers(samples, size=samples)
        draws[draw] = _prcc_all(input_values[rows], output_values[rows])
    ci_low, ci_high = _percentile_interval(draws, estimate, confidence)
    return pd.DataFrame(
        {
            "input": [str(name) for name in ordered_inputs.columns],
            "prcc": estimate,
            "ci_low": ci_low,
            "ci_high": ci_high,
            "samples": samples,
        },
        columns=PRCC_COLUMNS,
    )


def _prcc_all(input_values: np.ndarray, output_values: np.ndarray) -> np.ndarray:
    input_ranks = stats.rankdata(input_values, axis=0)
    output_ranks = stats.rankdata(output_values)
    return np.array(
        [
            _partial_rank_correlation(input_ranks, output_ranks, column)
            for column in range(input_ranks.shape[1])
        ]
    )


def _partial_rank_correlation(
    input_ranks: np.ndarray, output_ranks: np.ndarray, column: int
) -> float:
    """Correlation of the residuals of one input's and the output's ranks on the other inputs."""
    others = np.delete(input_ranks, column, axis=1)
    design = np.column_stack([np.ones(len(output_ranks)), others])
    targets = np.column_stack([input_ranks[:, column], output_ranks])
    coefficients, *_ = np.linalg.lstsq(design, targets, rcond=None)
    residuals = targets - design @ coefficients
    spread = np.linalg.norm(targets - targets.mean(axis=0), axis=0)
    residual_size = np.linalg.norm(residuals, axis=0)
    if np.any(residual_size <= _RESIDUAL_RELATIVE_TOLERANCE * np.maximum(spread, 1.0)):
        return float("nan")
    return float(residuals[:, 0] @ residuals[:, 1] / (residual_size[0] * residual_size[1]))


def _percentile_interval(
    draws: np.ndarray, estimate: np.ndarray, confidence: float
) -> tuple[np.ndarray, np.ndarray]:
    """Percentile interval per column, ignoring resamples where the PRCC was undefined."""
    tail = (1 - confidence) / 2
    low = np.full(draws.shape[1], np.nan)
    high = np.full(draws.shape[1], np.nan)
    for column in range(draws.shape[1]):
        defined = draws[:, column][np.isfinite(draws[:, column])]
        # An undefined estimate gets no interval even if some resamples happened to vary.
        if np.isfinite(estimate[column]) and defined.size:
            low[column], high[column] = np.quantile(defined, [tail, 1 - tail])
    return low, high


# --- Morris elementary effects ----------------------------------------------------------------


def morris_design(
    k: int,
    trajectories: int,
    levels: int = 4,
    seed: int = 0,
    quantile_bounds: tuple[float, float] = (0.01, 0.99),
) -> np.ndarray:
    """Morris screening design of ``k`` inputs as quantiles of their distributions.

    Returns ``trajectories * (k + 1)`` points, each moving one input per step along a grid of
    ``levels`` levels. The grid on [0, 1] is squeezed into ``quantile_bounds`` so no point asks
    for the 0 or 1 quantile, which is infinite for unbounded distributions.
    """
    if k < 1:
        raise ValueError(f"a Morris design needs at least 1 input, got {k}")
    if trajectories < 2:
        raise ValueError(f"need at least 2 trajectories to estimate sigma, got {trajectories}")
    _check_levels(levels)
    low, high = _check_quantile_bounds(quantile_bounds)
    unit_design = morris_sampling.sample(
        _unit_problem([f"x{i}" for i in range(k)]), trajectories, num_levels=levels, seed=seed
    )
    return low + (high - low) * np.asarray(unit_design, dtype=float)


def morris_indices(
    design: np.ndarray,
    outputs: np.ndarray,
    names: Sequence[str],
    levels: int = 4,
    seed: int = 0,
    quantile_bounds: tuple[float, float] = (0.01, 0.99),
) -> pd.DataFrame:
    """Morris screening measures of each input, per unit of the [0, 1] quantile design scale.

    ``design`` and ``levels``/``quantile_bounds`` must be those of :func:`morris_design`, and
    ``outputs`` hold one output per design point in design order. ``mu_star`` (mean absolute
    elementary effect) ranks influence, ``sigma`` flags nonlinearity or interactions and
    ``mu_star_conf`` is the half-width of the 95% bootstrap interval of ``mu_star``. Measuring the
    effects on the common [0, 1] scale makes them comparable across inputs of different units.
    """
    _check_levels(levels)
    low, high = _check_quantile_bounds(quantile_bounds)
    points = np.asarray(design, dtype=float)
    results = np.asarray(outputs, dtype=float).ravel()
    input_count = len(names)
    trajectories = _check_morris_shapes(points, results, input_count)
    unit_design = _onto_level_grid((points - low) / (high - low), levels)
    measures = morris_analysis.analyze(
        _unit_problem(list(names)),
        unit_design,
        results,
        num_resamples=_MORRIS_RESAMPLES,
        num_levels=levels,
        seed=seed,
    )
    return pd.DataFrame(
        {
            "input": [str(name) for name in names],
            "mu": np.asarray(measures["mu"], dtype=float),
            "mu_star": np.asarray(measures["mu_star"], dtype=float),
            "mu_star_conf": np.asarray(measures["mu_star_conf"], dtype=float),
            "sigma": np.asarray(measures["sigma"], dtype=float),
            "trajectories": trajectories,
        },
        columns=MORRIS_COLUMNS,
    )


def _check_morris_shapes(points: np.ndarray, results: np.ndarray, input_count: int) -> int:
    """Number of trajectories in a design of ``input_count`` inputs, after checking its shape."""
    if points.ndim != 2 or points.shape[1] != input_count:
        raise ValueError(f"design must have one column per input ({input_count}): {points.shape}")
    if points.shape[0] % (input_count + 1):
        raise ValueError(
            f"a Morris design of {input_count} inputs has a multiple of {input_count + 1} rows, "
            f"got {points.shape[0]}"
        )
    if results.size != points.shape[0]:
        raise ValueError(f"{results.size} outputs for {points.shape[0]} design points")
    if not (np.isfinite(points).all() and np.isfinite(results).all()):
        raise ValueError("Morris design or outputs hold NaN or infinite values")
    return points.shape[0] // (input_count + 1)


def _onto_level_grid(unit_design: np.ndarray, levels: int) -> np.ndarray:
    """Snap design points back onto the Morris grid, so every step is exactly one grid jump.

    Points more than a rounding error off the grid mean the design was not made with these
    levels and bounds, and the elementary effects would be divided by the wrong step.
    """
    grid_steps = unit_design * (levels - 1)
    snapped = np.round(grid_steps)
    if np.max(np.abs(grid_steps - snapped)) > _GRID_TOLERANCE * (levels - 1):
        raise ValueError(
            f"design points are off the {levels}-level Morris grid: "
            "were the same levels and quantile bounds used to make the design?"
        )
    return snapped / (levels - 1)


def _check_levels(levels: int) -> None:
    # Morris trajectories jump by levels / (2 (levels - 1)), a grid step only for even levels.
    if levels < 2 or levels % 2:
        raise ValueError(f"Morris levels must be an even number of at least 2, got {levels}")


def _check_quantile_bounds(bounds: tuple[float, float]) -> tuple[float, float]:
    low, high = (float(bound) for bound in bounds)
    if not 0 < low < high < 1:
        raise ValueError(f"quantile bounds must satisfy 0 < low < high < 1, got {bounds}")
    return low, high


def _unit_problem(names: list[str]) -> dict:
    return {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}


# --- Sobol indices of a Gaussian-process emulator --------------------------------------------


def sobol_on_emulator(
    quantiles: pd.DataFrame,
    output: pd.Series,
    seed: int = 0,
    base_samples: int = 1024,
) -> tuple[pd.DataFrame, float]:
    """First-order and total Sobol indices of the inputs, computed on an emulator of the output.

    Sobol indices need far more model runs than a PSA affords, so a Gaussian-process emulator of
    the output as a function of the input quantiles (in [0, 1], indexed by sample id) stands in
    for the simulation. The emulator's out-of-sample R^2 (5-fold cross-validation) says how far
    its indices can be trusted: they describe the emulator, and only as much of the simulation
    as it reproduces. Its white-noise term absorbs simulation noise, so the indices apportion
    the input-driven variance. A constant output gives NaN indices and NaN R^2.
    """
    if base_samples < 2:
        raise ValueError(f"base_samples must be at least 2, got {base_samples}")
    ordered_quantiles, ordered_output = _aligned(quantiles, output)
    points = _finite_matrix(ordered_quantiles, "quantiles")
    targets = _finite_matrix(ordered_output, "output")
    if points.size and (points.min() < 0 or points.max() > 1):
        raise ValueError("input quantiles must lie in [0, 1]")
    if len(targets) < EMULATOR_MIN_SAMPLES:
        raise ValueError(
            f"emulator cross-validation needs at least {EMULATOR_MIN_SAMPLES} samples, "
            f"got {len(targets)}"
        )
    names = [str(name) for name in ordered_quantiles.columns]
    if np.ptp(targets) == 0:
        undefined = np.full(len(names), np.nan)
        no_indices = {column: undefined for column in ("S1", "S1_conf", "ST", "ST_conf")}
        return _sobol_table(names, no_indices, float("nan")), float("nan")
    r2 = _cross_validated_r2(points, targets, seed)
    emulator = _fitted_emulator(points, targets, seed)
    problem = _unit_problem(names)
    probe = sobol_sampling.sample(problem, base_samples, calc_second_order=False, seed=seed)
    predicted = np.asarray(emulator.predict(probe), dtype=float)
    if np.ptp(predicted) == 0:  # the emulator found nothing but noise: no variance to split
        undefined = np.full(len(names), np.nan)
        no_indices = {column: undefined for column in ("S1", "S1_conf", "ST", "ST_conf")}
        return _sobol_table(names, no_indices, r2), r2
    # SALib treats seed 0 as "no seed" and then draws from numpy's global generator; handing
    # it a Generator keeps the bootstrap of the intervals seeded, seed 0 included.
    indices = sobol_analysis.analyze(
        problem, predicted, calc_second_order=False, seed=np.random.default_rng(seed)
    )
    return _sobol_table(names, indices, r2), r2


def _sobol_table(names: list[str], indices: Mapping[str, Any], r2: float) -> pd.DataFrame:
    table = pd.DataFrame({"input": names}, columns=SOBOL_COLUMNS)
    for column in ("S1", "S1_conf", "ST", "ST_conf"):
        table[column] = np.asarray(indices[column], dtype=float)
    table["emulator_r2"] = r2
    return table


def _emulator(input_count: int, seed: int) -> GaussianProcessRegressor:
    # One length scale per input: an input the output ignores gets a long one.
    kernel = ConstantKernel(1.0) * RBF(length_scale=np.ones(input_count)) + WhiteKernel()
    return GaussianProcessRegressor(
        kernel=kernel,
        normalize_y=True,
        n_restarts_optimizer=_EMULATOR_RESTARTS,
        random_state=seed,
    )


def _fitted_emulator(
    points: np.ndarray, targets: np.ndarray, seed: int
) -> GaussianProcessRegressor:
    emulator = _emulator(points.shape[1], seed)
    # Hyperparameters at a bound (e.g. no noise to absorb) are expected, not a fault to report.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        emulator.fit(points, targets)
    return emulator


def _cross_validated_r2(points: np.ndarray, targets: np.ndarray, seed: int) -> float:
    """R^2 of out-of-fold predictions pooled over all folds (stable even with small folds)."""
    predictions = np.empty_like(targets)
    folds = KFold(n_splits=_EMULATOR_FOLDS, shuffle=True, random_state=seed)
    for train, held_out in folds.split(points):
        emulator = _fitted_emulator(points[train], targets[train], seed)
        predictions[held_out] = emulator.predict(points[held_out])
    residual_sum = float(np.sum((targets - predictions) ** 2))
    total_sum = float(np.sum((targets - targets.mean()) ** 2))
    return 1 - residual_sum / total_sum


# --- How often a reform helps -----------------------------------------------------------------


def probability_better(differences: np.ndarray, better: str) -> float:
    """Share of PSA samples in which the reform improves the metric.

    Each difference is ``without - with``. When lower values are better a positive difference
    is a gain; when higher values are better a negative one is. A metric with no better direction
    gives NaN. Ties count as no gain.
    """
    if better not in DIRECTIONS:
        raise ValueError(f"better must be one of {DIRECTIONS}, got {better!r}")
    values = _finite_values(differences)
    if better == "neither":
        return float("nan")
    gains = values > 0 if better == "lower" else values < 0
    return float(np.mean(gains))


def probability_above_zero(values: np.ndarray) -> float:
    """Share of PSA samples whose value is strictly above zero."""
    return float(np.mean(_finite_values(values) > 0))


def _finite_values(values: np.ndarray) -> np.ndarray:
    array = np.asarray(values, dtype=float).ravel()
    if array.size == 0:
        raise ValueError("no values to take a share of")
    if not np.isfinite(array).all():
        raise ValueError("values hold NaN or infinite entries")
    return array
