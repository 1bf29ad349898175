"""Free clinics (REFORMS.md 3, Mianyang: "one free clinic per village per month").

Most who come are residents without an illness episode, for a check (screening); among them
the unnoticed chronic cases (``care_seeking.latent``) a check may find, whose care then starts
from the event.  An ill resident may come too, but nobody who would seek care at once waits
for an event: only an illness seeking care on an event's day, or one that would go without
care or seek it days later.  The team finishes what its skills and kit allow (the episode keeps
its follow-up) and refers the other cases up the two-way referral channel.  Those not seen go
the usual way.  The events, and the residents who come for a check, are in
``free_clinic_events``.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from typing import Literal

import simpy

from ...inputs.reform_registry import Reform
from ...observation.records import NO_FACILITY
from ...system.clock import At
from ...system.hours import DAY_MIN
from ...system.world import TIER_RANK, ZonePlan
from ..latent import LATENT_DRAWS
from ..patient import Patient
from .decisions import RESOLVED, Build, NearHome
from .free_clinic_config import FreeClinicsConfig
from .free_clinic_events import FreeClinicService
from .outreach_draws import OUTREACH_DRAWS


class FreeClinics:
    """Sees ill residents who come to their village's free clinic, and the unnoticed chronic
    cases its checks find."""

    def __init__(self, build: Build) -> None:
        self.env = build.env
        self.records = build.records
        self.service = FreeClinicService(
            build.env, build.world, build.records, build.config, build.streams
        )
        screening = build.config.screening
        # A resident's chance, at one event, of coming for a check and being found if ill
        self.finds_per_event = screening.attendance_share * screening.detection

    def seen_near_home(
        self, patient: Patient, sought: float | None
    ) -> Generator[simpy.Event, None, int | Literal[NearHome.RESOLVED] | None]:
        """Come to the village's free clinic instead of seeking care the usual way, if the
        patient is willing and an event is near: on the day care is sought at once (nobody who
        would seek care at once waits for an event), or, for an illness that would go without
        care or seek it only later (``sought``: None, or after onset), within ``max_days``.

        Returns ``RESOLVED`` if the team finished the episode, the facility the patient is
        referred up to, or None to seek care the usual way (when ``sought``; also after an event
        that could not see them).
        """
        clinics = self.service
        condition, zone = patient.condition, patient.zone
        waits = clinics.config.conditions.get(condition.id)
        onset = patient.onset_min
        upcoming = clinics.calendar.next_event(zone.index, onset)
        if waits is None or upcoming is None or OUTREACH_DRAWS.draw(patient, "wait") >= waits.share:
            return None
        number, start, end = upcoming
        if sought == onset:
            if math.floor(start / DAY_MIN) != math.floor(onset / DAY_MIN):
                return None
        elif start - onset > waits.max_days * DAY_MIN or (sought is not None and start >= sought):
            return None
        # Residents turn up over the first hour of the session, or at once if it is on.
        arrive = max(onset, start + OUTREACH_DRAWS.draw(patient, "arrive") * min(60.0, end - start))
        yield At(self.env, arrive)
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
                    (patient.id, NO_FACILITY, "drugs", condition.drug_fee_yuan, self.env.now)
                )
            return RESOLVED
        return referral_target(zone, TIER_RANK[clinics.config.refer_to])

    def finds_case(self, patient: Patient, begin_min: float) -> tuple[int, float] | None:
        """The event at which a check finds an unnoticed case that began at ``begin_min`` and
        would come to care on its own at its onset (``patient.onset_min``): (the event's number,
        the minute the resident arrives), or None if no check finds it before then.

        At each of the village's events the resident comes and is found with the same chance,
        so the events missed before the finding one are geometric: one number decides it.
        """
        chance = self.finds_per_event
        calendar = self.service.calendar
        upcoming = calendar.next_event(patient.zone.index, begin_min)
        if chance <= 0.0 or upcoming is None:
            return None
        u = LATENT_DRAWS.draw(patient, "found")
        missed = 0 if chance >= 1.0 else math.floor(math.log1p(-u) / math.log1p(-chance))
        most = (patient.onset_min - begin_min) / (calendar.every_days * DAY_MIN) + 1
        if missed > most:
            return None
        number = upcoming[0] + missed
        start, end = calendar.session(patient.zone.index, number)
        arrive = max(begin_min, start + LATENT_DRAWS.draw(patient, "arrive") * (end - start))
        if arrive >= min(end, patient.onset_min):
            return None
        return number, arrive

    def check_found_case(
        self, patient: Patient, found: tuple[int, float]
    ) -> Generator[simpy.Event, None, bool]:
        """The check at which the case is found (``finds_case``); False if the event ends or
        fills up before the resident is seen (the case then stays unnoticed)."""
        number, arrive = found
        clinics = self.service
        yield At(self.env, arrive)
        event = clinics.event(patient.zone.index, number)
        check_min = clinics.screening_min(LATENT_DRAWS.draw(patient, "check"))
        return (yield from clinics.see(event, patient.id, check_min, "case_finding", "found"))


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
