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

from .numbers import NUMBER
from .units import unit

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
    "bed_days",
    "operation",
]
ITEMS: tuple[str, ...] = get_args(Item)
TierName = Literal["village", "township", "county", "city"]
# Care given outside any facility (a free clinic in the village, a family doctor at home) is
# priced and reimbursed as the village tier's.
OUTSIDE_TIER = "village"

DAYS_PER_YEAR = 365.0


def residents_year_factor(days: float, population: float, residents: float) -> float:
    """What turns a total over ``days`` among ``population`` residents into one per
    ``residents`` per year (seasonality is not modelled); NaN for no population."""
    if population <= 0:
        return math.nan
    return DAYS_PER_YEAR / days * residents / population


# Bounds of the numbers a file may give (inputs.schema holds the others and re-exports these):
# far beyond any real value, near enough that a slip (a price in fen, a rate in percent) or a
# number that would exhaust memory is an error naming its key rather than a run that fails.
MAX_YUAN = 10**7  # a fee, a price, a unit cost, a credit limit
MAX_CAPITAL_YUAN = 10**10  # the price of one capital item
MAX_RATE = 1.0  # a discount rate per year, a financing rate per day
MAX_AREA_POPULATION = 2 * 10**9
MAX_TIME_VALUE_YUAN_PER_HOUR = 10**4
MAX_COMPANIONS = 10
MAX_COST_TO_CHARGE = 100
MAX_UNITS = 10**6
MAX_LIFE_YEARS = 100

Share = Annotated[float, NUMBER, Field(ge=0.0, le=1.0)]
Yuan = Annotated[float, NUMBER, Field(ge=0.0, le=MAX_YUAN)]


class _Section(BaseModel):
    # Non-finite numbers (.nan, .inf) are refused in every field.
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


def _at(table: Mapping[Any, Mapping[Any, float]], item: str, tier: str) -> float | None:
    """A value given for an item at a tier, or None."""
    found = table.get(item, {}).get(tier)
    return None if found is None else float(found)


class Area(_Section):
    """The real place a scenario stands for: results per year for it are scaled by its
    population (the modelled zones are a sample of it)."""

    name: str = Field(min_length=1, description="the area's name as reports print it")
    population: Annotated[int, NUMBER, Field(ge=1, le=MAX_AREA_POPULATION)] = Field(
        description="residents of the whole real area (at most 2,000,000,000)",
        json_schema_extra=unit("people"),
    )
    source: str = Field("", description="where the population figure comes from")


class Reimbursement(_Section):
    """The insurance fund's share of each charge: by item at a tier, else by tier, else
    ``default``."""

    default: Share = Field(
        0.0,
        description="share of a charge the fund pays where nothing more specific is given",
        json_schema_extra=unit("share"),
    )
    by_tier: dict[TierName, Share] = Field(
        default_factory=dict,
        description="tier -> share of each charge there the fund pays",
        json_schema_extra=unit("share"),
    )
    by_item: dict[Item, dict[TierName, Share]] = Field(
        default_factory=dict,
        description="item -> tier -> share the fund pays; wins over the tier's rate",
        json_schema_extra=unit("share"),
    )

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

    name: Annotated[str, Field(min_length=1)] = Field(
        description="what the item is, as reports print it"
    )
    reform: str = Field(description="the reform it serves (a name under reforms:)")
    units: Annotated[float, NUMBER, Field(ge=0.0, le=MAX_UNITS)] = Field(
        1.0,
        description="how many units of it are bought (at most 1,000,000)",
        json_schema_extra=unit("units"),
    )
    price_yuan: Annotated[float, NUMBER, Field(ge=0.0, le=MAX_CAPITAL_YUAN)] = Field(
        description="the price of one unit (at most 10,000,000,000)"
    )
    life_years: Annotated[float, NUMBER, Field(gt=0.0, le=MAX_LIFE_YEARS)] = Field(
        description="years of use over which its price is spread (at most 100)"
    )
    source: str = Field("", description="where the price and life come from")


class Economics(_Section):
    """Prices of resources, who reimburses what, what time is worth, and the programmes'
    capital (see the module docstring)."""

    currency: str = Field("CNY", description="the currency of every yuan amount")
    price_year: str = Field(
        "as published (unadjusted)",
        description="the year of the sources' prices, in words",
    )
    cost_to_charge: Annotated[float, NUMBER, Field(gt=0.0, le=MAX_COST_TO_CHARGE)] = Field(
        1.0,
        description="resource cost per yuan charged, where no unit cost is given (at most 100)",
        json_schema_extra=unit("ratio"),
    )
    unit_cost_yuan: dict[Item, dict[TierName, Yuan]] = Field(
        default_factory=dict,
        description="item -> tier -> resource cost of one item delivered (each at most 10,000,000)",
    )
    reimbursement: Reimbursement = Field(
        default_factory=Reimbursement, description="the insurance fund's share of each charge"
    )
    time_value_yuan_per_hour: Annotated[
        float, NUMBER, Field(ge=0.0, le=MAX_TIME_VALUE_YUAN_PER_HOUR)
    ] = Field(
        0.0, description="what an hour of a patient's or companion's time is worth (at most 10,000)"
    )
    companions_per_patient: Annotated[float, NUMBER, Field(ge=0.0, le=MAX_COMPANIONS)] = Field(
        0.0,
        description="people who come along with each patient, on average (at most 10)",
        json_schema_extra=unit("people"),
    )
    discount_rate: Annotated[float, NUMBER, Field(ge=0.0, le=MAX_RATE)] = Field(
        0.03,
        description="discount rate per year, for the capital's equivalent annual cost (at most 1)",
        json_schema_extra=unit("per year"),
    )
    capital: list[CapitalItem] = Field(
        default_factory=list, description="equipment the programmes buy, spread over its life"
    )

    def unit_cost(self, item: str, tier: str, fee_yuan: float) -> float:
        """What one ``item`` delivered at a facility of ``tier`` costs to provide."""
        found = self.given_unit_cost(item, tier)
        return fee_yuan * self.cost_to_charge if found is None else found

    def given_unit_cost(self, item: str, tier: str) -> float | None:
        """The unit cost the scenario gives for ``item`` at ``tier``, or None: then it is the
        fee times the cost-to-charge ratio (``unit_cost``)."""
        return _at(self.unit_cost_yuan, item, tier)

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
