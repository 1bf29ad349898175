"""Beds against queueing theory, through the whole model (not the ``Ward`` alone).

A one-facility world: a county hospital open around the clock with so many doctors that the
consultation never queues (an infinite-server stage with iid exponential service), no other
stations, no tests, no fees, no travel, flat onset profiles.  Onsets are a Poisson process, so
the moments patients leave the consultation, when every one of them needs a bed, are a Poisson
process of the same rate (M/G/infinity output).  The ward is then

* without a waiting list, Erlang's loss system M/G/c/c: a listing is turned away with the
  Erlang B probability, whatever the distribution of the stay (insensitivity);
* with a waiting list and exponential stays, M/M/c FCFS: a listing waits with the Erlang C
  probability, for C / (c mu - lambda) days on average.

Little's law on the beds: the mean number of occupied beds (``bed_occupancy`` x beds) equals the
admission rate x the mean stay; the offered load is the listing rate x the mean stay.

Each comparison is a statistical test as in ``test_queueing``: the expected value lies inside the
replications' Student-t interval at level 1 - 0.05/m for the m comparisons of one system
(Bonferroni).  Seeds are fixed, so the outcome is deterministic.  Each system is also checked to
reject its neighbours (one bed more or fewer), so the intervals are tight enough to mean
something, and the exact structure of the ward (never more than c beds taken, turned away only
when full, admitted in listing order) is checked row by row.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd
import pytest

from carepath.accounting.metrics import compute
from carepath.accounting.tally import tally_of
from carepath.accounting.window import measured_window
from carepath.analysis.queueing import MMc, erlang_b, erlang_c
from carepath.analysis.statistics import describe
from carepath.execution.replication import simulate
from carepath.inputs.arms import WITHOUT
from carepath.inputs.checks import cross_checks
from carepath.inputs.schema import Scenario
from carepath.system.hours import DAY_MIN
from carepath.system.world import World

pytestmark = pytest.mark.integration  # simulates whole scenarios

BEDS = 5
STAY_DAYS = 1.0  # mean stay; the consultation's 10 minutes are negligible beside it
PER_DAY = 4.0  # listings a day: offered load a = 4 erlangs on 5 beds
SEED = 20_240_601
REPLICATIONS = 10
HORIZON_DAYS = 2000.0  # ~8,000 listings a replication, about half a second
WARMUP_DAYS = 10.0  # at least 3 x the mean stay (inputs.checks)
FAMILY = 0.95
POPULATION = 365  # so that episodes_per_person_year reads as onsets a day

EXPONENTIAL = {"dist": "exponential", "mean": STAY_DAYS}


def ward_data(
    beds: int = BEDS,
    waiting_list: bool = True,
    stay: dict = EXPONENTIAL,
    per_day: float = PER_DAY,
    horizon_days: float = HORIZON_DAYS,
    warmup_days: float = WARMUP_DAYS,
) -> dict:
    """The one-hospital world as plain data."""
    nothing = {"dist": "fixed", "mean": 0}
    consultation = {"dist": "exponential", "mean": 10}
    return {
        "name": f"beds_c{beds}_{'wait' if waiting_list else 'loss'}",
        "simulation": {
            "warmup_days": warmup_days,
            "horizon_days": horizon_days,
            "drain_days": 1,
            "replications": REPLICATIONS,
            "seed": SEED,
        },
        "demand": {  # flat profiles: onsets are a homogeneous Poisson process
            "hour_profile": [1] * 24,
            "weekday_profile": [1] * 7,
            "arrive_after_opening_min": 0,
        },
        "tiers": {
            "county": {
                "registration_fee_yuan": 0,
                "consultation_fee_yuan": 0,
                "walk_min": 0,
                "service_min": {
                    "registration": nothing,
                    "consultation": consultation,
                    "review": consultation,
                    "cashier": nothing,
                    "pharmacy": nothing,
                },
            }
        },
        "facilities": [
            {
                "id": "hospital",
                "tier": "county",
                "hours": {"always": True},
                "beds": beds,
                # so many doctors that nobody waits: the consultation is an infinite server
                "stations": {"doctors": {"general": 200}},
            }
        ],
        "zones": [
            {
                "id": "everyone",
                "population": POPULATION,
                "episodes_per_person_year": per_day,
                "travel": {"hospital": {"travel_min": 0, "travel_yuan": 0}},
            }
        ],
        "conditions": [
            {
                "id": "inpatient",
                "share": 1.0,
                "lowest_tier": "county",
                "first_contact": {"county": 1.0},
                "drug_fee_yuan": 0,
            }
        ],
        "inpatient": {
            "waiting_list": waiting_list,
            "admission": {  # everyone treated at the hospital needs a bed
                "inpatient": {
                    "probability": {"county": 1.0},
                    "lowest_tier": "county",
                    "stay_days": stay,
                }
            },
        },
    }


def ward_scenario(**changes) -> Scenario:
    scenario = Scenario.model_validate(ward_data(**changes))
    assert cross_checks(scenario) == []
    return scenario


@dataclass(frozen=True)
class Run:
    """One replication: its metrics, its admissions rows and the measured window (minutes)."""

    metrics: dict[str, float]
    admissions: pd.DataFrame
    start: float
    end: float

    @property
    def listed(self) -> pd.DataFrame:
        """Listings made in the measured period."""
        rows = self.admissions
        return rows[(rows.listed_min >= self.start) & (rows.listed_min < self.end)]

    @property
    def stays(self) -> pd.DataFrame:
        return self.admissions[self.admissions.outcome == "admitted"]

    def observed(self, beds: int) -> dict[str, float]:
        """The quantities compared with theory."""
        days = (self.end - self.start) / DAY_MIN
        listed, stays, m = self.listed, self.stays, self.metrics
        admitted = listed[listed.outcome == "admitted"]
        waited = (admitted.admitted_min - admitted.listed_min) / DAY_MIN
        stay_days = (stays.discharge_min - stays.admitted_min) / DAY_MIN
        # admissions a day, from the metric per 1,000 residents a year (population 365)
        admitted_per_day = m["admissions_per_1000_year_county"] * POPULATION / 1000 / 365
        occupied = m["bed_occupancy"] * beds  # time-average number of beds taken
        # time-average number on the waiting list: each wait's part inside the measured period
        inside = np.clip(stays.admitted_min, None, self.end) - np.clip(
            stays.listed_min, self.start, None
        )
        waiting = inside[inside > 0].sum() / DAY_MIN
        return {
            "listed_per_day": len(listed) / days,
            "offered": len(listed) / days * stay_days.mean(),
            "turned_away_share": m["beds_turned_away_share"],
            "occupied_beds": occupied,
            "little_gap": occupied - admitted_per_day * stay_days.mean(),
            "p_wait": float((waited > 0).mean()),
            "wait_days": m["bed_wait_days"],
            "waiting_list_length": waiting / days,
        }


@cache
def run(scenario_key: tuple, replication: int) -> Run:
    """One replication of the world ``dict(scenario_key)``, kept for the other tests."""
    options = dict(scenario_key)
    if "stay" in options:
        options["stay"] = dict(options["stay"])
    world = World.build(ward_scenario(**options))
    records = simulate(world, WITHOUT, SEED, replication, full_log=True)
    admissions = records.table("admissions")
    metrics = compute(tally_of(records, world))
    start, end = measured_window(world)
    return Run(metrics, admissions, start, end)


def key(**options) -> tuple:
    if "stay" in options:
        options["stay"] = tuple(sorted(options["stay"].items()))
    return tuple(sorted(options.items()))


def runs(replications: int = REPLICATIONS, **options) -> list[Run]:
    return [run(key(**options), r) for r in range(replications)]


def compare(
    observed: list[dict[str, float]], theory: dict[str, float]
) -> dict[str, tuple[float, float, float]]:
    """Each quantity's replication mean and Bonferroni interval, (mean, low, high)."""
    level = 1.0 - (1.0 - FAMILY) / len(theory)
    out = {}
    for quantity in theory:
        ci = describe(np.array([seen[quantity] for seen in observed]), level)
        out[quantity] = (ci["mean"], ci["ci_low"], ci["ci_high"])
    return out


def failures(table: dict[str, tuple[float, float, float]], theory: dict[str, float]) -> list[str]:
    return [
        f"{q}: expected {theory[q]:.5g}, got {mean:.5g} [{low:.5g}, {high:.5g}]"
        for q, (mean, low, high) in table.items()
        if not low <= theory[q] <= high
    ]


def loss_theory(beds: int, per_day: float = PER_DAY) -> dict[str, float]:
    offered = per_day * STAY_DAYS
    blocking = erlang_b(beds, offered)
    return {
        "listed_per_day": per_day,
        "offered": offered,
        "turned_away_share": blocking,
        "occupied_beds": offered * (1.0 - blocking),  # the carried load
        "little_gap": 0.0,
    }


def waiting_theory(beds: int, per_day: float = PER_DAY) -> dict[str, float]:
    # MMc's rates and times may be in any one unit: here listings a day and days of stay, so
    # its ``wait_min`` reads in days.
    ward = MMc(beds, per_day, STAY_DAYS)
    return {
        "listed_per_day": per_day,
        "offered": ward.offered,
        "p_wait": ward.p_wait,
        "wait_days": ward.wait_min,
        "waiting_list_length": ward.queue_length,
        "occupied_beds": ward.offered,  # everyone is admitted in the end
        "little_gap": 0.0,
    }


# -- the theory on its own --------------------------------------------------------------------------


def test_the_chosen_loads_are_substantial():
    assert PER_DAY * STAY_DAYS == 4.0  # offered load, erlangs
    assert erlang_b(BEDS, 4.0) == pytest.approx(0.19907, abs=1e-5)
    assert erlang_c(BEDS, 4.0) == pytest.approx(0.55411, abs=1e-5)
    assert MMc(BEDS, PER_DAY, STAY_DAYS).wait_min == pytest.approx(0.55411, abs=1e-5)


# -- the ward row by row ------------------------------------------------------------------------------


def beds_taken(stays: pd.DataFrame, at: pd.Series) -> np.ndarray:
    """How many stays hold a bed at each moment of ``at`` (a stay holds [admitted, discharge))."""
    admitted = np.sort(stays.admitted_min.to_numpy())
    discharged = np.sort(stays.discharge_min.to_numpy())
    moments = at.to_numpy()
    return np.searchsorted(admitted, moments, side="right") - np.searchsorted(
        discharged, moments, side="right"
    )


def test_without_a_waiting_list_a_patient_is_turned_away_exactly_when_every_bed_is_taken():
    one = runs(replications=1, waiting_list=False)[0]
    rows, stays = one.admissions, one.stays
    assert set(rows.outcome) == {"admitted", "turned_away"}
    assert (stays.admitted_min == stays.listed_min).all()  # nobody waits
    # never more than c beds taken, checked at every admission
    assert beds_taken(stays, stays.admitted_min).max() == BEDS
    # a listing is turned away if and only if it finds every bed taken
    others = beds_taken(stays, rows.listed_min) - (rows.outcome == "admitted").to_numpy()
    full = others >= BEDS
    assert (full == (rows.outcome == "turned_away").to_numpy()).all()
    assert full.sum() > 1000  # and that happens often


def test_with_a_waiting_list_patients_wait_only_for_a_full_ward_and_in_their_order():
    one = runs(replications=1, waiting_list=True)[0]
    rows = one.admissions.sort_values("listed_min", kind="stable")
    assert set(rows.outcome) == {"admitted"}
    assert beds_taken(rows, rows.admitted_min).max() == BEDS
    waited = (rows.admitted_min > rows.listed_min).to_numpy()
    # beds held by others as the patient is listed (admitted before, not yet discharged)
    held = beds_taken(rows, rows.listed_min) - ~waited
    assert (waited == (held >= BEDS)).all()
    assert waited.sum() > 1000
    # first come, first served: admitted in the order listed
    assert rows.admitted_min.is_monotonic_increasing
    # a patient who waited takes the bed the moment another is discharged
    discharges = set(rows.discharge_min)
    assert all(t in discharges for t in rows.admitted_min[waited])
    # and the moments are those of c first-come-first-served servers, worked afresh
    free = [-math.inf] * BEDS
    expected = []
    for listed, stay in zip(rows.listed_min, rows.discharge_min - rows.admitted_min, strict=True):
        start = max(listed, heapq.heappop(free))
        heapq.heappush(free, start + stay)
        expected.append(start)
    assert np.allclose(rows.admitted_min, expected, rtol=0, atol=1e-6)


# -- the simulation against the theory ----------------------------------------------------------------


def test_without_a_waiting_list_blocking_matches_erlang_b_and_littles_law():
    observed = [r.observed(BEDS) for r in runs(waiting_list=False)]
    theory = loss_theory(BEDS)
    table = compare(observed, theory)
    assert failures(table, theory) == []
    # the table's listings agree with the metric
    one = runs(replications=1, waiting_list=False)[0]
    assert (one.listed.outcome == "turned_away").mean() == pytest.approx(
        one.metrics["beds_turned_away_share"]
    )
    # one bed more or fewer is rejected: the interval is tight enough to see a wrong ward
    _, low, high = table["turned_away_share"]
    for beds in (BEDS - 1, BEDS + 1):
        assert not low <= erlang_b(beds, PER_DAY * STAY_DAYS) <= high


def test_with_a_waiting_list_the_wait_matches_erlang_c_and_littles_law():
    observed = [r.observed(BEDS) for r in runs(waiting_list=True)]
    theory = waiting_theory(BEDS)
    table = compare(observed, theory)
    assert failures(table, theory) == []
    # Erlang C's figures for one bed more are rejected (one fewer is unstable)
    more = MMc(BEDS + 1, PER_DAY, STAY_DAYS)
    for quantity, value in (("p_wait", more.p_wait), ("wait_days", more.wait_min)):
        _, low, high = table[quantity]
        assert not low <= value <= high, quantity


@pytest.mark.parametrize(
    "stay",
    [
        {"dist": "fixed", "mean": STAY_DAYS},
        {"dist": "lognormal", "mean": STAY_DAYS, "cv": 1.5},
    ],
    ids=["fixed", "lognormal"],
)
def test_blocking_is_insensitive_to_the_stay_distribution(stay):
    # M/G/c/c: Erlang B depends on the stays' mean only
    observed = [r.observed(BEDS) for r in runs(replications=6, waiting_list=False, stay=stay)]
    theory = loss_theory(BEDS)
    assert failures(compare(observed, theory), theory) == []


def test_a_smaller_ward_waits_longer_and_turns_more_away():
    # The same patients (common random numbers), wards of 5, 6 and 8 beds.
    sizes = (BEDS, BEDS + 1, BEDS + 3)
    for replication in range(3):
        waits = [
            run(key(beds=b, horizon_days=400.0), replication).metrics["bed_wait_days"]
            for b in sizes
        ]
        refused = [
            run(key(beds=b, waiting_list=False, horizon_days=400.0), replication).metrics[
                "beds_turned_away_share"
            ]
            for b in sizes
        ]
        assert waits[0] > waits[1] > waits[2] > 0, waits
        assert refused[0] > refused[1] > refused[2] > 0, refused


@pytest.mark.slow
@pytest.mark.parametrize("waiting_list", [False, True], ids=["erlang_b", "erlang_c"])
def test_heavier_load_matches_theory_precisely(waiting_list):
    # rho = 0.9 on 10 beds, 40 replications of 3,600 days (about 32,000 listings each); the
    # queue's relaxation time is about 1 / (sqrt(c) - sqrt(a))^2 = 38 days, so 100 days' warm-up
    beds, per_day = 10, 9.0
    options = {"beds": beds, "waiting_list": waiting_list, "per_day": per_day}
    scale = {"horizon_days": 3600.0, "warmup_days": 100.0}
    observed = [run(key(**scale, **options), r).observed(beds) for r in range(40)]
    theory = (waiting_theory if waiting_list else loss_theory)(beds, per_day)
    table = compare(observed, theory)
    assert failures(table, theory) == []
    # tight: the headline figure within a few percent, its neighbours' theory outside
    headline = "wait_days" if waiting_list else "turned_away_share"
    mean, low, high = table[headline]
    assert (high - low) / 2 < (0.07 if waiting_list else 0.015) * theory[headline]
    for other in (beds - 1, beds + 1) if not waiting_list else (beds + 1,):
        figure = (
            MMc(other, per_day, STAY_DAYS).wait_min
            if waiting_list
            else erlang_b(other, per_day * STAY_DAYS)
        )
        assert not low <= figure <= high, other
