"""Queueing theory from a scenario file: one always-open station, Poisson arrivals, exponential
service, nothing else (no travel, fees, tests or closing hours), against Erlang C."""

from __future__ import annotations

import math

import pytest

import carepath
from carepath.inputs.schema import Scenario


def erlang_c_wait(servers: int, arrival_per_min: float, service_min: float) -> float:
    """Mean wait in queue of an M/M/c queue (Erlang C)."""
    offered = arrival_per_min * service_min
    rho = offered / servers
    terms = sum(offered**k / math.factorial(k) for k in range(servers))
    top = offered**servers / math.factorial(servers) / (1 - rho)
    waiting = top / (terms + top)
    return waiting / (servers / service_min - arrival_per_min)


def mmc(servers: int, load: float, service_min: float, days: float, replications: int) -> Scenario:
    arrival_per_min = load * servers / service_min
    fixed_zero = {"dist": "fixed", "mean": 0}
    return Scenario.model_validate(
        {
            "name": "mmc",
            "simulation": {
                "warmup_days": 1,
                "horizon_days": days,
                "drain_days": 1,
                "replications": replications,
                "seed": 11,
            },
            "demand": {"hour_profile": [1] * 24, "weekday_profile": [1] * 7},
            "tiers": {
                "village": {
                    "registration_fee_yuan": 0,
                    "consultation_fee_yuan": 0,
                    "service_min": {
                        "registration": fixed_zero,
                        "consultation": {"dist": "exponential", "mean": service_min},
                        "review": fixed_zero,
                        "cashier": fixed_zero,
                        "pharmacy": fixed_zero,
                    },
                }
            },
            "facilities": [
                {
                    "id": "station",
                    "tier": "village",
                    "hours": {"always": True},
                    "stations": {"doctors": {"general": servers}},
                }
            ],
            "zones": [
                {
                    "id": "everyone",
                    "population": 1000,
                    "episodes_per_person_year": arrival_per_min * 1440 * 365 / 1000,
                    "travel": {"station": {"travel_min": 0, "travel_yuan": 0}},
                }
            ],
            "conditions": [
                {
                    "id": "any",
                    "share": 1.0,
                    "lowest_tier": "village",
                    "first_contact": {"village": 1.0},
                    "drug_fee_yuan": 0,
                }
            ],
        }
    )


def wait_interval(scenario: Scenario) -> tuple[float, float]:
    summary = carepath.run(scenario).summary
    row = summary[(summary.metric == "wait_min") & (summary.arm == "without")].iloc[0]
    return row.ci_low, row.ci_high


@pytest.mark.parametrize(("servers", "load"), [(1, 0.5), (3, 0.8), (7, 0.8)])
def test_mean_wait_matches_erlang_c(servers, load):
    scenario = mmc(servers, load, service_min=10.0, days=6, replications=8)
    expected = erlang_c_wait(servers, load * servers / 10.0, 10.0)
    low, high = wait_interval(scenario)
    assert low <= expected <= high


@pytest.mark.slow
def test_mean_wait_matches_erlang_c_at_heavy_load():
    scenario = mmc(7, 0.95, service_min=10.0, days=40, replications=20)
    expected = erlang_c_wait(7, 0.95 * 7 / 10.0, 10.0)
    low, high = wait_interval(scenario)
    assert low <= expected <= high


def test_erlang_c_formula_on_known_values():
    # M/M/1: Wq = rho / (mu - lambda); M/M/2 with a = 1: P(wait) = 1/3, Wq = (1/3) / (2 - 1)
    assert erlang_c_wait(1, 0.5, 1.0) == pytest.approx(1.0)
    assert erlang_c_wait(2, 1.0, 1.0) == pytest.approx(1 / 3)
