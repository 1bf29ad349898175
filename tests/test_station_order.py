"""A station serves patients exactly as simpy.Resource would (a green channel's line exactly as
simpy.PriorityResource would), ties at the same minute included.

The rows are compared sorted: the model's stations write a patient's row when the service
starts (its end is known then), the reference when it ends.
"""

from __future__ import annotations

import math
from functools import partial
from types import SimpleNamespace

import simpy
from hypothesis import given, settings
from hypothesis import strategies as st

from carepath.system.clock import At
from carepath.system.site import PRIORITY_NORMAL, PriorityStation, Station

ALWAYS_OPEN = SimpleNamespace(
    index=0,
    hours=SimpleNamespace(is_open=lambda now: True, opening=lambda now: (-math.inf, math.inf)),
)


def with_resource(env, name, capacity, rows, priority=False):
    """The reference: simpy.Resource (PriorityResource for a green channel) used as SimPy's
    documentation shows."""
    resource = (simpy.PriorityResource if priority else simpy.Resource)(env, capacity)

    def serve(patient, service_min, rank=PRIORITY_NORMAL):
        arrive = env.now
        request = resource.request(priority=rank) if priority else resource.request()
        with request:
            yield request
            start = env.now
            yield env.timeout(service_min)
        rows.append((patient, 0, name, arrive, start, env.now))
        return True

    return serve


def with_station(env, name, capacity, rows, priority=False):
    """The model's station, used as the journey uses it: the service's end is known on joining,
    and the patient goes on from there on their own clock."""
    if priority:
        return PriorityStation(env, ALWAYS_OPEN, name, capacity, rows).serve_in_line
    station = Station(ALWAYS_OPEN, name, capacity, rows)

    def serve(patient, service_min):
        end = station.serve(patient, env.now, service_min)
        yield At(env, end)
        return True

    return serve


def timeline(make, capacities, patients):
    """Rows of patients going through two stations in turn (whole minutes: many ties)."""
    env = simpy.Environment()
    rows: list[tuple] = []
    first, second = (make(env, name, n, rows) for name, n in zip("ab", capacities, strict=True))

    def patient(pid, onset, service_1, pause, service_2):
        yield env.timeout(onset)
        yield from first(pid, service_1)
        yield env.timeout(pause)
        yield from second(pid, service_2)

    for pid, minutes in enumerate(patients):
        env.process(patient(pid, *minutes))
    env.run()
    return rows


minutes = st.integers(min_value=0, max_value=4)


@settings(max_examples=200, deadline=None)
@given(
    capacities=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    patients=st.lists(st.tuples(minutes, minutes, minutes, minutes), min_size=1, max_size=25),
)
def test_a_station_serves_in_the_order_of_simpy_resource(capacities, patients) -> None:
    expected = sorted(timeline(with_resource, capacities, patients))
    assert sorted(timeline(with_station, capacities, patients)) == expected
    assert len(expected) == 2 * len(patients)


def test_the_line_waits_for_a_free_server_first_come_first_served() -> None:
    rows = timeline(with_station, (1, 1), [(0, 5, 0, 1), (0, 5, 0, 1), (1, 2, 0, 1)])
    assert [(r[0], r[3], r[4], r[5]) for r in rows if r[2] == "a"] == [
        (0, 0, 0, 5),
        (1, 0, 5, 10),
        (2, 1, 10, 12),
    ]


def prioritised_timeline(make, capacity, patients):
    env = simpy.Environment()
    rows: list[tuple] = []
    serve = make(env, "a", capacity, rows)

    def patient(pid, onset, service, priority):
        yield env.timeout(onset)
        yield from serve(pid, service, priority)

    for pid, minutes in enumerate(patients):
        env.process(patient(pid, *minutes))
    env.run()
    return rows


@settings(max_examples=200, deadline=None)
@given(
    capacity=st.integers(1, 3),
    patients=st.lists(
        st.tuples(minutes, st.integers(1, 4), st.integers(0, 1)), min_size=1, max_size=25
    ),
)
def test_a_green_channel_station_serves_in_the_order_of_simpy_priority_resource(
    capacity, patients
) -> None:
    expected = prioritised_timeline(partial(with_resource, priority=True), capacity, patients)
    actual = prioritised_timeline(partial(with_station, priority=True), capacity, patients)
    assert sorted(actual) == sorted(expected)
