"""Reform mechanisms: one module per reform family, each the only reader of its switch.

The journey asks a mechanism at the step it may change (is this result recognised? does this
patient queue at the cashier? is this patient seen near home?); with the reform off, each
answer leaves the journey as it is without the reform.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...arms import Arm
from ...inputs.schema import Scenario
from .credit import Credit
from .outreach import Outreach
from .recognition import Recognition


@dataclass(frozen=True)
class Mechanisms:
    recognition: Recognition
    credit: Credit
    outreach: Outreach

    @classmethod
    def for_arm(cls, scenario: Scenario, arm: Arm) -> Mechanisms:
        return cls(
            recognition=Recognition(scenario, arm),
            credit=Credit(scenario, arm),
            outreach=Outreach(scenario, arm),
        )
