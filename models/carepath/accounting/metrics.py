"""Per-replication metrics, from the aggregates folded from the records (DESIGN.md, Outputs).

Per-episode metrics count the episodes whose onset falls in the measured period (after
warm-up), following each of them to its end, follow-ups included.  Loads per week count
arrivals in the measured period, whoever they are.  The aggregates are folded as the run goes
(``accounting.tally``); :func:`compute` only divides and names them.
"""

from __future__ import annotations

from ..inputs.metric_registry import METRICS, weekly_load_names
from ..inputs.schema import TEST_TYPES, TIERS
from ..system.world import TIER_RANK
from .episodes import EpisodeTotals
from .referrals import weeks_of
from .tally import ArmTally


def _per_episode(total: float, episodes: int) -> float:
    return float(total) / episodes if episodes else 0.0


def compute(tally: ArmTally) -> dict[str, float]:
    """The metrics of one replication of one arm, in the registry's order
    (``inputs.metric_registry``), then the weekly referral loads."""
    totals = tally.totals
    n = totals.episodes
    cost_medical = _per_episode(totals.medical_yuan.value, n)
    cost_travel = _per_episode(totals.travel_yuan.value, n)
    values = {
        **tally.referrals.metrics(totals),
        **tally.outreach.metrics(totals),
        "episodes": float(n),
        "episodes_in_care": float(n - totals.finished),
        "cost_total_yuan": cost_medical + cost_travel,
        "cost_medical_yuan": cost_medical,
        "cost_travel_yuan": cost_travel,
        "wait_min": _per_episode(totals.station_wait_min.value, n),
        "trips": _per_episode(totals.trips, n),
        "travel_min": _per_episode(totals.travel_min.value, n),
        "time_to_care_min": totals.time_to_care_min.value / totals.cared if totals.cared else 0.0,
        "visits": _per_episode(totals.visits, n),
        "return_visits": _per_episode(totals.return_visits, n),
        "tests_performed": float(totals.tests_performed),
        "tests_avoided": float(sum(totals.tests_avoided.values())),
        **{f"tests_avoided_{t}": float(totals.tests_avoided[t]) for t in TEST_TYPES},
        "recognised_person_times": float(totals.person_times),
        "referrals_up": float(totals.referrals["referral_up"]),
        "referrals_down": float(totals.referrals["referral_down"]),
        "primary_share": _per_episode(totals.primary_visits, totals.visits),
        "cashier_wait_min": _per_episode(totals.cashier_wait_min.value, n),
        "credit_patients": float(totals.credit_patients),
        "credit_drawn_yuan": _per_episode(totals.credit_drawn_yuan.value, n),
        "registration_fees_waived_yuan": _per_episode(totals.waived_yuan.value, n),
        **_care_seeking(totals),
        **tally.inpatient.metrics(tally.referrals.outpatient_arrivals()),
        "extra_trips": _per_episode(totals.extra_trips, n),
        "onset_to_diagnosis_min": _per_episode(
            totals.onset_to_diagnosis_min.value, totals.diagnosed
        ),
        **tally.visit_times.metrics(),
        **tally.reform_metrics(),
        **tally.money.metrics(n),
    }
    # Queues at free clinics and visiting experts are queues too, as are those left.
    values["wait_min"] += values["outreach_wait_min"]
    if totals.left_wait_min.value:
        values["wait_min"] += _per_episode(totals.left_wait_min.value, n)
    values["outreach_cost_per_episode_yuan"] = _per_episode(values["outreach_cost_yuan"], n)
    values["cost_with_programme_yuan"] = (
        values["cost_total_yuan"] + values["outreach_cost_per_episode_yuan"]
    )
    return {name: values[name] for name in arm_metric_names(tally)}


def _care_seeking(totals: EpisodeTotals) -> dict[str, float]:
    n, seeking = totals.episodes, totals.seeking
    return {
        "care_sought_share": _per_episode(n - seeking["forgone"], n),
        "episodes_forgone": float(seeking["forgone_any"]),
        "episodes_delayed": float(seeking["delayed"]),
        "balked": float(seeking["balked"]),
        "reneged": float(seeking["reneged"]),
        **{f"visits_{tier}": float(totals.tier_visits[TIER_RANK[tier]]) for tier in TIERS},
    }


def arm_metric_names(tally: ArmTally) -> list[str]:
    """The names :func:`compute` reports, in order."""
    return [*METRICS.names("arm"), *weekly_load_names(weeks_of(tally.world))]
