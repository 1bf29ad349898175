"""Outreach and the county medical community (REFORMS.md section 3).

The switch is read here and nowhere else.  Free clinics, family doctors, visiting experts and
the two-way referral green channel are the subject of their own issue; until it lands the
scenario checks refuse ``reforms.outreach.enabled: true``, and care happens at facilities only.
"""

from __future__ import annotations

from ...arms import Arm
from ...inputs.schema import Scenario
from ..patient import Patient


class Outreach:
    def __init__(self, scenario: Scenario, arm: Arm) -> None:
        self.active = arm.has("outreach") and scenario.reforms.outreach.enabled

    def seen_near_home(self, patient: Patient, now: float) -> bool:
        """Whether the episode is taken care of in the village (free clinic, family doctor)."""
        return False

    def referral_down_share(self, patient: Patient) -> float:
        """The chance a follow-up after county or city care is sent down to primary care."""
        return patient.condition.followup_referral_down
