"""Equity (issue 19): care sought, forgone and delayed, and time to care, per 1,000 residents per
year by zone kind and by band of travel minutes to the nearest county hospital
(``accounting.equity``, ``analysis.equity``; ``equity.csv`` and ``equity_replications.csv``)."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

import carepath
from carepath.accounting.equity import (
    COUNTY_TRAVEL,
    NO_COUNTY,
    ZONE_KIND,
    nearest_county_min,
    travel_band,
)
from carepath.accounting.metrics import compute
from carepath.accounting.tally import tally_of
from carepath.analysis.equity import equity_summary
from carepath.analysis.planner import per_residents_year
from carepath.cli import main
from carepath.observation.records import NO_FACILITY, EpisodeRow, Records, SeekingRow
from carepath.observation.results_folder import (
    EQUITY_COLUMNS,
    EQUITY_FILE,
    EQUITY_REPLICATIONS_COLUMNS,
    EQUITY_REPLICATIONS_FILE,
)
from carepath.system.world import World
from conftest import DEMO, TINY, few_days, tiny, without_care_seeking


def trip(minutes: float) -> dict:
    return {"travel_min": minutes, "travel_yuan": 0}


# Three zones of the tiny world: a village 30 minutes from the county hospital, an urban
# community 95 minutes from it, and a village that lists no county facility.
ZONES = [
    {
        "id": "near",
        "kind": "village",
        "population": 1000,
        "episodes_per_person_year": 0,
        "travel": {"clinic": trip(10), "centre": trip(20), "hospital": trip(30)},
    },
    {
        "id": "far",
        "kind": "community",
        "population": 3000,
        "episodes_per_person_year": 0,
        "travel": {"clinic": trip(10), "centre": trip(20), "hospital": trip(95)},
    },
    {
        "id": "cut_off",
        "kind": "village",
        "population": 500,
        "episodes_per_person_year": 0,
        "travel": {"clinic": trip(10), "centre": trip(20)},
    },
]


def three_zones():
    # one measured day (the second): onsets in [1440, 2880) count
    simulation = {**TINY["simulation"], "warmup_days": 1, "horizon_days": 1}
    return tiny(zones=ZONES, simulation=simulation)


def test_bands_have_their_lower_edge_and_not_their_upper():
    assert travel_band(0.0) == "< 30"
    assert travel_band(29.999) == "< 30"
    assert travel_band(30.0) == "30-60"
    assert travel_band(59.999) == "30-60"
    assert travel_band(60.0) == "60-90"
    assert travel_band(90.0) == "> 90"
    assert travel_band(1e6) == "> 90"
    assert travel_band(None) == NO_COUNTY == "no county hospital"


def test_the_nearest_county_hospital_is_the_quickest_county_facility_the_zone_lists():
    second = {**TINY["facilities"][2], "id": "second_hospital"}
    zone = {**ZONES[0], "travel": {**ZONES[0]["travel"], "second_hospital": trip(25)}}
    world = World.build(tiny(facilities=[*TINY["facilities"], second], zones=[zone, ZONES[2]]))
    assert nearest_county_min(world, world.zones[0]) == 25  # not the centre's 20: a township
    assert nearest_county_min(world, world.zones[1]) is None


def measured_records() -> Records:
    """Episodes of the three zones, by hand (the measured day is minutes 1440 to 2880)."""
    records = Records()

    def episode(patient, zone, onset, end, *events):
        records.episodes.append(EpisodeRow(patient, zone, 0, onset, end))
        for event in events:
            records.seeking.append(SeekingRow(patient, NO_FACILITY, event, onset, 0.0))

    # near (1,000 residents): four measured episodes
    episode(1, 0, 1500.0, 1800.0)  # sought, cared for in 300 minutes
    episode(2, 0, 1600.0, 1600.0, "forgone")  # not sought: forgone
    episode(3, 0, 1700.0, 4400.0, "delayed")  # sought late, cared for in 2,700 minutes
    episode(4, 0, 2000.0, 2100.0, "balked", "gave_up")  # sought, then forgone: not cared for
    episode(5, 0, 100.0, 400.0, "forgone")  # in warm-up: not measured
    episode(6, 0, 2880.0, 3000.0, "delayed")  # after the measured day: not measured
    # far (3,000 residents): one episode still in care at the end
    episode(7, 1, 2500.0, None)
    return records


def test_rates_per_1000_residents_per_year_and_time_to_care_by_group():
    world = World.build(three_zones())
    rows = tally_of(measured_records(), world).equity.rows()
    values = {(grouping, group, metric): value for grouping, group, _, metric, value in rows}
    residents = {(grouping, group): r for grouping, group, r, _, _ in rows}
    year = 365.0  # one measured day
    assert residents == {
        (ZONE_KIND, "community"): 3000,
        (ZONE_KIND, "village"): 1500,
        (COUNTY_TRAVEL, "30-60"): 1000,  # exactly 30 minutes: in 30-60
        (COUNTY_TRAVEL, "> 90"): 3000,
        (COUNTY_TRAVEL, NO_COUNTY): 500,
    }
    assert values[(COUNTY_TRAVEL, "30-60", "care_sought_per_1000_year")] == pytest.approx(3 * year)
    assert values[(COUNTY_TRAVEL, "30-60", "forgone_per_1000_year")] == pytest.approx(2 * year)
    assert values[(COUNTY_TRAVEL, "30-60", "delayed_per_1000_year")] == pytest.approx(1 * year)
    assert values[(COUNTY_TRAVEL, "30-60", "time_to_care_min")] == (300 + 2700) / 2
    # villages: near and cut_off, 1,500 residents, the same episodes as near
    assert values[(ZONE_KIND, "village", "care_sought_per_1000_year")] == pytest.approx(
        3 * year * 1000 / 1500
    )
    assert values[(ZONE_KIND, "village", "forgone_per_1000_year")] == pytest.approx(
        2 * year * 1000 / 1500
    )
    assert values[(ZONE_KIND, "village", "time_to_care_min")] == 1500.0
    # far: one illness in care, sought; nobody cared for yet
    assert values[(COUNTY_TRAVEL, "> 90", "care_sought_per_1000_year")] == pytest.approx(
        year * 1000 / 3000
    )
    assert values[(COUNTY_TRAVEL, "> 90", "forgone_per_1000_year")] == 0.0
    assert math.isnan(values[(COUNTY_TRAVEL, "> 90", "time_to_care_min")])
    # cut off: no episode at all
    assert values[(COUNTY_TRAVEL, NO_COUNTY, "care_sought_per_1000_year")] == 0.0
    assert math.isnan(values[(COUNTY_TRAVEL, NO_COUNTY, "time_to_care_min")])
    # zone kinds by name, then the bands from the nearest, each with its four metrics
    assert [(g, group) for g, group, *_ in rows[::4]] == [
        (ZONE_KIND, "community"),
        (ZONE_KIND, "village"),
        (COUNTY_TRAVEL, "30-60"),
        (COUNTY_TRAVEL, "> 90"),
        (COUNTY_TRAVEL, NO_COUNTY),
    ]


def test_the_groups_add_up_to_the_arm_metrics():
    """Each grouping splits the measured episodes: weighted by residents, the rates are the
    arm's own counts per 1,000 residents per year."""
    scenario = three_zones()
    world = World.build(scenario)
    tally = tally_of(measured_records(), world)
    metrics = compute(tally)
    rows = tally.equity.rows()
    factor = per_residents_year(scenario, 1000)
    overall = {
        "care_sought_per_1000_year": metrics["care_sought_share"] * metrics["episodes"],
        "forgone_per_1000_year": metrics["episodes_forgone"],
        "delayed_per_1000_year": metrics["episodes_delayed"],
    }
    population = sum(zone["population"] for zone in ZONES)
    for grouping in (ZONE_KIND, COUNTY_TRAVEL):
        for metric, count in overall.items():
            weighted = sum(
                value * residents
                for g, _, residents, m, value in rows
                if g == grouping and m == metric
            )
            assert weighted / population == pytest.approx(count * factor)


def hand_replications() -> pd.DataFrame:
    rows = []
    values = {"without": [10.0, 12.0, 17.0], "with": [9.0, 12.5, 11.0], "credit": [1.0, 2.0, 4.0]}
    for arm, arm_values in values.items():
        for replication, value in enumerate(arm_values):
            rows.append(("s", replication, arm, ZONE_KIND, "village", 1500, "m", value))
            rows.append(("s", replication, arm, COUNTY_TRAVEL, "> 90", 300, "m", 2 * value))
    return pd.DataFrame(rows, columns=list(EQUITY_REPLICATIONS_COLUMNS))


def test_equity_summary_pairs_the_arms_by_replication_as_summary_csv_does():
    summary = equity_summary(hand_replications())
    assert list(summary.columns) == list(EQUITY_COLUMNS)
    village = summary[summary.group == "village"].set_index("arm")
    assert list(village.index) == ["without", "with", "credit", "difference", "difference_credit"]
    differences = np.array([10.0 - 9.0, 12.0 - 12.5, 17.0 - 11.0])
    assert village.loc["difference", "mean"] == pytest.approx(differences.mean())
    assert village.loc["difference", "mean"] == pytest.approx(
        village.loc["without", "mean"] - village.loc["with", "mean"]
    )
    half = 4.302652729911275 * differences.std(ddof=1) / math.sqrt(3)  # t(0.975, 2 df)
    assert village.loc["difference", "ci_low"] == pytest.approx(differences.mean() - half)
    assert village.loc["difference", "ci_high"] == pytest.approx(differences.mean() + half)
    far = summary[summary.group == "> 90"].set_index("arm")
    assert far.loc["without", "mean"] == pytest.approx(2 * 13.0)
    assert (far.residents == 300).all() and (far.grouping == COUNTY_TRAVEL).all()
    assert (summary.n == 3).all()


def test_an_empty_table_summarises_to_the_columns_alone():
    empty = pd.DataFrame(columns=list(EQUITY_REPLICATIONS_COLUMNS))
    assert list(equity_summary(empty).columns) == list(EQUITY_COLUMNS)


@pytest.mark.integration
def test_a_run_writes_equity_csv_whose_groups_add_up_to_the_overall_rates(tmp_path):
    file = few_days(DEMO, tmp_path, "demo_days", replications=2)
    one, two = tmp_path / "one", tmp_path / "two"
    assert main(["run", str(file), "--jobs", "1", "--out", str(one), "--quiet"]) == 0
    assert main(["run", str(file), "--jobs", "2", "--out", str(two), "--quiet"]) == 0
    folder = one / "demo_days"
    for name in (EQUITY_FILE, EQUITY_REPLICATIONS_FILE):
        assert (folder / name).read_bytes() == (two / "demo_days" / name).read_bytes()
    manifest = json.loads((folder / "manifest.json").read_text())
    assert {EQUITY_FILE, EQUITY_REPLICATIONS_FILE} <= set(manifest["files"])

    equity = pd.read_csv(folder / EQUITY_FILE)
    summary = pd.read_csv(folder / "summary.csv")
    replications = pd.read_csv(folder / "replications.csv")
    assert list(equity.columns) == list(EQUITY_COLUMNS)
    assert set(equity.arm) == {"without", "with", "difference"}
    scenario = carepath.load_scenario(file)
    factor = per_residents_year(scenario, 1000)
    population = sum(zone.population for zone in scenario.zones)

    def weighted(grouping: str, metric: str, arm: str) -> float:
        rows = equity[(equity.grouping == grouping) & (equity.metric == metric)]
        rows = rows[rows.arm == arm]
        assert rows.residents.sum() == population
        return float((rows["mean"] * rows.residents).sum() / population)

    def metric(name: str, arm: str) -> pd.Series:
        rows = replications[(replications.metric == name) & (replications.arm == arm)]
        return rows.set_index("replication").value

    def summary_mean(name: str, arm: str) -> float:
        return float(summary[(summary.metric == name) & (summary.arm == arm)]["mean"].item())

    for arm in ("without", "with"):
        # care sought: the share of the episodes, replication by replication
        sought = (metric("care_sought_share", arm) * metric("episodes", arm)).mean() * factor
        forgone = summary_mean("episodes_forgone", arm) * factor
        delayed = summary_mean("episodes_delayed", arm) * factor
        assert sought > 0 and forgone > 0 and delayed > 0  # the demo's patients choose
        for grouping in (ZONE_KIND, COUNTY_TRAVEL):
            assert weighted(grouping, "care_sought_per_1000_year", arm) == pytest.approx(sought)
            assert weighted(grouping, "forgone_per_1000_year", arm) == pytest.approx(forgone)
            assert weighted(grouping, "delayed_per_1000_year", arm) == pytest.approx(delayed)
    keyed = equity.set_index(["grouping", "group", "metric", "arm"])["mean"]
    for grouping, group, name in keyed.index.droplevel("arm").unique():
        assert keyed[grouping, group, name, "difference"] == pytest.approx(
            keyed[grouping, group, name, "without"] - keyed[grouping, group, name, "with"],
            abs=1e-9,
        )


@pytest.mark.integration
def test_without_care_seeking_every_illness_is_sought_and_none_forgone_or_delayed(tmp_path):
    scenario = without_care_seeking(carepath.load_scenario(few_days(DEMO, tmp_path, "d", 1)))
    result = carepath.run(scenario)
    equity = result.equity
    assert len(equity) and set(equity.arm) == {"without", "with"}
    values = equity.set_index(["arm", "grouping", "group", "metric"]).value
    for name in ("forgone_per_1000_year", "delayed_per_1000_year"):
        assert (values.xs(name, level="metric") == 0).all()
    episodes = result.replications.set_index(["arm", "metric"]).value
    factor = per_residents_year(scenario, 1000)
    sought = values.xs("care_sought_per_1000_year", level="metric")
    residents = equity.drop_duplicates(["grouping", "group"]).set_index("group").residents
    for arm in ("without", "with"):
        by_kind = sought.xs((arm, ZONE_KIND), level=("arm", "grouping"))
        total = (by_kind * residents[by_kind.index]).sum() / residents[by_kind.index].sum()
        assert total == pytest.approx(episodes[arm, "episodes"] * factor)
    assert len(result.equity_summary)
