"""Outreach and the county medical community (REFORMS.md section 3).

- Free clinics (``free_clinic``): a resident whose illness falls shortly before the village's
  event may wait for it; the team finishes what its skills and kit allow, and refers the other
  cases up the two-way referral channel.  Those not seen go the usual way.
- Family doctors (``family_doctor``): contracted residents' chronic follow-ups at home.
- Visiting experts (``visiting_expert``): on session days a township centre manages conditions
  it would otherwise refer to the county hospital.
- Two-way referral: a green channel puts referred patients ahead at county and city hospitals,
  and recovering patients are sent down to primary care for follow-up.

The switch is read here and nowhere else; with it off (or in the ``without`` arm) every answer
leaves the journey as it is without the reform.
"""

from __future__ import annotations

from collections.abc import Generator
from enum import Enum
from typing import Final, Literal

import simpy

from ...inputs.arms import Arm
from ...observation.records import NO_FACILITY, Records
from ...system.clock import At
from ...system.hours import DAY_MIN
from ...system.site import PRIORITY_NORMAL, PRIORITY_REFERRED
from ...system.streams import Streams
from ...system.world import TIER_RANK, FacilityPlan, World, ZonePlan
from ..patient import Patient
from .family_doctor import FamilyDoctorService
from .free_clinic import FreeClinicService
from .visiting_expert import ExpertSession, next_session_min, see_expert, sessions

STREAM = "outreach"
# Per patient: waiting for the free clinic, arrival there, the team's minutes, resolved on
# site, family-doctor contract, the family doctor's arrival and minutes, the expert's minutes
# and whether the expert takes the patient on, and whether the patient goes to primary care first.
DRAWS = (
    "wait",
    "arrive",
    "consult",
    "resolve",
    "contract",
    "home_offset",
    "home_visit",
    "expert",
    "expert_takes_on",
    "primary_first",
)
STREAM_WIDTH = len(DRAWS)


class NearHome(Enum):
    """What a free clinic made of an episode, when it was not a referral."""

    RESOLVED = "resolved"  # the team finished the episode in the village


RESOLVED: Final = NearHome.RESOLVED


def _draw(patient: Patient, purpose: str) -> float:
    return patient.own[STREAM][DRAWS.index(purpose)]


class Outreach:
    def __init__(
        self,
        env: simpy.Environment,
        world: World,
        records: Records,
        arm: Arm,
        streams: Streams,
    ) -> None:
        config = world.scenario.reforms.outreach
        self.active = arm.has("outreach") and config.enabled
        self.env = env
        self.records = records
        self.world = world
        self.config = config
        on = self.active
        self.clinics = (
            FreeClinicService(env, world, records, config.free_clinics, streams)
            if on and config.free_clinics
            else None
        )
        self.family_doctors = (
            FamilyDoctorService(env, world, records, config.family_doctors)
            if on and config.family_doctors
            else None
        )
        self.experts: dict[int, ExpertSession] = (
            sessions(env, world, records, config.visiting_experts) if on else {}
        )
        self.green_channel = on and config.referral.green_channel == "priority"
        index = {c.id: c.index for c in world.conditions}
        self.referral_down = (
            {index[c]: p for c, p in config.referral.referral_down.items()} if on else {}
        )
        first = config.primary_first if on else None
        self.primary_first = {index[c]: first.compliance for c in first.conditions} if first else {}

    # -- free clinics ------------------------------------------------------------------------------

    def free_clinic(
        self, patient: Patient
    ) -> Generator[simpy.Event, None, int | Literal[NearHome.RESOLVED] | None]:
        """Wait from onset (``patient.now``) for the village's free clinic if it is near and the
        patient is willing.

        Returns ``RESOLVED`` if the team finished the episode, the facility the patient is
        referred up to, or None to seek care the usual way (now, or after an event that could
        not see them).
        """
        clinics = self.clinics
        if clinics is None:
            return None
        condition, zone = patient.condition, patient.zone
        waits = clinics.config.conditions.get(condition.id)
        env, now = self.env, patient.now
        upcoming = clinics.calendar.next_event(zone.index, now)
        if waits is None or upcoming is None or _draw(patient, "wait") >= waits.share:
            return None
        number, start, end = upcoming
        if start - now > waits.max_days * DAY_MIN:
            return None
        # Residents turn up over the first hour of the session, or at once if it is on.
        arrive = max(now, start + _draw(patient, "arrive") * min(60.0, end - start))
        yield At(env, arrive)
        event = clinics.event(zone.index, number)
        resolved = _draw(patient, "resolve") < waits.resolved_on_site
        consult_min = clinics.consult(_draw(patient, "consult"))
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
        return self._referral_target(zone, TIER_RANK[clinics.config.refer_to])

    def _referral_target(self, zone: ZonePlan, rank: int) -> int:
        """The zone's own facility of that tier, else the nearest tier above, else below."""
        ranks = sorted(zone.own, key=lambda r: (r < rank, abs(r - rank)))
        return zone.own[ranks[0]]

    # -- first diagnosis at primary level ---------------------------------------------------------

    def first_contact(self, patient: Patient, chosen: int) -> int:
        """Where the patient goes first: primary care instead of a hospital, if the condition is
        to be first diagnosed there and the patient complies."""
        compliance = self.primary_first.get(patient.condition.index)
        primary = patient.zone.primary
        if (
            compliance is None
            or primary is None
            or self.world.facilities[chosen].rank < TIER_RANK["county"]
            or _draw(patient, "primary_first") >= compliance
        ):
            return chosen
        return primary

    # -- two-way referral --------------------------------------------------------------------------

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

    # -- family doctors ----------------------------------------------------------------------------

    def follows_up_at_home(self, patient: Patient) -> bool:
        doctors = self.family_doctors
        return doctors is not None and doctors.covers(
            patient.zone.index, patient.condition.index, _draw(patient, "contract")
        )

    def home_follow_up(self, patient: Patient, day: float) -> Generator[simpy.Event, None, None]:
        assert self.family_doctors is not None
        yield from self.family_doctors.home_follow_up(
            patient.id,
            patient.zone.index,
            day,
            _draw(patient, "home_offset"),
            _draw(patient, "home_visit"),
            patient.condition.drug_fee_yuan,
        )

    # -- visiting experts --------------------------------------------------------------------------

    def expert_session_min(self, patient: Patient, site: FacilityPlan, now: float) -> float | None:
        """When a patient the township would refer up at ``now`` can see a visiting expert here
        instead."""
        session = self.experts.get(site.index)
        if session is None:
            return None
        return next_session_min(
            session, patient.condition.index, _draw(patient, "expert_takes_on"), now
        )

    def see_expert(
        self, patient: Patient, site: FacilityPlan
    ) -> Generator[simpy.Event, None, None]:
        yield from see_expert(
            self.env,
            self.records,
            self.experts[site.index],
            patient.id,
            patient.zone.index,
            _draw(patient, "expert"),
        )
