"""Primary-first care (REFORMS.md 3, Chongqing: 66 conditions to be first diagnosed at primary
level): a patient with a listed condition who would have gone straight to a hospital goes to
their primary-care facility first, if they comply."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from ...inputs.reform_registry import Reform
from ...inputs.schema import ConditionRef, Probability, ReformSwitch
from ...inputs.units import unit
from ...system.world import TIER_RANK
from ..patient import Patient
from .decisions import Build
from .outreach_draws import OUTREACH_DRAWS


class PrimaryFirstConfig(ReformSwitch):
    """Conditions to be first diagnosed at primary level."""

    needed_when_enabled: ClassVar[tuple[str, ...]] = ("conditions", "compliance")

    conditions: list[ConditionRef] = Field(
        default_factory=list, description="conditions to be first diagnosed at primary level"
    )
    compliance: Probability | None = Field(
        None,
        description="share of patients who would have gone straight to a hospital and now go "
        "to their primary-care facility first",
        json_schema_extra=unit("share"),
    )


class PrimaryFirst:
    def __init__(self, build: Build) -> None:
        config: PrimaryFirstConfig = build.config
        world = build.world
        index = {c.id: c.index for c in world.conditions}
        compliance = config.compliance
        assert compliance is not None  # needed when enabled (the schema checks)
        self.compliance = {index[c]: compliance for c in config.conditions}
        self.facilities = world.facilities

    def first_contact(self, patient: Patient, chosen: int) -> int:
        """Primary care instead of a hospital, if the condition is to be first diagnosed there
        and the patient complies."""
        compliance = self.compliance.get(patient.condition.index)
        primary = patient.zone.primary
        if (
            compliance is None
            or primary is None
            or self.facilities[chosen].rank < TIER_RANK["county"]
            or OUTREACH_DRAWS.draw(patient, "primary_first") >= compliance
        ):
            return chosen
        return primary


REFORM = Reform(
    name="primary_first",
    rank=70,
    config=PrimaryFirstConfig,
    mechanism=PrimaryFirst,
    description="primary-first care: listed conditions first diagnosed at primary level",
    draws=OUTREACH_DRAWS,
)
