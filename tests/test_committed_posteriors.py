"""The committed calibrations of the seed scenarios and their runs from the posterior: every
bundled scenario that fits a published figure is run by `make results` from a committed
posterior (the Makefile's POSTERIOR_RUNS), and its committed run was made from that very file."""

from __future__ import annotations

import hashlib
import json
import re

import pandas as pd
import pytest

import carepath
from conftest import REPO

RESULTS = REPO / "results"


def posterior_runs() -> list[tuple[str, str]]:
    """The Makefile's POSTERIOR_RUNS: (scenario, calibration folder) pairs."""
    text = (REPO / "Makefile").read_text(encoding="utf-8").replace("\\\n", " ")
    found = re.search(r"^POSTERIOR_RUNS \?=(.*)$", text, re.MULTILINE)
    assert found, "the Makefile has no POSTERIOR_RUNS"
    return [tuple(pair.split(":", 1)) for pair in found.group(1).split()]  # type: ignore[misc]


def fitting_scenarios() -> set[str]:
    """Bundled scenarios with a published outcome to fit (`plausibility:` entries, use: fit)."""
    return {
        path.stem
        for path in sorted((REPO / "scenarios").glob("*.yaml"))
        if any(b.use == "fit" for b in carepath.load_scenario(path).plausibility)
    }


def test_every_scenario_that_fits_a_published_figure_is_run_from_its_posterior():
    listed = {scenario for scenario, _ in posterior_runs()}
    assert fitting_scenarios() == listed


@pytest.mark.parametrize("scenario,folder", posterior_runs())
def test_the_committed_posterior_run_used_the_committed_posterior(scenario, folder):
    posterior = RESULTS / folder / "posterior.csv"
    assert posterior.is_file(), f"{posterior} is not committed"
    record = json.loads((RESULTS / f"{scenario}_posterior" / "manifest.json").read_text())
    used = record["posterior"]
    assert used["sha256"] == hashlib.sha256(posterior.read_bytes()).hexdigest()
    assert used["file"].endswith(f"{folder}/posterior.csv")
    # the posterior sets every uncertain input of the scenario as filed today
    inputs = list(carepath.load_scenario(REPO / "scenarios" / f"{scenario}.yaml").uncertainty)
    assert used["inputs"] == inputs
    assert list(pd.read_csv(posterior, nrows=1).columns) == ["draw", *inputs]
    # each replication at its own draw while there are draws enough
    draws = used["draws_used"]
    assert len(set(draws)) == min(len(draws), used["draws"])


@pytest.mark.parametrize("scenario,folder", posterior_runs())
def test_the_calibration_met_its_fitted_targets_or_says_why_not(scenario, folder):
    """Each fitted figure's posterior predictive interval meets its published range, or the
    scenario file explains the miss in the entry's note."""
    targets = pd.read_csv(RESULTS / folder / "calibration_targets.csv")
    entries = [
        b for _, b in carepath.load_scenario(REPO / "scenarios" / f"{scenario}.yaml").benchmarks()
    ]
    explained = {(b.metric, b.arm) for b in entries if b.note.strip()}
    fitted = targets[targets.use == "fit"]
    assert len(fitted), f"{folder} fitted nothing"
    for row in fitted.itertuples():
        assert row.met or (row.metric, row.arm) in explained, row
