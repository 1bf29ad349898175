"""Recovery on a small model world: inputs drawn from the prior as truths, their model outputs
(with fresh replicate noise and observation error) as published figures, and the calibration's
90% intervals checked for covering the truths (``carepath calibrate``'s machinery, the model
itself as the simulator).

The tiny world (tests/conftest.py) with three uncertain inputs: the township consultation fee
(moves the medical fees per episode), the fare to the centre (moves the fares per episode) and
the value of an hour (moves neither target: not identified).  Every truth shares the first
wave's runs (its design depends on the seed alone): one reference table.
"""

from __future__ import annotations

import numpy as np
import pytest

from carepath.analysis.history_matching import Target, flat_inputs, history_match, interval_width
from carepath.execution.options import RunOptions
from carepath.inputs.schema import Scenario
from carepath.inputs.targets import calibration_targets
from carepath.inputs.uncertain_inputs import uncertain_inputs
from carepath.workflows.calibrate import CalibrationSettings, Simulator
from conftest import tiny_data, uniform_prior

pytestmark = [pytest.mark.integration, pytest.mark.slow]

TRUTHS = 20
OBS_SD = {"cost_medical_yuan (without)": 0.2, "cost_travel_yuan (without)": 0.2}


def world() -> Scenario:
    data = tiny_data()
    data["simulation"].update({"horizon_days": 2, "replications": 3, "seed": 11})
    data["zones"][0]["episodes_per_person_year"] = 2
    data["sources"] = {"synthetic": "the model's own output at a drawn truth"}
    data["economics"] = {"time_value_yuan_per_hour": 20}
    data["uncertainty"] = {
        "tiers.township.consultation_fee_yuan": uniform_prior(1, 5),
        "zones[home].travel.centre.travel_yuan": uniform_prior(2, 8),
        "economics.time_value_yuan_per_hour": uniform_prior(10, 40),
    }
    data["plausibility"] = [
        {"metric": m, "arm": "without", "published": "synthetic", "low": 0, "high": 1000,
         "source": "synthetic", "use": "fit", "obs_sd": sd, "obs_sd_reason": "stated for the test"}
        for m, sd in (("cost_medical_yuan", 0.2), ("cost_travel_yuan", 0.2))
    ] + [{"metric": "cost_total_yuan", "arm": "without", "published": "synthetic", "low": 0,
          "high": 1000, "source": "synthetic", "use": "held_out"}]  # fmt: skip
    return Scenario.model_validate(data)


def test_known_truths_are_recovered_on_the_model():
    scenario = world()
    inputs = uncertain_inputs(scenario)
    specs = calibration_targets(scenario)
    settings = CalibrationSettings(waves=2, points_per_wave=30, replications=3, draws=500)
    options = RunOptions()
    simulate = Simulator(scenario, inputs, specs, settings, options, 11, None)
    observe = Simulator(scenario, inputs, specs, settings, options, 977, None)
    rng = np.random.default_rng(5)
    truths = rng.random((TRUTHS, len(inputs)))
    truth_runs = observe(truths, 0)  # another seed: a fresh realisation at each truth
    reference = []  # wave 0, shared by every truth (its design depends on the seed alone)

    def shared(points: np.ndarray, wave: int):
        return simulate(points, wave)

    covered = np.zeros(len(inputs))
    widths = []
    flat = []
    for i in range(TRUTHS):
        observed = observe.outputs[0][i, 0, :]  # one replication: one realisation
        targets = [
            Target(s.name, float(observed[t] + rng.normal(0, OBS_SD[s.name])), OBS_SD[s.name])
            for t, s in enumerate(specs)
        ]
        match = history_match(
            shared,
            len(inputs),
            targets,
            waves=2,
            points_per_wave=30,
            seed=3,
            draws=500,
            done=reference,
            on_wave=lambda wave, runs: (
                reference.append(runs) if wave == 0 and not reference else None
            ),
        )
        low, high = np.quantile(match.posterior.points, [0.05, 0.95], axis=0)
        covered += (low <= truths[i]) & (truths[i] <= high)
        widths.append(interval_width(match.posterior.points))
        flat.append(flat_inputs(match.posterior.points))
    coverage = covered / TRUTHS
    ratio = np.mean(widths, axis=0) / 0.9
    assert truth_runs.means.shape == (TRUTHS, len(specs))
    assert ((coverage >= 0.75) & (coverage <= 1.0)).all(), coverage
    assert (ratio[:2] <= 0.5).all(), ratio  # the fee and the fare are identified
    assert all(2 in f for f in flat)  # the value of an hour moves no target
