"""A process woken ``At`` a minute is woken at exactly that minute."""

from __future__ import annotations

import simpy

from carepath.system.clock import At

# Minutes where a Timeout of (later - now) lands a rounding away from ``later``.
NOW_MIN, LATER_MIN = 0.9967513522337867, 7225.871328094102


def woken(make) -> float:
    env = simpy.Environment()
    seen: list[float] = []

    def patient():
        yield env.timeout(NOW_MIN)
        yield make(env, LATER_MIN)
        seen.append(env.now)

    env.process(patient())
    env.run()
    return seen[0]


def test_at_wakes_at_the_exact_minute_where_a_timeout_would_not() -> None:
    assert woken(lambda env, at: env.timeout(at - env.now)) != LATER_MIN
    assert woken(At) == LATER_MIN


def test_events_at_the_same_minute_keep_the_order_they_were_made_in() -> None:
    env = simpy.Environment()
    order: list[str] = []

    def patient(name: str):
        yield At(env, 5.0)
        order.append(name)

    for name in "bca":
        env.process(patient(name))
    env.run()
    assert order == ["b", "c", "a"]
