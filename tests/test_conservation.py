"""Every patient who arrives is accounted for: finished, or still in care at the end."""

from __future__ import annotations

from collections import Counter

import pytest

from carepath.accounting.metrics import compute
from carepath.accounting.tally import tally_of
from carepath.execution.replication import simulate
from carepath.inputs.arms import WITHOUT
from carepath.system.world import World
from conftest import tiny


def busy(drain_days: float):
    """The tiny world with steady Poisson demand and a slow doctor, over two days."""
    scenario = tiny(
        simulation={
            "warmup_days": 0,
            "horizon_days": 2,
            "drain_days": drain_days,
            "replications": 1,
            "seed": 3,
        }
    )
    data = scenario.model_dump()
    data["zones"][0]["episodes_per_person_year"] = 30.0
    data["conditions"][0]["followup"] = {"probability": 0.5, "after_days": 1}
    return World.build(type(scenario).model_validate(data))


@pytest.mark.parametrize("drain_days", [0.0, 0.25, 10.0])
def test_every_episode_is_finished_or_still_in_care(drain_days):
    world = busy(drain_days)
    records = simulate(world, WITHOUT, seed=3, replication=0, full_log=True)
    episodes = records.table("episodes")
    finished = episodes.end_min.notna()
    metrics = compute(tally_of(records, world))
    assert len(episodes) > 50
    assert metrics["episodes"] == len(episodes)
    assert metrics["episodes_in_care"] == (~finished).sum()
    if drain_days == 10.0:
        assert finished.all()
    else:
        assert not finished.all()
    # every finished patient went home as often as they set out
    trips = records.table("trips")
    done = set(episodes.patient[finished])
    out = Counter(trips.patient[(trips.origin == -1) & trips.patient.isin(done)])
    back = Counter(trips.patient[(trips.destination == -1) & trips.patient.isin(done)])
    assert out == back
    # every arrival at a facility belongs to an episode that started
    assert set(records.table("visits").patient) <= set(episodes.patient)


def test_served_station_visits_never_overlap_beyond_capacity():
    world = busy(10.0)
    records = simulate(world, WITHOUT, seed=3, replication=0, full_log=True)
    stations = records.table("stations")
    served = stations
    assert (served.start_min >= served.arrive_min).all()
    assert (served.end_min >= served.start_min).all()
    for (facility, station), rows in served.groupby(["facility", "station"]):
        events = sorted([(t, 1) for t in rows.start_min] + [(t, -1) for t in rows.end_min])
        in_service, most = 0, 0
        for _, step in events:
            in_service += step
            most = max(most, in_service)
        plan = world.facilities[facility]
        capacity = {
            "registration": plan.registration,
            "cashier": plan.cashier,
            "pharmacy": plan.pharmacy,
        }
        capacity.update({f"doctor:{d}": n for d, n in plan.doctors.items()})
        capacity.update({f"exam:{t}": n for t, n in plan.exams.items()})
        assert most <= capacity[station]
