"""Comparisons made patient by patient between the arms of one replication.

Both arms simulate the same patients (same ids, onsets and draws), so each patient's wait, fees
and time to care can be compared directly.  This separates a reform's saving for the patients it
touched from the spill-over to everyone else (shorter queues because others skipped them).
"""

from __future__ import annotations

import math

import pandas as pd

from ..observation.records import Records
from ..system.world import World
from .metrics import measured_window
from .outreach_costs import outreach_queue_min

PAIRED_METRICS: tuple[str, ...] = (
    "recognised_patients",
    "saved_yuan_per_recognised",
    "saved_min_per_recognised",
    "own_wait_saved_min",
    "spillover_wait_saved_min",
    "own_cashier_wait_saved_min",
    "spillover_cashier_wait_saved_min",
    "outreach_patients",
    "saved_trips_per_outreach_patient",
    "saved_travel_min_per_outreach_patient",
    "saved_yuan_per_outreach_patient",
    "saved_min_per_outreach_patient",
    "spillover_wait_saved_min_outreach",
)


def per_patient(records: Records, world: World) -> pd.DataFrame:
    """Wait, medical fees and time to care of each episode that started in the measured period."""
    start, end = measured_window(world)
    episodes = records.table("episodes").set_index("patient")
    episodes = episodes[(episodes.onset_min >= start) & (episodes.onset_min < end)]
    stations = records.table("stations")
    queued = stations.start_min - stations.arrive_min
    # Queues at free clinics and for visiting experts are queues too (as in metrics.wait_min).
    wait = queued.groupby(stations.patient).sum().add(outreach_queue_min(records), fill_value=0.0)
    at_cashier = stations.station == "cashier"
    cashier_wait = queued[at_cashier].groupby(stations.patient[at_cashier]).sum()
    charges = records.table("charges")
    fees = charges.fee_yuan.groupby(charges.patient).sum()
    trips = records.table("trips")
    out = trips[trips.destination >= 0]
    return pd.DataFrame(
        {
            "wait_min": wait.reindex(episodes.index, fill_value=0.0),
            "trips": out.patient.value_counts().reindex(episodes.index, fill_value=0),
            "travel_min": trips.travel_min.groupby(trips.patient)
            .sum()
            .reindex(episodes.index, fill_value=0.0),
            "travel_yuan": trips.travel_yuan.groupby(trips.patient)
            .sum()
            .reindex(episodes.index, fill_value=0.0),
            "cashier_wait_min": cashier_wait.reindex(episodes.index, fill_value=0.0),
            "medical_yuan": fees.reindex(episodes.index, fill_value=0.0),
            "time_to_care_min": episodes.end_min - episodes.onset_min,
        }
    )


def _mean(values: pd.Series) -> float:
    values = values.dropna()
    return float(values.mean()) if len(values) else math.nan


def compare(without: Records, with_: Records, world: World) -> dict[str, float]:
    """Savings (``without`` minus ``with``) for the patients a reform touched and for the rest.

    Per recognised person-time (one patient's visit to a facility with a result recognised):
    medical fees saved over all measured patients, and minutes of time to care saved by the
    recognised patients.  Waits saved: per recognised patient (own), and per patient with
    nothing recognised (spill-over).  Cashier waits saved: per patient who drew on a credit line
    (own), and per patient who did not (spill-over).  Undefined values are NaN.
    """
    a, b = per_patient(without, world), per_patient(with_, world)
    saved = a - b.reindex(a.index)
    accepted = with_.table("recognition")
    accepted = accepted[(accepted.decision == "accepted") & accepted.patient.isin(a.index)]
    person_times = len(accepted.drop_duplicates(["patient", "facility"]))
    touched = saved.index.isin(accepted.patient.unique())
    per_time = (lambda total: float(total) / person_times) if person_times else (lambda _: math.nan)
    return {
        "recognised_patients": float(touched.sum()),
        "saved_yuan_per_recognised": per_time(saved.medical_yuan.sum()),
        "saved_min_per_recognised": per_time(saved.time_to_care_min[touched].sum()),
        "own_wait_saved_min": _mean(saved.wait_min[touched]),
        "spillover_wait_saved_min": _mean(saved.wait_min[~touched]),
        **_cashier(saved, with_),
        **_outreach(saved, with_),
    }


def _cashier(saved: pd.DataFrame, with_: Records) -> dict[str, float]:
    on_credit = saved.index.isin(with_.table("credit").patient.unique())
    return {
        "own_cashier_wait_saved_min": _mean(saved.cashier_wait_min[on_credit]),
        "spillover_cashier_wait_saved_min": _mean(saved.cashier_wait_min[~on_credit]),
    }


def _outreach(saved: pd.DataFrame, with_: Records) -> dict[str, float]:
    """Per patient an outreach team saw (or who waited for a free clinic in vain)."""
    reached = saved.index.isin(with_.table("outreach").patient.unique())
    mine = saved[reached]
    return {
        "outreach_patients": float(reached.sum()),
        "saved_trips_per_outreach_patient": _mean(mine.trips),
        "saved_travel_min_per_outreach_patient": _mean(mine.travel_min),
        "saved_yuan_per_outreach_patient": _mean(mine.medical_yuan + mine.travel_yuan),
        "saved_min_per_outreach_patient": _mean(mine.time_to_care_min),
        "spillover_wait_saved_min_outreach": _mean(saved.wait_min[~reached]),
    }
