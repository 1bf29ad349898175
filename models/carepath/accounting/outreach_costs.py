"""What the outreach teams did in the measured period, and what their time cost.

Counts are of services in the measured period (screening visitors have no episode).  The
programme's cost is its staff-days times the scenario's cost per staff-day of each role, so
that the savings can be set beside it: ``cost_with_programme_yuan`` adds the programme's cost
per episode to what patients paid.
"""

from __future__ import annotations

from collections import Counter

from ..observation.records import NO_EPISODE
from ..system.world import World
from .episodes import EpisodeTotals
from .exact import ExactSum
from .window import measured_window


class OutreachTally:
    """Outreach services and staff-days in the measured period, folded row by row
    (``Records.outreach``, ``Records.outreach_staff``)."""

    def __init__(self, world: World) -> None:
        self.window = measured_window(world)
        # Each programme prices its own roles' staff-days, switched on or not.
        self.prices: dict[str, float] = {
            role: cost
            for _, section in world.scenario.reforms.switches()
            for role, cost in section.staff_day_costs().items()
        }
        self.services: Counter[tuple[str, str]] = Counter()  # (service, outcome)
        self.staff_days = ExactSum()
        self.cost_yuan = ExactSum()
        # Of those, the staff time no episode caused (a clinic's team, an expert's session):
        # the programme's calendar cost (``money.MoneyTally``).
        self.calendar_staff_days = ExactSum()
        self.calendar_cost_yuan = ExactSum()
        self.free_clinic_events: set[tuple[int, float]] = set()  # (village, start)

    def add_service(self, row: tuple) -> None:
        """One ``OutreachRow``."""
        _, _, _, service, arrive_min, _, _, outcome = row
        start, end = self.window
        if start <= arrive_min < end:
            self.services[(service, outcome)] += 1

    def add_staff(self, row: tuple) -> None:
        """One ``OutreachStaffRow``."""
        programme, zone, role, staff_days, time_min, patient = row
        start, end = self.window
        if start <= time_min < end:
            if programme == "free_clinic":
                self.free_clinic_events.add((zone, time_min))
            cost_yuan = staff_days * float(self.prices.get(role, 0.0))
            self.staff_days.add(staff_days)
            self.cost_yuan.add(cost_yuan)
            if patient == NO_EPISODE:
                self.calendar_staff_days.add(staff_days)
                self.calendar_cost_yuan.add(cost_yuan)

    def metrics(self, totals: EpisodeTotals) -> dict[str, float]:
        def count(service: str, *outcomes: str) -> float:
            return float(
                sum(n for (s, o), n in self.services.items() if s == service and o in outcomes)
            )

        def seen(service: str) -> float:
            return float(
                sum(n for (s, o), n in self.services.items() if s == service and o != "unseen")
            )

        referrals = count("free_clinic", "referred") + count("screening", "referred")
        person_times = seen("free_clinic") + seen("screening") + seen("case_finding")
        events = float(len(self.free_clinic_events))
        episodes = totals.episodes
        return {
            "free_clinic_patients": seen("free_clinic"),
            "free_clinic_resolved": count("free_clinic", "resolved"),
            "free_clinic_referred": count("free_clinic", "referred"),
            "free_clinic_unseen": count("free_clinic", "unseen"),
            "free_clinic_screened": seen("screening"),
            "free_clinic_person_times": person_times,
            "free_clinic_referrals": referrals,
            "free_clinic_referral_share": referrals / person_times if person_times else 0.0,
            "free_clinic_events": events,
            "free_clinic_attendance": person_times / events if events else 0.0,
            "cases_found": count("case_finding", "found"),
            "family_doctor_visits": float(
                sum(n for (s, _), n in self.services.items() if s == "family_doctor")
            ),
            "family_doctor_on_call": count("family_doctor", "on_call", "sent_on"),
            "expert_consultations": float(
                sum(n for (s, _), n in self.services.items() if s == "visiting_expert")
            ),
            # Per measured episode, followed to its end like the stations' waits.
            "outreach_wait_min": totals.outreach_wait_min.value / episodes if episodes else 0.0,
            "outreach_staff_days": self.staff_days.value,
            "outreach_cost_yuan": self.cost_yuan.value,
        }
