"""Per-replication metrics, computed from the records after the run (DESIGN.md, Outputs).

Per-episode metrics count the episodes whose onset falls in the measured period (after
warm-up), following each of them to its end, follow-ups included.  Loads per week count
arrivals in the measured period, whoever they are.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..inputs.schema import TEST_TYPES
from ..observation.records import Records
from ..system.world import PRIMARY_RANKS, World
from .credit_ledger import LedgerTerms, balance_by_day, ledger
from .outreach_costs import OUTREACH_METRICS, outreach_metrics
from .referrals import REFERRAL_METRICS, referral_metrics, weekly_names
from .window import measured_window

LEDGER_KEYS = (
    "charged_yuan",
    "repaid_yuan",
    "defaulted_yuan",
    "outstanding_yuan",
    "financing_cost_yuan",
)

METRICS: tuple[str, ...] = (
    "episodes",
    "episodes_in_care",
    "cost_total_yuan",
    "cost_medical_yuan",
    "cost_travel_yuan",
    "wait_min",
    "travel_min",
    "time_to_care_min",
    "visits",
    "return_visits",
    "tests_performed",
    "tests_avoided",
    *(f"tests_avoided_{test}" for test in TEST_TYPES),
    "recognised_person_times",
    "cashier_wait_min",
    "credit_patients",
    "credit_drawn_yuan",
    "registration_fees_waived_yuan",
    "credit_charged_yuan",
    "credit_repaid_yuan",
    "credit_defaulted_yuan",
    "credit_outstanding_yuan",
    "credit_financing_cost_yuan",
    "referrals_up",
    "referrals_down",
    "primary_share",
    "trips",
    *REFERRAL_METRICS,
    *OUTREACH_METRICS,
    "outreach_cost_per_episode_yuan",
    "cost_with_programme_yuan",
)


def _per_episode(total: float, episodes: int) -> float:
    return float(total) / episodes if episodes else 0.0


def compute(records: Records, world: World) -> dict[str, float]:
    """The core metrics of one replication of one arm, in ``METRICS`` order, then the weekly
    referral loads (``analysis.referrals.weekly_names``)."""
    start, end = measured_window(world)
    episodes = records.table("episodes")
    measured = episodes[(episodes.onset_min >= start) & (episodes.onset_min < end)]
    ids = measured.patient.to_numpy()
    n = len(measured)

    def of_measured(name: str) -> pd.DataFrame:
        table = records.table(name)
        return table[np.isin(table.patient.to_numpy(), ids)]

    charges, trips, stations = of_measured("charges"), of_measured("trips"), of_measured("stations")
    tests, visits = of_measured("tests"), of_measured("visits")
    avoided = tests[tests.outcome == "avoided"]
    recognised = of_measured("recognition")
    recognised = recognised[recognised.decision == "accepted"]
    finished = measured.dropna(subset=["end_min"])
    rank = np.array([f.rank for f in world.facilities])
    cost_medical = _per_episode(charges.fee_yuan.sum(), n)
    cost_travel = _per_episode(trips.travel_yuan.sum(), n)
    first_visits = visits[visits.kind != "return"]
    window = (start, end)
    values = {
        **referral_metrics(records, world, window, ids),
        **outreach_metrics(records, world, window, ids),
        "episodes": float(n),
        "episodes_in_care": float(n - len(finished)),
        "cost_total_yuan": cost_medical + cost_travel,
        "cost_medical_yuan": cost_medical,
        "cost_travel_yuan": cost_travel,
        "wait_min": _per_episode((stations.start_min - stations.arrive_min).sum(), n),
        "trips": _per_episode(int((trips.destination >= 0).sum()), n),
        "travel_min": _per_episode(trips.travel_min.sum(), n),
        "time_to_care_min": float((finished.end_min - finished.onset_min).mean())
        if len(finished)
        else 0.0,
        "visits": _per_episode(len(first_visits), n),
        "return_visits": _per_episode(int((visits.kind == "return").sum()), n),
        "tests_performed": float((tests.outcome == "performed").sum()),
        "tests_avoided": float(len(avoided)),
        **{f"tests_avoided_{t}": float((avoided.test == t).sum()) for t in TEST_TYPES},
        # a person-time: one patient's visit to one facility with a result recognised
        "recognised_person_times": float(len(recognised.drop_duplicates(["patient", "facility"]))),
        "referrals_up": float((visits.kind == "referral_up").sum()),
        "referrals_down": float((visits.kind == "referral_down").sum()),
        "primary_share": _per_episode(
            np.isin(rank[first_visits.facility.to_numpy(dtype=int)], PRIMARY_RANKS).sum(),
            len(first_visits),
        ),
    }
    cashier = stations[stations.station == "cashier"]
    credit = of_measured("credit")
    values.update(
        {
            "cashier_wait_min": _per_episode((cashier.start_min - cashier.arrive_min).sum(), n),
            "credit_patients": float(credit.patient.nunique()),
            "credit_drawn_yuan": _per_episode(credit.fee_yuan.sum(), n),
            "registration_fees_waived_yuan": _per_episode(of_measured("waivers").fee_yuan.sum(), n),
            **credit_book(records, world, end),
        }
    )
    # Queues at free clinics and visiting experts are queues too.
    values["wait_min"] += values["outreach_wait_min"]
    values["outreach_cost_per_episode_yuan"] = _per_episode(values["outreach_cost_yuan"], n)
    values["cost_with_programme_yuan"] = (
        values["cost_total_yuan"] + values["outreach_cost_per_episode_yuan"]
    )
    return {name: values[name] for name in (*METRICS, *weekly_names(world))}


def _accounts(records: Records, world: World) -> tuple:
    """The ledger's inputs: draws, repayment days, defaulters, terms."""
    config = world.scenario.reforms.credit
    accounts = records.table("credit_accounts")
    return (
        records.table("credit"),
        dict(zip(accounts.patient, accounts.repay_days, strict=True)),
        set(accounts.patient[accounts.defaults.astype(bool)]),
        LedgerTerms(config.interest_free_days, config.daily_rate),
    )


def credit_book(records: Records, world: World, at_min: float) -> dict[str, float]:
    """The lender's book at ``at_min``: every credit draw so far, warm-up included."""
    book = ledger(*_accounts(records, world), at_min)
    return {f"credit_{key}": float(book[key]) for key in LEDGER_KEYS}


def credit_balance(records: Records, world: World) -> list[tuple]:
    """Outstanding (interest-free) and defaulted credit at the end of each simulated day."""
    if not records.credit:
        return []
    sim = world.scenario.simulation
    days = range(math.ceil(sim.warmup_days + sim.horizon_days + sim.drain_days))
    table = balance_by_day(*_accounts(records, world), days)
    return list(table.itertuples(index=False, name=None))
