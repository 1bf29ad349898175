"""Attribution of issue 24's moved numbers.

- ``demo_county.yaml`` as it is now (hypertension and diabetes marked ``chronic``, nothing else
  changed) keeps every row of the golden table main had before issue 24, apart from the new
  metric (``admissions_per_1000_year_chronic``): the flag only says which admissions it counts.
- With every scenario file as it was before issue 24, every golden row is byte-identical under
  the new code (first-contact odds left out, the chronic metric added): what moved in the
  bundled results moved because of the files' new inputs (remote reading, recognition in the
  county, the fitted odds and attendance, the hospital capacity Chongqing's patients meet).

The files and tables before are read from git (commit ``BEFORE``); a clone without that history
skips.  ``make test`` runs ``demo_county``; the others are ``slow`` (``make test-slow``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from attribution import ISSUE_24_METRICS, check_rows_kept, scenarios_at
from conftest import REPO

BEFORE = "13cdad4"  # main before issue 24
SCENARIOS = sorted(p.stem for p in (REPO / "scenarios").glob("*.yaml"))


def test_the_chronic_flag_keeps_demo_county_golden_rows():
    check_rows_kept(BEFORE, REPO / "scenarios", "demo_county", set(ISSUE_24_METRICS))


@pytest.fixture(scope="module")
def scenarios_before(tmp_path_factory) -> Path:
    """The scenario folder as it was in ``BEFORE``."""
    return scenarios_at(BEFORE, tmp_path_factory.mktemp("before"))


@pytest.mark.slow
@pytest.mark.parametrize("name", [n for n in SCENARIOS if n != "demo_county"])
def test_the_files_before_keep_every_golden_row(name: str, scenarios_before):
    check_rows_kept(BEFORE, scenarios_before, name, set(ISSUE_24_METRICS))
