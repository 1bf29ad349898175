"""A facility during one run: its stations as SimPy resources, open only in opening hours."""

from __future__ import annotations

from collections.abc import Generator

import simpy

from .world import FacilityPlan

# Queue priorities at a station with a green channel: lower goes first.
PRIORITY_REFERRED, PRIORITY_NORMAL = 0, 1


class Station:
    """One queue with ``capacity`` servers (registration windows, doctors, an exam unit...)."""

    __slots__ = ("env", "name", "resource", "facility", "rows")

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
        # A plain queue unless a green channel puts referred patients first.
        self.resource = (
            simpy.PriorityResource(env, capacity) if priority else simpy.Resource(env, capacity)
        )
        self.rows = rows

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
        resource = self.resource
        request = (
            resource.request(priority=priority)
            if isinstance(resource, simpy.PriorityResource)
            else resource.request()
        )
        with request:
            yield request
            start = env.now
            yield env.timeout(service_min)
        self.rows.append((patient, self.facility.index, self.name, arrive, start, env.now))
        return True


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
