"""Who pays and what care costs: the ``area:`` and ``economics:`` sections of a scenario file.

::

    area: {name: Mianyang, population: 4900000}       # what the scenario stands for
    economics:
      currency: CNY
      price_year: "2017-2023, as published (unadjusted)"
      cost_to_charge: 0.8              # resource cost per yuan charged (assumption)
      unit_cost_yuan: {"test:ct": {county: 110}}     # item -> tier -> yuan, where known
      reimbursement:                   # share of a charge the insurance fund pays
        by_tier: {village: 0.6, county: 0.5}
        by_item: {drugs: {city: 0.4}}  # an item at a tier: wins over the tier's rate
      time_value_yuan_per_hour: 20     # patients' and companions' time (assumption)
      companions_per_patient: 0.5
      discount_rate: 0.03              # for the capital's equivalent annual cost
      capital:
        - {name: platform, reform: recognition, units: 1, price_yuan: 2000000, life_years: 5}

Every charge is a transfer from a payer to a facility; every item of care delivered (charged or
waived) uses resources worth its unit cost (``accounting.money``).  Left out, the section is
neutral: unit costs equal fees, nobody is reimbursed, time is not valued, no capital.  Only the
ledger of each perspective reads it; no patient behaves differently.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

# The items a charge names (``ChargeRow.item``); a waived registration is its registration
# and consultation items.
Item = Literal[
    "registration",
    "consultation",
    "drugs",
    "test:lab",
    "test:xray",
    "test:ultrasound",
    "test:ct",
    "test:mri",
    "test:ecg",
]
ITEMS: tuple[str, ...] = get_args(Item)
TierName = Literal["village", "township", "county", "city"]
# Care given outside any facility (a free clinic in the village, a family doctor at home) is
# priced and reimbursed as the village tier's.
OUTSIDE_TIER = "village"

Share = Annotated[float, Field(ge=0.0, le=1.0)]
Amount = Annotated[float, Field(ge=0.0)]
DAYS_PER_YEAR = 365.0


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _at(table: Mapping[Any, Mapping[Any, float]], item: str, tier: str) -> float | None:
    """A value given for an item at a tier, or None."""
    found = table.get(item, {}).get(tier)
    return None if found is None else float(found)


class Area(_Section):
    """The real place a scenario stands for: results per year for it are scaled by its
    population (the modelled zones are a sample of it)."""

    name: str = Field(min_length=1)
    population: Annotated[int, Field(ge=1)]
    source: str = ""


class Reimbursement(_Section):
    """The insurance fund's share of each charge: by item at a tier, else by tier, else
    ``default``."""

    default: Share = 0.0
    by_tier: dict[TierName, Share] = Field(default_factory=dict)
    by_item: dict[Item, dict[TierName, Share]] = Field(default_factory=dict)

    def rate(self, tier: str, item: str) -> float:
        found = _at(self.by_item, item, tier)
        if found is not None:
            return found
        by_tier: Mapping[Any, float] = self.by_tier
        return float(by_tier.get(tier, self.default))


class CapitalItem(_Section):
    """Equipment a programme buys (vans, a results platform), spread over its life as an
    equivalent annual cost and counted per day of the measured period in the arms where its
    reform is on."""

    name: Annotated[str, Field(min_length=1)]
    reform: str = Field(description="the reform it serves (a name under reforms:)")
    units: Amount = 1.0
    price_yuan: Amount
    life_years: Annotated[float, Field(gt=0.0)]
    source: str = ""


class Economics(_Section):
    """Prices of resources, who reimburses what, what time is worth, and the programmes'
    capital (see the module docstring)."""

    currency: str = "CNY"
    price_year: str = Field(
        "as published (unadjusted)", description="the year of the sources' prices"
    )
    cost_to_charge: Annotated[float, Field(gt=0.0)] = Field(
        1.0, description="resource cost per yuan charged, where no unit cost is given"
    )
    unit_cost_yuan: dict[Item, dict[TierName, Amount]] = Field(default_factory=dict)
    reimbursement: Reimbursement = Field(default_factory=Reimbursement)
    time_value_yuan_per_hour: Amount = 0.0
    companions_per_patient: Amount = 0.0
    discount_rate: Amount = 0.03
    capital: list[CapitalItem] = Field(default_factory=list)

    def unit_cost(self, item: str, tier: str, fee_yuan: float) -> float:
        """What one ``item`` delivered at a facility of ``tier`` costs to provide."""
        found = _at(self.unit_cost_yuan, item, tier)
        return fee_yuan * self.cost_to_charge if found is None else found

    def capital_yuan_per_day(self, reforms_on: tuple[str, ...]) -> float:
        """The equivalent annual cost of the capital of the reforms switched on, per day."""
        return (
            sum(
                item.units * annuity(item.price_yuan, item.life_years, self.discount_rate)
                for item in self.capital
                if item.reform in reforms_on
            )
            / DAYS_PER_YEAR
        )


def annuity(price_yuan: float, life_years: float, rate: float) -> float:
    """Equivalent annual cost of ``price_yuan`` paid now for ``life_years`` of use at discount
    ``rate``: the price over the annuity factor (straight-line when the rate is 0)."""
    if rate == 0:
        return price_yuan / life_years
    return price_yuan * rate / (1.0 - math.pow(1.0 + rate, -life_years))


NEUTRAL = Economics()
