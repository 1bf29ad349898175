"""Credit billing: treat first, pay later (REFORMS.md section 2).

At a facility that offers it, a patient enrolled on a credit line (or paying with a relative's
line, "family pay") has each charge drawn on the line instead of queueing at a cashier window,
until the next charge would pass the credit limit; from then on the patient pays at the window.
Each patient's drawing, repayment day and default are recorded so that the money side can be
settled afterwards (``accounting.credit_ledger``: the lender's book and ``credit.csv``).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from ...inputs.added_keys import added_key
from ...inputs.reform_registry import OutputTable, PatientDraws, Reform
from ...inputs.schema import (
    MAX_DAYS,
    Duration,
    FacilityRef,
    PositiveDays,
    Probability,
    Rate,
    ReformSwitch,
    Scenario,
    Yuan,
    ZoneRef,
)
from ...inputs.units import unit
from ...observation.results_folder import CREDIT_DAY_COLUMNS, CREDIT_FILE
from ...system.durations import sampler
from ...system.site import Site
from ..patient import Patient
from .decisions import Build

# Per patient: enrolment, family pay, repayment day, default.
DRAWS = PatientDraws("credit", ("enrolment", "family_pay", "repayment", "default"))


class CreditConfig(ReformSwitch):
    """Credit billing, treat first and pay later (REFORMS.md 2)."""

    facilities: Literal["all"] | list[FacilityRef] = Field(
        "all", description="facilities that offer credit billing: all, or a list"
    )
    enrolment: Probability = Field(
        0.0,
        description="share of patients enrolled for a credit line",
        json_schema_extra=unit("share"),
    )
    enrolment_by_zone: dict[ZoneRef, Probability] = Field(
        default_factory=dict,
        description="zone -> enrolled share there, overriding enrolment",
        json_schema_extra=unit("share"),
    )
    family_pay: Probability = Field(
        0.0,
        description="share of the others using a relative's line",
        json_schema_extra=unit("share"),
    )
    limit_yuan: Yuan = Field(
        3000.0, description="the credit line's limit per episode (at most 10,000,000)"
    )
    interest_free_days: PositiveDays = Field(
        56.0, description="days a draw is interest-free before it defaults (at most 3,650)"
    )
    repayment_days: Duration = Field(
        default_factory=lambda: Duration(dist="fixed", mean=28.0),
        description="days from the first draw to repayment, capped at the interest-free days "
        "(mean at most 3,650)",
    )
    default_share: Probability = Field(
        0.0,
        description="share of credit patients who never repay (default)",
        json_schema_extra=unit("share"),
    )
    daily_rate: Rate = Field(
        0.0,
        description="financing cost per yuan outstanding per day (at most 1)",
        json_schema_extra=unit("per day"),
    )
    financing_borne_by: Literal["bank", "hospital", "government"] = Field(
        "bank", description="who bears the financing cost (reported in the manifest)"
    )
    # Left out at its default, so that files without it keep their hashes.
    deposits: Literal["all"] | list[FacilityRef] = added_key(
        "all",
        description="facilities, of those that offer credit, where the line also pays an "
        "inpatient deposit: all, or a list",
    )

    @field_validator("repayment_days")
    @classmethod
    def _repayment_in_days(cls, days: Duration) -> Duration:
        if days.mean > MAX_DAYS:
            raise ValueError(f"mean must be at most {MAX_DAYS:,} days, got {days.mean:g}")
        return days


class Credit:
    """Decides who pays at the window, and records credit draws."""

    def __init__(self, build: Build) -> None:
        config: CreditConfig = build.config
        world = build.world
        self.records = build.records
        everyone = range(len(world.facilities))
        index = {f.id: f.index for f in world.facilities}
        offering = everyone if config.facilities == "all" else (index[f] for f in config.facilities)
        self.offering = frozenset(offering)
        deposits = (
            self.offering if config.deposits == "all" else {index[f] for f in config.deposits}
        )
        self.deposit_sites = self.offering & deposits
        zone_ids = [z.id for z in world.zones]
        self.enrolment = [config.enrolment_by_zone.get(z, config.enrolment) for z in zone_ids]
        self.family_pay = config.family_pay
        self.limit_yuan = config.limit_yuan
        self.interest_free_days = config.interest_free_days
        self.repayment = sampler(config.repayment_days)
        self.default_share = config.default_share
        self.drawn: dict[int, float] = {}
        self.exhausted: set[int] = set()

    def on_credit(self, patient: Patient) -> bool:
        """Whether the patient has a credit line of their own or a relative's."""
        if DRAWS.draw(patient, "enrolment") < self.enrolment[patient.zone.index]:
            return True
        return DRAWS.draw(patient, "family_pay") < self.family_pay

    def credit_offered(self, patient: Patient) -> frozenset[int]:
        """The facilities where the patient's line would pay (none if not on credit): a patient
        short of cash can choose them (``behaviour.seeking``)."""
        return self.offering if self.on_credit(patient) else frozenset()

    def pays_at_cashier(self, patient: Patient, site: Site, fee_yuan: float, now: float) -> bool:
        """Whether the patient pays ``fee_yuan`` at ``now`` at a cashier window rather than on
        credit."""
        if site.plan.index not in self.offering or patient.id in self.exhausted:
            return True
        if not self.on_credit(patient):
            return True
        drawn = self.drawn.get(patient.id, 0.0)
        if drawn + fee_yuan > self.limit_yuan:
            self.exhausted.add(patient.id)
            return True
        if patient.id not in self.drawn:
            self._open_account(patient)
        self.drawn[patient.id] = drawn + fee_yuan
        self.records.credit.append((patient.id, site.plan.index, fee_yuan, now))
        return False

    def pays_deposit(self, patient: Patient, site: Site, deposit_yuan: float, now: float) -> bool:
        """Whether the patient's line pays an inpatient deposit here (drawn like a charge,
        within the limit)."""
        if site.plan.index not in self.deposit_sites:
            return False
        return not self.pays_at_cashier(patient, site, deposit_yuan, now)

    def _open_account(self, patient: Patient) -> None:
        """The patient's repayment day and whether they default, fixed at the first draw."""
        repay_days = min(self.repayment(DRAWS.draw(patient, "repayment")), self.interest_free_days)
        defaults = DRAWS.draw(patient, "default") < self.default_share
        self.records.credit_accounts.append((patient.id, repay_days, defaults))


def _who_finances(scenario: Scenario) -> dict[str, str]:
    config: CreditConfig = scenario.reforms.section("credit")
    return {"credit_financing_borne_by": config.financing_borne_by}


REFORM = Reform(
    name="credit",
    rank=20,
    config=CreditConfig,
    mechanism=Credit,
    description="credit billing: charges drawn on a credit line, no cashier queue",
    draws=DRAWS,
    tables=(OutputTable(CREDIT_FILE, CREDIT_DAY_COLUMNS, manifest=_who_finances),),
)
