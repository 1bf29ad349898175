"""Queueing theory from scenario files: bare systems under scenarios/validation/ against Erlang C,
a tandem line and a network with feedback (traffic equations), and Little's law per station.

Each comparison is a statistical test: the expected value must lie inside the replications'
Student-t interval (level 1 - 0.05/m for the m comparisons of one system, see
``carepath.workflows.validate``; plain 95% where a single figure is named).
"""

from __future__ import annotations

import numpy as np
import pytest

from carepath import load_scenario
from carepath.analysis.bare_system import NotBareSystem, expected
from carepath.analysis.queueing import MMc, erlang_b, erlang_c, traffic_equations
from carepath.inputs.schema import Scenario
from carepath.workflows.validate import EPISODE, check_system, expectations
from conftest import DEMO, REPO

pytestmark = pytest.mark.integration  # simulates whole scenarios or runs the command

VALIDATION = REPO / "scenarios" / "validation"


def shortened(name: str, horizon_days: float, warmup_days: float = 1.0) -> Scenario:
    """A validation scenario over a shorter measured period, for the fast suite."""
    scenario = load_scenario(VALIDATION / f"{name}.yaml")
    sim = scenario.simulation.model_copy(
        update={"horizon_days": horizon_days, "warmup_days": warmup_days}
    )
    return scenario.model_copy(update={"simulation": sim})


def failures(table) -> list[str]:
    return [
        f"{r.station} {r.quantity}: expected {r.expected:.5g}, "
        f"got {r.mean:.5g} [{r.family_ci_low:.5g}, {r.family_ci_high:.5g}]"
        for r in table.itertuples()
        if not r.passed
    ]


# -- the theory, on known values ------------------------------------------------------------------


def test_erlang_formulas_on_known_values():
    assert erlang_b(1, 1.0) == pytest.approx(0.5)
    assert erlang_b(2, 1.0) == pytest.approx(0.2)  # (1/2) / (1 + 1 + 1/2)
    assert erlang_c(1, 0.5) == pytest.approx(0.5)  # M/M/1: P(wait) = rho
    assert erlang_c(2, 1.0) == pytest.approx(1 / 3)
    assert erlang_c(3, 2.0) == pytest.approx(4 / 9)
    mm1 = MMc(1, 0.5, 1.0)  # Wq = rho / (mu - lambda)
    assert mm1.wait_min == pytest.approx(1.0)
    assert mm1.queue_length == pytest.approx(0.5)  # rho^2 / (1 - rho)
    assert MMc(2, 1.0, 1.0).wait_min == pytest.approx(1 / 3)


def test_erlang_c_refuses_an_unstable_queue():
    with pytest.raises(ValueError, match="unstable"):
        erlang_c(2, 2.0)


def test_traffic_equations_on_known_networks():
    # one node fed back to itself with chance p: lambda = gamma / (1 - p)
    assert traffic_equations(np.array([1.0]), np.array([[0.25]])) == pytest.approx([4 / 3])
    # tandem: every node sees the external rate
    tandem = np.array([[0, 1, 0], [0, 0, 1], [0, 0, 0]], dtype=float)
    assert traffic_equations(np.array([2.0, 0, 0]), tandem) == pytest.approx([2, 2, 2])
    with pytest.raises(ValueError, match="not open"):
        traffic_equations(np.array([1.0, 0]), np.array([[0, 1], [1, 0]], dtype=float))


def test_traffic_equations_follow_the_journey_through_the_network():
    # Worked by hand from the journey: everyone registers, is consulted, collects drugs (pays
    # at the cashier first); with some test ordered (1 - 0.5 x 0.7 = 0.65) a patient also pays
    # for it, has each exam ordered, waits 30 minutes for the results and is reviewed.
    network = expected(load_scenario(VALIDATION / "jackson.yaml"))
    assert network.arrival_per_min == pytest.approx(259.2 / 1440)
    visits = {station: network.visits(station) for station in network.stations}
    assert visits == pytest.approx(
        {
            "registration": 1.0,
            "doctor:general": 1.65,
            "cashier": 1.65,
            "exam:lab": 0.5,
            "exam:xray": 0.3,
            "pharmacy": 1.0,
        }
    )
    assert network.delay_per_episode_min == pytest.approx(0.65 * 30)
    assert network.stations["doctor:general"].load == pytest.approx(0.18 * 1.65 * 8 / 3)


def test_a_scenario_that_is_no_bare_system_is_refused_with_its_keys():
    with pytest.raises(NotBareSystem) as caught:
        expected(load_scenario(DEMO))
    assert "facilities: a bare system has exactly one facility" in caught.value.problems
    review = load_scenario(VALIDATION / "jackson.yaml").model_dump()
    review["tiers"]["village"]["service_min"]["review"]["mean"] = 4
    review["facilities"][0]["hours"] = {"start": "08:00", "end": "17:00"}
    with pytest.raises(NotBareSystem) as caught:
        expected(Scenario.model_validate(review))
    assert caught.value.problems == [
        "facilities[0].hours: a bare system is always open (always: true)",
        "tiers.village.service_min.review: mean must equal consultation's "
        "(one service rate per station for product form)",
    ]


# -- the simulation against the theory ------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "horizon_days"),
    [("mmc_c1_load050", 8), ("mmc_c2_load065", 6), ("mmc_c3_load080", 6), ("mmc_c7_load080", 3)],
)
def test_mmc_matches_erlang_c(name, horizon_days):
    table = check_system(shortened(name, horizon_days), replications=8)
    assert set(table.quantity) >= {"wait_min", "p_wait", "queue_length", "little_gap"}
    assert failures(table) == []


@pytest.mark.slow
@pytest.mark.parametrize("name", ["mmc_c1_load090", "mmc_c7_load095"])
def test_mmc_matches_erlang_c_at_heavy_load(name):
    table = check_system(load_scenario(VALIDATION / f"{name}.yaml"), jobs=2)
    assert failures(table) == []
    # Erlang C's mean wait inside its own plain 95% interval as well
    assert table[table.quantity == "wait_min"].within_95.all()


def test_tandem_line_matches_each_stations_m_m_c_queue():
    table = check_system(shortened("tandem", 6), replications=8)
    assert set(table.station) == {"registration", "doctor:general", "pharmacy", EPISODE}
    assert failures(table) == []


def test_network_with_feedback_matches_the_traffic_equations():
    table = check_system(shortened("jackson", 8), replications=8)
    stations = set(table.station) - {EPISODE}
    assert len(stations) == 6
    assert failures(table) == []


def test_littles_law_holds_per_station():
    table = check_system(shortened("jackson", 4), replications=5)
    gaps = table[table.quantity == "little_gap"]
    assert len(gaps) == 6
    assert (gaps.ci_low <= 0).all() and (gaps.ci_high >= 0).all()
    # not a trivial zero: queues are long enough to measure
    lengths = table[table.quantity == "queue_length"]
    assert (lengths["mean"] > 0.1).all()


def test_the_check_fails_a_model_slower_than_its_theory():
    # The lab takes 8 minutes on average instead of the 6 the theory is computed from.
    nominal = shortened("jackson", 8)
    data = nominal.model_dump()
    data["tests"]["lab"]["exam_min"]["mean"] = 8
    table = check_system(Scenario.model_validate(data), replications=8)
    theory = expectations(expected(nominal))
    lab = table.set_index(["station", "quantity"])
    for quantity in ("wait_min", "sojourn_min", "queue_length"):
        row = lab.loc[("exam:lab", quantity)]
        assert not row.family_ci_low <= theory[("exam:lab", quantity)] <= row.family_ci_high
