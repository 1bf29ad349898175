"""Free clinics (REFORMS.md 3, Mianyang: "one free clinic per village per month").

A resident whose illness falls shortly before the village's event may wait for it; the team
finishes what its skills and kit allow and refers the other cases up the two-way referral
channel.  Those not seen go the usual way.  The events, and the residents who come for a check
without an illness episode, are in ``free_clinic_events``.
"""

from __future__ import annotations

from collections.abc import Generator
from enum import Enum
from typing import Final, Literal

import simpy

from ...inputs.reform_registry import Reform
from ...observation.records import NO_FACILITY
from ...system.clock import At
from ...system.hours import DAY_MIN
from ...system.world import TIER_RANK, ZonePlan
from ..patient import Patient
from .decisions import Build
from .free_clinic_config import FreeClinicsConfig
from .free_clinic_events import FreeClinicService
from .outreach_draws import OUTREACH_DRAWS


class NearHome(Enum):
    """What a free clinic made of an episode, when it was not a referral."""

    RESOLVED = "resolved"  # the team finished the episode in the village


RESOLVED: Final = NearHome.RESOLVED


class FreeClinics:
    """Sees residents who wait for their village's free clinic."""

    def __init__(self, build: Build) -> None:
        self.env = build.env
        self.records = build.records
        self.service = FreeClinicService(
            build.env, build.world, build.records, build.config, build.streams
        )

    def seen_near_home(
        self, patient: Patient
    ) -> Generator[simpy.Event, None, int | Literal[NearHome.RESOLVED] | None]:
        """Wait from onset (``patient.now``) for the village's free clinic if it is near and the
        patient is willing.

        Returns ``RESOLVED`` if the team finished the episode, the facility the patient is
        referred up to, or None to seek care the usual way (now, or after an event that could
        not see them).
        """
        clinics = self.service
        condition, zone = patient.condition, patient.zone
        waits = clinics.config.conditions.get(condition.id)
        env, now = self.env, patient.now
        upcoming = clinics.calendar.next_event(zone.index, now)
        if waits is None or upcoming is None or OUTREACH_DRAWS.draw(patient, "wait") >= waits.share:
            return None
        number, start, end = upcoming
        if start - now > waits.max_days * DAY_MIN:
            return None
        # Residents turn up over the first hour of the session, or at once if it is on.
        arrive = max(now, start + OUTREACH_DRAWS.draw(patient, "arrive") * min(60.0, end - start))
        yield At(env, arrive)
        event = clinics.event(zone.index, number)
        resolved = OUTREACH_DRAWS.draw(patient, "resolve") < waits.resolved_on_site
        consult_min = clinics.consult(OUTREACH_DRAWS.draw(patient, "consult"))
        outcome = "resolved" if resolved else "referred"
        seen = yield from clinics.see(event, patient.id, consult_min, "free_clinic", outcome)
        if not seen:
            return None
        if resolved:
            if condition.drug_fee_yuan > 0:
                self.records.charges.append(
                    (patient.id, NO_FACILITY, "drugs", condition.drug_fee_yuan, env.now)
                )
            return RESOLVED
        return referral_target(zone, TIER_RANK[clinics.config.refer_to])


def referral_target(zone: ZonePlan, rank: int) -> int:
    """The zone's own facility of that tier, else the nearest tier above, else below."""
    ranks = sorted(zone.own, key=lambda r: (r < rank, abs(r - rank)))
    return zone.own[ranks[0]]


REFORM = Reform(
    name="free_clinics",
    rank=40,
    config=FreeClinicsConfig,
    mechanism=FreeClinics,
    description="free clinics in the villages: seen near home, screening, referral up",
    draws=OUTREACH_DRAWS,
)
