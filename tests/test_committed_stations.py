"""Every committed run's status quo coped with its days (issue 23): in the without arm, on
every measured day a station's utilisation was at most 0.95 and its line emptied before closing
on at least 95% of the days anyone joined it; in every arm, no episode was still in care at the
end of the drain.

The daily limits are the status quo's (the inputs were re-based to meet them): a reform that
sends more patients to a station than it can take is a finding, not a faulty input, and the
report lists such stations of the other arms ("Status quo" section).

Read from the committed ``results/<scenario>/stations.csv`` and ``replications.csv``; a results
folder older than the daily columns fails (regenerate it with ``make results``).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from carepath.observation.results_folder import (
    POSTERIOR_SUFFIX,
    REPLICATIONS_FILE,
    STATION_DAY_COLUMNS,
    STATIONS_FILE,
)
from conftest import REPO

RESULTS = REPO / "results"
# Folders of point runs; PSA, sweep, validation and figure folders have no stations.csv.  A run
# from a posterior (<scenario>_posterior) is left out of the daily limits: each replication is at
# another draw of the uncertain inputs, and a draw that crowds a station is a finding about that
# draw, not the status quo at the filed values the limits were set for.
STATION_FOLDERS = sorted(
    p
    for p in RESULTS.iterdir()
    if (p / STATIONS_FILE).is_file() and not p.name.endswith(POSTERIOR_SUFFIX)
)
REPLICATION_FOLDERS = sorted(p for p in RESULTS.iterdir() if (p / REPLICATIONS_FILE).is_file())

MOST_DAY_UTILISATION = 0.95
LEAST_CLEARED_SHARE = 0.95
DAILY_COLUMNS = STATION_DAY_COLUMNS
REGENERATE = "regenerate the committed results with `make results`"
SHOWN = 20  # offending rows listed in a failure; the rest are counted


STATUS_QUO_ARM = "without"


def stations_of(folder: Path) -> pd.DataFrame:
    """A folder's stations.csv rows of the without arm, failing if it predates the daily
    columns."""
    table = pd.read_csv(folder / STATIONS_FILE)
    missing = [column for column in DAILY_COLUMNS if column not in table.columns]
    if missing:
        pytest.fail(
            f"{folder.name}/{STATIONS_FILE} has no {' or '.join(missing)} column: it was "
            f"written before the daily station checks; {REGENERATE}"
        )
    return table[table.arm == STATUS_QUO_ARM]


def station_failures(rows: pd.DataFrame, column: str, words: str) -> str:
    """One line per offending station row: scenario, replication, arm, facility, station and
    the value."""
    lines = [
        f"{r.scenario} replication {r.replication} arm {r.arm}: {r.facility} {r.station} "
        f"{column} = {getattr(r, column)!r} ({words})"
        for r in rows.head(SHOWN).itertuples()
    ]
    if len(rows) > SHOWN:
        lines.append(f"... and {len(rows) - SHOWN} more rows")
    return "\n".join(lines)


def names(folders: list[Path]) -> list[str]:
    return [folder.name for folder in folders]


@pytest.mark.parametrize("folder", STATION_FOLDERS, ids=names(STATION_FOLDERS))
def test_no_station_is_busier_than_095_on_any_measured_day(folder):
    table = stations_of(folder)
    peak = table.peak_day_utilisation
    # NaN: no measured day on which the station's facility opened, though it served someone in
    # the measured period; a gap in the table, not a pass.
    busy = table[~(peak <= MOST_DAY_UTILISATION)]
    if not busy.empty:
        pytest.fail(
            f"{folder.name}: {len(busy)} station rows with a measured day above "
            f"{MOST_DAY_UTILISATION} utilisation (or none):\n"
            + station_failures(busy, "peak_day_utilisation", f"at most {MOST_DAY_UTILISATION}")
        )


@pytest.mark.parametrize("folder", STATION_FOLDERS, ids=names(STATION_FOLDERS))
def test_queues_are_empty_at_closing_on_at_least_95_percent_of_days(folder):
    table = stations_of(folder)
    share = table.cleared_day_share
    # NaN: nobody joined the station's queue on a measured day, so there was no day to clear.
    uncleared = table[share.notna() & (share < LEAST_CLEARED_SHARE)]
    if not uncleared.empty:
        pytest.fail(
            f"{folder.name}: {len(uncleared)} station rows whose queue still held someone at "
            f"closing on more than {1 - LEAST_CLEARED_SHARE:.0%} of the days anyone joined it:\n"
            + station_failures(uncleared, "cleared_day_share", f"at least {LEAST_CLEARED_SHARE}")
        )


@pytest.mark.parametrize("folder", REPLICATION_FOLDERS, ids=names(REPLICATION_FOLDERS))
def test_no_episode_is_in_care_after_the_drain(folder):
    table = pd.read_csv(folder / REPLICATIONS_FILE)
    in_care = table[table.metric == "episodes_in_care"]
    if in_care.empty:
        pytest.fail(f"{folder.name}/{REPLICATIONS_FILE} has no episodes_in_care rows")
    left = in_care[in_care.value != 0]
    lines = [
        f"{r.scenario} replication {r.replication} arm {r.arm}: episodes_in_care = {r.value!r}"
        for r in left.head(SHOWN).itertuples()
    ]
    if not left.empty:
        pytest.fail(
            f"{folder.name}: {len(left)} replication arms with episodes still in care at the "
            "end of the drain:\n" + "\n".join(lines)
        )
