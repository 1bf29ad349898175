"""Mutual recognition of test results between facilities (REFORMS.md section 1).

The switch is read here and nowhere else.  The mechanism itself (platform, windows, tiered
acceptance, exclusions, remote reading) is the subject of its own issue; until it lands the
scenario checks refuse ``reforms.recognition.enabled: true``, and no result is recognised.
"""

from __future__ import annotations

from ...arms import Arm
from ...inputs.schema import Scenario
from ...system.site import Site
from ..patient import Patient


class Recognition:
    def __init__(self, scenario: Scenario, arm: Arm) -> None:
        self.active = arm.has("recognition") and scenario.reforms.recognition.enabled

    def recognises(self, patient: Patient, site: Site, test: str, now: float) -> bool:
        """Whether the doctor at ``site`` accepts a result the patient carries, not a new exam."""
        return False
