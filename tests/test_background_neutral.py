"""Attribution of issue 23's moved numbers: with the scenario files main had before it (no
``background`` at any facility), every row of main's golden tables is byte-identical under the
new code, apart from the new metrics (the visit-by-visit times inside facilities).

So no background and the new metrics are neutral; what moved in the bundled results moved
because of the scenario files' new inputs (outpatients from beyond the area, published process
times).  The files and tables before are read from git (commit ``BEFORE``); a clone without
that history skips.  ``make test`` runs ``demo_county`` and ``demo_county_recognition``; the
others are ``slow`` (``make test-slow``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from attribution import ISSUE_23_METRICS, check_rows_kept, scenarios_at
from conftest import REPO

BEFORE = "571d3db"  # main before issue 23
NEW_METRICS = ISSUE_23_METRICS
FAST = ("demo_county", "demo_county_recognition")
SCENARIOS = sorted(p.stem for p in (REPO / "scenarios").glob("*.yaml"))


@pytest.fixture(scope="module")
def scenarios_before(tmp_path_factory) -> Path:
    """The scenario folder as it was in ``BEFORE``."""
    return scenarios_at(BEFORE, tmp_path_factory.mktemp("before"))


@pytest.mark.parametrize("name", FAST)
def test_no_background_keeps_golden_rows(name: str, scenarios_before):
    check_rows_kept(BEFORE, scenarios_before, name, NEW_METRICS)


@pytest.mark.slow
@pytest.mark.parametrize("name", [n for n in SCENARIOS if n not in FAST])
def test_no_background_keeps_every_golden_row(name: str, scenarios_before):
    check_rows_kept(BEFORE, scenarios_before, name, NEW_METRICS)
