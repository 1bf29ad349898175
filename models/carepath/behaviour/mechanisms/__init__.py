"""Reform mechanisms: one module per reform family, each the only reader of its switch.

The journey asks a mechanism at the step it may change (is this result recognised? does this
patient queue at the cashier? is this patient seen near home?); with the reform off, each
answer leaves the journey as it is without the reform.
"""

from __future__ import annotations

from dataclasses import dataclass

import simpy

from ...inputs.arms import Arm
from ...observation.records import Records
from ...system.streams import Streams
from ...system.world import World
from . import credit, outreach, recognition
from .credit import Credit
from .outreach import Outreach
from .recognition import Recognition

# Each mechanism's own per-patient stream: name -> uniform numbers per patient.
PATIENT_STREAMS: dict[str, int] = {
    recognition.STREAM: recognition.STREAM_WIDTH,
    credit.STREAM: credit.STREAM_WIDTH,
    outreach.STREAM: outreach.STREAM_WIDTH,
}


@dataclass(frozen=True)
class Mechanisms:
    recognition: Recognition
    credit: Credit
    outreach: Outreach

    @classmethod
    def build(
        cls,
        env: simpy.Environment,
        world: World,
        records: Records,
        arm: Arm,
        streams: Streams,
    ) -> Mechanisms:
        """The mechanisms of one arm of one replication (``streams`` for mechanisms that draw
        for more than patients, such as free-clinic visitors)."""
        return cls(
            recognition=Recognition(env, world, records, arm),
            credit=Credit(world, records, arm),
            outreach=Outreach(env, world, records, arm, streams),
        )
