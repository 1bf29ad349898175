"""A facility during one run: its stations as SimPy resources, open only in opening hours."""

from __future__ import annotations

from collections import deque
from collections.abc import Generator

import simpy
from simpy.events import Event

from .world import FacilityPlan

# Queue priorities at a station with a green channel: lower goes first.
PRIORITY_REFERRED, PRIORITY_NORMAL = 0, 1


class Station:
    """One queue with ``capacity`` servers (registration windows, doctors, an exam unit...).

    First come, first served, in exactly the event order of ``simpy.Resource``: a request is
    granted at once if a server is free and the head of the line is served, but the patient
    goes on only when that grant's event is processed; a release frees the server at once and
    lets the next in line in when the release's own event is processed.  Without Resource's
    request and release objects, since a station visit is the model's commonest step.

    With a green channel (``priority``), the line is kept in order of priority, first come
    first served within one, as ``simpy.PriorityResource`` keeps it.
    """

    __slots__ = (
        "env",
        "name",
        "facility",
        "rows",
        "capacity",
        "busy",
        "waiting",
        "priority",
        "ranks",
    )

    def __init__(
        self,
        env: simpy.Environment,
        facility: FacilityPlan,
        name: str,
        capacity: int,
        rows: list,
        priority: bool = False,
    ) -> None:
        self.env = env
        self.name = name
        self.facility = facility
        self.rows = rows
        self.capacity = capacity
        self.busy = 0
        self.waiting: deque[Event] = deque()
        self.priority = priority
        self.ranks: deque[int] = deque()  # the waiting requests' priorities, with a green channel

    def serve(
        self, patient: int, service_min: float, priority: int = PRIORITY_NORMAL
    ) -> Generator[simpy.Event, None, bool]:
        """Queue, then be served for ``service_min``; ``priority`` counts only with a green
        channel, where lower goes first.

        Returns False, unserved, if the facility is closed when the patient arrives: the patient
        has to come back at the next opening.  Whoever joined the queue before closing time is
        still served, as outpatient departments see the patients they have registered.
        """
        env = self.env
        arrive = env.now
        if not self.facility.hours.is_open(arrive):
            return False
        request = Event(env)
        self._join(request, priority)
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
                self._leave(request)
            if not isinstance(error, GeneratorExit):
                self._release(granted)
            raise
        self._release(True)
        self.rows.append((patient, self.facility.index, self.name, arrive, start, env.now))
        return True

    def _join(self, request: Event, priority: int) -> None:
        if not self.priority:
            self.waiting.append(request)
            return
        # Behind everyone of the same or a higher priority (a lower number).
        place = next((i for i, rank in enumerate(self.ranks) if rank > priority), len(self.ranks))
        self.waiting.insert(place, request)
        self.ranks.insert(place, priority)

    def _leave(self, request: Event) -> None:
        place = self.waiting.index(request)
        del self.waiting[place]
        if self.priority:
            del self.ranks[place]

    def _grant(self, _event: Event | None = None) -> None:
        """Let the head of the line in if a server is free."""
        if self.waiting and self.busy < self.capacity:
            self.busy += 1
            if self.priority:
                self.ranks.popleft()
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

    def __init__(
        self, env: simpy.Environment, plan: FacilityPlan, rows: list, priority: bool = False
    ) -> None:
        def station(name: str, capacity: int) -> Station | None:
            return Station(env, plan, name, capacity, rows, priority) if capacity > 0 else None

        self.plan = plan
        self.registration = station("registration", plan.registration)
        self.doctors = {d: station(f"doctor:{d}", n) for d, n in plan.doctors.items()}
        self.cashier = station("cashier", plan.cashier)
        self.pharmacy = station("pharmacy", plan.pharmacy)
        self.exams = {t: station(f"exam:{t}", n) for t, n in plan.exams.items()}

    def doctor(self, department: str) -> Station:
        return self.doctors[self.plan.department(department)]
