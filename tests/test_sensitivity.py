"""Tests of the PSA statistics: noise-aware input variance, PRCC, Morris, emulator Sobol indices."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy.stats import qmc

from carepath.analysis.sensitivity import (
    MORRIS_COLUMNS,
    PRCC_COLUMNS,
    SOBOL_COLUMNS,
    morris_design,
    morris_indices,
    prcc,
    probability_above_zero,
    probability_better,
    sobol_on_emulator,
    variance_parts,
)

# Checks against a known truth allow this many standard errors of the estimator.
STANDARD_ERRORS = 4


def with_sample_variance(draws: np.ndarray, variance: float) -> np.ndarray:
    """Draws shifted and scaled so their own (ddof=1) variance is exactly ``variance``.

    The estimators target the variance of the effects actually realised (only 4 replication
    blocks are drawn, whose variance may be far from the population's); fixing it makes the
    stated variance the truth, leaving only the estimators' own error.
    """
    centred = draws - draws.mean()
    return centred * math.sqrt(variance / np.var(centred, ddof=1))


def block_design(
    samples: int, replications: int, var_input: float, var_block: float, var_own: float, seed: int
) -> np.ndarray:
    """y_ij = mu_i + b_j + e_ij: input effect, noise shared by replication j, noise of its own."""
    rng = np.random.default_rng(seed)
    input_effect = with_sample_variance(rng.standard_normal(samples), var_input)
    block = (
        with_sample_variance(rng.standard_normal(replications), var_block)
        if var_block > 0
        else np.zeros(replications)
    )
    own_noise = rng.normal(0.0, math.sqrt(var_own), size=(samples, replications))
    return input_effect[:, None] + block[None, :] + own_noise


def se_var_input(samples: int, replications: int, var_input: float, var_own: float) -> float:
    """Standard error of var_input given the realised input effects (normal own noise).

    var_input - var_input_true = 2 cov(mu, mean noise) + [s^2(mean noise) - interaction / r];
    the three terms are uncorrelated.
    """
    var_mean_noise = var_own / replications
    cross = 2 * math.sqrt(var_input * var_mean_noise / samples)
    spread_of_mean_noise = var_mean_noise * math.sqrt(2 / (samples - 1))
    interaction_df = (samples - 1) * (replications - 1)
    interaction = var_own * math.sqrt(2 / interaction_df) / replications
    return math.sqrt(cross**2 + spread_of_mean_noise**2 + interaction**2)


def se_var_within(samples: int, replications: int, var_block: float, var_own: float) -> float:
    """Standard error of var_within given the realised blocks: mean of N row variances of b + e."""
    per_row = (4 * var_block * var_own + 2 * var_own**2) / (replications - 1)
    return math.sqrt(per_row / samples)


def se_unpaired_gap(samples: int, replications: int, var_block: float, var_own: float) -> float:
    """Standard error of var_input - var_input_unpaired = (var_within - interaction) / r.

    That gap is the variance over replications of the replication means, b_j + mean_i e_ij, less
    a vanishing term; its error is dominated by the cross term of b with the averaged own noise.
    """
    var_column_noise = var_own / samples
    cross = 2 * math.sqrt(var_block * var_column_noise / (replications - 1))
    own = var_column_noise * math.sqrt(2 / (replications - 1))
    return math.sqrt(cross**2 + own**2) / replications


# --- variance_parts ---------------------------------------------------------------------------


def test_shared_replication_noise_does_not_bias_the_input_variance() -> None:
    samples, replications = 4000, 4
    var_input, var_block, var_own = 4.0, 1.0, 0.25
    parts = variance_parts(
        block_design(samples, replications, var_input, var_block, var_own, seed=11)
    )

    tolerance = STANDARD_ERRORS * se_var_input(samples, replications, var_input, var_own)
    assert parts["var_input"] == pytest.approx(var_input, abs=tolerance)
    within_tolerance = STANDARD_ERRORS * se_var_within(samples, replications, var_block, var_own)
    # One replication's noise is the shared block plus its own part.
    assert parts["var_within"] == pytest.approx(var_block + var_own, abs=within_tolerance)
    interaction_se = var_own * math.sqrt(2 / ((samples - 1) * (replications - 1)))
    assert parts["var_interaction"] == pytest.approx(var_own, abs=STANDARD_ERRORS * interaction_se)
    # The one-way estimator subtracts the shared noise too, which never spread the sample means.
    gap = parts["var_input"] - parts["var_input_unpaired"]
    gap_tolerance = STANDARD_ERRORS * se_unpaired_gap(samples, replications, var_block, var_own)
    assert gap == pytest.approx(var_block / replications, abs=gap_tolerance)
    assert parts["var_input_unpaired"] < var_input - tolerance
    assert parts["var_noise_of_mean"] == pytest.approx(parts["var_interaction"] / replications)
    assert parts["share_input"] == pytest.approx(parts["var_input"] / parts["var_sample_means"])
    assert (parts["samples"], parts["replications"]) == (samples, replications)


def test_independent_noise_both_estimators_agree_with_the_truth() -> None:
    samples, replications = 4000, 4
    var_input, var_own = 4.0, 1.25
    parts = variance_parts(block_design(samples, replications, var_input, 0.0, var_own, seed=12))

    tolerance = STANDARD_ERRORS * se_var_input(samples, replications, var_input, var_own)
    assert parts["var_input"] == pytest.approx(var_input, abs=tolerance)
    assert parts["var_input_unpaired"] == pytest.approx(var_input, abs=tolerance)
    gap = parts["var_input"] - parts["var_input_unpaired"]
    gap_tolerance = STANDARD_ERRORS * se_unpaired_gap(samples, replications, 0.0, var_own)
    assert gap == pytest.approx(0.0, abs=gap_tolerance)
    within_tolerance = STANDARD_ERRORS * se_var_within(samples, replications, 0.0, var_own)
    assert parts["var_within"] == pytest.approx(var_own, abs=within_tolerance)
    interaction_se = var_own * math.sqrt(2 / ((samples - 1) * (replications - 1)))
    assert parts["var_interaction"] == pytest.approx(var_own, abs=STANDARD_ERRORS * interaction_se)


def test_variance_parts_of_a_small_table_match_hand_computation() -> None:
    values = np.array([[1.0, 3.0], [2.0, 6.0], [4.0, 5.0]])
    parts = variance_parts(values)

    # Row means 2, 4, 4.5 around 3.5: squares 2.25 + 0.25 + 1 = 3.5, over N - 1 = 2.
    assert parts["var_sample_means"] == pytest.approx(1.75)
    # Row variances (a - b)^2 / 2: 2, 8, 0.5.
    assert parts["var_within"] == pytest.approx(3.5)
    # Column means 7/3 and 14/3; residuals +-1/6, +-5/6, +-2/3: squares sum 7/3, over 2 x 1.
    assert parts["var_interaction"] == pytest.approx(7 / 6)
    assert parts["var_input"] == pytest.approx(1.75 - 7 / 12)
    assert parts["var_input_unpaired"] == pytest.approx(1.75 - 3.5 / 2)
    assert parts["var_noise_of_mean"] == pytest.approx(7 / 12)
    assert parts["share_input"] == pytest.approx((7 / 6) / 1.75)
    assert parts["samples"] == 3
    assert parts["replications"] == 2


def test_identical_samples_have_no_share_of_input_variance() -> None:
    parts = variance_parts(np.array([[1.0, 2.0], [1.0, 2.0], [1.0, 2.0]]))

    assert parts["var_sample_means"] == 0
    assert parts["var_input"] == 0
    assert math.isnan(parts["share_input"])


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (np.ones((5, 1)), "2 replications"),
        (np.ones((1, 3)), "2 samples"),
        (np.array([[1.0, np.nan], [2.0, 3.0]]), "NaN"),
        (np.ones(4), "dimensions"),
    ],
)
def test_variance_parts_rejects_tables_it_cannot_split(values: np.ndarray, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        variance_parts(values)


# --- prcc -------------------------------------------------------------------------------------


def monotone_toy(samples: int, seed: int) -> tuple[pd.DataFrame, pd.Series]:
    """y = exp(3 x1) + noise with a dummy x2, indexed by sample ids that are not row numbers."""
    rng = np.random.default_rng(seed)
    ids = pd.Index(rng.permutation(np.arange(1000, 1000 + samples)), name="sample")
    inputs = pd.DataFrame(rng.random((samples, 2)), columns=["x1", "x2"], index=ids)
    output = pd.Series(np.exp(3 * inputs["x1"]) + rng.normal(0, 1, samples), index=ids)
    return inputs, output


def test_prcc_finds_a_monotone_input_and_not_a_dummy() -> None:
    inputs, output = monotone_toy(64, seed=3)
    table = prcc(inputs, output, seed=5).set_index("input")

    assert list(prcc(inputs, output, n_boot=10).columns) == PRCC_COLUMNS
    assert table.loc["x1", "prcc"] > 0
    assert table.loc["x1", "ci_low"] > 0
    assert table.loc["x2", "ci_low"] < 0 < table.loc["x2", "ci_high"]
    assert (table["ci_low"] <= table["prcc"]).all() and (table["prcc"] <= table["ci_high"]).all()
    assert (table["samples"] == 64).all()


def test_prcc_of_an_exact_monotone_function_is_one() -> None:
    inputs, _ = monotone_toy(40, seed=4)
    # Ranks of the output equal those of x1, so the two residuals coincide.
    output = np.exp(3 * inputs["x1"])
    table = prcc(inputs, output, n_boot=50).set_index("input")

    assert table.loc["x1", "prcc"] == pytest.approx(1.0)
    assert table.loc["x1", "ci_low"] == pytest.approx(1.0)


def test_prcc_joins_inputs_and_output_by_sample_id_not_row_order() -> None:
    inputs, output = monotone_toy(30, seed=6)
    expected = prcc(inputs, output, n_boot=200, seed=1)
    shuffled_output = output.sample(frac=1.0, random_state=2)
    shuffled_inputs = inputs.sample(frac=1.0, random_state=3)

    assert not shuffled_output.index.equals(output.index)
    pd.testing.assert_frame_equal(prcc(inputs, shuffled_output, n_boot=200, seed=1), expected)
    pd.testing.assert_frame_equal(
        prcc(shuffled_inputs, shuffled_output, n_boot=200, seed=1), expected
    )


def test_prcc_names_sample_ids_that_do_not_match() -> None:
    inputs, output = monotone_toy(20, seed=7)
    dropped, relabelled = int(output.index[0]), int(output.index[1])
    renamed = output.drop(index=dropped).rename(index={relabelled: 5})
    first, second = sorted([dropped, relabelled])

    with pytest.raises(ValueError, match=rf"no output: \[{first}, {second}\]") as error:
        prcc(inputs, renamed, n_boot=10)
    assert "no inputs: [5]" in str(error.value)


def test_prcc_of_a_constant_output_or_input_is_nan_without_warnings() -> None:
    inputs, output = monotone_toy(20, seed=8)
    inputs["fixed"] = 0.5
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        flat = prcc(inputs, pd.Series(2.0, index=output.index), n_boot=20)
        with_fixed_input = prcc(inputs, output, n_boot=20).set_index("input")

    assert flat[["prcc", "ci_low", "ci_high"]].isna().all().all()
    assert with_fixed_input.loc["fixed", ["prcc", "ci_low", "ci_high"]].isna().all()
    assert with_fixed_input.loc[["x1", "x2"], "prcc"].notna().all()


def test_prcc_needs_more_samples_than_inputs_plus_two() -> None:
    inputs, output = monotone_toy(4, seed=9)
    with pytest.raises(ValueError, match="more than 4 samples, got 4"):
        prcc(inputs, output)


# --- Morris -----------------------------------------------------------------------------------


def test_morris_design_has_one_trajectory_of_k_plus_1_points_inside_the_quantile_bounds() -> None:
    design = morris_design(3, trajectories=10, seed=1, quantile_bounds=(0.05, 0.9))

    assert design.shape == (10 * 4, 3)
    assert design.min() >= 0.05 - 1e-12 and design.max() <= 0.9 + 1e-12
    # Consecutive points of a trajectory differ in exactly one input.
    steps = np.diff(design.reshape(10, 4, 3), axis=1)
    assert ((np.abs(steps) > 1e-12).sum(axis=2) == 1).all()


def test_morris_ranks_inputs_by_their_effect_per_unit_of_the_design_scale() -> None:
    low, high = 0.01, 0.99
    design = morris_design(3, trajectories=12, seed=2, quantile_bounds=(low, high))
    outputs = 10 * design[:, 0] + 2 * design[:, 1] + 0 * design[:, 2]
    table = morris_indices(design, outputs, ["x1", "x2", "x3"], seed=3).set_index("input")

    assert list(table.reset_index().columns) == MORRIS_COLUMNS
    assert table.loc["x1", "mu_star"] > table.loc["x2", "mu_star"] > table.loc["x3", "mu_star"]
    assert table.loc["x3", "mu_star"] == 0
    # A unit step on the design scale moves a quantile by high - low.
    assert table.loc["x1", "mu_star"] == pytest.approx(10 * (high - low))
    assert table.loc["x2", "mu"] == pytest.approx(2 * (high - low))
    assert table["sigma"].to_numpy() == pytest.approx(0, abs=1e-9)
    assert (table["trajectories"] == 12).all()


def test_morris_accepts_a_design_rounded_on_its_way_through_a_file() -> None:
    design = morris_design(2, trajectories=6, seed=4)
    outputs = design[:, 0] ** 2 - design[:, 1]
    exact = morris_indices(design, outputs, ["a", "b"])

    pd.testing.assert_frame_equal(morris_indices(np.round(design, 9), outputs, ["a", "b"]), exact)


def test_morris_of_a_constant_output_is_all_zeros() -> None:
    design = morris_design(2, trajectories=4, seed=5)
    table = morris_indices(design, np.full(len(design), 7.0), ["a", "b"])

    assert (table[["mu", "mu_star", "mu_star_conf", "sigma"]] == 0).all().all()


def test_morris_rejects_a_design_made_with_other_bounds() -> None:
    design = morris_design(2, trajectories=4, seed=6, quantile_bounds=(0.1, 0.9))
    with pytest.raises(ValueError, match="off the 4-level Morris grid"):
        morris_indices(design, design.sum(axis=1), ["a", "b"])


# --- Sobol indices on the emulator ----------------------------------------------------------


def test_sobol_on_emulator_apportions_an_additive_output() -> None:
    quantiles = pd.DataFrame(
        qmc.LatinHypercube(d=3, seed=7).random(64),
        columns=["u1", "u2", "u3"],
        index=pd.Index(np.arange(500, 564), name="sample"),
    )
    output = 4 * quantiles["u1"] + 2 * quantiles["u2"]
    global_before = np.random.get_state(legacy=False)["state"]
    table, r2 = sobol_on_emulator(quantiles, output.iloc[::-1], seed=0, base_samples=512)
    by_input = table.set_index("input")

    # Var(4 u1) = 16/12 and Var(2 u2) = 4/12 of a total 20/12.
    assert by_input.loc["u1", "S1"] == pytest.approx(16 / 20, abs=0.1)
    assert by_input.loc["u2", "S1"] == pytest.approx(4 / 20, abs=0.1)
    assert by_input.loc["u3", "ST"] < 0.05
    assert r2 > 0.95
    assert list(table.columns) == SOBOL_COLUMNS
    assert (table["emulator_r2"] == r2).all()
    # Seed 0 must not fall back on numpy's global generator.
    global_after = np.random.get_state(legacy=False)["state"]
    assert global_after["pos"] == global_before["pos"]
    assert np.array_equal(global_after["key"], global_before["key"])


def test_sobol_of_a_constant_output_is_nan() -> None:
    quantiles = pd.DataFrame(qmc.LatinHypercube(d=2, seed=8).random(12), columns=["a", "b"])
    table, r2 = sobol_on_emulator(quantiles, pd.Series(3.0, index=quantiles.index))

    assert math.isnan(r2)
    assert table[["S1", "S1_conf", "ST", "ST_conf", "emulator_r2"]].isna().all().all()


def test_sobol_names_sample_ids_that_do_not_match() -> None:
    quantiles = pd.DataFrame(qmc.LatinHypercube(d=2, seed=9).random(12), columns=["a", "b"])
    output = pd.Series(np.arange(12.0), index=np.arange(1, 13))
    with pytest.raises(ValueError, match=r"no output: \[0\].*no inputs: \[12\]"):
        sobol_on_emulator(quantiles, output)


# --- How often a reform helps -----------------------------------------------------------------


def test_probability_better_follows_the_metric_direction() -> None:
    # Differences are without - with; the zero is a tie, no gain either way.
    differences = np.array([3.0, -1.0, 0.0, 2.0])

    assert probability_better(differences, "lower") == 0.5
    assert probability_better(differences, "higher") == 0.25
    assert math.isnan(probability_better(differences, "neither"))
    with pytest.raises(ValueError, match="better must be one of"):
        probability_better(differences, "smaller")


def test_probability_above_zero_counts_strictly_positive_values() -> None:
    assert probability_above_zero(np.array([-1.0, 0.0, 1.0, 2.0])) == 0.5
    with pytest.raises(ValueError, match="NaN"):
        probability_above_zero(np.array([1.0, np.nan]))
