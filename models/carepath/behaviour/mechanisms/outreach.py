"""Outreach and the county medical community (REFORMS.md section 3).

The switch is read here and nowhere else.  Free clinics, family doctors, visiting experts and
the two-way referral green channel are the subject of their own issue; until it lands the
scenario checks refuse ``reforms.outreach.enabled: true``, and care happens at facilities only.
"""

from __future__ import annotations

import simpy

from ...arms import Arm
from ...observation.records import Records
from ...system.world import World
from ..patient import Patient


class Outreach:
    def __init__(self, env: simpy.Environment, world: World, records: Records, arm: Arm) -> None:
        self.active = arm.has("outreach") and world.scenario.reforms.outreach.enabled

    def seen_near_home(self, patient: Patient, now: float) -> bool:
        """Whether the episode is taken care of in the village (free clinic, family doctor)."""
        return False

    def referral_down_share(self, patient: Patient) -> float:
        """The chance a follow-up after county or city care is sent down to primary care."""
        return patient.condition.followup_referral_down
