"""The free-clinic programme's section, ``reforms.free_clinics`` (REFORMS.md 3, Mianyang)."""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import Field

from ...inputs.added_keys import added_key
from ...inputs.schema import (
    MAX_ATTENDANCE,
    MAX_DAYS,
    MAX_PATIENTS,
    MIN_EVERY_DAYS,
    NUMBER,
    ConditionRef,
    Count,
    Days,
    Duration,
    Probability,
    ReformSwitch,
    Session,
    StaffDayYuan,
    Strict,
    Tier,
    ZoneRef,
)
from ...inputs.units import unit

FreeClinicRole = Literal["city_expert", "county_doctor", "township_staff"]


class FreeClinicTeam(Strict):
    """Who goes to a village's free clinic; every member sees patients."""

    city_experts: Count = Field(
        0,
        description="experts from a city hospital in the team (at most 10,000)",
        json_schema_extra=unit("people"),
    )
    county_doctors: Count = Field(
        0,
        description="doctors from a county hospital in the team (at most 10,000)",
        json_schema_extra=unit("people"),
    )
    township_staff: Count = Field(
        0,
        description="staff from the township health centre in the team (at most 10,000)",
        json_schema_extra=unit("people"),
    )

    @property
    def size(self) -> int:
        return self.city_experts + self.county_doctors + self.township_staff


class WaitForClinic(Strict):
    """Ill residents with this condition who come to their village's free clinic.

    Nobody who would seek care at once is held back: an illness seeking care on the day of an
    event (before its session ends) may come to it instead.  An illness that would go without
    care, or seek it only days later, may come to an event within ``max_days`` of its onset.
    """

    share: Probability = Field(
        description="share who come, of those seeking care on an event's day, or not seeking "
        "it at once with an event within max_days",
        json_schema_extra=unit("share"),
    )
    max_days: Days = Field(
        description="days after onset within which an illness not seeking care at once comes "
        "to an event (at most 3,650)"
    )
    resolved_on_site: Probability = Field(
        description="share of those seen whom the team's skills and kit can finish on site; "
        "the others are screened cases referred up",
        json_schema_extra=unit("share"),
    )


class Screening(Strict):
    """Residents who come to the free clinic for a check without an illness episode, and the
    unnoticed chronic cases (``care_seeking.latent``) the check finds."""

    attendance_per_event: Annotated[float, NUMBER, Field(ge=0.0, le=MAX_ATTENDANCE)] = Field(
        0.0,
        description="residents screened at each event, on average (at most 10,000), besides "
        "attendance_share of the village",
        json_schema_extra=unit("people"),
    )
    attendance_share: Probability = added_key(
        0.0,
        description="share of the village's residents who come to each event for a check, "
        "unnoticed cases among them",
        json_schema_extra=unit("share"),
    )
    detection: Probability = added_key(
        0.0,
        description="share of the unnoticed cases at a check that it finds; a found case "
        "starts its care from the event",
        json_schema_extra=unit("share"),
    )
    screening_min: Duration = Field(
        default_factory=lambda: Duration(dist="fixed", mean=5.0),
        description="minutes of the team's time one screening takes",
    )
    referral_share: Probability = Field(
        0.0,
        description="share of those screened found to need a referral up",
        json_schema_extra=unit("share"),
    )


class FreeClinicsConfig(ReformSwitch):
    """One free clinic per village every ``every_days`` (REFORMS.md 3, Mianyang)."""

    needed_when_enabled: ClassVar[tuple[str, ...]] = ("consult_min",)

    every_days: Annotated[float, NUMBER, Field(ge=MIN_EVERY_DAYS, le=MAX_DAYS)] = Field(
        30.0, description="days between a village's events (at least 1, at most 3,650)"
    )
    zones: Literal["villages"] | list[ZoneRef] = Field(
        "villages", description="zones that get the events: every village zone, or a list"
    )
    session: Session = Field(
        default_factory=Session, description="the hours of each event's session"
    )
    team: FreeClinicTeam = Field(
        default_factory=FreeClinicTeam, description="who goes to each event and sees patients"
    )
    consult_min: Duration | None = Field(
        None, description="minutes a team member spends with one ill patient"
    )
    max_patients: Annotated[int, NUMBER, Field(ge=0, le=MAX_PATIENTS)] | None = Field(
        None,
        description="most patients one event sees (kit, drugs; at most 100,000); none = only "
        "time limits",
        json_schema_extra=unit("people"),
    )
    conditions: dict[ConditionRef, WaitForClinic] = Field(
        default_factory=dict, description="condition -> who waits for the event, and for how long"
    )
    refer_to: Tier = Field("county", description="the tier a screened case is referred up to")
    screening: Screening = Field(
        default_factory=Screening, description="residents who come for a check without illness"
    )
    staff_day_cost_yuan: dict[FreeClinicRole, StaffDayYuan] = Field(
        default_factory=dict, description="role -> cost of a staff-day (each at most 1,000,000)"
    )
