"""Every metric a run reports: its name, unit, meaning, and which direction is better.

The accounting computes the values (``accounting.metrics`` per arm, ``accounting.paired``
patient by patient); this registry is what everything else reads about them: the order of rows
in ``replications.csv``, the checks of a scenario's ``plausibility:`` entries and of
``--precision-metric``, the summary, the report and the figures.  A new metric is one entry
here and its value in the accounting (a test checks that the two agree).

``better`` says which way a change is an improvement: ``lower`` (a cost, a wait), ``higher``
(a share the policy wants up, a saving) or ``neither`` (a count of activity, a load).  Result
tables keep ``difference = without - with`` for every metric whatever its direction; readers
(figures, the report) use ``better`` to say whether a difference is a gain or a loss.

``additive`` marks the metrics whose saving a factorial run splits between reforms (amounts
per episode or per resident, minutes, counts; not ratios such as shares).

Per-arm metrics are ``scope = "arm"``; the patient-paired comparisons (arm ``paired`` in the
tables, already a saving: ``without - with`` per patient) are ``scope = "paired"``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Literal

from .schema import TEST_TYPES, TIERS

Better = Literal["lower", "higher", "neither"]
Scope = Literal["arm", "paired"]
DIRECTIONS: tuple[Better, ...] = ("lower", "higher", "neither")


@dataclass(frozen=True)
class Metric:
    """One metric: ``label`` is the short axis or table wording (default: the description)."""

    name: str
    unit: str
    description: str
    better: Better
    scope: Scope = "arm"
    label: str = ""
    # A per-episode or per-resident amount, or a count: a saving that can be split between
    # reforms (Shapley rows of a factorial run).  Ratios of two changing counts (shares, per
    # referral) are not.
    additive: bool = True

    def __post_init__(self) -> None:
        if self.better not in DIRECTIONS:
            raise ValueError(f"{self.name}: better must be one of {DIRECTIONS}, got {self.better}")
        if not self.label:
            object.__setattr__(self, "label", f"{self.description} ({self.unit})")


@dataclass(frozen=True)
class MetricFamily:
    """Metrics named from a pattern whose members depend on the run (one per measured week)."""

    pattern: str  # a regular expression matching every member's name
    unit: str
    description: str  # may use the pattern's named groups: "{tier}", "{week}"
    better: Better

    def member(self, name: str) -> Metric | None:
        match = re.fullmatch(self.pattern, name)
        if match is None:
            return None
        words = self.description.format(**match.groupdict())
        return Metric(name, self.unit, words, self.better)


class MetricRegistry:
    """The metrics in the order their rows are written; families after the named ones."""

    def __init__(self) -> None:
        self._metrics: dict[str, Metric] = {}
        self._families: list[MetricFamily] = []

    def add(self, *metrics: Metric) -> None:
        for metric in metrics:
            if metric.name in self._metrics:
                raise ValueError(f"metric {metric.name!r} is registered twice")
            self._metrics[metric.name] = metric

    def remove(self, *names: str) -> None:
        """Take metrics out again (a reform unregistered)."""
        for name in names:
            del self._metrics[name]

    def add_family(self, family: MetricFamily) -> None:
        self._families.append(family)

    def families(self) -> tuple[MetricFamily, ...]:
        """The metric families, in the order they were added."""
        return tuple(self._families)

    def __iter__(self) -> Iterator[Metric]:
        return iter(self._metrics.values())

    def names(self, scope: Scope = "arm") -> tuple[str, ...]:
        """The named metrics of one scope, in order (families not included)."""
        return tuple(m.name for m in self if m.scope == scope)

    def get(self, name: str) -> Metric:
        """A metric by name, a family's member included; KeyError if there is none."""
        if name in self._metrics:
            return self._metrics[name]
        for family in self._families:
            member = family.member(name)
            if member is not None:
                return member
        raise KeyError(name)

    def knows(self, name: str, scope: Scope | None = None) -> bool:
        try:
            metric = self.get(name)
        except KeyError:
            return False
        return scope is None or metric.scope == scope

    def unknown(self, names: Iterable[str]) -> list[str]:
        """The names (in order, once each) that are no registered metric."""
        return [name for name in dict.fromkeys(names) if not self.knows(name)]


def weekly_load_names(weeks: int) -> list[str]:
    """``referral_load_<tier>_week<NN>``: referred arrivals (up and down) at a tier in measured
    week NN (from 01), per 7 days (a shorter last week is scaled up)."""
    return [
        f"referral_load_{tier}_week{week:02d}" for tier in TIERS for week in range(1, weeks + 1)
    ]


PER_EPISODE = "per episode"
MIN_PER_EPISODE = "minutes per episode"
YUAN_PER_EPISODE = "yuan per episode"
PER_WEEK = "arrivals per week"

METRICS = MetricRegistry()
# -- the episode, its cost and its time (per episode with onset in the measured period) -------
METRICS.add(
    Metric(
        "episodes",
        "episodes",
        "episodes with onset in the measured period (the rest are per such episode, followed "
        "to their end)",
        "neither",
    ),
    Metric(
        "episodes_in_care",
        "episodes",
        "measured episodes still in care when the run stopped (0 with enough drain days)",
        "lower",
    ),
    Metric(
        "cost_total_yuan",
        YUAN_PER_EPISODE,
        "medical fees plus travel cost",
        "lower",
        label="total cost per episode (yuan)",
    ),
    Metric(
        "cost_medical_yuan",
        YUAN_PER_EPISODE,
        "registration, consultation, test and drug fees",
        "lower",
        label="medical fees per episode (yuan)",
    ),
    Metric(
        "cost_travel_yuan",
        YUAN_PER_EPISODE,
        "fares of every trip of the episode, to, between and home from facilities",
        "lower",
        label="travel cost per episode (yuan)",
    ),
    Metric(
        "wait_min",
        MIN_PER_EPISODE,
        "minutes queueing at stations, free clinics and visiting experts",
        "lower",
        label="minutes queueing per episode",
    ),
    Metric(
        "travel_min",
        MIN_PER_EPISODE,
        "minutes travelling on every trip of the episode, to, between and home from facilities",
        "lower",
        label="minutes travelling per episode",
    ),
    Metric(
        "time_to_care_min",
        "minutes per finished episode",
        "minutes from onset (or from the check that found an unnoticed case) to the end of the "
        "episode's last step (follow-ups included), over episodes cared for",
        "lower",
        label="minutes from onset to care",
    ),
    Metric(
        "visits",
        "visits per episode",
        "facility visits (first, referral, follow-up, second opinion)",
        "neither",
    ),
    Metric("return_visits", "visits per episode", "come-backs after a facility closed", "lower"),
    # -- mutual recognition ----------------------------------------------------------------------
    Metric("tests_performed", "exams", "exams done for the measured episodes", "lower"),
    Metric("tests_avoided", "exams", "exams skipped because a result was recognised", "higher"),
    *(
        Metric(
            f"tests_avoided_{test}",
            "exams",
            f"{test} exams skipped because a result was recognised",
            "higher",
        )
        for test in TEST_TYPES
    ),
    Metric(
        "recognised_person_times",
        "person-times",
        "visits (patient and facility) with at least one result recognised",
        "higher",
    ),
    # -- credit billing and registration validity -----------------------------------------------
    Metric(
        "cashier_wait_min",
        MIN_PER_EPISODE,
        "minutes queueing at cashier windows",
        "lower",
        label="minutes queueing at cashiers per episode",
    ),
    Metric("credit_patients", "patients", "measured patients who drew on a credit line", "neither"),
    Metric("credit_drawn_yuan", YUAN_PER_EPISODE, "yuan drawn on credit lines", "neither"),
    Metric(
        "registration_fees_waived_yuan",
        YUAN_PER_EPISODE,
        "registration and consultation fees a still-valid registration saved",
        "neither",
    ),
    Metric(
        "credit_charged_yuan",
        "yuan",
        "drawn on credit lines up to the end of the measured period (the lender's book)",
        "neither",
    ),
    Metric("credit_repaid_yuan", "yuan", "of that, repaid by then", "neither"),
    Metric("credit_defaulted_yuan", "yuan", "of that, in default by then", "lower"),
    Metric("credit_outstanding_yuan", "yuan", "of that, still outstanding then", "neither"),
    Metric(
        "credit_financing_cost_yuan",
        "yuan",
        "financing cost of the interest-free float up to then (who bears it: the manifest's "
        "credit_financing_borne_by)",
        "lower",
    ),
    # -- referral ------------------------------------------------------------------------------
    Metric("referrals_up", "referrals", "referrals up made by the measured episodes", "neither"),
    Metric(
        "referrals_down", "referrals", "referrals down made by the measured episodes", "neither"
    ),
    Metric(
        "primary_share",
        "share of visits",
        "facility visits at village and township level",
        "higher",
        additive=False,
    ),
    Metric("trips", "trips per episode", "journeys to a facility", "lower"),
    Metric(
        "referral_load_township",
        PER_WEEK,
        "referred patients (up and down) arriving at township centres",
        "neither",
    ),
    Metric(
        "referral_load_county",
        PER_WEEK,
        "referred patients (up and down) arriving at county hospitals",
        "neither",
        label="referred arrivals per week, county",
    ),
    Metric(
        "referral_load_city",
        PER_WEEK,
        "referred patients (up and down) arriving at city hospitals",
        "neither",
        label="referred arrivals per week, city",
    ),
    Metric("referral_up_load_county", PER_WEEK, "referred up to county hospitals", "neither"),
    Metric("referral_up_load_city", PER_WEEK, "referred up to city hospitals", "neither"),
    Metric("referral_down_load_township", PER_WEEK, "referred down to township centres", "neither"),
    Metric(
        "self_referrals_county",
        PER_WEEK,
        "first visits straight to a county hospital (bypassing primary care)",
        "lower",
    ),
    Metric(
        "self_referrals_city",
        PER_WEEK,
        "first visits straight to a city hospital (bypassing primary care)",
        "lower",
    ),
    Metric(
        "referred_wait_min",
        "minutes per referral",
        "minutes queued per referral-up arrival at a county or city hospital, on that visit",
        "lower",
        additive=False,
    ),
    Metric(
        "in_county_share",
        "share of visits",
        "facility visits of the measured episodes made inside the county (not at a city hospital)",
        "higher",
        additive=False,
    ),
    # -- outreach ------------------------------------------------------------------------------
    Metric("free_clinic_patients", "patients", "ill residents a free clinic saw", "neither"),
    Metric(
        "free_clinic_resolved", "patients", "of those, whose episode the team finished", "neither"
    ),
    Metric("free_clinic_referred", "patients", "of those, referred up by the team", "neither"),
    Metric(
        "free_clinic_unseen",
        "patients",
        "ill residents who waited for a free clinic that could not see them",
        "lower",
    ),
    Metric(
        "free_clinic_screened", "person-times", "checks of residents without an episode", "neither"
    ),
    Metric(
        "free_clinic_person_times",
        "person-times",
        "everyone a free clinic saw (ill, screened, and unnoticed cases found)",
        "neither",
    ),
    Metric(
        "free_clinic_events",
        "events",
        "free clinics held in the villages in the measured period",
        "neither",
    ),
    Metric(
        "free_clinic_attendance",
        "person-times per event",
        "everyone a free clinic saw, per event held",
        "neither",
        additive=False,
    ),
    Metric(
        "cases_found",
        "cases",
        "unnoticed chronic cases a free clinic's check found (their care starts from it)",
        "neither",
    ),
    Metric(
        "free_clinic_referrals",
        "referrals",
        "referrals up from free clinics (ill and screened)",
        "neither",
    ),
    Metric(
        "free_clinic_referral_share",
        "referrals per person-time",
        "free-clinic referrals per person-time seen",
        "neither",
        additive=False,
    ),
    Metric(
        "family_doctor_visits",
        "visits",
        "family doctors' home visits (follow-ups, on call)",
        "neither",
    ),
    Metric(
        "family_doctor_on_call",
        "visits",
        "family doctors' home visits on call for a new episode",
        "neither",
    ),
    Metric("expert_consultations", "patients", "patients a visiting expert saw", "neither"),
    Metric(
        "outreach_wait_min",
        MIN_PER_EPISODE,
        "minutes queueing at free clinics and for visiting experts (also in wait_min)",
        "lower",
    ),
    Metric(
        "outreach_staff_days",
        "staff-days",
        "the outreach programmes' staff-days in the measured period",
        "neither",
    ),
    Metric("outreach_cost_yuan", "yuan", "the cost of those staff-days (the programme's)", "lower"),
    Metric(
        "outreach_cost_per_episode_yuan",
        YUAN_PER_EPISODE,
        "the programme's cost per measured episode",
        "lower",
    ),
    Metric(
        "cost_with_programme_yuan",
        YUAN_PER_EPISODE,
        "cost_total_yuan plus the programme's cost per episode (its difference is the net saving)",
        "lower",
        label="cost with programme per episode (yuan)",
    ),
)
METRICS.add_family(
    MetricFamily(
        r"referral_load_(?P<tier>village|township|county|city)_week(?P<week>\d\d)",
        PER_WEEK,
        "referred patients (up and down) arriving at {tier} facilities in measured week {week}",
        "neither",
    )
)
# -- who pays: net cost by perspective, cohort-accounted (accounting.money) -------------------
# Each cost caused by a measured episode counts whenever it falls; the programmes' calendar
# costs count per day of the measured period.  The difference row is each payer's net saving.
PERSPECTIVES: tuple[str, ...] = (
    "patient",
    "insurance_fund",
    "facility",
    "programme",
    "lender",
    "society",
)
_PERSPECTIVE_WORDS = {
    "patient": "patients: out of pocket after reimbursement, fares, less credit in default",
    "insurance_fund": "the insurance fund: its reimbursement of charges",
    "facility": "facilities: resource cost of the care delivered, less the charges received",
    "programme": "the programme budget: outreach staff time at wage rates, capital per day",
    "lender": "the lender: financing of the interest-free float, and defaults",
    "society": "society: resources used, programme, financing, and patients' and companions' "
    "time valued (transfers cancel)",
}


def net_cost_name(perspective: str) -> str:
    return f"net_cost_{perspective}_yuan"


METRICS.add(
    *(
        Metric(
            net_cost_name(p),
            YUAN_PER_EPISODE,
            f"net cost to {_PERSPECTIVE_WORDS[p]}",
            "lower",
            label=f"net cost to {p.replace('_', ' ')} per episode (yuan)",
        )
        for p in PERSPECTIVES
    ),
    Metric(
        "resource_cost_yuan",
        YUAN_PER_EPISODE,
        "unit cost of the care delivered, charged or waived",
        "lower",
    ),
    Metric(
        "time_away_min",
        MIN_PER_EPISODE,
        "minutes away from home for care (travel, queues, service, waiting for results) and "
        "with outreach teams",
        "lower",
    ),
    Metric(
        "time_value_yuan",
        YUAN_PER_EPISODE,
        "patients' and companions' time, valued",
        "lower",
    ),
    Metric(
        "home_follow_ups",
        "visits",
        "family doctors' home follow-ups of the measured episodes, whenever they fall",
        "neither",
    ),
    Metric(
        "programme_staff_days",
        "staff-days",
        "outreach staff-days caused by the measured episodes, plus the calendar ones in the "
        "measured period",
        "neither",
    ),
)


# -- care seeking (inputs.care_seeking): with it, an episode is an illness, sought or not -------
METRICS.add(
    Metric(
        "care_sought_share",
        "share of illnesses",
        "measured illnesses that sought formal care, at once or after a delay",
        "higher",
        additive=False,
    ),
    Metric(
        "episodes_forgone",
        "episodes",
        "measured illnesses that went without care: never sought, or given up after leaving a "
        "queue",
        "lower",
    ),
    Metric(
        "episodes_delayed",
        "episodes",
        "measured illnesses whose care was sought some days after onset",
        "lower",
    ),
    Metric("balked", "patients", "times a measured patient left a queue on arrival", "lower"),
    Metric("reneged", "patients", "times a measured patient left a queue after waiting", "lower"),
    *(
        Metric(
            f"visits_{tier}",
            "visits",
            f"visits to {tier} facilities by the measured episodes (returns not counted)",
            "neither",
        )
        for tier in TIERS
    ),
)

# Beds and bookings (inputs.inpatient): counted by when they happened, in the measured period.
METRICS.add(
    Metric(
        "admissions_per_1000_year",
        "admissions per 1,000 residents per year",
        "admissions to every ward in the measured period",
        "neither",
    ),
    Metric(
        "admissions_per_1000_year_chronic",
        "admissions per 1,000 residents per year",
        "admissions to every ward in the measured period of episodes of a chronic condition "
        "(conditions[].chronic)",
        "neither",
    ),
    Metric(
        "admissions_per_100_visits",
        "admissions per 100 outpatient visits",
        "admissions in the measured period per 100 outpatient visits then (returns, booked "
        "exams and admissions themselves not counted as visits)",
        "neither",
        additive=False,
    ),
    *(
        Metric(
            f"admissions_per_1000_year_{tier}",
            "admissions per 1,000 residents per year",
            f"admissions to {tier} wards in the measured period",
            "neither",
        )
        for tier in TIERS
    ),
    *(
        Metric(
            f"operations_per_1000_year_{tier}",
            "operations per 1,000 residents per year",
            f"grade III-IV operations in {tier} wards in the measured period",
            "neither",
        )
        for tier in TIERS
    ),
    Metric(
        "bed_occupancy",
        "share of bed-days",
        "bed-days occupied in the measured period over the beds' bed-days",
        "neither",
        additive=False,
    ),
    Metric(
        "bed_wait_days",
        "days per admission",
        "days on a waiting list from being listed to a bed, per admission listed in the "
        "measured period",
        "lower",
        additive=False,
    ),
    Metric(
        "beds_turned_away_share",
        "share of listings",
        "share of patients needing a bed whom a full ward without a waiting list turned away",
        "lower",
        additive=False,
    ),
    Metric(
        "booking_lead_days",
        "days per booked exam",
        "days from the order of a booked exam to its slot",
        "lower",
        additive=False,
    ),
    Metric(
        "extra_trips",
        "trips per episode",
        "trips to booked exams and back to the doctor with their results",
        "lower",
    ),
    Metric(
        "onset_to_diagnosis_min",
        "minutes per finished episode",
        "minutes from onset to the diagnosis: the end of the review that read the last result "
        "(of the consultation, if no exam), at the last first or referred visit",
        "lower",
        label="minutes from onset to diagnosis",
    ),
)


# -- the status quo inside facilities, visit by visit (accounting.visit_times): the process
# times EVIDENCE.md a publishes, for the without arm's targets and the reforms' time savings.
# Means per service or per visit: not split between reforms.
METRICS.add(
    Metric(
        "city_consult_wait_min",
        "minutes per consultation",
        "minutes queueing for the doctor at city hospitals, at a visit's first consultation",
        "lower",
        additive=False,
    ),
    *(
        Metric(
            f"city_{window}_wait_min",
            f"minutes per {window} service",
            f"minutes queueing at city hospitals' {window} windows",
            "lower",
            additive=False,
        )
        for window in ("registration", "cashier", "pharmacy")
    ),
    Metric(
        "city_long_visit_share",
        "share of visits",
        "share of outpatient visits to city hospitals lasting at least 120 minutes on site",
        "lower",
        additive=False,
    ),
    Metric(
        "township_wait_min",
        "minutes per visit",
        "minutes queueing per outpatient visit at township and community health centres",
        "lower",
        additive=False,
    ),
    Metric(
        "township_consult_min",
        "minutes per consultation",
        "length of a visit's first consultation at township and community health centres",
        "neither",
        additive=False,
    ),
    Metric(
        "hospital_wait_min",
        "minutes per visit",
        "minutes queueing per outpatient visit at county and city hospitals",
        "lower",
        additive=False,
    ),
    Metric(
        "hospital_on_site_min",
        "minutes per visit",
        "minutes on site per outpatient visit at county and city hospitals, from arrival to "
        "leaving",
        "lower",
        additive=False,
    ),
)


def residents_scaling(metric: Metric) -> Literal["episode", "period"] | None:
    """How a metric is put per resident per year: ``episode`` (an amount per measured episode:
    times the episodes), ``period`` (a count over the measured period), or None (a share, a
    rate per week or per something else, a patient-paired comparison)."""
    if metric.scope != "arm":
        return None
    if metric.unit.endswith(" per episode"):
        return "episode"
    if " per " in metric.unit or "share" in metric.unit:
        return None
    return "period"


# -- patient by patient: without - with for the same patients (arm ``paired``) ---------------
PAIRED_METRICS = (
    Metric(
        "recognised_patients",
        "patients",
        "measured patients with at least one result recognised",
        "neither",
        "paired",
    ),
    Metric(
        "saved_yuan_per_recognised",
        "yuan per person-time",
        "medical fees saved over all measured patients, per recognised person-time",
        "higher",
        "paired",
    ),
    Metric(
        "saved_min_per_recognised",
        "minutes per person-time",
        "time to care saved by the recognised patients, per recognised person-time",
        "higher",
        "paired",
    ),
    Metric(
        "own_wait_saved_min",
        "minutes per patient",
        "queueing saved per recognised patient",
        "higher",
        "paired",
    ),
    Metric(
        "spillover_wait_saved_min",
        "minutes per patient",
        "queueing saved per patient with nothing recognised (the freed exam capacity)",
        "higher",
        "paired",
    ),
    Metric(
        "own_cashier_wait_saved_min",
        "minutes per patient",
        "cashier queueing saved per patient who drew on credit",
        "higher",
        "paired",
    ),
    Metric(
        "spillover_cashier_wait_saved_min",
        "minutes per patient",
        "cashier queueing saved per patient who did not draw on credit",
        "higher",
        "paired",
    ),
    Metric(
        "outreach_patients",
        "patients",
        "patients an outreach service saw, or who waited for a free clinic",
        "neither",
        "paired",
    ),
    Metric(
        "saved_trips_per_outreach_patient",
        "trips per patient",
        "journeys to a facility saved per outreach patient",
        "higher",
        "paired",
    ),
    Metric(
        "saved_travel_min_per_outreach_patient",
        "minutes per patient",
        "travelling saved per outreach patient",
        "higher",
        "paired",
    ),
    Metric(
        "saved_yuan_per_outreach_patient",
        "yuan per patient",
        "fees and fares saved per outreach patient",
        "higher",
        "paired",
    ),
    Metric(
        "saved_min_per_outreach_patient",
        "minutes per patient",
        "time to care saved per outreach patient cared for in both arms (negative when care "
        "near home ends later than going at once)",
        "higher",
        "paired",
    ),
    Metric(
        "spillover_wait_saved_min_outreach",
        "minutes per patient",
        "queueing saved per patient no outreach service reached",
        "higher",
        "paired",
    ),
    Metric(
        "time_to_care_saved_min_paired",
        "minutes per episode",
        "time to care saved per measured episode cared for in both arms (time_to_care_min's "
        "difference without the change in which illnesses are cared for)",
        "higher",
        "paired",
    ),
)
METRICS.add(*PAIRED_METRICS)
