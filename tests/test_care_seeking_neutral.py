"""Attribution of issue 18's moved numbers: with care seeking at its neutral setting (everyone
seeks care at once, fixed first-contact shares, no cash limit, no patience limit, no urgent
condition), every row of the golden tables main had before care seeking is byte-identical.

The scenario files are those of issue 18's landing (``FILES``), so that later issues' inputs do
not count against it; the golden tables those before it (``BEFORE``); both read from git, a
clone without that history skips.  ``make test`` runs ``demo_county``; the others are ``slow``
(``make test-slow``).  ``mianyang_outreach`` is left out: issue 19 changed its free clinics' rule,
which has no neutral setting (``test_outreach_neutral``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from attribution import check_rows_kept, scenarios_at
from conftest import REPO, without_care_seeking
from test_outreach_neutral import CHANGED_RULE, REDEFINED
from test_outreach_neutral import NEW_METRICS as LATER_METRICS

BEFORE = "a330aa3"  # main before care seeking (issue 18)
FILES = "8c45954"  # main when issue 18 landed
SCENARIOS = sorted(p.stem for p in (REPO / "scenarios").glob("*.yaml"))
NEW_METRICS = {
    "care_sought_share",
    "episodes_forgone",
    "episodes_delayed",
    "balked",
    "reneged",
    *(f"visits_{t}" for t in ("village", "township", "county", "city")),
    *LATER_METRICS,
}


@pytest.fixture(scope="module")
def scenarios(tmp_path_factory) -> Path:
    return scenarios_at(FILES, tmp_path_factory.mktemp("issue18"))


def check_neutral(name: str, folder: Path) -> None:
    check_rows_kept(BEFORE, folder, name, NEW_METRICS, without_care_seeking, REDEFINED)


def test_neutral_care_seeking_keeps_demo_county_golden_rows(scenarios):
    check_neutral("demo_county", scenarios)


@pytest.mark.slow
@pytest.mark.parametrize(
    "name", [n for n in SCENARIOS if n != "demo_county" and n not in CHANGED_RULE]
)
def test_neutral_care_seeking_keeps_every_golden_row(name: str, scenarios):
    check_neutral(name, scenarios)
