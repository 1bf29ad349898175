"""Comparisons made patient by patient between the arms of one replication.

Both arms simulate the same patients (same ids, onsets and draws), so each patient's wait, fees
and time to care can be compared directly.  This separates a reform's saving for the patients it
touched from the spill-over to everyone else (shorter queues because others skipped them).

The arms of a replication are simulated side by side, a day at a time; each measured episode's
values are kept from its end in one arm until its end in the other, then the pair is folded into
the comparison and dropped (``Pairing``).
"""

from __future__ import annotations

import math
from typing import NamedTuple

from ..observation.records import HOME
from .episodes import Episode
from .exact import ExactSum, Mean


class PatientValues(NamedTuple):
    """One measured episode's own values in one arm."""

    wait_min: float  # at stations, free clinics and visiting experts
    trips: int  # journeys to a facility
    travel_min: float
    travel_yuan: float
    cashier_wait_min: float
    medical_yuan: float
    time_to_care_min: float  # NaN if still in care at the end, or if care was forgone
    person_times: int  # facilities that recognised one of the patient's results
    on_credit: bool  # drew on a credit line
    reached: bool  # seen (or waited for in vain) by an outreach team


def patient_values(episode: Episode) -> PatientValues:
    # One pass over each kind of row: the lists are short and this runs for every measured
    # episode of both arms.
    waits, cashier_waits = [], []
    for _, _, station, arrive_min, start_min, _ in episode.stations:
        waits.append(start_min - arrive_min)
        if station == "cashier":
            cashier_waits.append(start_min - arrive_min)
    waits += episode.outreach_waits
    waits += episode.left_waits
    outward, travel_min, travel_yuan = 0, [], []
    for _, _, destination, minutes, yuan, _ in episode.trips:
        outward += destination != HOME
        travel_min.append(minutes)
        travel_yuan.append(yuan)
    # care not had has no time to care: a patient cared for in one arm only is left out
    time_to_care_min = math.nan if episode.forgone else episode.time_to_care_min
    return PatientValues(  # by position, in the fields' order: quicker than by name
        math.fsum(waits),
        outward,
        math.fsum(travel_min),
        math.fsum(travel_yuan),
        math.fsum(cashier_waits),
        math.fsum([fee_yuan for _, _, fee_yuan in episode.charges]),
        time_to_care_min,
        len(episode.accepted),
        bool(episode.draws),
        episode.reached,
    )


class Pairing:
    """Savings (``without`` minus ``with``) for the patients a reform touched and for the rest.

    Per recognised person-time (one patient's visit to a facility with a result recognised):
    medical fees saved over all measured patients, and minutes of time to care saved by the
    recognised patients.  Waits saved: per recognised patient (own), and per patient with
    nothing recognised (spill-over).  Cashier waits saved: per patient who drew on a credit line
    (own), and per patient who did not (spill-over).  Undefined values are NaN.
    """

    def __init__(self) -> None:
        self.person_times = 0
        self.recognised = 0
        self.saved_yuan = ExactSum()
        self.saved_min_recognised = ExactSum()
        self.own_wait, self.spillover_wait = Mean(), Mean()
        self.own_cashier_wait, self.spillover_cashier_wait = Mean(), Mean()
        self.reached = 0
        self.saved_trips, self.saved_travel_min = Mean(), Mean()
        self.saved_yuan_reached, self.saved_min_reached = Mean(), Mean()
        self.spillover_wait_outreach = Mean()
        self.saved_min_cared = Mean()  # over the episodes cared for in both arms

    def fold(self, without: dict[int, PatientValues], with_: dict[int, PatientValues]) -> None:
        """Fold the patients whose episodes have ended in both arms, and drop them."""
        for patient in [p for p in without if p in with_]:
            self.add(without.pop(patient), with_.pop(patient))

    def add(self, a: PatientValues, b: PatientValues) -> None:
        """One patient's values without (``a``) and with (``b``) the reforms."""
        wait = a.wait_min - b.wait_min
        time_to_care = a.time_to_care_min - b.time_to_care_min
        medical_yuan = a.medical_yuan - b.medical_yuan
        touched = b.person_times > 0
        self.person_times += b.person_times
        self.recognised += touched
        self.saved_yuan.add(medical_yuan)
        self.saved_min_cared.add(time_to_care)
        if touched:
            if not math.isnan(time_to_care):
                self.saved_min_recognised.add(time_to_care)
            self.own_wait.add(wait)
        else:
            self.spillover_wait.add(wait)
        cashier = a.cashier_wait_min - b.cashier_wait_min
        (self.own_cashier_wait if b.on_credit else self.spillover_cashier_wait).add(cashier)
        if b.reached:
            self.reached += 1
            self.saved_trips.add(a.trips - b.trips)
            self.saved_travel_min.add(a.travel_min - b.travel_min)
            self.saved_yuan_reached.add(medical_yuan + (a.travel_yuan - b.travel_yuan))
            self.saved_min_reached.add(time_to_care)
        else:
            self.spillover_wait_outreach.add(wait)

    def metrics(self) -> dict[str, float]:
        def per_time(total: ExactSum) -> float:
            return total.value / self.person_times if self.person_times else math.nan

        return {
            "recognised_patients": float(self.recognised),
            "saved_yuan_per_recognised": per_time(self.saved_yuan),
            "saved_min_per_recognised": per_time(self.saved_min_recognised),
            "own_wait_saved_min": self.own_wait.value,
            "spillover_wait_saved_min": self.spillover_wait.value,
            "own_cashier_wait_saved_min": self.own_cashier_wait.value,
            "spillover_cashier_wait_saved_min": self.spillover_cashier_wait.value,
            # Per patient an outreach team saw (or who waited for a free clinic in vain).
            "outreach_patients": float(self.reached),
            "saved_trips_per_outreach_patient": self.saved_trips.value,
            "saved_travel_min_per_outreach_patient": self.saved_travel_min.value,
            "saved_yuan_per_outreach_patient": self.saved_yuan_reached.value,
            "saved_min_per_outreach_patient": self.saved_min_reached.value,
            "spillover_wait_saved_min_outreach": self.spillover_wait_outreach.value,
            "time_to_care_saved_min_paired": self.saved_min_cared.value,
        }
