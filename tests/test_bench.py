"""The benchmark's yardstick stays put, and its measurements run (no timing is asserted).

The speed issue (21) measures the model against a bare SimPy tandem queue; a faster model must
not come from a slower yardstick, so the tandem's source is pinned to what it was when the issue
began (commit 780a08d).
"""

from __future__ import annotations

import hashlib
import importlib.util
import inspect

from carepath.inputs.scenario_file import load_scenario
from conftest import REPO

spec = importlib.util.spec_from_file_location("bench_model", REPO / "benchmarks" / "bench_model.py")
assert spec is not None and spec.loader is not None
bench = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench)

TANDEM_SOURCE_SHA256 = "fd8fbb5cadd9536a4c39a1f84ac076c193c3f268c708a75029bf33ca880a8cbd"


def test_the_bare_tandem_is_the_one_the_speed_issue_began_with():
    source = inspect.getsource(bench.bare_tandem)
    assert hashlib.sha256(source.encode()).hexdigest() == TANDEM_SOURCE_SHA256
    assert (bench.TANDEM_ARRIVAL_MIN, bench.TANDEM_SERVICE_MIN) == (1.0, 0.8)


def test_the_tandem_serves_the_visits_asked_for():
    assert bench.bare_tandem(300)["station_visits"] == 300


def test_rates_and_profile_of_a_short_demo_are_reported():
    scenario = bench.with_horizon(load_scenario(bench.DEMO), 1)
    rated = bench.rates(scenario, rounds=1)
    model = rated["model"]
    assert model["station_visits"] > 0
    assert 0 < model["fold_seconds"] < model["seconds"]
    assert rated["bare_simpy"]["station_visits"] >= model["station_visits"]
    top = bench.top_functions(scenario, 5)
    assert len(top) == 5
    shares = [row["share"] for row in top]
    assert shares == sorted(shares, reverse=True) and 0 < sum(shares) <= 1
    text = bench.table({"context": {"cores": 2}, "profiles": {"tiny": top}})
    assert "top 5 functions by self time" in text and top[0]["function"] in text


def test_the_county_year_reports_its_visits_and_episodes(monkeypatch):
    shorter = bench.with_horizon
    monkeypatch.setattr(bench, "with_horizon", lambda scenario, days: shorter(scenario, 1))
    year = bench.county_year_child(bench.DEMO)
    assert year["scenario"] == "demo_county" and year["simulated_days"] == 7 + 1 + 60
    assert year["station_visits"] > year["measured_episodes"] > 0
    assert year["cpu_seconds_per_replication"] > 0 and year["rss_peak_mb"] > 0
