"""The metrics' aggregates, folded from one arm's records as the run goes.

Every simulated day (``orchestration.replication``) the rows appended since the last fold are
taken from the records and folded: rows that count by when they happened (arrivals, station
services, outreach in the measured period) straight into per-tier, per-station and per-week
totals; rows of an episode still in care into that episode (``episodes.Episode``), which is
folded into the arm's totals once it has ended and then dropped.  So what is kept grows with the
episodes in care, not with the horizon.  From a full event log the same fold gives the same
numbers (:func:`tally_of`), whenever and in whatever order the rows came.

A row of a patient whose episode is not in care (a screening visitor with no episode) counts
only by when it happened; every row of an episode is appended before the episode ends.
"""

from __future__ import annotations

import math

from ..observation.records import Records
from ..system.world import World
from .credit_ledger import CreditBook, LedgerTerms
from .episodes import QUEUED_SERVICES, Episode, EpisodeTotals
from .outreach_costs import OutreachTally
from .paired import PatientValues, patient_values
from .referrals import ReferralTally
from .stations import StationTally
from .window import measured_window


def credit_book_of(world: World) -> CreditBook:
    """The book at the end of the measured period, with the balance at the end of every
    simulated day (warm-up and drain included)."""
    config, sim = world.scenario.reforms.credit, world.scenario.simulation
    days = range(math.ceil(sim.warmup_days + sim.horizon_days + sim.drain_days))
    terms = LedgerTerms(config.interest_free_days, config.daily_rate)
    return CreditBook(terms, measured_window(world)[1], days)


class ArmTally:
    """What one arm of one replication adds up to so far.

    With ``keep_patients`` the values of each measured episode that has ended are kept in
    ``ended`` for the patient-paired comparison (``paired.Pairing``), which takes them away.
    """

    def __init__(self, world: World, keep_patients: bool = False) -> None:
        self.world = world
        self.in_care: dict[int, Episode] = {}
        self.totals = EpisodeTotals(world)
        self.referrals = ReferralTally(world)
        self.stations = StationTally(world)
        self.outreach = OutreachTally(world)
        self.credit = credit_book_of(world)
        self.ended: dict[int, PatientValues] | None = {} if keep_patients else None

    def fold(self, records: Records) -> None:
        """Fold the rows appended since the last fold, then the episodes that have ended."""
        in_care = self.in_care
        for episode_row in records.take("episodes"):
            in_care[episode_row.patient] = Episode(episode_row)
        for visit in records.take("visits"):
            self.referrals.add_visit(visit)
            if (episode := in_care.get(visit.patient)) is not None:
                episode.visits.append(visit)
        stations = records.take("stations")
        self.stations.fold(stations)
        self.referrals.fold_stations(stations)
        for station in stations:
            if (episode := in_care.get(station.patient)) is not None:
                episode.stations.append(station)
        for charge in records.take("charges"):
            if (episode := in_care.get(charge.patient)) is not None:
                episode.fees.append(charge.fee_yuan)
        for trip in records.take("trips"):
            if (episode := in_care.get(trip.patient)) is not None:
                episode.trips.append(trip)
        for order in records.take("tests"):
            if (episode := in_care.get(order.patient)) is not None:
                if order.outcome == "performed":
                    episode.performed += 1
                elif order.outcome == "avoided":
                    episode.avoided.append(order.test)
        for decision in records.take("recognition"):
            if decision.decision == "accepted" and (
                (episode := in_care.get(decision.patient)) is not None
            ):
                episode.accepted.add(decision.facility)
        records.take("readings")  # not in any metric
        for draw in records.take("credit"):
            if (episode := in_care.get(draw.patient)) is not None:
                episode.draws.append((draw.fee_yuan, draw.time_min))
        for account in records.take("credit_accounts"):
            if (episode := in_care.get(account.patient)) is not None:
                episode.account = (account.repay_days, bool(account.defaults))
        for waiver in records.take("waivers"):
            if (episode := in_care.get(waiver.patient)) is not None:
                episode.waived.append(waiver.fee_yuan)
        for service in records.take("outreach"):
            self.outreach.add_service(service)
            if (episode := in_care.get(service.patient)) is not None:
                episode.reached = True
                if service.service in QUEUED_SERVICES:
                    episode.outreach_waits.append(service.start_min - service.arrive_min)
        for staff in records.take("outreach_staff"):
            self.outreach.add_staff(staff)
        # episode.ended, inlined: every episode in care is asked every day
        for patient in [p for p, e in in_care.items() if e.row.end_min is not None]:
            self._close(in_care.pop(patient))

    def finish(self) -> None:
        """The run is over: fold the episodes still in care as they stand."""
        while self.in_care:
            self._close(self.in_care.popitem()[1])

    def _close(self, episode: Episode) -> None:
        self.referrals.close(episode)
        repay_days, defaults = episode.account if episode.account else (None, False)
        self.credit.settle(episode.patient, episode.draws, repay_days, defaults)
        if self.totals.measures(episode):
            self.totals.add(episode)
            if self.ended is not None:
                self.ended[episode.patient] = patient_values(episode)


def tally_of(records: Records, world: World) -> ArmTally:
    """The aggregates of a run's records: those folded while it ran, or, for records filled
    otherwise (by hand, in tests), folded now from the full log."""
    if records.folded is None:
        tally = ArmTally(world)
        tally.fold(records)
        tally.finish()
        records.folded = tally
    return records.folded
