"""Attribution of issue 24: the chronic flag on a condition changes no number but its own.

With the scenario files as they are now (hypertension and diabetes marked ``chronic``), every
row of the golden tables main had before issue 24 is byte-identical under the new code, apart
from the new metric (``admissions_per_1000_year_chronic``): the flag only says which admissions
that metric counts.  The tables before are read from git (commit ``BEFORE``); a clone without
that history skips.  ``make test`` runs ``demo_county``; the others are ``slow``.
"""

from __future__ import annotations

import pytest

from attribution import ISSUE_24_METRICS, check_rows_kept
from conftest import REPO

BEFORE = "13cdad4"  # main before issue 24
SCENARIOS = sorted(p.stem for p in (REPO / "scenarios").glob("*.yaml"))


def test_the_chronic_flag_keeps_demo_county_golden_rows():
    check_rows_kept(BEFORE, REPO / "scenarios", "demo_county", set(ISSUE_24_METRICS))


@pytest.mark.slow
@pytest.mark.parametrize("name", [n for n in SCENARIOS if n != "demo_county"])
def test_the_chronic_flag_keeps_every_golden_row(name: str):
    check_rows_kept(BEFORE, REPO / "scenarios", name, set(ISSUE_24_METRICS))
