"""The scenario schema: what a scenario file may say, validated with pydantic.

Every model forbids unknown keys, so a typo is an error rather than a silently ignored lever.
References between sections (a zone's travel to a facility, a facility's referral target, a
condition named in an override) are checked against the ids found in the raw file, passed in as
validation context, so that they are reported together with every other problem.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from typing import Annotated, Any, ClassVar, Literal, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetPydanticSchema,
    ValidationInfo,
    create_model,
    field_validator,
    model_validator,
)
from pydantic_core import CoreSchema

from .added_keys import added_key
from .care_seeking import CareSeeking
from .duration import Duration, Minutes
from .economics import MAX_RATE, MAX_YUAN, Area, Economics
from .inpatient import Booking, Inpatient
from .numbers import NUMBER
from .sweep import Sweep
from .uncertainty import Uncertainty
from .units import unit

Tier = Literal["village", "township", "county", "city"]
TIERS: tuple[Tier, ...] = get_args(Tier)
TestType = Literal["lab", "xray", "ultrasound", "ct", "mri", "ecg"]
TEST_TYPES: tuple[TestType, ...] = get_args(TestType)
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = get_args(Weekday)

# Bounds of the numbers a scenario file may give: far beyond any real value, near enough that a
# slip or a number that would exhaust memory is an error naming its key (the error states the
# bound).  The economic ones (MAX_YUAN, MAX_RATE, ...) are in inputs.economics, a step's minutes
# and a duration's cv (MAX_STEP_MIN, MAX_CV) in inputs.duration, which this module imports and
# which cannot import it (inputs.care_seeking needs the duration too).
MAX_DAY_MIN = 1_440  # minutes in a (staff-)day
MAX_DAYS = 3_650  # days of a period (horizon, warm-up, a window, a wait): ten years
MIN_EVERY_DAYS = 1  # the shortest interval between two events of a programme
MAX_POPULATION = 10**7  # residents of one zone
MAX_EPISODES_PER_PERSON_YEAR = 10_000  # the queueing validations run 365 people at up to ~960
MAX_SERVERS = 10_000  # servers, doctors, teams, readers, experts, a team's members
MAX_REPLICATIONS = 100_000
MAX_SEED = 2**63 - 1  # seeds are below 2**63 (an int64 anywhere they are written)
MAX_WEIGHT = 10**6  # an entry of a demand profile (relative weights)
MAX_ATTENDANCE = 10_000  # people screened at one free-clinic event
MAX_PATIENTS = 100_000  # patients one event sees
MAX_STAFF_DAY_YUAN = 10**6  # the cost of one staff-day
MAX_BENCHMARK = 10**12  # the size of a published figure's range ends

# Every numeric type refuses booleans (NUMBER) and, through Strict's config, nan and inf.
Probability = Annotated[float, NUMBER, Field(ge=0.0, le=1.0)]
NonNegative = Annotated[float, NUMBER, Field(ge=0.0)]  # unbounded: for plug-ins' own sections
Positive = Annotated[float, NUMBER, Field(gt=0.0)]  # unbounded: for plug-ins' own sections
Capacity = Annotated[int, NUMBER, Field(ge=1, le=MAX_SERVERS)]
OptionalCapacity = Annotated[int, NUMBER, Field(ge=0, le=MAX_SERVERS)]
PositiveMinutes = Annotated[float, NUMBER, Field(gt=0.0, le=MAX_DAY_MIN)]
Days = Annotated[float, NUMBER, Field(ge=0.0, le=MAX_DAYS)]
PositiveDays = Annotated[float, NUMBER, Field(gt=0.0, le=MAX_DAYS)]
Yuan = Annotated[float, NUMBER, Field(ge=0.0, le=MAX_YUAN)]
StaffDayYuan = Annotated[float, NUMBER, Field(ge=0.0, le=MAX_STAFF_DAY_YUAN)]
Rate = Annotated[float, NUMBER, Field(ge=0.0, le=MAX_RATE)]
Weight = Annotated[float, NUMBER, Field(ge=0.0, le=MAX_WEIGHT)]
Count = Annotated[int, NUMBER, Field(ge=0, le=MAX_SERVERS)]
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

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


def _sums_to_one(shares: dict[str, float], what: str) -> dict[str, float]:
    total = sum(shares.values())
    if shares and not math.isclose(total, 1.0, abs_tol=1e-6):
        raise ValueError(f"{what} must sum to 1, got {total:.6g}")
    return shares


class Simulation(Strict):
    """How long to simulate and how often."""

    warmup_days: Days = Field(
        description="days simulated before measuring starts, to fill the queues (at most 3,650)"
    )
    horizon_days: PositiveDays = Field(
        description="days of the measured period: episodes with onset in it are measured "
        "(at most 3,650)"
    )
    drain_days: Days = Field(
        60.0,
        description="after the measured period, how long open episodes may still finish "
        "(at most 3,650)",
    )
    replications: Annotated[int, NUMBER, Field(ge=1, le=MAX_REPLICATIONS)] = Field(
        description="independent runs of both arms with other random draws (at most 100,000)",
        json_schema_extra=unit("replications"),
    )
    seed: Annotated[int, NUMBER, Field(ge=0, le=MAX_SEED)] = Field(
        description="the base seed every named random stream is derived from (at most 2**63 - 1)",
        json_schema_extra=unit("seed"),
    )
    start_weekday: Weekday = Field("mon", description="the weekday of simulated day 0 (mon to sun)")


class Demand(Strict):
    """When people set out to seek care."""

    hour_profile: list[Weight] = Field(
        min_length=24,
        max_length=24,
        description="relative weights of onsets in each hour of the day, 24 values from "
        "midnight (each at most 1,000,000)",
        json_schema_extra=unit("weight"),
    )
    weekday_profile: list[Weight] = Field(
        min_length=7,
        max_length=7,
        description="relative weights of onsets on each weekday, 7 values, Monday first "
        "(each at most 1,000,000)",
        json_schema_extra=unit("weight"),
    )
    arrive_after_opening_min: Minutes = Field(
        60.0,
        description="patients coming back next day arrive within this many minutes "
        "(at most 10,080)",
    )

    @field_validator("hour_profile", "weekday_profile")
    @classmethod
    def _some_demand(cls, profile: list[float]) -> list[float]:
        if sum(profile) <= 0:
            raise ValueError("profile must have at least one positive entry")
        return profile


class ServiceTimes(Strict):
    """Minutes of service at each station kind."""

    registration: Duration = Field(description="service time at a registration window")
    consultation: Duration = Field(description="the doctor's first consultation with the patient")
    review: Duration = Field(description="the doctor's review of the test results")
    cashier: Duration = Field(description="service time of one payment at a cashier window")
    pharmacy: Duration = Field(description="service time of collecting drugs at the pharmacy")


class TierSettings(Strict):
    """Fees and service times shared by the facilities of one tier."""

    registration_fee_yuan: Yuan = Field(
        description="fee paid at each registration at this tier (at most 10,000,000)"
    )
    consultation_fee_yuan: Yuan = Field(
        description="fee for the doctor's consultation at this tier (at most 10,000,000)"
    )
    service_min: ServiceTimes = Field(
        description="minutes of service at each station kind of this tier"
    )
    walk_min: Minutes = Field(
        0.0, description="minutes of walking from one station to the next (at most 10,080)"
    )


class TestSettings(Strict):
    """One test type: fee by tier, exam time and the turnaround until the result is ready."""

    fee_yuan: dict[Tier, Yuan] = Field(
        description="tier -> fee charged for the test there (each at most 10,000,000)"
    )
    exam_min: Duration = Field(description="minutes the patient spends at the exam unit")
    turnaround_min: Duration = Field(
        description="minutes from the end of the exam until the result is ready"
    )


_CLOCK = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)$")


def _clock_min(text: str) -> float:
    match = _CLOCK.match(text)
    if not match or (match.group(1) == "24" and match.group(2) != "00"):
        raise ValueError(f"time must be HH:MM between 00:00 and 24:00, got {text!r}")
    return int(match.group(1)) * 60.0 + int(match.group(2))


class ClockSpan(Strict):
    """From ``start`` to ``end`` o'clock (``HH:MM``) on a day."""

    start: str = Field(description="the opening time as HH:MM, 00:00 to 24:00")
    end: str = Field(description="the closing time as HH:MM, after the start")

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

    always: bool = Field(False, description="open around the clock on every day")
    start: str = Field("08:00", description="outpatient opening time as HH:MM")
    end: str = Field("17:30", description="outpatient closing time as HH:MM")
    weekdays: list[Weekday] = Field(
        default_factory=lambda: list(WEEKDAYS),
        min_length=1,
        description="the weekdays the facility is open (default every day)",
    )


class Stations(Strict):
    """Servers per station (at most 10,000 each); 0 means the facility has no such station (the
    doctor does it)."""

    registration: OptionalCapacity = Field(
        0,
        description="registration windows open at once (0: none)",
        json_schema_extra=unit("people"),
    )
    doctors: dict[Identifier, Capacity] = Field(
        min_length=1,
        description="department -> doctors seeing patients at once ('general' is the fallback)",
        json_schema_extra=unit("people"),
    )
    cashier: OptionalCapacity = Field(
        0, description="cashier windows open at once (0: none)", json_schema_extra=unit("people")
    )
    pharmacy: OptionalCapacity = Field(
        0, description="pharmacy windows open at once (0: none)", json_schema_extra=unit("people")
    )
    exams: dict[TestType, Capacity] = Field(
        default_factory=dict,
        description="test type -> exam units (machines or staff) working at once",
        json_schema_extra=unit("people"),
    )


PerDay = Annotated[float, NUMBER, Field(ge=0.0, le=MAX_PATIENTS)]


class Background(Strict):
    """Outpatients from beyond the simulated area who queue at the facility's stations too: a
    city hospital serves a whole city, of which a scenario's slice brings only its own share
    (``behaviour.background``).  Mean arrivals per open day at each station (at most 100,000),
    at the hours of ``demand.hour_profile`` within opening hours and the weekdays of
    ``demand.weekday_profile``, served in the tier's service times; they count at the station
    (its waits and utilisation), not as the area's patients."""

    registration: PerDay = Field(
        0.0, description="arrivals per open day at registration", json_schema_extra=unit("per day")
    )
    doctors: dict[Identifier, PerDay] = Field(
        default_factory=dict,
        description="department -> arrivals per open day at its doctors",
        json_schema_extra=unit("per day"),
    )
    cashier: PerDay = Field(
        0.0, description="arrivals per open day at the cashier", json_schema_extra=unit("per day")
    )
    pharmacy: PerDay = Field(
        0.0, description="arrivals per open day at the pharmacy", json_schema_extra=unit("per day")
    )
    exams: dict[TestType, PerDay] = Field(
        default_factory=dict,
        description="test type -> arrivals per open day at its exam units",
        json_schema_extra=unit("per day"),
    )

    def per_station(self) -> dict[str, float]:
        """Arrivals per open day by station name as the records write it (``doctor:internal``,
        ``exam:ct``), the stations with none left out."""
        named = {
            "registration": self.registration,
            **{f"doctor:{d}": n for d, n in self.doctors.items()},
            "cashier": self.cashier,
            "pharmacy": self.pharmacy,
            **{f"exam:{t}": n for t, n in self.exams.items()},
        }
        return {station: n for station, n in named.items() if n > 0}


class Facility(Strict):
    """A clinic, health centre or hospital: its tier, hours, stations and referral target."""

    id: Identifier = Field(description="the facility's id, used by zones and referrals")
    name: str = Field("", description="a readable name for tables and figures")
    tier: Tier = Field(description="village, township, county or city level of care")
    hours: OpeningHours = Field(
        default_factory=OpeningHours, description="when its outpatient stations are open"
    )
    stations: Stations = Field(description="servers at each station kind of the facility")
    refers_to: FacilityRef | None = Field(
        None, description="the facility of a higher tier it refers patients up to"
    )
    cashier_walk_min: Minutes = Field(
        0.0,
        description="extra walk to the cashier windows (another floor), each way there "
        "(at most 10,080)",
    )
    # Both left out at their neutral defaults, so that files without them keep their hashes.
    beds: Count = added_key(
        0, description="inpatient beds (0: no ward; at most 10,000)", json_schema_extra=unit("beds")
    )
    bookings: dict[TestType, Booking] = added_key(
        default_factory=dict,
        description="exam type -> its booked slots; exam types not listed are walk-in "
        "(inputs.inpatient)",
    )
    background: Background = added_key(
        default_factory=Background,
        description="outpatients from beyond the simulated area queueing at its stations "
        "(none by default)",
    )


class Trip(Strict):
    """A zone's trip to one facility."""

    travel_min: Minutes = Field(
        description="minutes of travel one way to the facility (at most 10,080)"
    )
    travel_yuan: Yuan = Field(description="fare paid one way to the facility (at most 10,000,000)")


class Zone(Strict):
    """Where people live: a village or an urban community."""

    id: Identifier = Field(description="the zone's id, used in overrides and results")
    kind: Literal["village", "community"] = Field(
        "village", description="a rural village or an urban community"
    )
    population: Annotated[int, NUMBER, Field(ge=0, le=MAX_POPULATION)] = Field(
        description="residents living in the zone (at most 10,000,000)",
        json_schema_extra=unit("people"),
    )
    episodes_per_person_year: Annotated[
        float, NUMBER, Field(ge=0.0, le=MAX_EPISODES_PER_PERSON_YEAR)
    ] = Field(description="care-seeking episodes per resident per year (at most 10,000)")
    travel: dict[FacilityRef, Trip] = Field(
        min_length=1, description="facility id -> the trip there, for every facility it may use"
    )
    first_contact: dict[ConditionRef, dict[Tier, Probability]] = Field(
        default_factory=dict,
        description="condition -> tier -> share: a per-zone override of the tier-choice shares",
        json_schema_extra=unit("share"),
    )

    @field_validator("first_contact")
    @classmethod
    def _shares(cls, overrides: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
        for condition, shares in overrides.items():
            _sums_to_one(shares, f"first_contact shares of {condition!r}")
        return overrides


class FollowUp(Strict):
    """A follow-up visit some days after treatment."""

    probability: Probability = Field(
        description="chance that a treated episode has a follow-up visit",
        json_schema_extra=unit("share"),
    )
    after_days: PositiveDays = Field(
        description="days after treatment that the follow-up falls due (at most 3,650)"
    )
    tests: dict[TestType, Probability] = Field(
        default_factory=dict,
        description="test type -> chance the test is ordered at the follow-up",
        json_schema_extra=unit("share"),
    )
    referral_down: Probability = Field(
        0.0,
        description="share of follow-ups after county or city care sent to primary care",
        json_schema_extra=unit("share"),
    )


class SecondOpinion(Strict):
    """Patients who go to another, higher-tier hospital on their own some days after treatment."""

    probability: Probability = Field(
        description="chance that a treated patient seeks a second opinion",
        json_schema_extra=unit("share"),
    )
    after_days: PositiveDays = Field(
        description="days after treatment that the patient goes (at most 3,650)"
    )


class Condition(Strict):
    """A kind of illness episode: how common, where it is treated, what it needs."""

    id: Identifier = Field(description="the condition's id, used by overrides and reforms")
    name: str = Field("", description="a readable name for tables and figures")
    share: Probability = Field(
        description="share of all episodes with this condition (all sum to 1)",
        json_schema_extra=unit("share"),
    )
    department: Identifier = Field(
        "general", description="the doctors' department that sees these patients"
    )
    lowest_tier: Tier = Field(
        description="the lowest tier that can manage it; below it patients are referred up"
    )
    first_contact: dict[Tier, Probability] = Field(
        description="tier -> share of patients who go there first (sums to 1)",
        json_schema_extra=unit("share"),
    )
    tests: dict[TestType, dict[Tier, Probability]] = Field(
        default_factory=dict,
        description="test type -> tier -> chance the doctor orders the test there",
        json_schema_extra=unit("share"),
    )
    referral_up: dict[Tier, Probability] = Field(
        default_factory=dict,
        description="tier -> chance of referral up even where it can be managed",
        json_schema_extra=unit("share"),
    )
    drug_fee_yuan: Yuan = Field(
        description="fee for the drugs of one treatment (at most 10,000,000)"
    )
    followup: FollowUp | None = Field(None, description="a follow-up visit after treatment, if any")
    second_opinion: SecondOpinion | None = Field(
        None, description="a second opinion sought at another hospital, if any"
    )
    # Left out when false, so that files without it keep their hashes.
    urgent: bool = added_key(
        False,
        description="urgent patients never balk, renege, delay care or wait for an outreach "
        "event, session or home visit",
    )
    # Left out when false, so that files without it keep their hashes.
    chronic: bool = added_key(
        False,
        description="a chronic condition (its admissions count in "
        "admissions_per_1000_year_chronic)",
    )

    @field_validator("first_contact")
    @classmethod
    def _shares(cls, shares: dict[str, float]) -> dict[str, float]:
        return _sums_to_one(shares, "first_contact shares")


class ReformSwitch(Strict):
    """A reform's section, ``reforms.<name>``: its switch and its levers.  Its mechanism
    (``behaviour.mechanisms``) reads it; the reform registry (``inputs.reform_registry``) puts
    it in the schema."""

    # Fields that may be left out while the reform is off, but not when it is on.
    needed_when_enabled: ClassVar[tuple[str, ...]] = ()

    enabled: bool = Field(False, description="switch the reform on in the with arm")
    source: str = Field("", description="where the reform's design comes from, in words")

    @model_validator(mode="after")
    def _complete_when_enabled(self) -> ReformSwitch:
        if self.enabled:
            missing = [f for f in self.needed_when_enabled if getattr(self, f) in (None, [], {})]
            if missing:
                raise ValueError(f"{', '.join(missing)} needed when enabled")
        return self

    def staff_day_costs(self) -> dict[str, float]:
        """What a staff-day of each of the reform's roles costs: its ``staff_day_cost_yuan``
        (a programme with staff), else nothing."""
        costs = getattr(self, "staff_day_cost_yuan", None) or {}
        return {str(role): float(cost) for role, cost in costs.items()}


class Session(ClockSpan):
    """Hours of an outreach session on its day."""

    start: str = Field("09:00", description="the session's start time as HH:MM")
    end: str = Field("16:00", description="the session's end time as HH:MM")


class ReformSections(Strict):
    """The ``reforms:`` section: one field per registered reform, in rank order, each
    defaulting to the reform switched off (built by :func:`use_reform_sections`)."""

    def __reduce__(self) -> tuple[Any, tuple[dict[str, Any]]]:
        # Pickled as data, so that a worker process or a Dask worker rebuilds it with its own
        # registry's sections model rather than look the made class up by name.
        return (_sections_of, (self.model_dump(),))

    def section(self, name: str) -> Any:
        """A reform's section by name (typed by its mechanism module)."""
        return getattr(self, name)

    def switches(self) -> Iterator[tuple[str, ReformSwitch]]:
        for name in type(self).model_fields:
            yield name, getattr(self, name)


_SECTIONS: type[ReformSections] = ReformSections


def _sections_of(data: dict[str, Any]) -> ReformSections:
    return _SECTIONS.model_validate(data)


def _sections_schema(source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
    return handler(_SECTIONS)


def use_reform_sections(configs: dict[str, type[ReformSwitch]]) -> None:
    """Make the ``reforms:`` section the registered reforms' sections (the reform registry calls
    this whenever a reform is registered or removed) and rebuild the scenario schema."""
    global _SECTIONS
    fields: dict[str, Any] = {
        name: (config, Field(default_factory=config)) for name, config in configs.items()
    }
    _SECTIONS = create_model("Reforms", __base__=ReformSections, __module__=__name__, **fields)
    Scenario.model_rebuild(force=True)


# What a published figure is to calibration (CALIBRATION.md): fitted to, kept back to check the
# fit, or only set beside the output.
TargetUse = Literal["fit", "held_out", "check"]


class Benchmark(Strict):
    """A published figure set beside a model output to judge plausibility; never an input."""

    metric: Identifier = Field(description="the registered metric the figure is set beside")
    arm: Literal["without", "with", "difference", "paired", "relative"] = Field(
        "paired",
        description="which arm's (or comparison's) value is compared: difference is without - "
        "with; relative is (without - with) / without per replication, a published fall of 9.4% "
        "being 0.094",
    )
    published: str = Field(description="the figure as published, in words and units")
    low: Annotated[float, NUMBER, Field(ge=-MAX_BENCHMARK, le=MAX_BENCHMARK)] | None = Field(
        None,
        description="the published range's low end (at most 10**12 in size)",
        json_schema_extra=unit("as published"),
    )
    high: Annotated[float, NUMBER, Field(ge=-MAX_BENCHMARK, le=MAX_BENCHMARK)] | None = Field(
        None,
        description="the published range's high end (at most 10**12 in size)",
        json_schema_extra=unit("as published"),
    )
    source: str = Field(description="the id under sources that published the figure")
    note: str = Field("", description="a remark printed beside the comparison in the report")
    # Left out when absent, so that earlier files keep their hashes.
    residents: Literal[1000, 10000] | None = added_key(
        None,
        description="set the model's value per this many residents per year (planner units)",
        json_schema_extra=unit("residents"),
    )
    # The entry as a calibration target (CALIBRATION.md, inputs.targets): each key left out
    # while neutral, so that files without them keep their hashes.
    use: TargetUse = added_key(
        "check",
        description="fit: calibrate the uncertain inputs to it; held_out: kept back to check "
        "the calibration; check: only set beside the output",
    )
    obs_sd: Annotated[float, NUMBER, Field(gt=0.0, le=MAX_BENCHMARK)] | None = added_key(
        None,
        description="the observation's standard deviation, in the unit compared (after "
        "residents); default for a target: (high - low) / 4, the range read as +-2 sd",
        json_schema_extra=unit("as published"),
    )
    obs_sd_reason: str = added_key(
        "",
        description="why obs_sd has its size: the published interval or a stated +-",
    )
    discrepancy_sd: Annotated[float, NUMBER, Field(ge=0.0, le=MAX_BENCHMARK)] = added_key(
        0.0,
        description="the model discrepancy allowed for, as a standard deviation in the unit "
        "compared",
        json_schema_extra=unit("as published"),
    )


class Scenario(Strict):
    """A whole scenario file after ``extends`` is merged."""

    name: Identifier = Field(description="the scenario's name, also its results folder's name")
    description: str = Field("", description="what the scenario stands for, in words")
    sources: dict[str, str] = Field(
        default_factory=dict, description="source id -> the publication or document it names"
    )
    simulation: Simulation = Field(description="how long to simulate, how often, which seed")
    demand: Demand = Field(description="when in the day and week people seek care")
    tiers: dict[Tier, TierSettings] = Field(
        description="tier -> fees and service times shared by its facilities"
    )
    tests: dict[TestType, TestSettings] = Field(
        default_factory=dict, description="test type -> fees, exam times and turnaround"
    )
    facilities: list[Facility] = Field(
        min_length=1, description="every clinic, health centre and hospital patients may use"
    )
    zones: list[Zone] = Field(
        min_length=1, description="where people live, how many, and their trips to facilities"
    )
    conditions: list[Condition] = Field(
        min_length=1, description="the kinds of episode, their shares and their care paths"
    )
    reforms: Annotated[ReformSections, GetPydanticSchema(_sections_schema)] = Field(
        default_factory=lambda: _SECTIONS(),
        description="one section per registered reform, each off unless enabled",
    )
    plausibility: list[Benchmark] = Field(
        default_factory=list, description="published figures set beside outputs, never inputs"
    )
    # Left out when empty, so that files without it keep their hashes.
    status_quo: list[Benchmark] = added_key(
        default_factory=list,
        description="published process times of the care the reforms meet (waits, time on "
        "site, consultations), set beside the without arm; a file's extensions inherit them",
    )
    # Left out of dumps when absent, so that adding the field changed no scenario's hash.
    sweep: Sweep | None = added_key(
        None,
        description="levers to run at several values as one batch",
    )
    # Left out when absent, as the sweep: `without` and `with` are the arms unless it names more.
    arms: Literal["factorial"] | dict[Identifier, list[Identifier]] | None = added_key(
        None,
        description="factorial: every combination of the switched-on reforms; or named arms, "
        "each a list of switched-on reforms (inputs.arms)",
    )
    # Both left out when absent or neutral, so that files without them keep their hashes.
    area: Area | None = added_key(
        None,
        description="the real area it stands for, to scale results per year",
    )
    economics: Economics = added_key(
        default_factory=Economics,
        description="unit costs, reimbursement, the value of time, capital (inputs.economics)",
    )
    # Likewise left out when empty: `carepath run` reads nothing here, `carepath psa` draws it.
    uncertainty: Uncertainty = added_key(
        default_factory=dict,
        description="uncertain inputs: key path -> distribution and source (inputs.uncertainty)",
    )
    # Left out when neutral (everyone seeks care at once, fixed shares), as economics.
    care_seeking: CareSeeking = added_key(
        default_factory=CareSeeking,
        description="whether, where and how patiently ill residents seek care "
        "(inputs.care_seeking)",
    )

    # Left out when neutral (no charges, deposits or rules for inpatients), as care_seeking.
    inpatient: Inpatient = added_key(
        default_factory=Inpatient,
        description="inpatient charges, deposits and waiting lists (inputs.inpatient)",
    )

    def facility(self, facility_id: str) -> Facility:
        return next(f for f in self.facilities if f.id == facility_id)

    def benchmarks(self) -> list[tuple[tuple[str, int], Benchmark]]:
        """Every published figure with where it is filed: ``plausibility`` entries, then
        ``status_quo`` ones, each as ((section, index), entry)."""
        return [
            ((section, i), b)
            for section in ("plausibility", "status_quo")
            for i, b in enumerate(getattr(self, section))
        ]

    def switched_on(self) -> tuple[str, ...]:
        """The reforms the file switches on, in the registry's rank order."""
        return tuple(name for name, switch in self.reforms.switches() if switch.enabled)
