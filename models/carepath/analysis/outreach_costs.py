"""What the outreach teams did in the measured period, and what their time cost.

Counts are of services in the measured period (screening visitors have no episode).  The
programme's cost is its staff-days times the scenario's cost per staff-day of each role, so
that the savings can be set beside it: ``cost_with_programme_yuan`` adds the programme's cost
per episode to what patients paid.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..observation.records import Records
from ..system.world import World

OUTREACH_METRICS: tuple[str, ...] = (
    "free_clinic_patients",
    "free_clinic_resolved",
    "free_clinic_referred",
    "free_clinic_unseen",
    "free_clinic_screened",
    "free_clinic_person_times",
    "free_clinic_referrals",
    "free_clinic_referral_share",
    "family_doctor_visits",
    "expert_consultations",
    "outreach_wait_min",
    "outreach_staff_days",
    "outreach_cost_yuan",
)


# Services with a queue: waiting there counts in ``wait_min`` like a station's queue.
QUEUED_SERVICES = ("free_clinic", "visiting_expert")


def outreach_queue_min(records: Records) -> pd.Series:
    """Minutes each patient queued at free clinics and for visiting experts (the unseen too)."""
    rows = records.table("outreach")
    queued = rows[rows.service.isin(QUEUED_SERVICES)]
    return (queued.start_min - queued.arrive_min).groupby(queued.patient).sum()


def outreach_metrics(
    records: Records, world: World, window: tuple[float, float], measured_ids: np.ndarray
) -> dict[str, float]:
    start, end = window
    rows = records.table("outreach")
    rows = rows[(rows.arrive_min >= start) & (rows.arrive_min < end)]
    service, outcome = rows.service.to_numpy(), rows.outcome.to_numpy()
    clinic = service == "free_clinic"
    screening = service == "screening"
    seen = outcome != "unseen"
    referrals = float(((clinic | screening) & (outcome == "referred")).sum())
    person_times = float(((clinic | screening) & seen).sum())
    # Per measured episode, followed to its end like the stations' waits.
    queue_min = outreach_queue_min(records)
    episodes = len(measured_ids)
    staff = records.table("outreach_staff")
    staff = staff[(staff.time_min >= start) & (staff.time_min < end)]
    prices = world.scenario.reforms.outreach.staff_day_cost_yuan
    price = staff.role.map(lambda role: prices.get(role, 0.0)).astype(float)
    cost = float((staff.staff_days * price).sum())
    return {
        "free_clinic_patients": float((clinic & seen).sum()),
        "free_clinic_resolved": float((clinic & (outcome == "resolved")).sum()),
        "free_clinic_referred": float((clinic & (outcome == "referred")).sum()),
        "free_clinic_unseen": float((clinic & ~seen).sum()),
        "free_clinic_screened": float((screening & seen).sum()),
        "free_clinic_person_times": person_times,
        "free_clinic_referrals": referrals,
        "free_clinic_referral_share": referrals / person_times if person_times else 0.0,
        "family_doctor_visits": float((service == "family_doctor").sum()),
        "expert_consultations": float((service == "visiting_expert").sum()),
        "outreach_wait_min": float(queue_min[queue_min.index.isin(measured_ids)].sum()) / episodes
        if episodes
        else 0.0,
        "outreach_staff_days": float(staff.staff_days.sum()),
        "outreach_cost_yuan": cost,
    }
