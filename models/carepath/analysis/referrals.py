"""Referral load: who arrives at each tier referred (up or down), who bypasses primary care,
and how many visits stay inside the county (REFORMS.md 3: Suixi's in-county share).

Loads count arrivals in the measured period, whoever they are, as patients per week.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..inputs.schema import TIERS
from ..observation.records import Records
from ..system.hours import DAY_MIN
from ..system.world import TIER_RANK, World
from .window import measured_window

WEEK_MIN = 7 * DAY_MIN
REFERRAL_KINDS = ("referral_up", "referral_down")

REFERRAL_METRICS: tuple[str, ...] = (
    "referral_load_township",
    "referral_load_county",
    "referral_load_city",
    "referral_up_load_county",
    "referral_up_load_city",
    "referral_down_load_township",
    "self_referrals_county",
    "self_referrals_city",
    "referred_wait_min",
    "in_county_share",
)


def weeks_of(world: World) -> int:
    return math.ceil(world.scenario.simulation.horizon_days / 7)


def weekly_names(world: World) -> list[str]:
    """``referral_load_<tier>_week<NN>``: referred arrivals (up and down) at a tier in measured
    week NN (from 01), per 7 days (a shorter last week is scaled up)."""
    return [
        f"referral_load_{tier}_week{week:02d}"
        for tier in TIERS
        for week in range(1, weeks_of(world) + 1)
    ]


def referral_metrics(
    records: Records, world: World, window: tuple[float, float], measured_ids: np.ndarray
) -> dict[str, float]:
    """The loads, per week of the measured period, and the measured episodes' in-county share."""
    start, end = window
    weeks = (end - start) / WEEK_MIN
    rank = np.array([f.rank for f in world.facilities])
    visits = records.table("visits")
    arrivals = visits[(visits.arrive_min >= start) & (visits.arrive_min < end)]
    arrival_rank = rank[arrivals.facility.to_numpy(dtype=int)]
    kind = arrivals.kind.to_numpy()
    referred = np.isin(kind, REFERRAL_KINDS)
    up, down, first = kind == "referral_up", kind == "referral_down", kind == "first"
    county, city = TIER_RANK["county"], TIER_RANK["city"]

    def per_week(mask: np.ndarray, tier_rank: int) -> float:
        return float((mask & (arrival_rank == tier_rank)).sum()) / weeks

    values = {
        "referral_load_township": per_week(referred, TIER_RANK["township"]),
        "referral_load_county": per_week(referred, county),
        "referral_load_city": per_week(referred, city),
        "referral_up_load_county": per_week(up, county),
        "referral_up_load_city": per_week(up, city),
        "referral_down_load_township": per_week(down, TIER_RANK["township"]),
        "self_referrals_county": per_week(first, county),
        "self_referrals_city": per_week(first, city),
        "referred_wait_min": _referred_wait(records, world, arrivals[up]),
        "in_county_share": _in_county_share(visits, rank, measured_ids),
    }
    values.update(_weekly(arrivals[referred], arrival_rank[referred], world, start, end))
    return values


def _weekly(
    referred: pd.DataFrame, ranks: np.ndarray, world: World, start: float, end: float
) -> dict[str, float]:
    count = weeks_of(world)
    week = _week(referred.arrive_min, start, count)
    values = {}
    for tier in TIERS:
        mine = week[ranks == TIER_RANK[tier]]
        for w in range(count):
            days = (min(end, start + (w + 1) * WEEK_MIN) - (start + w * WEEK_MIN)) / DAY_MIN
            values[f"referral_load_{tier}_week{w + 1:02d}"] = float((mine == w).sum()) * 7 / days
    return values


def _referred_wait(records: Records, world: World, referred_up: pd.DataFrame) -> float:
    """Mean minutes queued per referral arrival at a county or city hospital, on that visit
    (until the patient leaves or is sent home by closing time)."""
    receiving = referred_up[
        np.array([world.facilities[f].rank for f in referred_up.facility], dtype=int)
        >= TIER_RANK["county"]
    ]
    if not len(receiving):
        return 0.0
    stations = records.table("stations")
    visits = records.table("visits").sort_values("arrive_min", kind="stable")
    rows = stations.sort_values("arrive_min", kind="stable")
    # Each station row belongs to the patient's latest arrival at a facility before it.
    matched = pd.merge_asof(
        rows,
        visits.rename(columns={"arrive_min": "visit_min", "facility": "visit_facility"}),
        left_on="arrive_min",
        right_on="visit_min",
        by="patient",
    )
    keys = set(zip(receiving.patient, receiving.arrive_min, strict=True))
    mine = [(p, t) in keys for p, t in zip(matched.patient, matched.visit_min, strict=True)]
    on_visit = matched[np.array(mine, dtype=bool)]
    waited = float((on_visit.start_min - on_visit.arrive_min).sum())
    return waited / len(receiving)


def _in_county_share(visits: pd.DataFrame, rank: np.ndarray, measured_ids: np.ndarray) -> float:
    """Share of the measured episodes' facility visits (returns after closing not counted again)
    made inside the county: at village, township or county facilities, not a city hospital."""
    mine = visits[np.isin(visits.patient.to_numpy(), measured_ids) & (visits.kind != "return")]
    if not len(mine):
        return 0.0
    return float((rank[mine.facility.to_numpy(dtype=int)] < TIER_RANK["city"]).mean())


FACILITY_WEEK_COLUMNS = (
    "facility",
    "tier",
    "week",
    "referred_up",
    "referred_down",
    "self_referred",
    "wait_min",
    "queue_length",
)


def facility_week_rows(records: Records, world: World) -> list[tuple]:
    """Per facility and measured week: referred arrivals (up, down), first visits straight to a
    county or city hospital, mean minutes queued at its stations, and the time-average number
    queueing (queued minutes over the week's minutes).  Facilities with no arrival and no queue
    that week are left out."""
    start, end = measured_window(world)
    count = weeks_of(world)
    visits = records.table("visits")
    visits = visits[(visits.arrive_min >= start) & (visits.arrive_min < end)]
    stations = records.table("stations")
    stations = stations[(stations.arrive_min >= start) & (stations.arrive_min < end)]
    rank = np.array([f.rank for f in world.facilities])
    first_at_hospital = (visits.kind == "first") & (
        rank[visits.facility.to_numpy(dtype=int)] >= TIER_RANK["county"]
    )
    arrivals = pd.DataFrame(
        {
            "facility": visits.facility,
            "week": _week(visits.arrive_min, start, count),
            "referred_up": visits.kind == "referral_up",
            "referred_down": visits.kind == "referral_down",
            "self_referred": first_at_hospital,
        }
    )
    queued = pd.DataFrame(
        {
            "facility": stations.facility,
            "week": _week(stations.arrive_min, start, count),
            "wait": stations.start_min - stations.arrive_min,
        }
    )
    counts = arrivals.groupby(["facility", "week"]).sum()
    waits = queued.groupby(["facility", "week"]).wait.agg(["mean", "sum"])
    table = counts.join(waits, how="outer").fillna(0.0).sort_index()
    rows = []
    for (facility, week), row in table.iterrows():
        week_min = min(end, start + (week + 1) * WEEK_MIN) - (start + week * WEEK_MIN)
        plan = world.facilities[int(facility)]
        rows.append(
            (
                plan.id,
                plan.tier,
                int(week) + 1,
                int(row.referred_up),
                int(row.referred_down),
                int(row.self_referred),
                float(row["mean"]),
                float(row["sum"]) / week_min,
            )
        )
    return rows


def _week(times: pd.Series, start: float, count: int) -> np.ndarray:
    return np.minimum(((times.to_numpy() - start) // WEEK_MIN).astype(int), count - 1)
