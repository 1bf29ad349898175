"""A visit's steps inside a facility: queue at a station, register, have the tests ordered done
(pay, exam, wait for the result), pay, collect the drugs; caught by closing time, go home and
come back at the next opening.  Reforms change single steps (``mechanisms.Decisions``).
"""

from __future__ import annotations

import math
from collections.abc import Generator

import simpy

from ..inputs.schema import TEST_TYPES
from ..observation.records import RESULT_REVIEW, Records
from ..system.clock import At
from ..system.hours import DAY_MIN
from ..system.site import ImpatientStation, Left, PriorityStation, Site, Station
from ..system.world import ConditionPlan, World
from .admission import Admissions
from .booked_exams import booked_exams
from .mechanisms import Decisions
from .moves import Moves, Process
from .patient import Patient
from .seeking import Seeking


class GaveUp(Exception):
    """A patient who left a queue and does not come back: the illness goes without care."""


class FacilitySteps(Moves):
    """The steps of facility visits, with the arm's reforms deciding single steps
    (``decide``)."""

    def __init__(
        self,
        env: simpy.Environment,
        world: World,
        sites: list[Site],
        records: Records,
        decide: Decisions,
        seeking: Seeking | None = None,
        admissions: Admissions | None = None,
    ) -> None:
        super().__init__(env, world, sites, records)
        self.decide = decide
        self.seeking = seeking  # None: every illness seeks care at once and queues to the end
        self.admissions = admissions  # None: no condition ever needs a bed
        self._order_cache: dict[tuple[int, int, bool], tuple[tuple[str, str, float], ...]] = {}

    def at(
        self,
        patient: Patient,
        site: Site,
        station: Station | PriorityStation | None,
        service_min: float,
        leg: int,
        extra_walk_min: float = 0.0,
    ) -> Process:
        """Walk to a station, queue, be served; caught by closing time, come back next opening."""
        if station is None:
            return
        walk_min = site.plan.walk_min + extra_walk_min
        while True:
            patient.now += walk_min
            if patient.now > self.env.now:  # _catch_up, inlined: once per station visit
                yield At(self.env, patient.now)
            if isinstance(station, PriorityStation):
                impatience = patient.impatience if station.may_leave else None
                served = yield from station.serve_in_line(
                    patient.id, service_min, patient.priority, impatience
                )
                if isinstance(served, Left):
                    yield from self.leave_queue(patient, site, station, served, leg)
                    continue
                end = served
            elif patient.impatience is not None and isinstance(station, ImpatientStation):
                outcome = station.serve_or_leave(
                    patient.id, patient.now, service_min, *patient.impatience
                )
                if isinstance(outcome, Left):
                    yield from self.leave_queue(patient, site, station, outcome, leg)
                    continue
                end = outcome
            else:
                end = station.serve(patient.id, patient.now, service_min)
            if end is not None:
                patient.now = end
                return
            # Turned away at the registration window itself: back to queue there, once.
            again = station is not site.registration
            yield from self.come_back(patient, site, leg, register_again=again)

    def leave_queue(
        self, patient: Patient, site: Site, station: Station | PriorityStation, left: Left, leg: int
    ) -> Process:
        """Out of the queue (balked or reneged): home, and back the next day to queue there
        again (registering again first), or give up (``GaveUp``)."""
        seeking = self.seeking
        assert seeking is not None  # only patients who choose are impatient
        patient.now = left.time_min
        seeking.left(patient, site.plan.index, left.kind, left.time_min, left.wait_min)
        patient.times_left += 1
        if not seeking.comes_back(patient, patient.times_left):
            raise GaveUp
        tomorrow = (patient.now // DAY_MIN + 1) * DAY_MIN
        yield from self.come_back(
            patient, site, leg, not_before=tomorrow, register_again=station is not site.registration
        )

    def register(self, patient: Patient, site: Site, leg: int) -> Process:
        """Registration, paying the registration and consultation fees at the window."""
        now, plan = patient.now, site.plan
        if not self.decide.registration_due(patient, site, now):
            return
        charges = self.records.charges  # ChargeRow
        charges.append((patient.id, plan.index, "registration", plan.registration_fee_yuan, now))
        charges.append((patient.id, plan.index, "consultation", plan.consultation_fee_yuan, now))
        yield from self.at(
            patient,
            site,
            site.registration,
            plan.service["registration"](patient.u(leg, "registration")),
            leg,
        )

    def tests_ordered(self, patient: Patient, site: Site, leg: int, followup: bool) -> list[str]:
        """Tests the doctor orders here, among those the facility can do."""
        return [
            test
            for test, slot, chance in self._orders(patient.condition, site, followup)
            if patient.u(leg, slot) < chance
        ]

    def _orders(
        self, condition: ConditionPlan, site: Site, followup: bool
    ) -> tuple[tuple[str, str, float], ...]:
        """(test, its order slot, chance) of each test the doctor may order here; a test never
        ordered has no need of its draw, which stays unused as a skipped step's does."""
        key = (condition.index, site.plan.index, followup)
        orders = self._order_cache.get(key)
        if orders is None:
            rank = site.plan.rank
            chances = (
                (test, condition.followup_tests.get(test, 0.0))
                if followup
                else (test, condition.tests.get(test, {}).get(rank, 0.0))
                for test in TEST_TYPES
                if test in site.exams
            )
            orders = tuple((test, f"order:{test}", p) for test, p in chances if p > 0.0)
            self._order_cache[key] = orders
        return orders

    def do_tests(
        self, patient: Patient, site: Site, leg: int, ordered: list[str]
    ) -> Generator[simpy.Event, None, bool]:
        """Pay for the tests not recognised, do each exam, wait for the last result.

        Returns whether any exam was done (and so needs reviewing with the doctor).
        """
        plan, records = site.plan, self.records
        decide = self.decide
        to_do = []
        for test in ordered:
            if decide.recognises(patient, site, test, leg, patient.now):
                records.tests.append((patient.id, plan.index, test, "avoided", patient.now))
            else:
                to_do.append(test)
        if not to_do:
            return False
        fees = [(f"test:{t}", plan.test_fee_yuan[t]) for t in to_do]
        yield from self.pay(patient, site, leg, "cashier_tests", fees)
        ready, readings = patient.now, []
        order_day = math.floor(patient.now / DAY_MIN)
        booked = [t for t in to_do if t in site.books] if site.books else []
        for test in to_do if not booked else [t for t in to_do if t not in site.books]:
            exam_min = self.world.tests[test].exam(patient.u(leg, f"exam:{test}"))
            yield from self.at(patient, site, site.exams[test], exam_min, leg)
            records.tests.append((patient.id, plan.index, test, "performed", patient.now))
            if decide.reads_remotely(site, test):
                yield from self._catch_up(patient)  # the reading centre's queue is shared
                readings.append(decide.reader.remote_reading(patient, site, test, leg))
                continue
            patient.results.append((test, plan.index, plan.index, patient.now))
            turnaround = self.world.tests[test].turnaround(patient.u(leg, f"turnaround:{test}"))
            ready = max(ready, patient.now + turnaround)
        if readings:
            yield from self._catch_up(patient)
            yield self.env.all_of(readings)
            patient.now = self.env.now
        if booked:
            ready = yield from booked_exams(self, patient, site, leg, booked, ready)
        ready = max(ready, patient.now)
        kind = "return" if not booked else RESULT_REVIEW
        if not plan.hours.is_open(ready):
            yield from self.come_back(patient, site, leg, not_before=ready, kind=kind)
        elif booked and math.floor(ready / DAY_MIN) != order_day:
            patient.now = ready  # back with the result another day: registered again
            yield from self.register(patient, site, leg)
        else:
            patient.now = ready
        return True

    def pay(
        self, patient: Patient, site: Site, leg: int, slot: str, fees: list[tuple[str, float]]
    ) -> Process:
        """Fees charged, at the cashier window unless a reform bills them otherwise."""
        now, plan = patient.now, site.plan
        for item, fee in fees:
            self.records.charges.append((patient.id, plan.index, item, fee, now))
        total = sum(fee for _, fee in fees)
        if self.decide.pays_at_cashier(patient, site, total, now):
            cashier_min = plan.service["cashier"](patient.u(leg, slot))
            yield from self.at(patient, site, site.cashier, cashier_min, leg, plan.cashier_walk_min)

    def refers_up(self, patient: Patient, site: Site, leg: int) -> bool:
        plan, condition = site.plan, patient.condition
        if plan.refers_to is None:
            return False
        if condition.lowest_rank > plan.rank:
            return True
        return patient.u(leg, "referral_up") < condition.referral_up.get(plan.rank, 0.0)

    def treat(self, patient: Patient, site: Site, leg: int) -> Process:
        """Pay for and collect the drugs."""
        fee = patient.condition.drug_fee_yuan
        if fee > 0:
            yield from self.pay(patient, site, leg, "cashier_drugs", [("drugs", fee)])
        yield from self.at(
            patient,
            site,
            site.pharmacy,
            site.plan.service["pharmacy"](patient.u(leg, "pharmacy")),
            leg,
        )

    def come_back(
        self,
        patient: Patient,
        site: Site,
        leg: int,
        not_before: float = 0.0,
        register_again: bool = True,
        kind: str = "return",
    ) -> Process:
        """Closed: home now, back at the next opening, and register again (unless it was the
        registration window that was closed)."""
        self.go_home(patient)
        self.travel(patient, site.plan.index, kind, leg, not_before)
        if register_again:
            yield from self.register(patient, site, leg)
