"""A facility during one run: its stations as SimPy resources, open only in opening hours."""

from __future__ import annotations

from collections import deque
from collections.abc import Generator

import simpy
from simpy.events import Event

from .world import FacilityPlan


class Station:
    """One queue with ``capacity`` servers (registration windows, doctors, an exam unit...).

    First come, first served, in exactly the event order of ``simpy.Resource``: a request is
    granted at once if a server is free and the head of the line is served, but the patient
    goes on only when that grant's event is processed; a release frees the server at once and
    lets the next in line in when the release's own event is processed.  Without Resource's
    request and release objects, since a station visit is the model's commonest step.
    """

    __slots__ = ("env", "name", "facility", "rows", "capacity", "busy", "waiting")

    def __init__(
        self, env: simpy.Environment, facility: FacilityPlan, name: str, capacity: int, rows: list
    ) -> None:
        self.env = env
        self.name = name
        self.facility = facility
        self.rows = rows
        self.capacity = capacity
        self.busy = 0
        self.waiting: deque[Event] = deque()

    def serve(self, patient: int, service_min: float) -> Generator[simpy.Event, None, bool]:
        """Queue, then be served for ``service_min``.

        Returns False, unserved, if the facility is closed when the patient arrives: the patient
        has to come back at the next opening.  Whoever joined the queue before closing time is
        still served, as outpatient departments see the patients they have registered.
        """
        env = self.env
        arrive = env.now
        if not self.facility.hours.is_open(arrive):
            return False
        request = Event(env)
        self.waiting.append(request)
        self._grant()
        try:
            yield request
            start = env.now
            yield env.timeout(service_min)
        except BaseException as error:
            # As simpy.Resource's request used in a with statement: leave the line, and give
            # the server back unless the process is only being closed.
            granted = request.triggered
            if not granted:
                self.waiting.remove(request)
            if not isinstance(error, GeneratorExit):
                self._release(granted)
            raise
        self._release(True)
        self.rows.append((patient, self.facility.index, self.name, arrive, start, env.now))
        return True

    def _grant(self, _event: Event | None = None) -> None:
        """Let the head of the line in if a server is free."""
        if self.waiting and self.busy < self.capacity:
            self.busy += 1
            self.waiting.popleft().succeed()

    def _release(self, granted: bool) -> None:
        if granted:
            self.busy -= 1
        released = Event(self.env)
        released.callbacks.append(self._grant)
        released.succeed()


class Site:
    """The stations of one facility; a station of capacity 0 does not exist here."""

    __slots__ = ("plan", "registration", "doctors", "cashier", "pharmacy", "exams")

    def __init__(self, env: simpy.Environment, plan: FacilityPlan, rows: list) -> None:
        def station(name: str, capacity: int) -> Station | None:
            return Station(env, plan, name, capacity, rows) if capacity > 0 else None

        self.plan = plan
        self.registration = station("registration", plan.registration)
        self.doctors = {d: station(f"doctor:{d}", n) for d, n in plan.doctors.items()}
        self.cashier = station("cashier", plan.cashier)
        self.pharmacy = station("pharmacy", plan.pharmacy)
        self.exams = {t: station(f"exam:{t}", n) for t, n in plan.exams.items()}

    def doctor(self, department: str) -> Station:
        return self.doctors[self.plan.department(department)]
