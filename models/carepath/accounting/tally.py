"""The metrics' aggregates, folded from one arm's records as the run goes.

Every simulated day (``execution.replication``) the rows appended since the last fold are
taken from the records and folded: rows that count by when they happened (arrivals, station
services, outreach in the measured period) straight into per-tier, per-station and per-week
totals; rows of an episode still in care into that episode (``episodes.Episode``), which is
folded into the arm's totals once it has ended (with the others that ended that day, a column
of values at a time: ``episodes.EndedEpisodes``) and then dropped.  So what is kept grows with
the episodes in care, not with the horizon.  From a full event log the same fold gives the same
numbers (:func:`tally_of`), whenever and in whatever order the rows came.

A row of a patient whose episode is not in care (a screening visitor with no episode) counts
only by when it happened; every row of an episode is appended before the episode ends.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from ..behaviour.wait_signal import WaitSignal
from ..inputs.reform_registry import REFORMS
from ..observation.records import NO_EPISODE, EpisodeRow, Records
from ..system.world import World
from .episodes import QUEUED_SERVICES, EndedEpisodes, Episode, EpisodeTotals
from .equity import EquityTally
from .inpatient import InpatientTally
from .money import MoneyTally
from .outreach_costs import OutreachTally
from .paired import PatientValues, patient_values
from .referrals import ReferralTally
from .stations import StationTally
from .visit_times import VisitTimesTally


class ReformTally(Protocol):
    """A reform's own in-run tally (``Reform.tally``), made in every arm."""

    def fold(self, rows: Mapping[str, list[tuple]]) -> None:
        """The rows of every table appended since the last fold, by table name."""

    def close(self, episode: Episode) -> None:
        """An episode has ended (or the run is over with it still in care)."""

    def metrics(self) -> dict[str, float]:
        """Its metrics' values (each in the metric registry)."""
        ...

    def tables(self) -> dict[str, list[tuple]]:
        """Rows of its output tables (``Reform.tables``), by file name."""
        ...


class ArmTally:
    """What one arm of one replication adds up to so far.

    With ``keep_patients`` the values of each measured episode that has ended are kept in
    ``ended`` for the patient-paired comparison (``paired.Pairing``), which takes them away.
    """

    def __init__(
        self, world: World, keep_patients: bool = False, reforms_on: tuple[str, ...] = ()
    ) -> None:
        self.world = world
        self.in_care: dict[int, Episode] = {}
        self.totals = EpisodeTotals(world)
        self.equity = EquityTally(world)
        self.referrals = ReferralTally(world)
        self.stations = StationTally(world)
        self.visit_times = VisitTimesTally(world)
        self.outreach = OutreachTally(world)
        self.inpatient = InpatientTally(world)
        # reforms_on: the arm's switched-on reforms, whose capital the programme pays for
        self.money = MoneyTally(world, self.outreach, reforms_on)
        self.reforms: dict[str, ReformTally] = {
            r.name: r.tally(world) for r in REFORMS if r.tally is not None
        }
        self.ended: dict[int, PatientValues] | None = {} if keep_patients else None
        # The wait patients can know (behaviour.wait_signal), updated at each day's fold.
        self.signal: WaitSignal | None = None

    def fold(self, records: Records) -> None:
        """Fold the rows appended since the last fold, table by table (episodes first, so that
        the rows of an episode that started since find it), then the episodes that have ended.

        Rows are unpacked into their record types' field names (``observation.records``).
        """
        rows = {name: records.take(name) for name in records.names()}
        self._fold_episodes(rows["episodes"])
        self._fold_visits(rows["visits"])
        self._fold_stations(rows["stations"])
        self._fold_charges(rows["charges"])
        self._fold_trips(rows["trips"])
        self._fold_tests(rows["tests"])
        self._fold_recognition(rows["recognition"])
        # rows["readings"]: in no metric
        self._fold_credit(rows["credit"])
        self._fold_credit_accounts(rows["credit_accounts"])
        self._fold_waivers(rows["waivers"])
        self._fold_outreach(rows["outreach"])
        self._fold_outreach_staff(rows["outreach_staff"])
        self._fold_seeking(rows["seeking"])
        self._fold_admissions(rows["admissions"])
        self.inpatient.fold_bookings(rows["bookings"])
        self._fold_diagnoses(rows["diagnoses"])
        if self.signal is not None:
            self.signal.fold(rows["stations"], rows["visits"])
        for reform in self.reforms.values():
            reform.fold(rows)
        # episode.ended, inlined: every episode in care is asked every day
        ended = [p for p, episode in self.in_care.items() if episode.row.end_min is not None]
        self._close([self.in_care.pop(patient) for patient in ended])

    def _fold_episodes(self, rows: list[EpisodeRow]) -> None:
        for row in rows:
            self.in_care[row.patient] = Episode(row)

    def _fold_visits(self, rows: list[tuple]) -> None:
        self.referrals.fold_visits(rows)
        in_care = self.in_care
        for visit in rows:
            if (episode := in_care.get(visit[0])) is not None:  # VisitRow.patient
                episode.visits.append(visit)

    def _fold_stations(self, rows: list[tuple]) -> None:
        self.stations.fold(rows)
        self.referrals.fold_stations(rows)
        in_care = self.in_care
        for station in rows:
            if (episode := in_care.get(station[0])) is not None:  # StationRow.patient
                episode.stations.append(station)

    def _fold_charges(self, rows: list[tuple]) -> None:
        in_care = self.in_care
        for patient, facility, item, fee_yuan, _ in rows:
            if (episode := in_care.get(patient)) is not None:
                episode.charges.append((facility, item, fee_yuan))

    def _fold_trips(self, rows: list[tuple]) -> None:
        in_care = self.in_care
        for trip in rows:
            if (episode := in_care.get(trip[0])) is not None:  # TripRow.patient
                episode.trips.append(trip)

    def _fold_tests(self, rows: list[tuple]) -> None:
        for patient, _, test, outcome, _ in rows:
            if (episode := self.in_care.get(patient)) is not None:
                if outcome == "performed":
                    episode.performed += 1
                elif outcome == "avoided":
                    episode.avoided.append(test)

    def _fold_recognition(self, rows: list[tuple]) -> None:
        for patient, facility, _, _, decision, _ in rows:
            if decision == "accepted" and (episode := self.in_care.get(patient)) is not None:
                episode.accepted.add(facility)

    def _fold_credit(self, rows: list[tuple]) -> None:
        for patient, _, fee_yuan, time_min in rows:
            if (episode := self.in_care.get(patient)) is not None:
                episode.draws.append((fee_yuan, time_min))

    def _fold_credit_accounts(self, rows: list[tuple]) -> None:
        for patient, repay_days, defaults in rows:
            if (episode := self.in_care.get(patient)) is not None:
                episode.account = (repay_days, bool(defaults))

    def _fold_waivers(self, rows: list[tuple]) -> None:
        for patient, facility, fee_yuan, _ in rows:
            if (episode := self.in_care.get(patient)) is not None:
                episode.waived.append((facility, fee_yuan))

    def _fold_outreach(self, rows: list[tuple]) -> None:
        for service in rows:
            self.outreach.add_service(service)
            patient, _, _, kind, arrive_min, start_min, end_min, _ = service
            if (episode := self.in_care.get(patient)) is not None:
                episode.reached = True
                if kind == "case_finding":
                    episode.began_min = arrive_min
                episode.outreach_min.append(end_min - arrive_min)
                if kind in QUEUED_SERVICES:
                    episode.outreach_waits.append(start_min - arrive_min)

    def _fold_outreach_staff(self, rows: list[tuple]) -> None:
        for staff in rows:
            self.outreach.add_staff(staff)
            _, _, role, staff_days, _, patient = staff
            if patient != NO_EPISODE and (episode := self.in_care.get(patient)) is not None:
                episode.staff.append((role, staff_days))

    def _fold_seeking(self, rows: list[tuple]) -> None:
        for patient, _, event, _, wait_min in rows:
            if (episode := self.in_care.get(patient)) is not None:
                episode.seeking.append(event)
                if wait_min:
                    episode.left_waits.append(wait_min)

    def _fold_admissions(self, rows: list[tuple]) -> None:
        self.inpatient.fold_admissions(rows, self.in_care)
        for patient, facility, listed_min, *_ in rows:
            if (episode := self.in_care.get(patient)) is not None:
                episode.listed.append((facility, listed_min))

    def _fold_diagnoses(self, rows: list[tuple]) -> None:
        for patient, _, time_min in rows:
            if (episode := self.in_care.get(patient)) is not None:
                # the last (each visit's comes after the one before), whatever order rows come in
                last = episode.diagnosed_min
                episode.diagnosed_min = time_min if last is None else max(last, time_min)

    def finish(self) -> None:
        """The run is over: fold the episodes still in care as they stand."""
        in_care, self.in_care = self.in_care, {}
        self._close(list(in_care.values()))

    def _close(self, episodes: list[Episode]) -> None:
        """Fold episodes that have ended (or are still in care at the end), together: the
        measured ones' values a column at a time (``episodes.EndedEpisodes``)."""
        self.referrals.close(episodes)
        for reform in self.reforms.values():
            for episode in episodes:
                reform.close(episode)
        start, end = self.totals.window
        # EpisodeTotals.measures, inlined
        measured = [e for e in episodes if start <= e.row.onset_min < end]
        if not measured:
            return
        ended = EndedEpisodes(measured)
        self.totals.add_ended(ended)
        self.equity.add_ended(ended)
        self.money.add_ended(ended)
        self.visit_times.add_ended(measured)
        if self.ended is not None:
            for episode in measured:
                self.ended[episode.patient] = patient_values(episode)

    def reform_metrics(self) -> dict[str, float]:
        return {k: v for reform in self.reforms.values() for k, v in reform.metrics().items()}

    def reform_tables(self) -> dict[str, list[tuple]]:
        """Rows of the reforms' output tables, by file name."""
        return {k: v for reform in self.reforms.values() for k, v in reform.tables().items()}


def tally_of(records: Records, world: World) -> ArmTally:
    """The aggregates of a run's records: those folded while it ran, or, for records filled
    otherwise (by hand, in tests), folded now from the full log."""
    if records.folded is None:
        tally = ArmTally(world)
        tally.fold(records)
        tally.finish()
        records.folded = tally
    return records.folded
