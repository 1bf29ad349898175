"""The patient journey (DESIGN.md, steps 1-8): one SimPy process per patient episode.

An episode: choose a first-contact facility, travel there, register, see a doctor, do the tests
ordered (pay, exam, wait for the result, back to the doctor), then be treated or referred up to
the next facility, where it starts again; after treatment maybe a follow-up visit some days
later, at the same facility or referred down to primary care.  A patient caught by closing time
goes home and comes back at the next opening.  Reform mechanisms change single steps.
"""

from __future__ import annotations

import math
from collections.abc import Generator

import simpy

from ..inputs.schema import TEST_TYPES
from ..observation.records import HOME, EpisodeRow, Records
from ..system.clock import At
from ..system.hours import DAY_MIN
from ..system.site import PriorityStation, Site, Station
from ..system.world import ConditionPlan, World
from .arrivals import pick
from .mechanisms import Mechanisms
from .mechanisms.outreach import RESOLVED
from .patient import FOLLOWUP_LEG, SECOND_OPINION_LEG, Patient

Process = Generator[simpy.Event, None, None]


class Journey:
    """Runs patient episodes through the sites of one arm of one replication.

    Each patient keeps their own clock (``Patient.now``): walking, travelling, waiting for a
    result and being served at a first-come-first-served station only move it on, since the
    station knows on joining when service starts.  The simulation clock catches up with the
    patient (``_catch_up``) where the patient meets others: on joining a station's queue, and
    before a reform's shared team, expert or reader.  So a station visit costs one event.
    """

    def __init__(
        self,
        env: simpy.Environment,
        world: World,
        sites: list[Site],
        records: Records,
        mechanisms: Mechanisms,
    ) -> None:
        self.env = env
        self.world = world
        self.sites = sites
        self.records = records
        self.mechanisms = mechanisms
        self._order_cache: dict[tuple[int, int, bool], tuple[tuple[str, str, float], ...]] = {}

    def start(self, patient: Patient) -> None:
        self.env.process(self.episode(patient))

    def _catch_up(self, patient: Patient) -> Process:
        """Let the simulation clock reach the patient's."""
        if patient.now > self.env.now:
            yield At(self.env, patient.now)

    # -- the episode -----------------------------------------------------------------------------

    def episode(self, patient: Patient) -> Process:
        """From onset (``patient.now``, not before the simulation clock) to the end of the last
        step of care."""
        env = self.env
        episode = EpisodeRow(
            patient.id, patient.zone.index, patient.condition.index, patient.onset_min
        )
        self.records.episodes.append(episode)
        near_home = yield from self.mechanisms.outreach.free_clinic(patient)
        patient.now = max(patient.now, env.now)  # on, if the patient went to a free clinic
        if near_home is RESOLVED:
            episode.end_min = env.now
            return
        if near_home is None:
            site, leg, kind = self.sites[self.first_facility(patient)], 0, "first"
        else:
            site, leg, kind = self.sites[near_home], 1, "referral_up"
        while True:
            self.travel(patient, site.plan.index, kind, leg)
            referred_to = yield from self.visit(patient, site, leg, kind)
            if referred_to is None:
                break
            leg, kind = leg + 1, "referral_up"
            site = self.sites[referred_to]
        self.go_home(patient)
        condition = patient.condition
        if patient.u(0, "second_opinion") < condition.second_opinion_probability:
            yield from self.second_opinion(patient, site)
        if patient.u(0, "followup") < condition.followup_probability:
            yield from self.follow_up(patient, site)
        # The episode ends when the simulation gets there (or is still in care at the end).
        yield from self._catch_up(patient)
        episode.end_min = env.now

    def first_facility(self, patient: Patient) -> int:
        edges, facilities = patient.zone.first_contact[patient.condition.index]
        chosen = facilities[pick(edges, patient.u(0, "first_contact"))]
        return self.mechanisms.outreach.first_contact(patient, chosen)

    def visit(
        self, patient: Patient, site: Site, leg: int, kind: str
    ) -> Generator[simpy.Event, None, int | None]:
        """One facility visit; the facility the patient is referred up to, or None.

        A follow-up orders the condition's follow-up tests; follow-ups and second opinions end
        with treatment where they are, never with a referral.
        """
        followup = kind in ("followup", "referral_down")
        patient.priority = self.mechanisms.outreach.priority(kind)
        yield from self.register(patient, site, leg)
        doctor = site.doctor(patient.condition.department)
        yield from self.at(
            patient,
            site,
            doctor,
            site.plan.service["consultation"](patient.u(leg, "consultation")),
            leg,
        )
        ordered = self.tests_ordered(patient, site, leg, followup)
        # Results recognised from elsewhere are read in the consultation: no return to the doctor.
        if ordered and (yield from self.do_tests(patient, site, leg, ordered)):
            review_min = site.plan.service["review"](patient.u(leg, "review"))
            yield from self.at(patient, site, doctor, review_min, leg)
        if (
            kind in ("first", "referral_up")
            and self.refers_up(patient, site, leg)
            and not (yield from self.visiting_expert(patient, site, leg))
        ):
            return site.plan.refers_to
        yield from self.treat(patient, site, leg)
        return None

    def visiting_expert(
        self, patient: Patient, site: Site, leg: int
    ) -> Generator[simpy.Event, None, bool]:
        """See a visiting expert here instead of being referred up, if one manages the
        condition today or soon enough to come back for; False if none does."""
        outreach = self.mechanisms.outreach
        now = patient.now
        session_min = outreach.expert_session_min(patient, site.plan, now)
        if session_min is None:
            return False
        if math.floor(session_min / DAY_MIN) == math.floor(now / DAY_MIN):
            patient.now = session_min  # later today: wait at the centre
        elif session_min > now:
            self.go_home(patient)
            travel_min = patient.zone.travel[site.plan.index][0]
            self.travel(patient, site.plan.index, "booked", leg, session_min - travel_min)
            yield from self.register(patient, site, leg)
        yield from self._catch_up(patient)
        yield from outreach.see_expert(patient, site.plan)
        patient.now = self.env.now
        return True

    def follow_up(self, patient: Patient, treated_at: Site) -> Process:
        """A later visit for the same illness, at the same facility or referred down."""
        outreach = self.mechanisms.outreach
        if outreach.follows_up_at_home(patient):
            today = math.floor(patient.now / DAY_MIN)
            yield from self._catch_up(patient)
            yield from outreach.home_follow_up(
                patient, today + patient.condition.followup_after_days
            )
            patient.now = self.env.now
            return
        leg, site, kind = FOLLOWUP_LEG, treated_at, "followup"
        zone = patient.zone
        down = outreach.referral_down_share(patient)
        if (
            treated_at.plan.rank >= 2
            and zone.primary is not None
            and patient.u(leg, "followup_down") < down
        ):
            site, kind = self.sites[zone.primary], "referral_down"
        yield from self.later_visit(patient, site, kind, leg, patient.condition.followup_after_days)

    def second_opinion(self, patient: Patient, treated_at: Site) -> Process:
        """Some days after treatment, the patient consults another hospital on their own."""
        target = patient.zone.second_opinion_site(treated_at.plan)
        if target is None:
            return
        days = patient.condition.second_opinion_after_days
        yield from self.later_visit(
            patient, self.sites[target], "second_opinion", SECOND_OPINION_LEG, days
        )

    def later_visit(
        self, patient: Patient, site: Site, kind: str, leg: int, after_days: float
    ) -> Process:
        """A visit on the day ``after_days`` after today, arriving after opening."""
        day = math.floor(patient.now / DAY_MIN)
        not_before = (day + after_days) * DAY_MIN
        self.travel(patient, site.plan.index, kind, leg, not_before)
        yield from self.visit(patient, site, leg, kind)
        self.go_home(patient)

    # -- steps inside a facility -----------------------------------------------------------------

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
                end = yield from station.serve_in_line(patient.id, service_min, patient.priority)
            else:
                end = station.serve(patient.id, patient.now, service_min)
            if end is not None:
                patient.now = end
                return
            # Turned away at the registration window itself: back to queue there, once.
            again = station is not site.registration
            yield from self.come_back(patient, site, leg, register_again=again)

    def register(self, patient: Patient, site: Site, leg: int) -> Process:
        """Registration, paying the registration and consultation fees at the window."""
        now, plan = patient.now, site.plan
        if not self.mechanisms.credit.registration_due(patient, site, now):
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
        recognition = self.mechanisms.recognition
        to_do = []
        for test in ordered:
            if recognition.recognises(patient, site, test, leg, patient.now):
                records.tests.append((patient.id, plan.index, test, "avoided", patient.now))
            else:
                to_do.append(test)
        if not to_do:
            return False
        fees = [(f"test:{t}", plan.test_fee_yuan[t]) for t in to_do]
        yield from self.pay(patient, site, leg, "cashier_tests", fees)
        ready, readings = patient.now, []
        for test in to_do:
            exam_min = self.world.tests[test].exam(patient.u(leg, f"exam:{test}"))
            yield from self.at(patient, site, site.exams[test], exam_min, leg)
            records.tests.append((patient.id, plan.index, test, "performed", patient.now))
            if recognition.reads_remotely(site, test):
                yield from self._catch_up(patient)  # the reading centre's queue is shared
                readings.append(recognition.remote_reading(patient, site, test, leg))
                continue
            patient.results.append((test, plan.index, plan.index, patient.now))
            turnaround = self.world.tests[test].turnaround(patient.u(leg, f"turnaround:{test}"))
            ready = max(ready, patient.now + turnaround)
        if readings:
            yield from self._catch_up(patient)
            yield self.env.all_of(readings)
            patient.now = self.env.now
        ready = max(ready, patient.now)
        if plan.hours.is_open(ready):
            patient.now = ready
        else:
            yield from self.come_back(patient, site, leg, not_before=ready)
        return True

    def pay(
        self, patient: Patient, site: Site, leg: int, slot: str, fees: list[tuple[str, float]]
    ) -> Process:
        """Fees charged, at the cashier window unless a reform bills them otherwise."""
        now, plan = patient.now, site.plan
        for item, fee in fees:
            self.records.charges.append((patient.id, plan.index, item, fee, now))
        total = sum(fee for _, fee in fees)
        if self.mechanisms.credit.queues_at_cashier(patient, site, total, now):
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

    # -- moving between home and facilities (on the patient's clock) ------------------------------

    def travel(
        self, patient: Patient, facility: int, kind: str, leg: int, not_before: float = 0.0
    ) -> None:
        """Go to a facility, timing the trip to arrive when it is open."""
        travel_min, travel_yuan = patient.zone.travel[facility]
        hours = self.sites[facility].plan.hours
        arrive = max(patient.now, not_before) + travel_min
        if not hours.is_open(arrive):
            self.go_home(patient)
            offset = patient.u(leg, "arrive_offset" if kind != "return" else "return_offset")
            opening = hours.next_opening(max(patient.now, not_before) + travel_min)
            arrive = opening + offset * self.world.arrive_after_opening_min
        depart = max(patient.now, arrive - travel_min)
        origin = HOME if patient.location is None else patient.location
        self.records.trips.append((patient.id, origin, facility, travel_min, travel_yuan, depart))
        # Waiting at home and travelling are one stretch: nothing happens to the patient between.
        patient.now = max(patient.now, depart + travel_min)
        patient.location = facility
        self.records.visits.append((patient.id, facility, kind, patient.now))

    def go_home(self, patient: Patient) -> None:
        if patient.location is None:
            return
        travel_min, travel_yuan = patient.zone.travel[patient.location]
        self.records.trips.append(
            (patient.id, patient.location, HOME, travel_min, travel_yuan, patient.now)
        )
        patient.location = None
        patient.now += travel_min

    def come_back(
        self,
        patient: Patient,
        site: Site,
        leg: int,
        not_before: float = 0.0,
        register_again: bool = True,
    ) -> Process:
        """Closed: home now, back at the next opening, and register again (unless it was the
        registration window that was closed)."""
        self.go_home(patient)
        self.travel(patient, site.plan.index, "return", leg, not_before)
        if register_again:
            yield from self.register(patient, site, leg)
