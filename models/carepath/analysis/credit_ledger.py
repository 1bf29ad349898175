"""Ledger of the credit-billing reform ("treat first, pay later"), computed after a run.

An enrolled patient's charges are drawn on a credit line instead of being paid at the cashier.
Each patient repays all their draws in one repayment within the interest-free period, counted
from their first draw, or defaults and never repays.  Until a draw is repaid or in default it
is part of the interest-free float, which the lender finances at a daily rate.

Conventions (times in simulation minutes, 1 day = 1440 min):

* A patient's settlement time is their first draw plus their repayment day (repaying patients)
  or plus the interest-free period (defaulting patients).  A draw leaves the float at the later
  of its own time and its patient's settlement time, so a draw made after the patient already
  settled is repaid (or in default) at the moment it is drawn and costs no financing.
* An event at time t counts at every time >= t: a draw, repayment or default exactly at the
  horizon or day end counts as having happened, except that :func:`ledger` takes only draws
  strictly before its horizon (its charges cover ``[0, horizon)``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

MIN_PER_DAY = 1440.0


@dataclass(frozen=True)
class LedgerTerms:
    """Terms of the credit line.

    ``interest_free_days``: days after a patient's first draw by which all their draws must be
    repaid; a defaulting patient's balance is in default from then on.
    ``daily_rate``: financing cost per yuan of interest-free float per day (e.g. 0.0001).
    """

    interest_free_days: float
    daily_rate: float


def _settled(
    draws: pd.DataFrame, repay_days: dict[int, float], defaults: set[int], terms: LedgerTerms
) -> pd.DataFrame:
    """Each draw with the time it leaves the interest-free float, and whether that is a default.

    Columns ``patient, fee_yuan, time_min, settle_min, defaulted``.
    """
    for patient, days in repay_days.items():
        # Written so that NaN fails too.
        if not 0 <= days <= terms.interest_free_days:
            raise ValueError(
                f"patient {patient}: repayment on day {days} is outside the interest-free "
                f"period of 0 to {terms.interest_free_days} days"
            )
    missing = sorted(set(draws["patient"]) - set(repay_days) - set(defaults))
    if missing:
        raise ValueError(
            f"patients {missing} drew on the credit line but have no repayment day and no default"
        )

    time = draws["time_min"].astype(float)
    first = time.groupby(draws["patient"]).transform("min")
    defaulted = draws["patient"].isin(defaults)
    # A defaulting patient's balance goes into default when the interest-free period runs out,
    # whatever repayment day they might also have been given.
    days = (
        draws["patient"].map(repay_days).astype(float).where(~defaulted, terms.interest_free_days)
    )
    due = first + days * MIN_PER_DAY
    return pd.DataFrame(
        {
            "patient": draws["patient"],
            "fee_yuan": draws["fee_yuan"].astype(float),
            "time_min": time,
            "settle_min": np.maximum(time, due),
            "defaulted": defaulted,
        }
    )


def ledger(
    draws: pd.DataFrame,
    repay_days: dict[int, float],
    defaults: set[int],
    terms: LedgerTerms,
    horizon_min: float,
) -> dict[str, float]:
    """Where the money drawn on credit lines before ``horizon_min`` stands at ``horizon_min``.

    ``draws`` has one row per charge drawn on credit (``patient, facility, fee_yuan,
    time_min``).  ``repay_days[p]`` is the day, counted from patient p's first draw, of their
    single repayment; patients in ``defaults`` never repay.

    Returns, for draws with ``time_min < horizon_min``: the amount charged; how much of it was
    repaid and how much went into default at or before the horizon; the rest, still in the
    interest-free float (charged = repaid + defaulted + outstanding); the financing cost, i.e.
    the float integrated over ``[0, horizon_min]`` (yuan-days) times the daily rate; the number
    of patients who drew; and how many of them are in default.

    Raises ValueError if a repayment day lies outside the interest-free period, or a patient
    with draws has neither a repayment day nor a default.
    """
    rows = _settled(draws, repay_days, defaults, terms)
    rows = rows[rows["time_min"] < horizon_min]
    fee = rows["fee_yuan"]
    settled = rows["settle_min"] <= horizon_min
    repaid = settled & ~rows["defaulted"]
    defaulted = settled & rows["defaulted"]
    # The float is piecewise constant, so its integral is each draw's fee times the minutes it
    # spent in the float before the horizon.
    float_min = (
        np.minimum(rows["settle_min"], horizon_min) - np.maximum(rows["time_min"], 0.0)
    ).clip(lower=0.0)
    float_yuan_days = float((fee * float_min).sum()) / MIN_PER_DAY
    return {
        "charged_yuan": float(fee.sum()),
        "repaid_yuan": float(fee[repaid].sum()),
        "defaulted_yuan": float(fee[defaulted].sum()),
        "outstanding_yuan": float(fee[~settled].sum()),
        "financing_cost_yuan": float_yuan_days * terms.daily_rate,
        "patients": int(rows["patient"].nunique()),
        "defaults": int(rows["patient"][defaulted].nunique()),
    }


def balance_by_day(
    draws: pd.DataFrame,
    repay_days: dict[int, float],
    defaults: set[int],
    terms: LedgerTerms,
    days: range,
) -> pd.DataFrame:
    """The interest-free float and the cumulative defaults at the end of each day in ``days``.

    The end of day d is the instant ``(d + 1) * 1440``; draws, repayments and defaults at or
    before it count.  Columns ``day, outstanding_yuan, defaulted_yuan``.  Arguments and errors
    as in :func:`ledger`.
    """
    rows = _settled(draws, repay_days, defaults, terms)
    fee = rows["fee_yuan"]
    table = []
    for day in days:
        end = (day + 1) * MIN_PER_DAY
        settled = rows["settle_min"] <= end
        in_float = (rows["time_min"] <= end) & ~settled
        table.append(
            {
                "day": day,
                "outstanding_yuan": float(fee[in_float].sum()),
                "defaulted_yuan": float(fee[settled & rows["defaulted"]].sum()),
            }
        )
    return pd.DataFrame(table, columns=["day", "outstanding_yuan", "defaulted_yuan"])
