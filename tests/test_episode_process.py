"""An episode's process runs as a SimPy process does, without its start and end events."""

from __future__ import annotations

import pytest
import simpy

from carepath.system.episode_process import EpisodeProcess


def test_steps_resume_at_their_events_with_their_values():
    env = simpy.Environment()
    seen: list[tuple[float, object]] = []

    def steps():
        seen.append((env.now, "start"))
        early = env.timeout(1, value="early")
        value = yield env.timeout(3, value="three")
        seen.append((env.now, value))
        # an event processed before the process asks for it: its value at once
        value = yield early
        seen.append((env.now, value))
        value = yield env.timeout(2)
        seen.append((env.now, value))

    env.process(_driver(env, steps))
    env.run()
    assert seen == [(0, "start"), (3, "three"), (3, "early"), (5, None)]


def _driver(env, steps):
    # EpisodeProcess starts at once: inside a process, as the day's onsets start episodes.
    EpisodeProcess(steps())
    yield env.timeout(0)


def test_the_first_step_is_taken_at_once_and_nothing_is_scheduled_for_start_or_end():
    env = simpy.Environment()
    order: list[str] = []

    def steps(name: str, delay: float):
        order.append(name)
        yield env.timeout(delay)
        order.append(f"{name} done")

    EpisodeProcess(steps("a", 2))
    EpisodeProcess(steps("b", 1))
    assert order == ["a", "b"]
    assert len(env._queue) == 2  # the two timeouts only: no Initialize events
    env.run()
    assert order == ["a", "b", "b done", "a done"]
    assert not env._queue  # no end-of-process events either


def test_first_steps_come_in_the_order_simpy_would_take_them():
    """SimPy runs a moment's Initialize events (urgent) in the order the processes were made,
    before the other events of that moment: the order EpisodeProcess takes first steps in."""

    def trace(start):
        env = simpy.Environment()
        order: list[str] = []

        def steps(name: str):
            order.append(f"{name} starts at {env.now}")
            yield env.timeout(0)
            order.append(f"{name} goes on at {env.now}")

        def onsets():
            yield env.timeout(5)
            for name in ("p1", "p2", "p3"):
                start(env, steps(name))

        def other():
            yield env.timeout(5)
            order.append(f"another process at {env.now}")

        env.process(onsets())
        env.process(other())
        env.run()
        return order

    simpy_order = trace(lambda env, steps: env.process(steps))
    assert trace(lambda env, steps: EpisodeProcess(steps)) == simpy_order


def test_a_failed_event_is_thrown_into_the_steps_and_may_be_handled():
    env = simpy.Environment()
    caught: list[str] = []

    def steps():
        failing = env.event()
        failing.fail(ValueError("no bed"))
        try:
            yield failing
        except ValueError as error:
            caught.append(f"{error} at {env.now}")
        yield env.timeout(1)
        caught.append(f"on at {env.now}")

    EpisodeProcess(steps())
    env.run()
    assert caught == ["no bed at 0", "on at 1"]


def test_an_error_in_the_steps_stops_the_run():
    env = simpy.Environment()

    def steps():
        yield env.timeout(1)
        raise RuntimeError("a broken step")

    EpisodeProcess(steps())
    with pytest.raises(RuntimeError, match="a broken step"):
        env.run()
