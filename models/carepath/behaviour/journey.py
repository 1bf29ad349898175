"""The patient journey (DESIGN.md, steps 1-8): one SimPy process per patient episode.

An episode: choose a first-contact facility, travel there, register, see a doctor, do the tests
ordered (pay, exam, wait for the result, back to the doctor), then be treated or referred up to
the next facility, where it starts again; after treatment maybe a follow-up visit some days
later, at the same facility or referred down to primary care.  A patient caught by closing time
goes home and comes back at the next opening.  Reforms change single steps: the journey asks
``self.decide`` (``mechanisms.Decisions``) at each decision point.

The steps inside a facility are in ``facility_steps``, trips and the patient's own clock in
``moves``.
"""

from __future__ import annotations

import math
from collections.abc import Generator

import simpy

from ..observation.records import EpisodeRow
from ..system.clock import At
from ..system.episode_process import EpisodeProcess
from ..system.hours import DAY_MIN
from ..system.site import Site
from ..system.world import TIER_RANK
from .admission import Outcome
from .arrivals import pick
from .facility_steps import FacilitySteps, GaveUp
from .mechanisms import RESOLVED, NearHome
from .moves import Process
from .patient import FOLLOWUP_LEG, SECOND_OPINION_LEG, Patient

# What a free clinic made of an episode: finished (RESOLVED), referred up (a facility), or none
NearHomeAnswer = NearHome | int | None


class Journey(FacilitySteps):
    """Runs patient episodes through the sites of one arm of one replication (see ``moves``
    for the patient's own clock)."""

    def start(self, patient: Patient) -> None:
        EpisodeProcess(self.episode(patient))

    def start_latent(self, patient: Patient, begin_min: float, presents: bool) -> None:
        EpisodeProcess(self.latent_episode(patient, begin_min, presents))

    def episode(self, patient: Patient) -> Process:
        """From onset (``patient.now``, not before the simulation clock) to the end of the last
        step of care, or to the moment care is forgone (``behaviour.seeking``).

        An illness that would go without care, or seek it days later, may come to a free clinic
        near home sooner (``seen_near_home``); one seeking care at once is never held back.
        """
        episode = EpisodeRow(
            patient.id, patient.zone.index, patient.condition.index, patient.onset_min
        )
        self.records.episodes.append(episode)
        seeking = self.seeking
        sought = patient.onset_min if seeking is None else seeking.sought_at(patient)
        near_home = None
        if self.decide.near_home and not patient.condition.urgent:
            near_home = yield from self.decide.seen_near_home(patient, sought)
        if near_home is None:
            if seeking is not None:
                seeking.note(patient, sought)
            if sought is None:
                episode.end_min = patient.onset_min
                return
            patient.now = max(sought, self.env.now)
        yield from self.cared(patient, episode, near_home)

    def latent_episode(self, patient: Patient, begin_min: float, presents: bool) -> Process:
        """An unnoticed chronic case (``behaviour.latent``), begun at ``begin_min``: its care
        starts when a free clinic's check finds it, else at its onset if it comes on its own,
        else never.  Measured by its onset, like every episode."""
        env, onset = self.env, patient.onset_min
        found = self.decide.finds_case(patient, begin_min)
        start = onset if found is None else found[1]
        if start >= self.world.onsets_until_min or (found is None and not presents):
            if not presents and onset < self.world.onsets_until_min:
                yield At(env, onset)
                self._forgone(patient)
            return
        yield At(env, start)
        episode = EpisodeRow(patient.id, patient.zone.index, patient.condition.index, onset)
        self.records.episodes.append(episode)
        if found is not None and (yield from self.decide.screener.check_found_case(patient, found)):
            patient.now = env.now
        elif presents:
            patient.now = max(onset, env.now)
        else:  # the check could not see them, and the case does not come on its own
            self._forgone(patient, episode)
            return
        yield from self.cared(patient, episode, None)

    def _forgone(self, patient: Patient, episode: EpisodeRow | None = None) -> None:
        """An unnoticed case that goes without care (recorded at its onset)."""
        if episode is None:
            episode = EpisodeRow(
                patient.id, patient.zone.index, patient.condition.index, patient.onset_min
            )
            self.records.episodes.append(episode)
        assert self.seeking is not None  # a latent block makes care seeking non-neutral
        self.seeking.note(patient, None)
        episode.end_min = max(patient.onset_min, self.env.now)

    def cared(self, patient: Patient, episode: EpisodeRow, near_home: NearHomeAnswer) -> Process:
        """Care, once sought, with a patient who may give up in a queue (``GaveUp``)."""
        seeking = self.seeking
        if seeking is None:
            yield from self.care(patient, episode, near_home)
            return
        patient.impatience = seeking.impatience(patient)
        try:
            yield from self.care(patient, episode, near_home)
        except GaveUp:
            self.go_home(patient)
            seeking.gave_up(patient, patient.now)
            yield from self._catch_up(patient)
            episode.end_min = self.env.now

    def care(self, patient: Patient, episode: EpisodeRow, near_home: NearHomeAnswer) -> Process:
        """Care sought: first contact (or a family doctor called home), referrals, treatment, a
        second opinion, a follow-up.  ``near_home``: what a free clinic made of it, if one saw
        the patient."""
        env = self.env
        patient.now = max(patient.now, env.now)  # on, if the patient went to a free clinic
        first = None
        if near_home is None and self.decide.on_call and not patient.condition.urgent:
            first = yield from self.decide.called_home(patient)
            patient.now = max(patient.now, env.now)
            near_home = RESOLVED if first is RESOLVED else None
        if near_home is RESOLVED:
            # finished near home; the follow-up as after treatment at the village clinic
            yield from self.after_care(patient, self.sites[self.home_clinic(patient)], False)
            episode.end_min = env.now
            return
        if near_home is not None:
            site, leg, kind = self.sites[near_home], 1, "referral_up"
        elif first is not None:
            site, leg, kind = self.sites[first], 0, "first"
        else:
            site, leg, kind = self.sites[self.first_facility(patient)], 0, "first"
        while True:
            self.travel(patient, site.plan.index, kind, leg)
            referred_to = yield from self.visit(patient, site, leg, kind)
            if referred_to is None:
                break
            leg, kind = leg + 1, "referral_up"
            site = self.sites[referred_to]
        self.go_home(patient)
        yield from self.after_care(patient, site, True)
        episode.end_min = env.now

    def after_care(self, patient: Patient, treated_at: Site, second_opinion: bool) -> Process:
        """A second opinion and a follow-up, as they fall; then the simulation gets to the end
        of the episode (or the run ends with it still in care)."""
        condition = patient.condition
        if second_opinion and patient.u(0, "second_opinion") < condition.second_opinion_probability:
            yield from self.second_opinion(patient, treated_at)
        if patient.u(0, "followup") < condition.followup_probability:
            yield from self.follow_up(patient, treated_at)
        yield from self._catch_up(patient)

    def home_clinic(self, patient: Patient) -> int:
        """Where the follow-up of an episode finished near home falls: the zone's own village
        clinic, else its primary-care facility."""
        zone = patient.zone
        own = zone.own.get(TIER_RANK["village"], zone.primary)
        assert own is not None  # free clinics and family doctors serve zones with primary care
        return own

    def first_facility(self, patient: Patient) -> int:
        """The facility chosen (by the logit when patients choose, else by the fixed shares),
        as the arm's reforms may change it."""
        seeking = self.seeking
        if seeking is not None and seeking.model is not None:
            chosen = seeking.first_facility(patient)
        else:
            edges, facilities = patient.zone.first_contact[patient.condition.index]
            chosen = facilities[pick(edges, patient.u(0, "first_contact"))]
        return self.decide.first_contact(patient, chosen)

    def visit(
        self, patient: Patient, site: Site, leg: int, kind: str
    ) -> Generator[simpy.Event, None, int | None]:
        """One facility visit; the facility the patient is referred up to, or None.

        A follow-up orders the condition's follow-up tests; follow-ups and second opinions end
        with treatment where they are, never with a referral.
        """
        followup = kind in ("followup", "referral_down")
        patient.priority = self.decide.priority(kind)
        yield from self.register(patient, site, leg)
        doctor = site.doctor(patient.condition.department)
        yield from self.at(
            patient,
            site,
            doctor,
            site.plan.service["consultation"](patient.u(leg, "consultation")),
            leg,
        )
        ordered = self.tests_ordered(patient, site, leg, followup)
        # Results recognised from elsewhere are read in the consultation: no return to the doctor.
        if ordered and (yield from self.do_tests(patient, site, leg, ordered)):
            review_min = site.plan.service["review"](patient.u(leg, "review"))
            yield from self.at(patient, site, doctor, review_min, leg)
        if kind not in ("first", "referral_up"):
            yield from self.treat(patient, site, leg)
            return None
        self.records.diagnoses.append((patient.id, site.plan.index, patient.now))  # DiagnosisRow
        if self.refers_up(patient, site, leg) and not (
            yield from self.visiting_expert(patient, site, leg)
        ):
            return site.plan.refers_to
        admissions = self.admissions
        if admissions is not None and admissions.needs_bed(patient, site, leg):
            outcome = yield from admissions.admit(self, patient, site, leg)
            if outcome is Outcome.REFERRED:
                return site.plan.refers_to
            if outcome is Outcome.ADMITTED:
                return None
        yield from self.treat(patient, site, leg)
        return None

    def visiting_expert(
        self, patient: Patient, site: Site, leg: int
    ) -> Generator[simpy.Event, None, bool]:
        """See a visiting expert here instead of being referred up, if one manages the
        condition today or soon enough to come back for; False if none does."""
        now = patient.now
        if patient.condition.urgent:  # referred up at once, never booked for a session
            return False
        offer = self.decide.expert_session_min(patient, site.plan, now)
        if offer is None:
            return False
        experts, session_min = offer
        if math.floor(session_min / DAY_MIN) == math.floor(now / DAY_MIN):
            patient.now = session_min  # later today: wait at the centre
        elif session_min > now:
            self.go_home(patient)
            travel_min = patient.zone.travel[site.plan.index][0]
            self.travel(patient, site.plan.index, "booked", leg, session_min - travel_min)
            yield from self.register(patient, site, leg)
        yield from self._catch_up(patient)
        yield from experts.see_expert(patient, site.plan)
        patient.now = self.env.now
        return True

    def follow_up(self, patient: Patient, treated_at: Site) -> Process:
        """A later visit for the same illness, at the same facility or referred down."""
        decide = self.decide
        if not patient.condition.urgent and decide.follows_up_at_home(patient):
            today = math.floor(patient.now / DAY_MIN)
            yield from self._catch_up(patient)
            yield from decide.home_doctor.home_follow_up(
                patient, today + patient.condition.followup_after_days
            )
            patient.now = self.env.now
            return
        leg, site, kind = FOLLOWUP_LEG, treated_at, "followup"
        zone = patient.zone
        down = decide.referral_down_share(patient)
        if (
            treated_at.plan.rank >= 2
            and zone.primary is not None
            and patient.u(leg, "followup_down") < down
        ):
            site, kind = self.sites[zone.primary], "referral_down"
        yield from self.later_visit(patient, site, kind, leg, patient.condition.followup_after_days)

    def second_opinion(self, patient: Patient, treated_at: Site) -> Process:
        """Some days after treatment, the patient consults another hospital on their own."""
        target = patient.zone.second_opinion_site(treated_at.plan)
        if target is None:
            return
        days = patient.condition.second_opinion_after_days
        yield from self.later_visit(
            patient, self.sites[target], "second_opinion", SECOND_OPINION_LEG, days
        )

    def later_visit(
        self, patient: Patient, site: Site, kind: str, leg: int, after_days: float
    ) -> Process:
        """A visit on the day ``after_days`` after today, arriving after opening."""
        day = math.floor(patient.now / DAY_MIN)
        not_before = (day + after_days) * DAY_MIN
        self.travel(patient, site.plan.index, kind, leg, not_before)
        yield from self.visit(patient, site, leg, kind)
        self.go_home(patient)
