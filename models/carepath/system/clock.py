"""Waking a process at an exact minute of the simulation clock.

A patient's own steps (walking, being served at a station whose queue is known, travelling) are
computed on the patient's clock, ahead of the simulation's; the simulation needs to catch up
only where the patient meets others.  ``env.timeout(at_min - env.now)`` would land on
``env.now + (at_min - env.now)``, which rounding can put a hair away from ``at_min``.
"""

from __future__ import annotations

from heapq import heappush

import simpy
from simpy.events import NORMAL, Event


class At(Event):
    """An event processed at ``at_min`` exactly, which must not be before ``env.now``."""

    def __init__(self, env: simpy.Environment, at_min: float) -> None:
        # As simpy's Timeout, scheduled at an absolute time instead of after a delay; written
        # out rather than calling schedule_at, as a station visit makes one of these.
        self.env = env
        self.callbacks = []
        self._ok = True
        self._value = None
        heappush(env._queue, (at_min, NORMAL, next(env._eid), self))


def schedule_at(env: simpy.Environment, event: Event, at_min: float) -> None:
    """Trigger ``event`` (successfully, without a value) at ``at_min`` exactly, not before
    ``env.now``; as ``Environment.schedule``, which takes a delay."""
    event._ok = True
    event._value = None
    heappush(env._queue, (at_min, NORMAL, next(env._eid), event))
