"""Beds and bookings: inpatient admissions with deposits, and exams booked days ahead.

Two places in a scenario file say it, each neutral when left out:

```yaml
inpatient:                        # charges and deposits, by tier (all assumptions unless sourced)
  bed_day_yuan: {county: 300, city: 450}
  operation_yuan: {county: 6000, city: 9000}
  deposit_yuan: {county: 3000, city: 5000}
  waiting_list: true              # a full ward lists the patient at home (false: turned away)
  raise_deposit_days: 3           # short of cash, not on credit: days to raise the deposit
  forgo_share: 0.3                # ... or the share who forgo the admission instead
  admission:                      # condition -> who needs a bed, where, for how long
    injury:
      probability: {county: 0.25, city: 0.3}  # chance a patient treated there needs a bed
      lowest_tier: county         # a patient needing a bed below it is referred up
      stay_days: {dist: lognormal, mean: 8, cv: 0.6}
      operation: {county: 0.2}    # share of admissions with a grade III-IV operation
facilities:
  - id: county_hospital
    beds: 120                     # 0 (the default): no inpatient ward
    bookings:                     # exam types booked ahead (the others are walk-in)
      ct: {}                      # slots from capacity x opening minutes / mean exam minutes
      mri: {slots_per_day: 20, earliest_day: 1}
```
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from .duration import Duration
from .economics import Share, Yuan
from .economics import TierName as Tier
from .numbers import NUMBER
from .units import unit

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
# Weekday and Identifier as in inputs.schema, which imports this module and so cannot be imported.
Identifier = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_\-]*$", max_length=64)]
MAX_SLOTS = 100_000  # booked slots of one exam type a day
MAX_LEAD_DAYS = 365  # the earliest day a booked slot may fall on, after the order


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Admission(_Strict):
    """A condition's inpatient care: who needs a bed, where, for how long."""

    probability: dict[Tier, Share] = Field(
        description="tier -> chance a patient treated there needs admission",
        json_schema_extra=unit("share"),
    )
    lowest_tier: Tier = Field(
        description="the lowest tier that admits the condition; a patient who needs a bed at a "
        "tier below it (or at a facility without beds) is referred up"
    )
    stay_days: Duration = Field(description="length of stay, in days (mean at most 365)")
    operation: dict[Tier, Share] = Field(
        default_factory=dict,
        description="tier -> share of admissions there with a grade III-IV operation",
        json_schema_extra=unit("share"),
    )

    @field_validator("stay_days")
    @classmethod
    def _stay_in_days(cls, days: Duration) -> Duration:
        if days.mean > MAX_LEAD_DAYS:
            raise ValueError(f"mean must be at most {MAX_LEAD_DAYS} days, got {days.mean:g}")
        return days


class Inpatient(_Strict):
    """Who needs a bed, inpatient charges and deposits by tier, and what a full ward or a short
    purse does."""

    admission: dict[Identifier, Admission] = Field(
        default_factory=dict,
        description="condition id -> who with it needs a bed, where, for how long",
    )
    bed_day_yuan: dict[Tier, Yuan] = Field(
        default_factory=dict,
        description="tier -> charge per day in a bed there (each at most 10,000,000)",
    )
    operation_yuan: dict[Tier, Yuan] = Field(
        default_factory=dict,
        description="tier -> charge for a grade III-IV operation there (at most 10,000,000)",
    )
    deposit_yuan: dict[Tier, Yuan] = Field(
        default_factory=dict,
        description="tier -> deposit paid at admission there, set against the bill "
        "(at most 10,000,000)",
    )
    waiting_list: bool = Field(
        True,
        description="a full ward puts the patient on a waiting list at home; false: turned away "
        "(referred up where there is a tier above, else treated as an outpatient)",
    )
    raise_deposit_days: Annotated[float, NUMBER, Field(ge=0.0, le=MAX_LEAD_DAYS)] = Field(
        0.0,
        description="days a patient short of the deposit's cash, and not on credit, takes to "
        "raise it before being listed (at most 365)",
        json_schema_extra=unit("days"),
    )
    forgo_share: Share = Field(
        0.0,
        description="share of patients short of the deposit's cash, not on credit, who forgo "
        "the admission (treated as outpatients) instead of raising it",
        json_schema_extra=unit("share"),
    )

    @property
    def neutral(self) -> bool:
        return self == Inpatient()


class Booking(_Strict):
    """An exam type a facility books ahead instead of seeing walk-in patients."""

    slots_per_day: Annotated[int, NUMBER, Field(ge=1, le=MAX_SLOTS)] | None = Field(
        None,
        description="slots per opening day; default: exam units x opening minutes / mean exam "
        "minutes (at most 100,000)",
        json_schema_extra=unit("slots"),
    )
    weekdays: list[Weekday] | None = Field(
        None, min_length=1, description="weekdays with slots (default: the facility's)"
    )
    earliest_day: Annotated[int, NUMBER, Field(ge=0, le=MAX_LEAD_DAYS)] = Field(
        1,
        description="days after the order the first bookable slot falls on (0: later the same "
        "day, 1: from tomorrow; at most 365)",
        json_schema_extra=unit("days"),
    )
