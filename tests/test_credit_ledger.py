"""Tests of the credit-billing ledger against hand-computed balances and financing costs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from carepath.accounting.credit_ledger import LedgerTerms, balance_by_day, ledger

DAY = 1440.0
TERMS = LedgerTerms(interest_free_days=56, daily_rate=0.001)


def table(*rows: tuple[int, float, float]) -> pd.DataFrame:
    """Draws from (patient, fee_yuan, time_min) rows, all at one facility."""
    return pd.DataFrame(
        [
            {"patient": p, "facility": "county", "fee_yuan": fee, "time_min": t}
            for p, fee, t in rows
        ],
        columns=["patient", "facility", "fee_yuan", "time_min"],
    )


TWO_DRAWS = table((1, 100.0, 600.0), (1, 50.0, 700.0))


def test_keys_in_order():
    result = ledger(TWO_DRAWS, {1: 10}, set(), TERMS, 20 * DAY)
    assert list(result) == [
        "charged_yuan",
        "repaid_yuan",
        "defaulted_yuan",
        "outstanding_yuan",
        "financing_cost_yuan",
        "patients",
        "defaults",
    ]


def test_repayment_on_day_ten_settles_both_draws():
    # Repaid at 600 + 10 days: the first draw floats 10 days, the second 100 minutes less.
    result = ledger(TWO_DRAWS, {1: 10}, set(), TERMS, 20 * DAY)
    assert result["charged_yuan"] == 150.0
    assert result["repaid_yuan"] == 150.0
    assert result["defaulted_yuan"] == 0.0
    assert result["outstanding_yuan"] == 0.0
    assert result["financing_cost_yuan"] == pytest.approx(
        0.001 * (100 * 10 + 50 * (10 - 100 / 1440))
    )
    assert result["financing_cost_yuan"] == pytest.approx(1.4965277777)
    assert (result["patients"], result["defaults"]) == (1, 0)


def test_repayment_exactly_at_horizon_counts_as_repaid():
    result = ledger(TWO_DRAWS, {1: 10}, set(), TERMS, 600 + 10 * DAY)
    assert result["repaid_yuan"] == 150.0
    assert result["outstanding_yuan"] == 0.0


def test_horizon_before_repayment_leaves_balance_outstanding():
    horizon = 5 * DAY
    result = ledger(TWO_DRAWS, {1: 10}, set(), TERMS, horizon)
    assert result["charged_yuan"] == 150.0
    assert result["repaid_yuan"] == 0.0
    assert result["defaulted_yuan"] == 0.0
    assert result["outstanding_yuan"] == 150.0
    assert result["financing_cost_yuan"] == pytest.approx(
        0.001 * (100 * (horizon - 600) + 50 * (horizon - 700)) / DAY
    )
    assert (result["patients"], result["defaults"]) == (1, 0)


def test_defaulter_floats_until_interest_free_period_ends():
    draws = table((2, 200.0, 600.0))
    terms = LedgerTerms(interest_free_days=56, daily_rate=0.0001)

    before = ledger(draws, {}, {2}, terms, 30 * DAY)
    assert before["outstanding_yuan"] == 200.0
    assert before["defaulted_yuan"] == 0.0
    assert before["defaults"] == 0
    assert before["financing_cost_yuan"] == pytest.approx(200 * 0.0001 * (30 - 600 / 1440))

    for horizon in (600 + 56 * DAY, 100 * DAY):
        after = ledger(draws, {}, {2}, terms, horizon)
        assert after["charged_yuan"] == 200.0
        assert after["repaid_yuan"] == 0.0
        assert after["defaulted_yuan"] == 200.0
        assert after["outstanding_yuan"] == 0.0
        # Financing stops when the balance goes into default.
        assert after["financing_cost_yuan"] == pytest.approx(200 * 0.0001 * 56)
        assert (after["patients"], after["defaults"]) == (1, 1)


def test_defaulter_ignores_any_repayment_day():
    draws = table((2, 200.0, 600.0))
    assert ledger(draws, {2: 3}, {2}, TERMS, 100 * DAY) == ledger(draws, {}, {2}, TERMS, 100 * DAY)


def test_draws_at_or_after_horizon_are_excluded():
    horizon = 2 * DAY
    draws = table((1, 100.0, 1000.0), (1, 40.0, horizon), (3, 70.0, horizon + 1))
    result = ledger(draws, {1: 1, 3: 1}, set(), TERMS, horizon)
    assert result["charged_yuan"] == 100.0
    assert result["repaid_yuan"] == 100.0
    assert result["outstanding_yuan"] == 0.0
    assert result["financing_cost_yuan"] == pytest.approx(100 * 0.001 * 1)
    assert result["patients"] == 1


def test_draw_after_repayment_is_settled_at_once():
    # Repaid on day 1 (at 1000 + 1440); a later draw on day 3 has nothing to wait for.
    draws = table((1, 100.0, 1000.0), (1, 30.0, 3 * DAY))
    result = ledger(draws, {1: 1}, set(), TERMS, 10 * DAY)
    assert result["repaid_yuan"] == 130.0
    assert result["outstanding_yuan"] == 0.0
    assert result["financing_cost_yuan"] == pytest.approx(100 * 0.001 * 1)


def test_no_draws():
    result = ledger(table(), {}, set(), TERMS, 10 * DAY)
    assert result == {
        "charged_yuan": 0.0,
        "repaid_yuan": 0.0,
        "defaulted_yuan": 0.0,
        "outstanding_yuan": 0.0,
        "financing_cost_yuan": 0.0,
        "patients": 0,
        "defaults": 0,
    }
    assert balance_by_day(table(), {}, set(), TERMS, range(3))["outstanding_yuan"].eq(0).all()


@pytest.fixture
def random_book() -> tuple[pd.DataFrame, dict[int, float], set[int]]:
    """200 draws by 50 patients over 60 days, random repayment days and about 20% defaults."""
    rng = np.random.default_rng(0)
    draws = pd.DataFrame(
        {
            "patient": rng.integers(0, 50, size=200),
            "facility": rng.choice(["village", "township", "county"], size=200),
            "fee_yuan": rng.uniform(5, 3000, size=200).round(2),
            "time_min": rng.uniform(0, 60 * DAY, size=200),
        }
    )
    patients = sorted(set(draws["patient"]))
    defaults = {int(p) for p in patients if rng.random() < 0.2}
    repay_days = {int(p): float(rng.uniform(0, 56)) for p in patients if p not in defaults}
    assert defaults and repay_days
    return draws, repay_days, defaults


HORIZONS = [0.0, 0.5 * DAY, 7 * DAY, 30 * DAY, 61.3 * DAY, 90 * DAY, 200 * DAY]


@pytest.mark.parametrize("horizon", HORIZONS)
def test_charges_are_repaid_defaulted_or_outstanding(random_book, horizon):
    draws, repay_days, defaults = random_book
    result = ledger(draws, repay_days, defaults, TERMS, horizon)
    assert result["charged_yuan"] == pytest.approx(
        result["repaid_yuan"] + result["defaulted_yuan"] + result["outstanding_yuan"]
    )
    assert result["charged_yuan"] == pytest.approx(
        draws.loc[draws["time_min"] < horizon, "fee_yuan"].sum()
    )
    assert result["defaults"] <= len(defaults)


def test_everything_settles_and_financing_accumulates(random_book):
    draws, repay_days, defaults = random_book
    results = [ledger(draws, repay_days, defaults, TERMS, h) for h in HORIZONS]
    costs = [r["financing_cost_yuan"] for r in results]
    assert costs == sorted(costs)
    # Past the last draw plus the interest-free period nothing is left in the float.
    last = results[-1]
    assert last["outstanding_yuan"] == 0.0
    assert last["charged_yuan"] == pytest.approx(draws["fee_yuan"].sum())
    assert last["patients"] == draws["patient"].nunique()
    assert last["defaults"] == len(defaults)


def test_balance_by_day_matches_ledger_at_day_end(random_book):
    draws, repay_days, defaults = random_book
    days = range(0, 130)
    balances = balance_by_day(draws, repay_days, defaults, TERMS, days)
    assert list(balances.columns) == ["day", "outstanding_yuan", "defaulted_yuan"]
    assert list(balances["day"]) == list(days)
    for row in balances.itertuples():
        result = ledger(draws, repay_days, defaults, TERMS, (row.day + 1) * DAY)
        assert row.outstanding_yuan == pytest.approx(result["outstanding_yuan"])
        assert row.defaulted_yuan == pytest.approx(result["defaulted_yuan"])


def test_balance_by_day_hand_case():
    draws = pd.concat([TWO_DRAWS, table((2, 200.0, 600.0))], ignore_index=True)
    balances = balance_by_day(draws, {1: 10}, {2}, TERMS, range(0, 60)).set_index("day")
    # Patient 1 repays at 600 + 10 days (during day 10); patient 2 defaults during day 56.
    assert balances.loc[9, "outstanding_yuan"] == 350.0
    assert balances.loc[10, "outstanding_yuan"] == 200.0
    assert balances.loc[55, ["outstanding_yuan", "defaulted_yuan"]].tolist() == [200.0, 0.0]
    assert balances.loc[56, ["outstanding_yuan", "defaulted_yuan"]].tolist() == [0.0, 200.0]


def test_draw_at_day_end_is_in_that_days_balance():
    # balance_by_day counts events at the day-end instant; ledger's charges stop just before.
    draws = table((1, 80.0, DAY))
    balances = balance_by_day(draws, {1: 5}, set(), TERMS, range(2))
    assert balances["outstanding_yuan"].tolist() == [80.0, 80.0]
    assert ledger(draws, {1: 5}, set(), TERMS, DAY)["outstanding_yuan"] == 0.0


@pytest.mark.parametrize("days", [56.5, -1.0, float("nan")])
def test_repayment_outside_interest_free_period_is_refused(days):
    with pytest.raises(ValueError, match="patient 1: repayment on day"):
        ledger(TWO_DRAWS, {1: days}, set(), TERMS, 20 * DAY)
    with pytest.raises(ValueError, match="patient 1: repayment on day"):
        balance_by_day(TWO_DRAWS, {1: days}, set(), TERMS, range(3))


def test_repayment_on_last_interest_free_day_is_accepted():
    result = ledger(TWO_DRAWS, {1: 56}, set(), TERMS, 100 * DAY)
    assert result["repaid_yuan"] == 150.0


def test_missing_repayment_day_is_refused():
    draws = pd.concat([TWO_DRAWS, table((7, 10.0, 50.0))], ignore_index=True)
    with pytest.raises(ValueError, match=r"patients \[7\] drew on the credit line"):
        ledger(draws, {1: 10}, set(), TERMS, 20 * DAY)
    with pytest.raises(ValueError, match=r"patients \[7\]"):
        balance_by_day(draws, {1: 10}, set(), TERMS, range(3))
