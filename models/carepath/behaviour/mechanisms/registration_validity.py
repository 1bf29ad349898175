"""Registration validity: "one registration valid three days" (REFORMS.md 2; EVIDENCE.md c).

At the listed facilities (county and city hospitals unless the scenario lists others), a
patient who registered and comes back to the same facility and department within ``days``
days, the first day included, registers no new: no queue at the registration window, no
registration or consultation fee.  One return is covered; a later visit registers again, and
that registration starts a new window.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

from pydantic import Field

from ...inputs.reform_registry import Reform
from ...inputs.schema import MAX_DAYS, NUMBER, FacilityRef, ReformSwitch
from ...inputs.units import unit
from ...system.hours import DAY_MIN
from ...system.site import Site
from ...system.world import TIER_RANK
from ..patient import Patient
from .decisions import Build


class RegistrationValidityConfig(ReformSwitch):
    """One registration valid for a return visit within ``days`` days (REFORMS.md 2)."""

    facilities: Literal["hospitals", "all"] | list[FacilityRef] = Field(
        "hospitals",
        description="where a registration stays valid: county and city hospitals, every "
        "facility, or a list",
    )
    days: Annotated[int, NUMBER, Field(ge=1, le=MAX_DAYS)] = Field(
        3,
        description="a return within this many days, the first included, registers free "
        "(REFORMS.md 2: three days; at most 3,650)",
        json_schema_extra=unit("days"),
    )


class RegistrationValidity:
    """Waives a return visit's registration, and records the waiver."""

    def __init__(self, build: Build) -> None:
        config: RegistrationValidityConfig = build.config
        world = build.world
        if config.facilities == "hospitals":
            listed = [f.index for f in world.facilities if f.rank >= TIER_RANK["county"]]
        elif config.facilities == "all":
            listed = [f.index for f in world.facilities]
        else:
            index = {f.id: f.index for f in world.facilities}
            listed = [index[f] for f in config.facilities]
        self.facilities = frozenset(listed)
        self.days = config.days
        self.records = build.records
        # (patient, facility, department) -> day of the registration still valid for a return
        self.valid_from: dict[tuple[int, int, str], int] = {}

    def registration_due(self, patient: Patient, site: Site, now: float) -> bool:
        """Whether the patient registers and pays registration and consultation fees here."""
        plan = site.plan
        if plan.index not in self.facilities:
            return True
        key = (patient.id, plan.index, patient.condition.department)
        today = math.floor(now / DAY_MIN)
        first = self.valid_from.pop(key, None)
        if first is not None and today - first < self.days:
            waived = plan.registration_fee_yuan + plan.consultation_fee_yuan
            self.records.waivers.append((patient.id, plan.index, waived, now))
            return False
        self.valid_from[key] = today
        return True


REFORM = Reform(
    name="registration_validity",
    rank=30,
    config=RegistrationValidityConfig,
    mechanism=RegistrationValidity,
    description="one registration valid for a return within N days",
)
