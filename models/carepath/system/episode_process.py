"""A patient episode's process, started and ended without events of its own.

``env.process(generator)`` schedules an ``Initialize`` event to take the generator's first
step, and on the generator's return schedules the process itself as an event, so that others
may wait for it.  Nobody waits for a patient's episode, and a day's episodes are started where
the simulation already stands (the start of the day, ``behaviour.arrivals``): here the first
step is taken at once, and the end is not an event.  Two of a short episode's three or four
events were these.

The order of everything else is unchanged: SimPy runs a day's ``Initialize`` events (urgent)
one after another, in the order the episodes were started, before any other event of that
moment, which is the order in which the first steps are taken here.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from simpy.events import Event


class EpisodeProcess:
    """Runs ``steps`` from now: each event it yields resumes it with the event's value (or
    throws the event's exception into it), as a SimPy process does."""

    __slots__ = ("steps",)

    def __init__(self, steps: Generator[Event, Any, Any]) -> None:
        self.steps = steps
        self._go(None, True)

    def _resume(self, event: Event) -> None:
        if not event._ok:
            event._defused = True  # handled here, as by a SimPy process
        self._go(event._value, event._ok)

    def _go(self, value: object, ok: bool) -> None:
        steps = self.steps
        while True:
            try:
                if ok:
                    event = steps.send(value)
                else:
                    # As SimPy: an exclusive copy of the failed event's exception.
                    assert isinstance(value, BaseException)
                    copy = type(value)(*value.args)
                    copy.__cause__ = value
                    event = steps.throw(copy)
            except StopIteration:
                return
            if event.callbacks is not None:
                event.callbacks.append(self._resume)
                return
            # An event already processed: go on with its outcome at once.
            if not event._ok:
                event._defused = True
            value, ok = event._value, event._ok
