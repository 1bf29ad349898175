"""Patients who choose: the ``care_seeking:`` section of a scenario file.

::

    care_seeking:
      seek:                        # does an illness seek formal care now, later, or never?
        consulted_share: 0.62      # fit target of the without arm (ecology of care)
        severity: {chest_pain: 3}  # utility of seeking care, per condition (assumption)
        delay_share: 0.3           # of those not seeking at once, the share who seek later
        delay_days: {low: 1, high: 7}
      choice:                      # where: a multinomial logit over the reachable facilities
        travel_per_hour: -1.0      # utility per hour of travel (assumption)
        cost_per_100_yuan: -0.5    # per 100 yuan expected out of pocket (assumption)
        wait_per_hour: -0.5        # per hour of the wait patients expect there (assumption)
        capability: 1.0            # a facility that can manage the condition (assumption)
        start_wait_min: {village: 5, township: 15, county: 30, city: 45}
      cash:                        # who cannot prepay
        constrained_share: 0.1
        cash_yuan: 100
      patience:                    # balking and reneging at registration and doctors' queues
        tolerance_people: {low: 20, high: 60}
        patience_min: {dist: lognormal, mean: 120, cv: 0.5}
        return_share: 0.5
      latent:                      # chronic illness not yet known (found by screening)
        cases_per_1000_year: {hypertension: 8, diabetes: 3}
        presents_share: 0.6        # of those, the share who would come to care on their own
        presents_after_days: {low: 30, high: 180}

Every block is optional; left out, patients behave as without it: every illness seeks care at
once (``seek``), first contact follows the fixed shares of each condition (``choice``), nobody
is kept from a facility by cash (``cash``), nobody balks or reneges (``patience``), and there
is no chronic illness that nobody knows of yet (``latent``).  The
logit's alternative-specific constants are never typed in: they are fitted to the first-contact
shares of the file (``behaviour.choice``), as is the shift that makes the without arm's share
of illnesses consulting a doctor ``consulted_share``.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .added_keys import added_key
from .duration import Duration
from .numbers import NUMBER
from .units import INHERITED, unit

MAX_UTILITY = 100.0  # a coefficient or a constant beyond this makes every probability 0 or 1
MAX_WAIT_MIN = 10_080
MAX_DELAY_DAYS = 365  # the signal's window
MAX_PEOPLE = 100_000
MAX_CASH_YUAN = 10**7
MAX_ODDS = 100.0  # beyond this a tier takes every first contact the others would have had

Share = Annotated[float, NUMBER, Field(ge=0.0, le=1.0)]
Utility = Annotated[float, NUMBER, Field(ge=-MAX_UTILITY, le=MAX_UTILITY)]
Disutility = Annotated[float, NUMBER, Field(ge=-MAX_UTILITY, le=0.0)]
Odds = Annotated[float, NUMBER, Field(gt=0.0, le=MAX_ODDS)]
TierName = Literal["village", "township", "county", "city"]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class WholeRange(_Section):
    """A whole number (of days, of people) drawn evenly from ``low`` to ``high``."""

    low: Annotated[int, NUMBER, Field(ge=0, le=MAX_PEOPLE)] = Field(
        description="the smallest whole number drawn", json_schema_extra=unit(INHERITED)
    )
    high: Annotated[int, NUMBER, Field(ge=0, le=MAX_PEOPLE)] = Field(
        description="the largest whole number drawn", json_schema_extra=unit(INHERITED)
    )

    @model_validator(mode="after")
    def _ordered(self) -> WholeRange:
        if self.high < self.low:
            raise ValueError(f"high must be at least low ({self.low}), got {self.high}")
        return self


class Seeking(_Section):
    """Whether an illness seeks formal care at once, later, or never."""

    consulted_share: Annotated[float, NUMBER, Field(gt=0.0, lt=1.0)] = Field(
        description="share of illnesses that consult a doctor in the without arm (fitted to)",
        json_schema_extra=unit("share"),
    )
    severity: dict[str, Utility] = Field(
        default_factory=dict,
        description="utility of seeking care for each condition, beside the others (0 if left out)",
        json_schema_extra=unit("utility"),
    )
    delay_share: Share = Field(
        0.0,
        description="share of illnesses not seeking care at once that seek it later",
        json_schema_extra=unit("share"),
    )
    delay_days: WholeRange = Field(
        default_factory=lambda: WholeRange(low=1, high=7),
        description="days a delayed illness waits before care is sought",
    )


class Choice(_Section):
    """Facility choice: a multinomial logit over the facilities a zone can reach."""

    travel_per_hour: Annotated[float, NUMBER, Field(ge=-MAX_UTILITY, lt=0.0)] = Field(
        description="utility of one hour of travel to the facility (negative)",
        json_schema_extra=unit("utility per hour"),
    )
    cost_per_100_yuan: Annotated[float, NUMBER, Field(ge=-MAX_UTILITY, lt=0.0)] = Field(
        description="utility of 100 yuan expected out of pocket there (negative)"
    )
    wait_per_hour: Disutility = Field(
        description="utility of one hour of the queueing patients expect there (0 or negative)",
        json_schema_extra=unit("utility per hour"),
    )
    capability: Utility = Field(
        0.0,
        description="utility of a facility able to manage the patient's condition",
        json_schema_extra=unit("utility"),
    )
    start_wait_min: dict[str, Annotated[float, NUMBER, Field(ge=0.0, le=MAX_WAIT_MIN)]] = Field(
        default_factory=dict,
        description="the wait patients expect, by tier or by facility id (a facility's own "
        "wins), before any week is seen (0 if left out)",
    )
    signal_days: Annotated[int, NUMBER, Field(ge=1, le=MAX_DELAY_DAYS)] = Field(
        7, description="days of the arm's own records the expected wait is the mean of"
    )
    # Left out while every tier is 1, so that files without it keep their hashes.
    first_contact_odds: dict[TierName, Odds] = added_key(
        default_factory=dict,
        description="tier -> odds multiplier on the first-contact shares the constants are "
        "fitted to (1 if left out): how much more (above 1) or less often patients go to that "
        "tier first than the conditions' shares say, the shares then renormalised",
        json_schema_extra=unit("ratio"),
    )


class Cash(_Section):
    """Patients without the cash to prepay a facility's expected charges."""

    constrained_share: Share = Field(
        description="share of patients short of cash", json_schema_extra=unit("share")
    )
    cash_yuan: Annotated[float, NUMBER, Field(ge=0.0, le=MAX_CASH_YUAN)] = Field(
        description="cash at hand of a patient short of cash, in yuan"
    )


class Patience(_Section):
    """Balking at a long queue and reneging after a long wait (registration, doctors)."""

    tolerance_people: WholeRange = Field(
        description="people waiting ahead beyond which a patient balks"
    )
    patience_min: Duration = Field(
        description="minutes a patient waits in a queue before leaving it"
    )
    return_share: Share = Field(
        0.0,
        description="share of those who left who come back the next day (else forgo care)",
        json_schema_extra=unit("share"),
    )


class Latent(_Section):
    """Chronic illness that nobody knows of yet: cases that begin unnoticed, in every arm.

    A case would come to care on its own (``presents_share``) some days after it began
    (``presents_after_days``), or, without that, not within the run at all.  Screening at a
    free clinic may find it sooner (``reforms.free_clinics.screening.detection``); nothing
    changes whether a case exists, only when its care starts.
    """

    cases_per_1000_year: dict[str, Annotated[float, NUMBER, Field(ge=0.0, le=1000.0)]] = Field(
        description="condition -> new unnoticed cases per 1,000 residents per year",
        json_schema_extra=unit("per 1,000 residents per year"),
    )
    presents_share: Share = Field(
        description="share of cases that come to care on their own, after presents_after_days",
        json_schema_extra=unit("share"),
    )
    presents_after_days: WholeRange = Field(
        description="days from a case's start to the day it would come to care on its own "
        "(also how long before that screening can find it)"
    )

    @model_validator(mode="after")
    def _within_a_year(self) -> Latent:
        if self.presents_after_days.high > MAX_DELAY_DAYS:
            raise ValueError(
                f"presents_after_days.high must be at most {MAX_DELAY_DAYS}, "
                f"got {self.presents_after_days.high}"
            )
        return self


class CareSeeking(_Section):
    """How ill residents seek care (every block optional; see the module)."""

    seek: Seeking | None = Field(None, description="whether an illness seeks formal care")
    choice: Choice | None = Field(None, description="which facility a patient goes to first")
    cash: Cash | None = Field(None, description="who cannot prepay expected charges")
    patience: Patience | None = Field(None, description="balking and reneging at queues")
    # Left out of dumps when absent, so that the files without it keep their hashes.
    latent: Latent | None = added_key(
        None,
        description="chronic illness nobody knows of yet, which screening may find sooner",
    )

    @model_validator(mode="after")
    def _choice_needed(self) -> CareSeeking:
        for block in ("seek", "cash"):
            if getattr(self, block) is not None and self.choice is None:
                raise ValueError(f"{block} needs the choice block (it weighs the facilities)")
        return self

    @property
    def neutral(self) -> bool:
        return self == NEUTRAL


NEUTRAL = CareSeeking()
