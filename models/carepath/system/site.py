"""A facility during one run: its stations (queues with servers), open only in opening hours."""

from __future__ import annotations

import math
from collections.abc import Generator
from heapq import heappop, heappush, heapreplace

import simpy
from simpy.events import Event

from .booking import SlotBook
from .clock import schedule_at
from .ward import Ward
from .world import FacilityPlan

# Queue priorities at a station with a green channel: lower goes first.
PRIORITY_REFERRED, PRIORITY_NORMAL = 0, 1


class Station:
    """One first-come-first-served queue with ``capacity`` servers (registration windows,
    doctors, an exam unit...).

    A patient's service minutes are drawn before they queue, so the moment they start and
    finish is known as they join: the start is the arrival or, if every server is busy, the
    earliest moment one is free (Lindley's recursion over the servers' free times).  Patients
    must join in the order of their arrival times, which holds when each joins at its arrival
    on the simulation clock.  This is exactly ``simpy.Resource``'s first come first served
    (``tests/test_station_order.py``), without the request, grant and release events that made
    a station visit the model's costliest step.
    """

    __slots__ = ("name", "facility", "rows", "capacity", "free_min", "open_min", "close_min")

    in_line = False
    impatient = False

    def __init__(self, facility: FacilityPlan, name: str, capacity: int, rows: list[tuple]) -> None:
        self.name = name
        self.facility = facility
        self.rows = rows
        self.capacity = capacity
        self.free_min = [-math.inf] * capacity  # each server's next free moment, a heap
        # The opening the last arrival fell in: most arrivals fall in the same one.
        self.open_min, self.close_min = 0.0, 0.0

    def serve(self, patient: int, arrive: float, service_min: float) -> float | None:
        """Join the queue at ``arrive``; the minute the service ends, or None, unserved, if the
        facility is closed when the patient arrives: the patient has to come back at the next
        opening.  Whoever joined the queue before closing time is still served, as outpatient
        departments see the patients they have registered.
        """
        if not self.open_min <= arrive < self.close_min and not self._reopen(arrive):
            return None
        free = self.free_min
        start = free[0] if free[0] > arrive else arrive
        end = start + service_min
        heapreplace(free, end)
        self.rows.append((patient, self.facility.index, self.name, arrive, start, end))
        return end

    def _reopen(self, arrive: float) -> bool:
        """Whether the facility is open at ``arrive``, keeping the opening it falls in."""
        opening = self.facility.hours.opening(arrive)
        if opening is None:
            return False
        self.open_min, self.close_min = opening
        return True


class Left:
    """A patient who left a station's queue: ``kind`` balked (on arrival) or reneged (when
    their patience ran out), at ``time_min``, after ``wait_min`` in the queue."""

    __slots__ = ("kind", "time_min", "wait_min")

    def __init__(self, kind: str, time_min: float, wait_min: float) -> None:
        self.kind = kind
        self.time_min = time_min
        self.wait_min = wait_min


class ImpatientStation(Station):
    """A first-come-first-served station whose patients may balk or renege.

    Exact: as a patient joins, the start of their service is known (``Station``), and so is
    everyone's moment of leaving the queue (their start, or when their patience runs out); the
    patients waiting at an arrival are those whose moment of leaving is still ahead.  A patient
    who reneges never takes a server, so nobody behind them waits for them.
    """

    __slots__ = ("leaving",)

    impatient = True

    def __init__(self, facility: FacilityPlan, name: str, capacity: int, rows: list[tuple]) -> None:
        super().__init__(facility, name, capacity, rows)
        self.leaving: list[float] = []  # a heap: when each patient now waiting leaves the queue

    def serve_or_leave(
        self, patient: int, arrive: float, service_min: float, tolerance: int, patience_min: float
    ) -> float | Left | None:
        """As ``Station.serve``, unless more than ``tolerance`` people are waiting (balk) or
        the wait would pass ``patience_min`` (renege at that minute)."""
        if not self.open_min <= arrive < self.close_min and not self._reopen(arrive):
            return None
        leaving = self.leaving
        while leaving and leaving[0] <= arrive:
            heappop(leaving)
        if len(leaving) > tolerance:
            return Left("balked", arrive, 0.0)
        free = self.free_min
        start = free[0] if free[0] > arrive else arrive
        if start - arrive > patience_min:
            heappush(leaving, arrive + patience_min)
            return Left("reneged", arrive + patience_min, patience_min)
        if start > arrive:
            heappush(leaving, start)
        end = start + service_min
        heapreplace(free, end)
        self.rows.append((patient, self.facility.index, self.name, arrive, start, end))
        return end


class PriorityStation:
    """A station with a green channel: the line is kept in order of priority (lower goes
    first), first come first served within one, as ``simpy.PriorityResource`` keeps it.

    A later arrival can go ahead of someone already waiting, so the start is not known on
    joining: the patient waits on the simulation clock until a server takes them.  The end of a
    service is one event, which frees the server for the next in line.

    Impatient patients (``impatience``) balk when more than their tolerance are waiting ahead
    of them (those of their priority or better: exact at the arrival), and renege when their
    patience runs out before a server takes them (exact: a timeout raced against the start).
    """

    __slots__ = (
        "env",
        "name",
        "facility",
        "rows",
        "capacity",
        "busy",
        "line",
        "joined",
        "gone",
        "may_leave",
    )

    in_line = True

    def __init__(
        self,
        env: simpy.Environment,
        facility: FacilityPlan,
        name: str,
        capacity: int,
        rows: list[tuple],
    ) -> None:
        self.env = env
        self.name = name
        self.facility = facility
        self.rows = rows
        self.capacity = capacity
        self.busy = 0
        # (priority, order of joining, patient, arrive_min, service_min, end-of-service event)
        self.line: list[tuple[int, int, int, float, float, Event]] = []
        self.joined = 0
        self.gone: set[int] = set()  # orders of joining of those who reneged, still in the heap
        self.may_leave = False  # patients may balk and renege here (registration, doctors)

    def serve_in_line(
        self,
        patient: int,
        service_min: float,
        priority: int = PRIORITY_NORMAL,
        impatience: tuple[int, float] | None = None,
    ) -> Generator[simpy.Event, None, float | Left | None]:
        """Queue from now, then be served for ``service_min``; the minute the service ends, or
        None if the facility is closed (as ``Station.serve``), or ``Left`` if the patient balked
        or reneged."""
        env = self.env
        arrive = env.now
        if not self.facility.hours.is_open(arrive):
            return None
        done = Event(env)
        if self.busy < self.capacity:
            self._start(patient, arrive, service_min, done)
            yield done
            return env.now
        if impatience is not None:
            tolerance, patience_min = impatience
            ahead = sum(
                1 for entry in self.line if entry[0] <= priority and entry[1] not in self.gone
            )
            if ahead > tolerance:
                return Left("balked", arrive, 0.0)
        self.joined += 1
        order = self.joined
        heappush(self.line, (priority, order, patient, arrive, service_min, done))
        if impatience is None:
            yield done
            return env.now
        timeout = env.timeout(impatience[1])
        yield done | timeout
        if not done.triggered and not getattr(done, "started", False):
            self.gone.add(order)
            return Left("reneged", env.now, env.now - arrive)
        if not done.triggered:
            yield done
        return env.now

    def join_unattended(self, patient: int, service_min: float) -> None:
        """Join at the simulation clock's minute with no process waiting on the service (an
        outpatient from beyond the area): served in turn at normal priority, never leaving."""
        env = self.env
        if not self.facility.hours.is_open(env.now):
            return
        done = Event(env)
        if self.busy < self.capacity:
            self._start(patient, env.now, service_min, done)
            return
        self.joined += 1
        heappush(self.line, (PRIORITY_NORMAL, self.joined, patient, env.now, service_min, done))

    def _start(self, patient: int, arrive: float, service_min: float, done: Event) -> None:
        self.busy += 1
        start = self.env.now
        end = start + service_min
        done.started = True  # type: ignore[attr-defined]
        self.rows.append((patient, self.facility.index, self.name, arrive, start, end))
        done.callbacks.append(self._next)  # before the patient goes on
        schedule_at(self.env, done, end)

    def _next(self, _done: Event) -> None:
        """A service ended: the server takes the head of the line, if anyone waits (skipping
        those who reneged)."""
        self.busy -= 1
        while self.line:
            _, order, patient, arrive, service_min, done = heappop(self.line)
            if order in self.gone:
                self.gone.discard(order)
                continue
            self._start(patient, arrive, service_min, done)
            return


class Site:
    """The stations of one facility; a station of capacity 0 does not exist here."""

    __slots__ = ("plan", "registration", "doctors", "cashier", "pharmacy", "exams", "ward", "books")

    def __init__(
        self,
        env: simpy.Environment,
        plan: FacilityPlan,
        rows: list[tuple],
        priority: bool = False,
        impatient: bool = False,
        ward_rows: list[tuple] | None = None,
        waiting_list: bool = True,
    ) -> None:
        def station(
            name: str, capacity: int, patience: bool = False
        ) -> Station | PriorityStation | None:
            if capacity <= 0:
                return None
            if priority:
                in_line = PriorityStation(env, plan, name, capacity, rows)
                in_line.may_leave = patience
                return in_line
            if patience:
                return ImpatientStation(plan, name, capacity, rows)
            return Station(plan, name, capacity, rows)

        self.plan = plan
        # Patients balk and renege where they have not yet been seen: registration, doctors.
        self.registration = station("registration", plan.registration, impatient)
        self.doctors = {d: station(f"doctor:{d}", n, impatient) for d, n in plan.doctors.items()}
        self.cashier = station("cashier", plan.cashier)
        self.pharmacy = station("pharmacy", plan.pharmacy)
        self.exams = {t: station(f"exam:{t}", n) for t, n in plan.exams.items()}
        self.ward = (
            Ward(plan, plan.beds, waiting_list, ward_rows)
            if plan.beds and ward_rows is not None
            else None
        )
        # Booked exam types' slots; an exam type not here is walk-in.
        self.books = {t: SlotBook(plan.hours, *b) for t, b in plan.bookings.items()}

    def station(self, name: str) -> Station | PriorityStation | None:
        """A station by its name in the records (``registration``, ``doctor:internal``,
        ``exam:ct``)."""
        kind, _, detail = name.partition(":")
        if kind == "doctor":
            return self.doctors.get(detail)
        if kind == "exam":
            return self.exams.get(detail)
        found: Station | PriorityStation | None = getattr(self, kind)
        return found

    def doctor(self, department: str) -> Station | PriorityStation | None:
        return self.doctors[self.plan.department(department)]
