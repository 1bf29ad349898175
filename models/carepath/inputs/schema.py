"""The scenario schema: what a scenario file may say, validated with pydantic.

Every model forbids unknown keys, so a typo is an error rather than a silently ignored lever.
References between sections (a zone's travel to a facility, a facility's referral target, a
condition named in an override) are checked against the ids found in the raw file, passed in as
validation context, so that they are reported together with every other problem.
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Literal, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from .sweep import Sweep

Tier = Literal["village", "township", "county", "city"]
TIERS: tuple[Tier, ...] = get_args(Tier)
TestType = Literal["lab", "xray", "ultrasound", "ct", "mri", "ecg"]
TEST_TYPES: tuple[TestType, ...] = get_args(TestType)
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = get_args(Weekday)
REFORMS: tuple[str, ...] = ("recognition", "credit", "outreach")

Probability = Annotated[float, Field(ge=0.0, le=1.0)]
NonNegative = Annotated[float, Field(ge=0.0)]
Positive = Annotated[float, Field(gt=0.0)]
Capacity = Annotated[int, Field(ge=1)]
OptionalCapacity = Annotated[int, Field(ge=0)]
Identifier = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_\-]*$", max_length=64)]


def _known(section: str, noun: str, value: str, info: ValidationInfo) -> str:
    known = (info.context or {}).get(section)
    if known is not None and value not in known:
        raise ValueError(f"no {noun} with this id under {section}")
    return value


def _facility(value: str, info: ValidationInfo) -> str:
    return _known("facilities", "facility", value, info)


def _condition(value: str, info: ValidationInfo) -> str:
    return _known("conditions", "condition", value, info)


def _zone(value: str, info: ValidationInfo) -> str:
    return _known("zones", "zone", value, info)


FacilityRef = Annotated[str, AfterValidator(_facility)]
ConditionRef = Annotated[str, AfterValidator(_condition)]
ZoneRef = Annotated[str, AfterValidator(_zone)]


class Strict(BaseModel):
    """Base for every section: unknown keys are errors, and models are read-only."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def _sums_to_one(shares: dict[str, float], what: str) -> dict[str, float]:
    total = sum(shares.values())
    if shares and not math.isclose(total, 1.0, abs_tol=1e-6):
        raise ValueError(f"{what} must sum to 1, got {total:.6g}")
    return shares


class Duration(Strict):
    """A random duration in minutes: ``fixed``, ``exponential`` or ``lognormal`` (mean and cv)."""

    dist: Literal["fixed", "exponential", "lognormal"]
    mean: NonNegative
    cv: NonNegative = 0.0


class Simulation(Strict):
    """How long to simulate and how often."""

    warmup_days: NonNegative
    horizon_days: Positive
    drain_days: NonNegative = Field(
        60.0, description="after the measured period, how long open episodes may still finish"
    )
    replications: Capacity
    seed: Annotated[int, Field(ge=0)]
    start_weekday: Weekday = "mon"


class Demand(Strict):
    """When people set out to seek care."""

    hour_profile: list[NonNegative] = Field(min_length=24, max_length=24)
    weekday_profile: list[NonNegative] = Field(min_length=7, max_length=7)
    arrive_after_opening_min: NonNegative = Field(
        60.0, description="patients coming back next day arrive within this many minutes"
    )

    @field_validator("hour_profile", "weekday_profile")
    @classmethod
    def _some_demand(cls, profile: list[float]) -> list[float]:
        if sum(profile) <= 0:
            raise ValueError("profile must have at least one positive entry")
        return profile


class ServiceTimes(Strict):
    """Minutes of service at each station kind."""

    registration: Duration
    consultation: Duration
    review: Duration
    cashier: Duration
    pharmacy: Duration


class TierSettings(Strict):
    """Fees and service times shared by the facilities of one tier."""

    registration_fee_yuan: NonNegative
    consultation_fee_yuan: NonNegative
    service_min: ServiceTimes
    walk_min: NonNegative = 0.0


class TestSettings(Strict):
    """One test type: fee by tier, exam time and the turnaround until the result is ready."""

    fee_yuan: dict[Tier, NonNegative]
    exam_min: Duration
    turnaround_min: Duration


_CLOCK = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)$")


def _clock_min(text: str) -> float:
    match = _CLOCK.match(text)
    if not match or (match.group(1) == "24" and match.group(2) != "00"):
        raise ValueError(f"time must be HH:MM between 00:00 and 24:00, got {text!r}")
    return int(match.group(1)) * 60.0 + int(match.group(2))


class ClockSpan(Strict):
    """From ``start`` to ``end`` o'clock (``HH:MM``) on a day."""

    start: str
    end: str

    @field_validator("start", "end")
    @classmethod
    def _clock(cls, text: str) -> str:
        _clock_min(text)
        return text

    @model_validator(mode="after")
    def _ordered(self) -> ClockSpan:
        if not getattr(self, "always", False) and self.end_min <= self.start_min:
            raise ValueError(f"end must be after start, got {self.start}-{self.end}")
        return self

    @property
    def start_min(self) -> float:
        return _clock_min(self.start)

    @property
    def end_min(self) -> float:
        return _clock_min(self.end)


class OpeningHours(ClockSpan):
    """Outpatient opening hours: ``start``-``end`` on ``weekdays``, or ``always`` open."""

    always: bool = False
    start: str = "08:00"
    end: str = "17:30"
    weekdays: list[Weekday] = Field(default_factory=lambda: list(WEEKDAYS), min_length=1)


class Stations(Strict):
    """Servers per station; 0 means the facility has no such station (the doctor does it)."""

    registration: OptionalCapacity = 0
    doctors: dict[Identifier, Capacity] = Field(min_length=1)
    cashier: OptionalCapacity = 0
    pharmacy: OptionalCapacity = 0
    exams: dict[TestType, Capacity] = Field(default_factory=dict)


class Facility(Strict):
    id: Identifier
    name: str = ""
    tier: Tier
    hours: OpeningHours = Field(default_factory=OpeningHours)
    stations: Stations
    refers_to: FacilityRef | None = None
    cashier_walk_min: NonNegative = Field(
        0.0, description="extra walk to the cashier windows (another floor), each way there"
    )


class Trip(Strict):
    travel_min: NonNegative
    travel_yuan: NonNegative


class Zone(Strict):
    """Where people live: a village or an urban community."""

    id: Identifier
    kind: Literal["village", "community"] = "village"
    population: Annotated[int, Field(ge=0)]
    episodes_per_person_year: NonNegative
    travel: dict[FacilityRef, Trip] = Field(min_length=1)
    first_contact: dict[ConditionRef, dict[Tier, Probability]] = Field(
        default_factory=dict, description="per-condition override of the tier-choice shares"
    )

    @field_validator("first_contact")
    @classmethod
    def _shares(cls, overrides: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
        for condition, shares in overrides.items():
            _sums_to_one(shares, f"first_contact shares of {condition!r}")
        return overrides


class FollowUp(Strict):
    """A follow-up visit some days after treatment."""

    probability: Probability
    after_days: Positive
    tests: dict[TestType, Probability] = Field(default_factory=dict)
    referral_down: Probability = Field(
        0.0, description="share of follow-ups after county or city care sent to primary care"
    )


class SecondOpinion(Strict):
    """Patients who go to another, higher-tier hospital on their own some days after treatment."""

    probability: Probability
    after_days: Positive


class Condition(Strict):
    id: Identifier
    name: str = ""
    share: Probability
    department: Identifier = "general"
    lowest_tier: Tier
    first_contact: dict[Tier, Probability]
    tests: dict[TestType, dict[Tier, Probability]] = Field(default_factory=dict)
    referral_up: dict[Tier, Probability] = Field(
        default_factory=dict, description="chance of referral up even where it can be managed"
    )
    drug_fee_yuan: NonNegative
    followup: FollowUp | None = None
    second_opinion: SecondOpinion | None = None

    @field_validator("first_contact")
    @classmethod
    def _shares(cls, shares: dict[str, float]) -> dict[str, float]:
        return _sums_to_one(shares, "first_contact shares")


class ReformSwitch(Strict):
    """A reform family's switch; its mechanism module reads it, nothing else does."""

    enabled: bool = False
    source: str = ""


class RecognitionItem(Strict):
    """A recognised test type: how long a result stays valid, and how often a doctor accepts it."""

    window_days: Positive
    acceptance: Probability = Field(description="the receiving physician's judgement")


class RemoteReading(Strict):
    """A reading centre ("primary-level test, hospital diagnosis, results recognised")."""

    reader: FacilityRef
    readers: Capacity
    tests: list[TestType] = Field(min_length=1)
    sites: list[FacilityRef] = Field(min_length=1, description="facilities whose exams it reads")
    reading_min: Duration


class Recognition(ReformSwitch):
    """Mutual recognition of test results (REFORMS.md section 1)."""

    connected: Literal["all"] | list[FacilityRef] = "all"
    paper_acceptance: Probability = Field(
        0.0, description="acceptance of a result when either facility is off the platform"
    )
    items: dict[TestType, RecognitionItem] = Field(default_factory=dict)
    accepts: dict[Tier, dict[Tier, Literal["all"] | list[TestType]]] = Field(
        default_factory=dict, description="receiving tier -> source tier -> tests it accepts"
    )
    exclusions: dict[Identifier, Probability] = Field(
        default_factory=dict, description="named situations in which a result is not recognised"
    )
    remote_reading: list[RemoteReading] = Field(default_factory=list)

    @field_validator("exclusions")
    @classmethod
    def _at_most_certain(cls, exclusions: dict[str, float]) -> dict[str, float]:
        if sum(exclusions.values()) > 1.0 + 1e-9:
            raise ValueError("exclusion probabilities are shares of one draw and must sum to <= 1")
        return exclusions


class Credit(ReformSwitch):
    """Credit billing, treat first and pay later, and registration validity (REFORMS.md 2)."""

    facilities: Literal["all"] | list[FacilityRef] = Field(
        "all", description="facilities that offer credit billing and registration validity"
    )
    enrolment: Probability = 0.0
    enrolment_by_zone: dict[ZoneRef, Probability] = Field(default_factory=dict)
    family_pay: Probability = Field(0.0, description="share of the others using a relative's line")
    limit_yuan: NonNegative = 3000.0
    interest_free_days: Positive = 56.0
    repayment_days: Duration = Field(
        default_factory=lambda: Duration(dist="fixed", mean=28.0),
        description="days from the first draw to repayment, capped at the interest-free days",
    )
    default_share: Probability = 0.0
    daily_rate: NonNegative = Field(0.0, description="financing cost per yuan outstanding per day")
    financing_borne_by: Literal["bank", "hospital", "government"] = "bank"
    registration_validity_days: Annotated[int, Field(ge=0)] = Field(
        0, description="a return within this many days (the first included) registers free; 0 = off"
    )


STAFF_ROLES: tuple[str, ...] = (
    "city_expert",
    "county_doctor",
    "township_staff",
    "family_doctor",
    "visiting_expert",
)
StaffRole = Literal[
    "city_expert", "county_doctor", "township_staff", "family_doctor", "visiting_expert"
]


class Session(ClockSpan):
    """Hours of an outreach session on its day."""

    start: str = "09:00"
    end: str = "16:00"


class FreeClinicTeam(Strict):
    """Who goes to a village's free clinic; every member sees patients."""

    city_experts: Annotated[int, Field(ge=0)] = 0
    county_doctors: Annotated[int, Field(ge=0)] = 0
    township_staff: Annotated[int, Field(ge=0)] = 0

    @property
    def size(self) -> int:
        return self.city_experts + self.county_doctors + self.township_staff


class WaitForClinic(Strict):
    """Residents with this condition who wait for their village's free clinic."""

    share: Probability = Field(description="of those whose onset falls within max_days of it")
    max_days: NonNegative = Field(description="how many days they will wait for the event")
    resolved_on_site: Probability = Field(
        description="share of those seen whom the team's skills and kit can finish on site; "
        "the others are screened cases referred up"
    )


class Screening(Strict):
    """Residents who come to the free clinic for a check without an illness episode."""

    attendance_per_event: NonNegative = 0.0
    screening_min: Duration = Field(default_factory=lambda: Duration(dist="fixed", mean=5.0))
    referral_share: Probability = Field(0.0, description="share found to need a referral up")


class FreeClinics(Strict):
    """One free clinic per village every ``every_days`` (REFORMS.md 3, Mianyang)."""

    every_days: Positive = 30.0
    zones: Literal["villages"] | list[ZoneRef] = Field(
        "villages", description="zones that get the events: every village zone, or a list"
    )
    session: Session = Field(default_factory=Session)
    team: FreeClinicTeam
    consult_min: Duration
    max_patients: Annotated[int, Field(ge=0)] | None = Field(
        None, description="most patients one event sees (kit, drugs); none = only time limits"
    )
    conditions: dict[ConditionRef, WaitForClinic] = Field(default_factory=dict)
    refer_to: Tier = Field("county", description="tier a screened case is referred up to")
    screening: Screening = Field(default_factory=Screening)


class FamilyDoctors(Strict):
    """Family-doctor contracts: follow-ups and drug refills of chronic conditions at home."""

    contracted: Probability = 0.0
    contracted_by_zone: dict[ZoneRef, Probability] = Field(default_factory=dict)
    conditions: list[ConditionRef] = Field(default_factory=list)
    teams_per_zone: Capacity = 1
    team_size: Capacity = 3
    visit_min: Duration = Field(description="team time per home follow-up, travel included")
    session: Session = Field(default_factory=Session, description="the teams' working hours")


class VisitingExperts(Strict):
    """An expert's weekly session at township centres (Zibo workstations, Chongqing)."""

    sites: Literal["townships"] | list[FacilityRef] = "townships"
    weekdays: list[Weekday] = Field(min_length=1)
    session: Session = Field(default_factory=Session)
    experts: Capacity = 1
    conditions: list[ConditionRef] = Field(
        min_length=1, description="conditions the township manages when the expert is there"
    )
    share: Probability = Field(
        1.0, description="share of those patients the expert can take on; the rest are referred"
    )
    consult_min: Duration
    book_within_days: NonNegative = Field(
        0.0, description="a patient the township would refer up comes back for a session this near"
    )


class PrimaryFirst(Strict):
    """Conditions to be first diagnosed at primary level (Chongqing: 66 conditions)."""

    conditions: list[ConditionRef] = Field(min_length=1)
    compliance: Probability = Field(
        description="share of patients who would have gone straight to a hospital and now go "
        "to their primary-care facility first"
    )


class TwoWayReferral(Strict):
    """Referral up with a green channel, and down to primary care for follow-up."""

    green_channel: Literal["none", "priority"] = Field(
        "none", description="referred patients ahead of others at county and city hospitals"
    )
    referral_down: dict[ConditionRef, Probability] = Field(
        default_factory=dict,
        description="share of follow-ups after county or city care sent to primary care",
    )


class Outreach(ReformSwitch):
    """Outreach and the county medical community (REFORMS.md 3)."""

    free_clinics: FreeClinics | None = None
    family_doctors: FamilyDoctors | None = None
    visiting_experts: list[VisitingExperts] = Field(default_factory=list)
    primary_first: PrimaryFirst | None = None
    referral: TwoWayReferral = Field(default_factory=TwoWayReferral)
    staff_day_cost_yuan: dict[StaffRole, NonNegative] = Field(default_factory=dict)
    staff_day_min: Positive = Field(480.0, description="working minutes in one staff-day")


class Reforms(Strict):
    recognition: Recognition = Field(default_factory=Recognition)
    credit: Credit = Field(default_factory=Credit)
    outreach: Outreach = Field(default_factory=Outreach)


class Benchmark(Strict):
    """A published figure set beside a model output to judge plausibility; never an input."""

    metric: Identifier
    arm: Literal["without", "with", "difference", "paired"] = "paired"
    published: str = Field(description="the figure as published, in words")
    low: float | None = None
    high: float | None = None
    source: str = Field(description="an id under sources")
    note: str = ""


class Scenario(Strict):
    """A whole scenario file after ``extends`` is merged."""

    name: Identifier
    description: str = ""
    sources: dict[str, str] = Field(default_factory=dict)
    simulation: Simulation
    demand: Demand
    tiers: dict[Tier, TierSettings]
    tests: dict[TestType, TestSettings] = Field(default_factory=dict)
    facilities: list[Facility] = Field(min_length=1)
    zones: list[Zone] = Field(min_length=1)
    conditions: list[Condition] = Field(min_length=1)
    reforms: Reforms = Field(default_factory=Reforms)
    plausibility: list[Benchmark] = Field(default_factory=list)
    # Left out of dumps when absent, so that adding the field changed no scenario's hash.
    sweep: Sweep | None = Field(
        None, exclude_if=lambda value: value is None, description="levers to run at several values"
    )

    def facility(self, facility_id: str) -> Facility:
        return next(f for f in self.facilities if f.id == facility_id)

    def switched_on(self) -> tuple[str, ...]:
        """The reform families the file switches on, in a fixed order."""
        return tuple(r for r in REFORMS if getattr(self.reforms, r).enabled)
