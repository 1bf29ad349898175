"""Two-way referral (REFORMS.md 3): a green channel puts referred patients ahead at county and
city hospitals, and recovering patients are sent down to primary care for follow-up."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ...inputs.reform_registry import Reform
from ...inputs.schema import ConditionRef, Probability, ReformSwitch
from ...inputs.units import unit
from ...system.site import PRIORITY_NORMAL, PRIORITY_REFERRED
from ...system.world import TIER_RANK, FacilityPlan
from ..patient import Patient
from .decisions import Build


class TwoWayReferralConfig(ReformSwitch):
    """Referral up with a green channel, and down to primary care for follow-up."""

    green_channel: Literal["none", "priority"] = Field(
        "none",
        description="priority: referred patients ahead of others at county and city hospitals",
    )
    referral_down: dict[ConditionRef, Probability] = Field(
        default_factory=dict,
        description="condition -> share of follow-ups after county or city care sent to "
        "primary care",
        json_schema_extra=unit("share"),
    )


class TwoWayReferral:
    def __init__(self, build: Build) -> None:
        config: TwoWayReferralConfig = build.config
        self.green_channel = config.green_channel == "priority"
        index = {c.id: c.index for c in build.world.conditions}
        self.referral_down = {index[c]: p for c, p in config.referral_down.items()}

    def green_channel_at(self, plan: FacilityPlan) -> bool:
        """Whether referred patients go ahead of others at this facility's stations."""
        return self.green_channel and plan.rank >= TIER_RANK["county"]

    def priority(self, kind: str) -> int:
        """The queue priority of a patient on a visit of this kind."""
        if self.green_channel and kind == "referral_up":
            return PRIORITY_REFERRED
        return PRIORITY_NORMAL

    def referral_down_share(self, patient: Patient) -> float:
        """The chance a follow-up after county or city care is sent down to primary care."""
        condition = patient.condition
        return self.referral_down.get(condition.index, condition.followup_referral_down)


REFORM = Reform(
    name="two_way_referral",
    rank=80,
    config=TwoWayReferralConfig,
    mechanism=TwoWayReferral,
    description="two-way referral: a green channel up, follow-ups sent down",
)
