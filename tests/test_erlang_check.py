"""The one-line Erlang C check per station (issue 23), on hand-built results folders.

The stations tables are written here with round numbers; the scenarios are the bare M/M/2 of
``scenarios/validation/mmc_c2_load065.yaml`` (always open, flat hour profile: 20 measured days of
1440 minutes) and a file extending it with morning hours on weekdays and a peaked hour profile.
For c = 2 the Erlang C probability of waiting has the closed form 2 rho^2 / (1 + rho), so the
mean wait is 2 rho^2 / (1 + rho) x s / (c - a).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from carepath import load_scenario
from carepath.analysis.erlang_check import (
    NEEDED_COLUMNS,
    CheckProblem,
    check_folder,
    main,
    measured_open_min,
    peak_share_per_min,
)
from carepath.system.world import World
from conftest import REPO

VALIDATION = REPO / "scenarios" / "validation"
MMC = VALIDATION / "mmc_c2_load065.yaml"
COLUMNS = list(NEEDED_COLUMNS)  # a results folder from before the daily columns
# Mornings 08:00-12:30 on weekdays; the hour profile's weights over the open hours are 3, 2, 1,
# 1 and 2 x 1/2 (12:00-12:30): 8 in all, so the 08:00 hour has 3/8 of an open day's arrivals.
MORNINGS = f"""\
extends: {MMC}
name: mornings
simulation: {{start_weekday: mon}}
demand:
  hour_profile: [1, 1, 1, 1, 1, 1, 1, 1, 3, 2, 1, 1, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]
facilities:
  - id: station
    tier: village
    hours: {{start: "08:00", end: "12:30", weekdays: [mon, tue, wed, thu, fri]}}
    stations:
      doctors: {{general: 2}}
"""


def erlang_c2_wait(load: float, service_min: float) -> float:
    """Mean wait of M/M/2 at load rho: 2 rho^2 / (1 + rho) x s / (2 - 2 rho)."""
    return 2 * load**2 / (1 + load) * service_min / (2 - 2 * load)


def results_folder(folder: Path, rows: list[tuple]) -> Path:
    folder.mkdir(parents=True)
    table = pd.DataFrame(rows, columns=COLUMNS)
    table["extra"] = 1  # later columns are read by name and ignored
    table.to_csv(folder / "stations.csv", index=False)
    return folder


@pytest.fixture
def mmc_folder(tmp_path: Path) -> Path:
    """Two replications of the M/M/2 without a reform (mean 3744 visits = 187.2 a day for 20
    days, utilisation 0.65: s = 0.65 x 2 x 28800 / 3744 = 10 minutes), a registration row to
    count lines by, and an arm 'with' that must not be mixed in."""
    name = "mmc_c2_load065"
    return results_folder(
        tmp_path / name,
        [
            (name, 0, "without", "station", "doctor:general", 2, 3700, 7.0, 0.64),
            (name, 1, "without", "station", "doctor:general", 2, 3788, 8.0, 0.66),
            (name, 0, "without", "station", "registration", 1, 2880, 0.5, 0.05),
            (name, 1, "without", "station", "registration", 1, 2880, 0.7, 0.05),
            (name, 0, "with", "station", "doctor:general", 2, 1000, 1.0, 0.10),
            (name, 1, "with", "station", "doctor:general", 2, 1000, 1.0, 0.10),
        ],
    )


@pytest.fixture
def scenarios_here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Work from a folder whose scenarios/ holds the M/M/2 file (and the one it extends)."""
    (tmp_path / "scenarios").mkdir()
    for name in ("mmc_c1_load050.yaml", "mmc_c2_load065.yaml"):
        shutil.copy(VALIDATION / name, tmp_path / "scenarios" / name)
    monkeypatch.chdir(tmp_path)


def test_the_check_follows_the_formula_on_known_numbers(mmc_folder: Path):
    (check,) = check_folder(mmc_folder, MMC, [re.compile("doctor")])
    assert (check.facility, check.station, check.servers) == ("station", "doctor:general", 2)
    assert check.visits_per_day == pytest.approx(3744 / 20, rel=1e-12)
    assert check.service_min == pytest.approx(0.65 * 2 * 28800 / 3744, rel=1e-12)
    assert check.service_min == pytest.approx(10.0, rel=1e-12)
    assert check.load == pytest.approx(0.65, rel=1e-12)  # lambda s / c = 0.13 x 10 / 2
    assert check.erlang_wait_min == pytest.approx(erlang_c2_wait(0.65, 10.0), rel=1e-12)
    # A flat hour profile, always open: the peak hour is any hour, at the day's rate.
    assert check.peak_load == pytest.approx(check.load, rel=1e-12)
    assert check.peak_erlang_wait_min == pytest.approx(check.erlang_wait_min, rel=1e-12)
    assert check.simulated_wait_min == pytest.approx(7.5, rel=1e-12)


def test_another_arm_is_checked_on_its_own_rows(mmc_folder: Path):
    (check,) = check_folder(mmc_folder, MMC, [re.compile("doctor")], arm="with")
    assert check.visits_per_day == pytest.approx(50.0, rel=1e-12)
    assert check.service_min == pytest.approx(0.10 * 2 * 28800 / 1000, rel=1e-12)
    assert check.simulated_wait_min == pytest.approx(1.0, rel=1e-12)


def test_open_days_and_peak_hour_from_opening_hours_and_hour_profile(tmp_path: Path):
    scenario_file = tmp_path / "mornings.yaml"
    scenario_file.write_text(MORNINGS, encoding="utf-8")
    world = World.build(load_scenario(scenario_file))
    (plan,) = world.facilities
    # Measured days 1-20 from a Monday: 14 weekdays of 270 open minutes.
    assert measured_open_min(world, plan) == pytest.approx(14 * 270, rel=1e-12)
    assert peak_share_per_min(world, plan) == pytest.approx(3 / 8 / 60, rel=1e-12)
    folder = results_folder(
        tmp_path / "mornings",
        [
            # 90 visits a day; s = 0.5 x 2 x 3780 / 1260 = 3 min; lambda = 1/3 a minute.
            ("mornings", 0, "without", "station", "doctor:general", 2, 1260, 2.0, 0.5),
            # s = 0.9 x 1 x 3780 / 1260 = 2.7 min; rho 0.9 over the day, 1.52 at 08:00.
            ("mornings", 0, "without", "station", "registration", 1, 1260, 9.0, 0.9),
        ],
    )
    doctor, window = check_folder(folder, scenario_file)
    assert doctor.visits_per_day == pytest.approx(90.0, rel=1e-12)
    assert doctor.service_min == pytest.approx(3.0, rel=1e-12)
    assert doctor.load == pytest.approx(0.5, rel=1e-12)
    assert doctor.erlang_wait_min == pytest.approx(erlang_c2_wait(0.5, 3.0), rel=1e-12)
    peak_load = 90 * 3 / 8 / 60 * 3.0 / 2  # lambda_peak s / c = 0.84375
    assert doctor.peak_load == pytest.approx(peak_load, rel=1e-12)
    assert doctor.peak_erlang_wait_min == pytest.approx(erlang_c2_wait(peak_load, 3.0), rel=1e-12)
    assert window.load == pytest.approx(0.9, rel=1e-12)
    assert window.erlang_wait_min == pytest.approx(0.9 * 2.7 / (1 - 0.9), rel=1e-12)  # M/M/1
    assert window.peak_load == pytest.approx(90 * 3 / 8 / 60 * 2.7, rel=1e-12)
    assert window.peak_erlang_wait_min == float("inf")


def test_the_command_prints_one_line_per_station(mmc_folder: Path, scenarios_here, capsys):
    assert main([str(mmc_folder)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        "station doctor:general: c=2, 187 visits/day, s=10.00 min, rho 0.65 (peak hour 0.65), "
        "Erlang C wait 7.3 min (peak hour 7.3), simulated 7.5 min",
        "station registration: c=1, 144 visits/day, s=0.50 min, rho 0.05 (peak hour 0.05), "
        "Erlang C wait 0.03 min (peak hour 0.03), simulated 0.6 min",
    ]


def test_the_command_filters_stations_and_prints_markdown(mmc_folder: Path, capsys):
    assert main([str(mmc_folder), "--scenario", str(MMC), "--stations", "^station reg"]) == 0
    (line,) = capsys.readouterr().out.splitlines()
    assert line.startswith("station registration: c=1,")
    assert main([str(mmc_folder), "--scenario", str(MMC), "--markdown"]) == 0
    header, rule, *rows = capsys.readouterr().out.splitlines()
    assert header.startswith("| facility | station | servers | visits/day |")
    assert rule == "|" + " --- |" * 10
    assert (
        rows[0] == "| station | doctor:general | 2 | 187 | 10.00 | 0.65 | 0.65 | 7.3 | 7.3 | 7.5 |"
    )
    assert len(rows) == 2


def test_an_overloaded_day_says_so(tmp_path: Path, capsys):
    folder = results_folder(
        tmp_path / "mmc_c2_load065",
        [("mmc_c2_load065", 0, "without", "station", "doctor:general", 2, 3744, 600.0, 1.01)],
    )
    assert main([str(folder), "--scenario", str(MMC)]) == 0
    (line,) = capsys.readouterr().out.splitlines()
    assert "rho 1.01 (peak hour 1.01), Erlang C wait overloaded (peak hour overloaded)" in line


def test_a_missing_folder_is_named_with_exit_code_2(tmp_path: Path):
    missing = tmp_path / "no_such_results"
    done = subprocess.run(
        [sys.executable, "-m", "carepath.analysis.erlang_check", str(missing)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert f"{missing}: no such results folder" in done.stderr


def test_what_cannot_be_checked_is_named(mmc_folder: Path, tmp_path: Path, capsys):
    with pytest.raises(CheckProblem, match="no rows of arm 'both'.*its arms: without, with"):
        check_folder(mmc_folder, MMC, arm="both")
    with pytest.raises(CheckProblem, match=r"nowhere\.yaml: scenario file not found"):
        check_folder(mmc_folder, tmp_path / "nowhere.yaml")
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main([str(empty)]) == 2
    assert f"{empty / 'stations.csv'}: not found" in capsys.readouterr().err
    assert main([str(mmc_folder), "--scenario", str(MMC), "--stations", "pharmacy"]) == 2
    assert "no station matches pharmacy" in capsys.readouterr().err
