"""Calibration of a stochastic simulation by history matching, then importance resampling.

Every uncertain input is a coordinate in [0, 1]: its quantile under its prior (the caller maps
quantiles to values through each input's scipy distribution), so the prior is uniform on the
unit cube. Calibration runs in waves. Each wave simulates a space-filling design, every design
point replicated k times with common random numbers, and fits Gaussian-process emulators of
each target's mean and of its (log) replicate variance. An input point is implausible when some
target's published value lies too many standard deviations from the emulated mean; the next
wave is designed inside what is not implausible. Finally the runs inside the surviving region
are weighted by the likelihood of the published values and resampled into a posterior sample.

This module is pure numerics: it never runs the carepath model and never touches files. The
caller's ``simulate(points, wave)`` runs the model, and the caller checkpoints whole waves.

References: Andrianakis et al. (2015) and the R package hmer (history matching of stochastic
models, implausibility with the replicate variance of one realisation); Vernon et al. (2010)
(the cutoff of 3 from Pukelsheim's three-sigma rule).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import special
from scipy.stats import qmc
from sklearn.exceptions import ConvergenceWarning  # type: ignore[import-untyped]
from sklearn.gaussian_process import GaussianProcessRegressor  # type: ignore[import-untyped]
from sklearn.gaussian_process.kernels import (  # type: ignore[import-untyped]
    RBF,
    ConstantKernel,
    WhiteKernel,
)
from sklearn.model_selection import KFold  # type: ignore[import-untyped]

DEFAULT_CUTOFF = 3.0
DEFAULT_CANDIDATES = 20
# Runs whose design points came back from a checkpoint file may differ by rounding, no more.
RESUME_TOLERANCE = 1e-9

_EMULATOR_RESTARTS = 2
_CV_FOLDS = 5
# Length scales in quantile units: below 1/100 of the prior range a GP only interpolates noise;
# above 1000 the input is flat.
_LENGTH_SCALE_BOUNDS = (1e-2, 1e3)
_SIGNAL_BOUNDS = (1e-3, 1e3)
# Noise in units of the (standardised) output: up to ten times the spread, for a log variance
# that is mostly sampling noise when k is small.
_NOISE_BOUNDS = (1e-8, 10.0)
# A target with zero replicate variance at some points (e.g. a count that stayed 0) would give
# log 0; those points get this share of the target's median positive variance instead.
_VARIANCE_FLOOR_SHARE = 1e-3
# A wave's candidates are drawn in up to this many rounds of n * candidates points: a region
# smaller than 1 / (candidates * rounds) of the prior is treated as empty.
_CANDIDATE_ROUNDS = 10
# Of this many seeded random subsets of the surviving candidates, the most spread out is used.
_SUBSET_TRIES = 16
# Seed-sequence tags keep the streams of design, emulators and resampling apart.
_EMULATOR_TAG = 1
_RESAMPLE_TAG = 2


# --- Targets and runs -------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """A published value the model should reproduce, with its uncertainty.

    ``obs_sd`` is the observation uncertainty of the published value (from its confidence
    interval, or a stated range with a reason); ``discrepancy_sd`` the allowance for what the
    model leaves out, stated rather than estimated from the runs.
    """

    name: str
    observed: float
    obs_sd: float
    discrepancy_sd: float = 0.0

    def __post_init__(self) -> None:
        if not np.isfinite(self.observed):
            raise ValueError(f"target {self.name!r}: the observed value must be finite")
        if not (np.isfinite(self.obs_sd) and self.obs_sd >= 0):
            raise ValueError(f"target {self.name!r}: obs_sd must be finite and >= 0")
        if not (np.isfinite(self.discrepancy_sd) and self.discrepancy_sd >= 0):
            raise ValueError(f"target {self.name!r}: discrepancy_sd must be finite and >= 0")

    @property
    def fixed_variance(self) -> float:
        """Observation plus discrepancy variance: the part that does not depend on the input."""
        return self.obs_sd**2 + self.discrepancy_sd**2


@dataclass(frozen=True)
class Runs:
    """Model runs of one wave.

    ``points`` (n x d) are the design points as quantiles in [0, 1]. Per point and target,
    ``means`` holds the mean over the k replications, which share common random numbers, and
    ``variances`` the replicate variance of one replication (ddof=1 over the k replications).
    Rows are in the order of the design points: row i belongs to points[i].
    """

    points: np.ndarray
    means: np.ndarray
    variances: np.ndarray
    replications: int

    def __post_init__(self) -> None:
        points = np.asarray(self.points, dtype=float)
        means = np.asarray(self.means, dtype=float)
        variances = np.asarray(self.variances, dtype=float)
        # Frozen: the normalised arrays are stored once here, never reassigned afterwards.
        object.__setattr__(self, "points", points)
        object.__setattr__(self, "means", means)
        object.__setattr__(self, "variances", variances)
        if points.ndim != 2 or means.ndim != 2 or variances.ndim != 2:
            raise ValueError("points, means and variances must be 2-dimensional tables")
        if not (points.shape[0] == means.shape[0] == variances.shape[0]):
            raise ValueError(
                f"{points.shape[0]} points but {means.shape[0]} rows of means and "
                f"{variances.shape[0]} rows of variances"
            )
        if means.shape != variances.shape:
            raise ValueError(f"means {means.shape} and variances {variances.shape} differ")
        if int(self.replications) != self.replications or self.replications < 2:
            raise ValueError(
                f"need at least 2 replications per point to know the replicate variance, "
                f"got {self.replications}"
            )
        if not (np.isfinite(points).all() and np.isfinite(means).all()):
            raise ValueError("points or means hold NaN or infinite values")
        if not np.isfinite(variances).all() or (variances < 0).any():
            raise ValueError("variances must be finite and non-negative")
        if points.size and (points.min() < 0 or points.max() > 1):
            raise ValueError("points are quantiles and must lie in [0, 1]")

    @property
    def size(self) -> int:
        return int(self.points.shape[0])

    @property
    def dimension(self) -> int:
        return int(self.points.shape[1])

    @property
    def target_count(self) -> int:
        return int(self.means.shape[1])


def pooled(runs: Sequence[Runs]) -> Runs:
    """The runs of several waves as one table, wave 0's rows first."""
    if not runs:
        raise ValueError("no runs to pool")
    replications = {wave.replications for wave in runs}
    if len(replications) > 1:
        raise ValueError(f"waves were run with different replication counts {replications}")
    return Runs(
        points=np.vstack([wave.points for wave in runs]),
        means=np.vstack([wave.means for wave in runs]),
        variances=np.vstack([wave.variances for wave in runs]),
        replications=runs[0].replications,
    )


# --- Emulators --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Gp:
    """One fitted GP of a standardised output, with what is needed to undo the standardising."""

    model: GaussianProcessRegressor
    centre: float
    scale: float

    @property
    def noise(self) -> float:
        """The fitted white-noise variance, in standardised units."""
        return float(self.model.kernel_.k2.noise_level)

    def predict(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Mean and variance of the smooth function, without the white noise.

        The white-noise term stands for the noise in the fitted values (a mean of k noisy
        replications), not for uncertainty about the function, so it is left out of the
        variance: the replicate variance enters the implausibility on its own.
        """
        mean, sd = self.model.predict(points, return_std=True)
        latent = np.clip(sd**2 - self.noise, 0.0, None)
        return self.centre + self.scale * mean, latent * self.scale**2


def _fit_gp(points: np.ndarray, values: np.ndarray, seed: int) -> _Gp:
    centre = float(np.mean(values))
    spread = float(np.std(values))
    # A constant output has nothing to standardise: keep its units.
    scale = spread if spread > 0 else 1.0
    model = GaussianProcessRegressor(
        kernel=_kernel(points.shape[1]),
        normalize_y=False,
        n_restarts_optimizer=_EMULATOR_RESTARTS,
        random_state=seed,
    )
    # Hyperparameters at a bound (a flat input, no noise to absorb) are expected, not a fault.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(points, (values - centre) / scale)
    return _Gp(model=model, centre=centre, scale=scale)


def _kernel(dimension: int) -> object:
    # One length scale per input: an input the target ignores gets a long one.
    return ConstantKernel(1.0, _SIGNAL_BOUNDS) * RBF(
        length_scale=np.full(dimension, 0.5), length_scale_bounds=_LENGTH_SCALE_BOUNDS
    ) + WhiteKernel(1e-2, _NOISE_BOUNDS)


def _log_variance_bias(replications: int) -> float:
    """E[log s^2] - log sigma^2 for the sample variance of k normal replications (negative).

    log s^2 = log sigma^2 + log(chi^2_{k-1} / (k-1)); the log of a chi-square is biased low, by
    more the fewer the replications, so the emulated log variance is shifted back up by it.
    """
    half = (replications - 1) / 2
    return float(special.digamma(half) - np.log(half))


class Emulators:
    """Per target: a GP of the mean and a GP of the log replicate variance, fitted to a wave's runs.

    The mean GP has a white-noise term that absorbs the noise left in the means of k
    replications; the emulator variance it reports is that of the smooth mean alone. The
    variance GP is fitted to log replicate variances, corrected for the bias of a log sample
    variance, and predicts exp of its mean (the median replicate variance).
    """

    def __init__(
        self,
        runs: Runs,
        means: Sequence[_Gp],
        log_variances: Sequence[_Gp | None],
        seed: int,
    ) -> None:
        self.runs = runs
        self._means = tuple(means)
        # None: the target never varied between replications anywhere in this wave.
        self._log_variances = tuple(log_variances)
        self._seed = seed

    @classmethod
    def fit(cls, runs: Runs, seed: int) -> Emulators:
        """Emulators of every target of a wave's runs; deterministic for a given seed."""
        if runs.size < _CV_FOLDS:
            raise ValueError(f"emulators need at least {_CV_FOLDS} runs, got {runs.size}")
        bias = _log_variance_bias(runs.replications)
        means = []
        log_variances: list[_Gp | None] = []
        for target in range(runs.target_count):
            means.append(_fit_gp(runs.points, runs.means[:, target], seed))
            variances = runs.variances[:, target]
            positive = variances[variances > 0]
            if positive.size == 0:
                log_variances.append(None)
                continue
            floor = _VARIANCE_FLOOR_SHARE * float(np.median(positive))
            log_values = np.log(np.maximum(variances, floor)) - bias
            log_variances.append(_fit_gp(runs.points, log_values, seed))
        return cls(runs, means, log_variances, seed)

    @property
    def target_count(self) -> int:
        return len(self._means)

    def predict(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(emulated mean, emulator variance, emulated replicate variance), each (m, T)."""
        probe = _as_points(points, self.runs.dimension)
        shape = (probe.shape[0], self.target_count)
        mean, emulator_variance, replicate_variance = (np.zeros(shape) for _ in range(3))
        for target, (mean_gp, variance_gp) in enumerate(
            zip(self._means, self._log_variances, strict=True)
        ):
            mean[:, target], emulator_variance[:, target] = mean_gp.predict(probe)
            if variance_gp is not None:
                replicate_variance[:, target] = np.exp(variance_gp.predict(probe)[0])
        return mean, emulator_variance, replicate_variance

    def cross_validated_r2(self) -> np.ndarray:
        """(T,): out-of-fold R^2 of each target's mean emulator over the fitted runs, for reports.

        5-fold, with the hyperparameters of the full fit held fixed (as leave-out diagnostics
        usually do): it measures how well the emulator predicts runs it has not seen, at the cost
        of one matrix factorisation per fold. Out-of-fold predictions are pooled over the folds.
        A target whose means never vary gets NaN.
        """
        folds = KFold(n_splits=_CV_FOLDS, shuffle=True, random_state=self._seed)
        r2 = np.full(self.target_count, np.nan)
        for target, gp in enumerate(self._means):
            observed = self.runs.means[:, target]
            predicted = np.empty_like(observed)
            for train, held_out in folds.split(self.runs.points):
                fixed = GaussianProcessRegressor(kernel=gp.model.kernel_, optimizer=None)
                fixed.fit(self.runs.points[train], (observed[train] - gp.centre) / gp.scale)
                predicted[held_out] = gp.centre + gp.scale * fixed.predict(
                    self.runs.points[held_out]
                )
            total = float(np.sum((observed - observed.mean()) ** 2))
            if total > 0:
                r2[target] = 1 - float(np.sum((observed - predicted) ** 2)) / total
        return r2


def _as_points(points: np.ndarray, dimension: int) -> np.ndarray:
    probe = np.asarray(points, dtype=float)
    if probe.ndim != 2 or probe.shape[1] != dimension:
        raise ValueError(f"points must be an (m, {dimension}) table, got shape {probe.shape}")
    return probe


# --- Implausibility ---------------------------------------------------------------------------


def implausibility(
    emulators: Emulators, targets: Sequence[Target], points: np.ndarray
) -> np.ndarray:
    """(m, T): how many standard deviations each published value lies from the emulated mean.

    I_t(x) = |z_t - E[f_t(x)]| / sqrt(obs_sd^2 + discrepancy_sd^2 + emulator var + replicate var).

    The replicate variance enters as that of ONE replication, not divided by k: the published
    value is one realisation of the real world, so even a perfectly known model mean would miss
    it by the model's own run-to-run spread (as in hmer).
    """
    _check_targets(targets, emulators.target_count)
    mean, emulator_variance, replicate_variance = emulators.predict(points)
    observed = np.array([target.observed for target in targets])
    fixed = np.array([target.fixed_variance for target in targets])
    total = fixed + emulator_variance + replicate_variance
    distance = np.abs(observed - mean)
    with np.errstate(divide="ignore", invalid="ignore"):
        # No uncertainty at all: only an exact hit is plausible.
        return np.where(total > 0, distance / np.sqrt(total), np.where(distance > 0, np.inf, 0.0))


def non_implausible(
    waves: Sequence[Emulators],
    targets: Sequence[Target],
    points: np.ndarray,
    cutoff: float = DEFAULT_CUTOFF,
) -> np.ndarray:
    """bool (m,): the largest implausibility over targets is <= cutoff under EVERY wave's emulators.

    With no emulators yet, every point is non-implausible.
    """
    probe = np.asarray(points, dtype=float)
    keep = np.ones(probe.shape[0], dtype=bool)
    for emulators in waves:
        if not keep.any():
            break
        # Only points still in play are emulated: later waves judge what earlier ones kept.
        keep[keep] = implausibility(emulators, targets, probe[keep]).max(axis=1) <= cutoff
    return keep


def _check_targets(targets: Sequence[Target], count: int) -> None:
    if len(targets) != count:
        raise ValueError(f"{len(targets)} targets for runs of {count} targets")


# --- Design of a wave -------------------------------------------------------------------------


def design(
    wave: int,
    n: int,
    d: int,
    seed: int,
    waves: Sequence[Emulators],
    targets: Sequence[Target],
    cutoff: float = DEFAULT_CUTOFF,
    candidates: int = DEFAULT_CANDIDATES,
) -> tuple[np.ndarray, float]:
    """The wave's n design points and the estimated share of the prior still non-implausible.

    Wave 0 is a scrambled Latin hypercube of n points (share 1). A later wave draws Latin
    hypercubes of n * candidates candidates (more rounds while fewer than n survive, up to
    _CANDIDATE_ROUNDS), keeps those non-implausible under every emulator in ``waves`` (those of
    waves 0..wave-1), estimates the surviving share as kept / drawn and picks n of the kept.
    The pick is the most spread out (largest smallest distance) of a few seeded random subsets
    rather than a greedy maximin subset: greedy maximin crowds the region's edges, while
    importance resampling needs the design uniform inside the region.
    Streams are seeded from (seed, wave) through numpy's SeedSequence.
    """
    if n < 1 or d < 1:
        raise ValueError(f"a design needs n >= 1 points of d >= 1 inputs, got n={n}, d={d}")
    if len(waves) != wave:
        raise ValueError(
            f"the design of wave {wave} needs the emulators of the {wave} earlier waves, "
            f"got {len(waves)}"
        )
    rng = np.random.default_rng(np.random.SeedSequence([seed, wave]))
    if wave == 0:
        return qmc.LatinHypercube(d=d, scramble=True, seed=rng).random(n), 1.0
    if candidates < 1:
        raise ValueError(f"candidates must be at least 1, got {candidates}")
    kept, drawn = _surviving_candidates(rng, n, d, waves, targets, cutoff, candidates)
    if kept.shape[0] < n:
        raise ValueError(_empty_region_message(wave, kept.shape[0], drawn, n, cutoff))
    return _spread_subset(kept, n, rng), kept.shape[0] / drawn


def _surviving_candidates(
    rng: np.random.Generator,
    n: int,
    d: int,
    waves: Sequence[Emulators],
    targets: Sequence[Target],
    cutoff: float,
    candidates: int,
) -> tuple[np.ndarray, int]:
    """Non-implausible candidates from rounds of n * candidates Latin-hypercube points, and how
    many were drawn. Rounds continue (up to _CANDIDATE_ROUNDS) until n survive, so a small but
    real region is still designed in; each round is uniform on the cube, so the kept points are
    uniform in the region and kept / drawn estimates its share of the prior."""
    kept: list[np.ndarray] = []
    drawn = 0
    for _ in range(_CANDIDATE_ROUNDS):
        pool = qmc.LatinHypercube(d=d, scramble=True, seed=rng).random(n * candidates)
        kept.append(pool[non_implausible(waves, targets, pool, cutoff)])
        drawn += pool.shape[0]
        if sum(batch.shape[0] for batch in kept) >= n:
            break
    return np.vstack(kept), drawn


def _empty_region_message(wave: int, kept: int, drawn: int, n: int, cutoff: float) -> str:
    what = (
        "the non-implausible region is empty"
        if kept == 0
        else "the non-implausible region is too small to design in"
    )
    return (
        f"wave {wave}: only {kept} of {drawn} candidate points are non-implausible "
        f"(cutoff {cutoff:g}) under the earlier waves' emulators, fewer than the {n} design "
        f"points needed: {what}. The targets may be incompatible with each other or with the "
        "model, or their obs_sd and discrepancy_sd too small; otherwise raise `candidates`."
    )


def _spread_subset(points: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """n of the points: of several uniformly random subsets, the one whose closest pair is
    farthest apart (each subset is uniform inside the region; picking among few keeps it so)."""
    if points.shape[0] == n:
        return points
    best: np.ndarray | None = None
    best_gap = -1.0
    for _ in range(_SUBSET_TRIES):
        # Sorted rows keep the subset in the candidates' order, whatever the draw's order.
        rows = np.sort(rng.choice(points.shape[0], size=n, replace=False))
        gap = _closest_pair(points[rows])
        if gap > best_gap:
            best, best_gap = rows, gap
    assert best is not None
    return points[best]


def _closest_pair(points: np.ndarray) -> float:
    if points.shape[0] < 2:
        return 0.0
    squared = np.sum((points[:, None, :] - points[None, :, :]) ** 2, axis=-1)
    np.fill_diagonal(squared, np.inf)
    return float(np.sqrt(squared.min()))


# --- Posterior by importance resampling -------------------------------------------------------


@dataclass(frozen=True)
class Posterior:
    """A posterior sample of input quantiles, resampled from model runs.

    ``weights`` has one entry per run considered (zero for runs outside the surviving region)
    and ``source`` gives, per draw, the row of the run it was resampled from.
    """

    points: np.ndarray
    source: np.ndarray
    weights: np.ndarray
    effective_sample_size: float


def importance_resample(
    runs: Runs, targets: Sequence[Target], keep: np.ndarray, draws: int, seed: int
) -> Posterior:
    """Posterior draws among the runs kept, weighted by the likelihood of the published values.

    Weight of run x: prod_t Normal(z_t; mean_t(x), obs_sd^2 + discrepancy_sd^2
    + variance_t(x) + variance_t(x) / k). The published value is one realisation of the world
    (the replicate variance of one replication, as in the implausibility) and the run's mean of
    k replications estimates the model mean with error variance / k. The prior is uniform in
    quantile space and the design uniform inside the surviving region, so the importance weight
    is the likelihood alone. ``draws`` runs are resampled with replacement (seeded).
    """
    _check_targets(targets, runs.target_count)
    mask = np.asarray(keep, dtype=bool)
    if mask.shape != (runs.size,):
        raise ValueError(f"keep must hold one flag per run ({runs.size}), got shape {mask.shape}")
    if not mask.any():
        raise ValueError(
            f"no run is kept: none of the {runs.size} runs lies in the non-implausible region, "
            "so there is nothing to resample the posterior from"
        )
    if draws < 1:
        raise ValueError(f"draws must be at least 1, got {draws}")
    log_likelihood = _log_likelihood(runs, targets)[mask]
    # Relative to the best run so the exponentials neither overflow nor all underflow.
    relative = np.exp(log_likelihood - log_likelihood.max())
    weights = np.zeros(runs.size)
    weights[mask] = relative / relative.sum()
    rng = np.random.default_rng(seed)
    source = rng.choice(runs.size, size=draws, replace=True, p=weights)
    return Posterior(
        points=runs.points[source],
        source=source,
        weights=weights,
        effective_sample_size=float(1 / np.sum(weights**2)),
    )


def _log_likelihood(runs: Runs, targets: Sequence[Target]) -> np.ndarray:
    observed = np.array([target.observed for target in targets])
    fixed = np.array([target.fixed_variance for target in targets])
    variance = fixed + runs.variances * (1 + 1 / runs.replications)
    if (variance <= 0).any():
        raise ValueError(
            "a target has zero observation, discrepancy and replicate variance: its likelihood "
            "is degenerate; state an obs_sd"
        )
    terms = -0.5 * ((observed - runs.means) ** 2 / variance + np.log(2 * np.pi * variance))
    return terms.sum(axis=1)


# --- The waves --------------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryMatch:
    """What a calibration did and found, for the report.

    ``surviving_share[w]`` is the estimated share of the prior that wave w was designed in (1 for
    wave 0); ``final_share`` that non-implausible under every wave's emulators, the region the
    posterior is resampled from. ``emulator_r2[w, t]`` is the cross-validated R^2 of wave w's
    emulator of target t. ``kept`` flags the runs of all waves (wave 0's first) that entered
    the importance resampling; ``posterior.source`` indexes the same pooled runs.
    """

    runs: tuple[Runs, ...]
    emulators: tuple[Emulators, ...]
    surviving_share: tuple[float, ...]
    final_share: float
    emulator_r2: np.ndarray
    kept: np.ndarray
    posterior: Posterior
    cutoff: float
    stopping_rule: str
    targets: tuple[Target, ...]

    @property
    def runs_per_wave(self) -> tuple[int, ...]:
        return tuple(wave.size for wave in self.runs)


def history_match(
    simulate: Callable[[np.ndarray, int], Runs],
    d: int,
    targets: Sequence[Target],
    *,
    waves: int = 2,
    points_per_wave: int,
    seed: int,
    cutoff: float = DEFAULT_CUTOFF,
    draws: int = 1000,
    done: Sequence[Runs] = (),
    on_wave: Callable[[int, Runs], None] | None = None,
    candidates: int = DEFAULT_CANDIDATES,
    early_stop_ratio: float | None = None,
) -> HistoryMatch:
    """Waves of design -> simulate(points, wave) -> emulators, then importance resampling.

    ``done`` holds waves already run (resuming): their design points are derived again and must
    match (to RESUME_TOLERANCE), and they are not simulated again. ``on_wave(wave, runs)`` is
    called as soon as a newly simulated wave's runs exist, before its emulators are fitted: the
    caller checkpoints there, at wave boundaries only (never for the waves in ``done``).

    Stopping rule: ``waves`` waves (fixed), or with ``early_stop_ratio`` r, stop before wave w
    when its surviving share is above r times wave w-1's (the last emulators barely cut the
    region, so another wave would mostly repeat the last).

    The posterior resamples the runs of ALL waves that are non-implausible under EVERY wave's
    emulators, the last wave's included (fitted before resampling). That final region lies
    inside every wave's design region, and each wave's design is uniform in its own region, so
    the pooled runs are uniform inside it and the likelihood is the right importance weight.
    """
    if waves < 1:
        raise ValueError(f"need at least 1 wave, got {waves}")
    if len(done) > waves:
        raise ValueError(f"{len(done)} waves already done, more than the {waves} asked for")
    if early_stop_ratio is not None and not 0 < early_stop_ratio <= 1:
        raise ValueError(f"early_stop_ratio must lie in (0, 1], got {early_stop_ratio}")
    targets = tuple(targets)
    all_runs: list[Runs] = []
    emulators: list[Emulators] = []
    shares: list[float] = []
    final_share: float | None = None
    for wave in range(waves):
        points, share = design(
            wave, points_per_wave, d, seed, emulators, targets, cutoff, candidates
        )
        if early_stop_ratio is not None and shares and share > early_stop_ratio * shares[-1]:
            final_share = share
            break
        runs = _wave_runs(simulate, wave, points, done, on_wave, len(targets))
        all_runs.append(runs)
        shares.append(share)
        emulators.append(Emulators.fit(runs, _child_seed(seed, wave, _EMULATOR_TAG)))
    if len(done) > len(all_runs):
        raise ValueError(
            f"{len(done)} waves already done but the stopping rule ends after {len(all_runs)}"
        )
    if final_share is None:
        final_share = _share_left(
            len(all_runs), points_per_wave, d, seed, emulators, targets, cutoff, candidates
        )
    everything = pooled(all_runs)
    kept = non_implausible(emulators, targets, everything.points, cutoff)
    posterior = importance_resample(
        everything, targets, kept, draws, _child_seed(seed, len(all_runs), _RESAMPLE_TAG)
    )
    return HistoryMatch(
        runs=tuple(all_runs),
        emulators=tuple(emulators),
        surviving_share=tuple(shares),
        final_share=final_share,
        emulator_r2=np.vstack([wave.cross_validated_r2() for wave in emulators]),
        kept=kept,
        posterior=posterior,
        cutoff=cutoff,
        stopping_rule=_stopping_rule(waves, early_stop_ratio, len(all_runs)),
        targets=targets,
    )


def _wave_runs(
    simulate: Callable[[np.ndarray, int], Runs],
    wave: int,
    points: np.ndarray,
    done: Sequence[Runs],
    on_wave: Callable[[int, Runs], None] | None,
    target_count: int,
) -> Runs:
    """The wave's runs: from ``done`` when resuming (checked against the design), else simulated."""
    if wave < len(done):
        saved = done[wave]
        if saved.points.shape != points.shape:
            raise ValueError(
                f"wave {wave} already done has points of shape {saved.points.shape}, but its "
                f"design has {points.shape}: was it run with other settings?"
            )
        gap = float(np.max(np.abs(saved.points - points)))
        if gap > RESUME_TOLERANCE:
            raise ValueError(
                f"wave {wave} already done does not match its design (largest difference "
                f"{gap:.3g}): was it run with another seed, cutoff, targets or design size?"
            )
        # The derived points, so a resumed calibration is bit for bit the uninterrupted one.
        runs = Runs(points, saved.means, saved.variances, saved.replications)
    else:
        runs = simulate(points, wave)
        if runs.points.shape != points.shape or not np.array_equal(runs.points, points):
            raise ValueError(
                f"simulate returned runs of wave {wave} for other points or in another order "
                "than the design: rows must follow the design points"
            )
        if on_wave is not None:
            on_wave(wave, runs)
    if runs.target_count != target_count:
        raise ValueError(f"wave {wave} runs have {runs.target_count} targets, not {target_count}")
    return runs


def _share_left(
    wave: int,
    n: int,
    d: int,
    seed: int,
    emulators: Sequence[Emulators],
    targets: Sequence[Target],
    cutoff: float,
    candidates: int,
) -> float:
    """Share of the prior non-implausible under all emulators, from the next wave's candidates."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, wave]))
    kept, drawn = _surviving_candidates(rng, n, d, emulators, targets, cutoff, candidates)
    return kept.shape[0] / drawn


def _stopping_rule(waves: int, early_stop_ratio: float | None, run: int) -> str:
    if early_stop_ratio is None:
        return f"fixed number of waves: {waves}"
    ending = "stopped early" if run < waves else "ran all"
    return (
        f"at most {waves} waves, stopping before a wave whose surviving share is above "
        f"{early_stop_ratio:g} of the previous wave's; {ending} after {run}"
    )


def _child_seed(seed: int, *keys: int) -> int:
    """A seed for one purpose, derived from the calibration seed (never from global state)."""
    return int(np.random.SeedSequence([seed, *keys]).generate_state(1)[0])


# --- Summaries of the posterior ---------------------------------------------------------------


def interval_width(points: np.ndarray, level: float = 0.9) -> np.ndarray:
    """(d,): width of each input's central posterior interval at ``level``, in quantile units."""
    if not 0 < level < 1:
        raise ValueError(f"level must lie strictly between 0 and 1, got {level}")
    sample = np.asarray(points, dtype=float)
    tail = (1 - level) / 2
    low, high = np.quantile(sample, [tail, 1 - tail], axis=0)
    return np.asarray(high - low, dtype=float)


def correlations(points: np.ndarray) -> np.ndarray:
    """(d, d): posterior correlation matrix of the input quantiles.

    Strong correlations mark ridges (inputs that trade off against each other to fit the
    targets), which a report should show rather than hide. An input that does not vary in the
    sample gets NaN.
    """
    sample = np.asarray(points, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.atleast_2d(np.corrcoef(sample, rowvar=False))


def flat_inputs(points: np.ndarray, prior_width: float = 0.9, ratio: float = 0.5) -> list[int]:
    """Inputs the targets do not identify: posterior central interval wider than ``ratio`` times
    the prior's. In quantile space the prior is uniform, so its central interval at level p has
    width p; ``prior_width`` is both that level and that width (0.9: the 90% intervals)."""
    widths = interval_width(points, level=prior_width)
    return [int(i) for i in np.flatnonzero(widths > ratio * prior_width)]
