"""Credit billing, treat first and pay later, and registration validity (REFORMS.md section 2).

Credit billing: at a facility that offers it, a patient enrolled on a credit line (or paying
with a relative's line, "family pay") has each charge drawn on the line instead of queueing at
a cashier window, until the next charge would pass the credit limit; from then on the patient
pays at the window.  Each patient's drawing, repayment day and default are recorded so that the
money side can be settled afterwards (``accounting.credit_ledger``).

Registration validity ("one registration valid three days"): at those facilities, coming back
for the same illness within N days of registering, the first day included, needs no new
registration: no queue, no registration or consultation fee.

The reform's switch is read here and nowhere else.
"""

from __future__ import annotations

import math

from ...inputs.arms import Arm
from ...observation.records import Records
from ...system.durations import sampler
from ...system.hours import DAY_MIN
from ...system.site import Site
from ...system.world import World
from ..patient import Patient

STREAM = "credit"
# Per patient: enrolment, family pay, repayment day, default.
DRAWS = ("enrolment", "family_pay", "repayment", "default")
STREAM_WIDTH = len(DRAWS)


def _draw(patient: Patient, purpose: str) -> float:
    return patient.own[STREAM][DRAWS.index(purpose)]


class Credit:
    """Decides who pays at the window and who registers again, and records credit draws."""

    def __init__(self, world: World, records: Records, arm: Arm) -> None:
        config = world.scenario.reforms.credit
        self.active = arm.has("credit") and config.enabled
        self.records = records
        everyone = range(len(world.facilities))
        index = {f.id: f.index for f in world.facilities}
        offering = everyone if config.facilities == "all" else (index[f] for f in config.facilities)
        self.offering = frozenset(offering)
        zone_ids = [z.id for z in world.zones]
        self.enrolment = [config.enrolment_by_zone.get(z, config.enrolment) for z in zone_ids]
        self.family_pay = config.family_pay
        self.limit_yuan = config.limit_yuan
        self.interest_free_days = config.interest_free_days
        self.repayment = sampler(config.repayment_days)
        self.default_share = config.default_share
        self.validity_days = config.registration_validity_days
        self.drawn: dict[int, float] = {}
        self.exhausted: set[int] = set()
        self.registered: dict[tuple[int, int], int] = {}

    def on_credit(self, patient: Patient) -> bool:
        """Whether the patient has a credit line of their own or a relative's."""
        if _draw(patient, "enrolment") < self.enrolment[patient.zone.index]:
            return True
        return _draw(patient, "family_pay") < self.family_pay

    def queues_at_cashier(self, patient: Patient, site: Site, fee_yuan: float, now: float) -> bool:
        """Whether the patient pays ``fee_yuan`` at ``now`` at a cashier window rather than on
        credit."""
        if not self.active or site.plan.index not in self.offering or patient.id in self.exhausted:
            return True
        if not self.on_credit(patient):
            return True
        drawn = self.drawn.get(patient.id, 0.0)
        if drawn + fee_yuan > self.limit_yuan:
            self.exhausted.add(patient.id)
            return True
        if patient.id not in self.drawn:
            self._open_account(patient)
        self.drawn[patient.id] = drawn + fee_yuan
        self.records.credit.append((patient.id, site.plan.index, fee_yuan, now))
        return False

    def _open_account(self, patient: Patient) -> None:
        """The patient's repayment day and whether they default, fixed at the first draw."""
        repay_days = min(self.repayment(_draw(patient, "repayment")), self.interest_free_days)
        defaults = _draw(patient, "default") < self.default_share
        self.records.credit_accounts.append((patient.id, repay_days, defaults))

    def registration_due(self, patient: Patient, site: Site, now: float) -> bool:
        """Whether the patient registers and pays registration and consultation fees again."""
        if not self.active or not self.validity_days or site.plan.index not in self.offering:
            return True
        key, today = (patient.id, site.plan.index), math.floor(now / DAY_MIN)
        first = self.registered.get(key)
        if first is not None and today - first < self.validity_days:
            waived = site.plan.registration_fee_yuan + site.plan.consultation_fee_yuan
            self.records.waivers.append((patient.id, site.plan.index, waived, now))
            return False
        self.registered[key] = today
        return True
