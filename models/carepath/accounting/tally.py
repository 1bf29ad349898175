"""The metrics' aggregates, folded from one arm's records as the run goes.

Every simulated day (``execution.replication``) the rows appended since the last fold are
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
        """Fold the rows appended since the last fold, then the episodes that have ended.

        Rows are unpacked into their record types' field names (``observation.records``).
        """
        in_care = self.in_care
        for row in records.take("episodes"):
            in_care[row.patient] = Episode(row)
        visits = records.take("visits")
        self.referrals.fold_visits(visits)
        for visit in visits:
            if (episode := in_care.get(visit[0])) is not None:  # VisitRow.patient
                episode.visits.append(visit)
        stations = records.take("stations")
        self.stations.fold(stations)
        self.referrals.fold_stations(stations)
        for station in stations:
            if (episode := in_care.get(station[0])) is not None:  # StationRow.patient
                episode.stations.append(station)
        for patient, _, _, fee_yuan, _ in records.take("charges"):
            if (episode := in_care.get(patient)) is not None:
                episode.fees.append(fee_yuan)
        for trip in records.take("trips"):
            if (episode := in_care.get(trip[0])) is not None:  # TripRow.patient
                episode.trips.append(trip)
        for patient, _, test, outcome, _ in records.take("tests"):
            if (episode := in_care.get(patient)) is not None:
                if outcome == "performed":
                    episode.performed += 1
                elif outcome == "avoided":
                    episode.avoided.append(test)
        for patient, facility, _, _, decision, _ in records.take("recognition"):
            if decision == "accepted" and (episode := in_care.get(patient)) is not None:
                episode.accepted.add(facility)
        records.take("readings")  # not in any metric
        for patient, _, fee_yuan, time_min in records.take("credit"):
            if (episode := in_care.get(patient)) is not None:
                episode.draws.append((fee_yuan, time_min))
        for patient, repay_days, defaults in records.take("credit_accounts"):
            if (episode := in_care.get(patient)) is not None:
                episode.account = (repay_days, bool(defaults))
        for patient, _, fee_yuan, _ in records.take("waivers"):
            if (episode := in_care.get(patient)) is not None:
                episode.waived.append(fee_yuan)
        for service in records.take("outreach"):
            self.outreach.add_service(service)
            patient, _, _, kind, arrive_min, start_min, _, _ = service
            if (episode := in_care.get(patient)) is not None:
                episode.reached = True
                if kind in QUEUED_SERVICES:
                    episode.outreach_waits.append(start_min - arrive_min)
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
