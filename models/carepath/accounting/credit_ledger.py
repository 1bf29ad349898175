"""Ledger of the credit-billing reform ("treat first, pay later"), kept as patients settle.

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

A patient's draws are settled into the book (:class:`CreditBook`) once their episode has ended:
then every draw is known, and so is the first.  Each draw adds to the book at the horizon and to
the day-end balances it belongs to, and nothing of it is kept.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import cast

import pandas as pd

from ..observation.results_folder import CREDIT_FILE
from ..system.world import World
from .episodes import Episode
from .exact import ExactSum
from .window import measured_window

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


def check_repay_day(patient: int, days: float, terms: LedgerTerms) -> None:
    # Written so that NaN fails too.
    if not 0 <= days <= terms.interest_free_days:
        raise ValueError(
            f"patient {patient}: repayment on day {days} is outside the interest-free "
            f"period of 0 to {terms.interest_free_days} days"
        )


def _missing(patients: list[int]) -> ValueError:
    return ValueError(
        f"patients {patients} drew on the credit line but have no repayment day and no default"
    )


def due_min(
    draws: list[tuple[float, float]], repay_days: float | None, defaults: bool, terms: LedgerTerms
) -> float:
    """When a patient's draws settle: their first draw plus the repayment day, or, for a
    defaulting patient, plus the interest-free days (whatever repayment day they might also have
    been given: the balance goes into default when the period runs out)."""
    days = terms.interest_free_days if defaults else repay_days
    assert days is not None  # checked by the callers: a repaying patient has a repayment day
    return min(float(time) for _, time in draws) + days * MIN_PER_DAY


def _first_day_ending_at_or_after(time_min: float) -> int:
    """The first day d (from 0) whose end, the instant ``(d + 1) * 1440``, is at or after."""
    day = max(0, math.ceil(time_min / MIN_PER_DAY) - 1)
    # The division may round across a day end: settle it with exact comparisons.
    while (day + 1) * MIN_PER_DAY < time_min:
        day += 1
    while day > 0 and day * MIN_PER_DAY >= time_min:
        day -= 1
    return day


class CreditBook:
    """The lender's book at ``horizon_min`` and the balances at the end of each day of ``days``.

    Patients are settled one at a time (:meth:`settle`), in any order; the totals are exact
    sums, so the order does not change them.
    """

    def __init__(
        self, terms: LedgerTerms, horizon_min: float = math.inf, days: range = range(0)
    ) -> None:
        if days.step != 1:
            raise ValueError("days must be consecutive")
        self.terms = terms
        self.horizon_min = horizon_min
        self.days = days
        self.drawn = False
        self.charged = ExactSum()
        self.repaid = ExactSum()
        self.defaulted = ExactSum()
        self.outstanding = ExactSum()
        self.float_yuan_min = ExactSum()
        self.patients = 0
        self.defaults = 0
        # Changes of the float and of the defaults from one day end to the next.
        self.float_change = [ExactSum() for _ in range(len(days) + 1)]
        self.default_change = [ExactSum() for _ in range(len(days) + 1)]

    def settle(
        self,
        patient: int,
        draws: list[tuple[float, float]],
        repay_days: float | None,
        defaults: bool,
    ) -> None:
        """Book one patient's draws (fee_yuan, time_min); ``repay_days`` is the day of their
        single repayment, counted from their first draw (ignored for a defaulting patient)."""
        if not draws:
            return
        if repay_days is not None:
            check_repay_day(patient, repay_days, self.terms)
        elif not defaults:
            raise _missing([patient])
        self.drawn = True
        due = due_min(draws, repay_days, defaults, self.terms)
        before = [(float(fee), float(time)) for fee, time in draws if time < self.horizon_min]
        self.patients += bool(before)
        horizon, in_default = self.horizon_min, False
        for fee, time in before:
            settle = max(time, due)
            self.charged.add(fee)
            if settle > horizon:
                self.outstanding.add(fee)
            elif defaults:
                self.defaulted.add(fee)
                in_default = True
            else:
                self.repaid.add(fee)
            # The float is piecewise constant, so its integral is each draw's fee times the
            # minutes it spent in the float before the horizon.
            self.float_yuan_min.add(fee * max(0.0, min(settle, horizon) - max(time, 0.0)))
        self.defaults += in_default
        for fee, time in draws:
            self._by_day(float(fee), float(time), max(float(time), due), defaults)

    def _by_day(self, fee: float, time: float, settle: float, defaults: bool) -> None:
        """In the float from the first day end at or after its draw to the last before it
        settles; in default from the day end at or after it settles."""
        start = self.days.start
        drawn = min(max(_first_day_ending_at_or_after(time) - start, 0), len(self.days))
        settled = min(max(_first_day_ending_at_or_after(settle) - start, 0), len(self.days))
        if drawn < settled:
            self.float_change[drawn].add(fee)
            self.float_change[settled].add(-fee)
        if defaults:
            self.default_change[settled].add(fee)

    def book(self) -> dict[str, float]:
        """Where the money drawn before the horizon stands at the horizon: charged = repaid +
        defaulted + outstanding; the financing cost (the float integrated over ``[0,
        horizon]``, in yuan-days, times the daily rate); patients who drew, and in default."""
        return {
            "charged_yuan": self.charged.value,
            "repaid_yuan": self.repaid.value,
            "defaulted_yuan": self.defaulted.value,
            "outstanding_yuan": self.outstanding.value,
            "financing_cost_yuan": self.float_yuan_min.value / MIN_PER_DAY * self.terms.daily_rate,
            "patients": self.patients,
            "defaults": self.defaults,
        }

    def balance(self) -> list[tuple[int, float, float]]:
        """(day, outstanding_yuan, defaulted_yuan) at the end of each day."""
        in_float, in_default, rows = ExactSum(), ExactSum(), []
        for i, day in enumerate(self.days):
            in_float.merge(self.float_change[i])
            in_default.merge(self.default_change[i])
            rows.append((day, in_float.value, in_default.value))
        return rows


def _book(
    draws: pd.DataFrame,
    repay_days: dict[int, float],
    defaults: set[int],
    terms: LedgerTerms,
    book: CreditBook,
) -> CreditBook:
    """Settle a table of draws (``patient, facility, fee_yuan, time_min``) into ``book``."""
    for patient, days in repay_days.items():
        check_repay_day(patient, days, terms)
    missing = sorted(set(draws["patient"]) - set(repay_days) - set(defaults))
    if missing:
        raise _missing(missing)
    for who, mine in draws.groupby("patient", sort=True):
        rows = list(zip(mine["fee_yuan"], mine["time_min"], strict=True))
        patient = int(cast(int, who))
        book.settle(patient, rows, repay_days.get(patient), patient in defaults)
    return book


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
    single repayment; patients in ``defaults`` never repay.  Returns :meth:`CreditBook.book`.

    Raises ValueError if a repayment day lies outside the interest-free period, or a patient
    with draws has neither a repayment day nor a default.
    """
    return _book(draws, repay_days, defaults, terms, CreditBook(terms, horizon_min)).book()


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
    book = _book(draws, repay_days, defaults, terms, CreditBook(terms, days=days))
    return pd.DataFrame(book.balance(), columns=["day", "outstanding_yuan", "defaulted_yuan"])


# Who bears the float's financing (``reforms.credit.financing_borne_by``), as a perspective.
BEARER = {"bank": "lender", "hospital": "facility", "government": "programme"}


def credit_terms(world: World) -> tuple[LedgerTerms, str]:
    """The credit line's terms in the scenario, and the perspective that finances the float."""
    config = world.scenario.reforms.section("credit")
    terms = LedgerTerms(config.interest_free_days, config.daily_rate)
    return terms, BEARER[config.financing_borne_by]


def lender_cost(
    patient: int,
    draws: list[tuple[float, float]],
    account: tuple[float, bool] | None,
    terms: LedgerTerms,
) -> tuple[float, float]:
    """One patient's draws (fee_yuan, time_min) over their whole life, as cohort accounting
    counts them: the float's financing until each draw is settled, and the yuan in default (a
    default is known at the first draw, whenever it falls due).  ``account``: the repayment
    day counted from the first draw, and whether the patient defaults."""
    if not draws:
        return 0.0, 0.0
    if account is None:
        raise _missing([patient])
    repay_days, defaults = account
    if not defaults:
        check_repay_day(patient, repay_days, terms)
    due = due_min(draws, repay_days, defaults, terms)
    yuan_min = math.fsum(fee * (max(time, due) - time) for fee, time in draws)
    defaulted = math.fsum(fee for fee, _ in draws) if defaults else 0.0
    return yuan_min / MIN_PER_DAY * terms.daily_rate, defaulted


# The lender's book as metrics ``credit_<key>`` (in the metric registry).
LEDGER_KEYS = (
    "charged_yuan",
    "repaid_yuan",
    "defaulted_yuan",
    "outstanding_yuan",
    "financing_cost_yuan",
)


class CreditTally:
    """Credit billing's in-run tally (``accounting.tally.ReformTally``): each patient's draws
    settled into the lender's book as their episode ends, the book at the end of the measured
    period, and the balance at the end of every simulated day (warm-up and drain included) for
    ``credit.csv``."""

    def __init__(self, world: World) -> None:
        sim = world.scenario.simulation
        days = range(math.ceil(sim.warmup_days + sim.horizon_days + sim.drain_days))
        terms, _ = credit_terms(world)
        self.book = CreditBook(terms, measured_window(world)[1], days)

    def fold(self, rows: Mapping[str, list[tuple]]) -> None:
        """Nothing to fold by day: an episode's draws reach the book when it ends."""

    def close(self, episode: Episode) -> None:
        if not episode.draws:  # most episodes: nothing to settle
            return
        repay_days, defaults = episode.account if episode.account else (None, False)
        self.book.settle(episode.patient, episode.draws, repay_days, defaults)

    def metrics(self) -> dict[str, float]:
        """The lender's book at the end of the measured period: every credit draw so far,
        warm-up included."""
        book = self.book.book()
        return {f"credit_{key}": float(book[key]) for key in LEDGER_KEYS}

    def tables(self) -> dict[str, list[tuple]]:
        """Outstanding (interest-free) and defaulted credit at the end of each simulated day."""
        return {CREDIT_FILE: self.book.balance() if self.book.drawn else []}
