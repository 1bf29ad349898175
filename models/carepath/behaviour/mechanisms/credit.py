"""Credit billing, treat first and pay later, and registration validity (REFORMS.md section 2).

The switch is read here and nowhere else.  The mechanism (enrolment, credit limit, repayment,
"one registration valid three days") is the subject of its own issue; until it lands the scenario
checks refuse ``reforms.credit.enabled: true``, and every patient pays at the window.
"""

from __future__ import annotations

from ...arms import Arm
from ...inputs.schema import Scenario
from ...system.site import Site
from ..patient import Patient


class Credit:
    def __init__(self, scenario: Scenario, arm: Arm) -> None:
        self.active = arm.has("credit") and scenario.reforms.credit.enabled

    def queues_at_cashier(self, patient: Patient, site: Site, fee_yuan: float) -> bool:
        """Whether the patient pays ``fee_yuan`` at a cashier window rather than on credit."""
        return True

    def registration_due(self, patient: Patient, site: Site, now: float) -> bool:
        """Whether the patient registers and pays registration and consultation fees again."""
        return True
