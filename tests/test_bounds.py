"""Every number a scenario file may hold is finite and bounded, and never a boolean: a bad value
is an error naming its key (issue 27, "Nothing wrong passes")."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carepath import ScenarioError, load_scenario
from carepath.inputs.duration import MAX_STEP_MIN
from carepath.inputs.economics import MAX_CAPITAL_YUAN, MAX_TIME_VALUE_YUAN_PER_HOUR, MAX_YUAN
from carepath.inputs.schema import (
    MAX_DAYS,
    MAX_POPULATION,
    MAX_RATE,
    MIN_EVERY_DAYS,
)
from conftest import TINY, tiny_data, write_yaml

Key = tuple[Any, ...]

# Representative keys, each with its upper bound and whether it holds a whole number.
BOUNDED: list[tuple[Key, float, bool]] = [
    (("tiers", "township", "walk_min"), MAX_STEP_MIN, False),
    (("simulation", "horizon_days"), MAX_DAYS, False),
    (("zones", 0, "population"), MAX_POPULATION, True),
    (("reforms", "free_clinics", "every_days"), MAX_DAYS, False),
    (("tests", "lab", "exam_min", "mean"), MAX_STEP_MIN, False),
    (("tiers", "county", "consultation_fee_yuan"), MAX_YUAN, False),
    (("economics", "time_value_yuan_per_hour"), MAX_TIME_VALUE_YUAN_PER_HOUR, False),
    (("reforms", "credit", "daily_rate"), MAX_RATE, False),
]


def dotted(key: Key) -> str:
    """A key path as problem lines write it: ``zones[0].population``."""
    return "".join(f"[{k}]" if isinstance(k, int) else f".{k}" for k in key).lstrip(".")


def with_value(key: Key, value: Any) -> dict:
    """The tiny scenario with ``value`` at ``key`` (sections made as needed)."""
    data = tiny_data()
    here: Any = data
    for part in key[:-1]:
        if isinstance(part, str) and part not in here:
            here[part] = {}
        here = here[part]
    here[key[-1]] = value
    return data


def problems(tmp_path: Path, data: dict) -> tuple[Path, list[str]]:
    path = write_yaml(tmp_path / "x.yaml", data)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    return path, caught.value.problems


def just_over(bound: float, whole: bool) -> float | int:
    return int(bound) + 1 if whole else bound * (1 + 1e-9) + 1e-9


def ids(cases: list) -> list[str]:
    return [dotted(key) for key, *_ in cases]


@pytest.mark.parametrize(("key", "bound", "whole"), BOUNDED, ids=ids(BOUNDED))
@pytest.mark.parametrize(
    ("bad", "says"),
    [
        (math.inf, "finite number"),
        (-math.inf, "finite number"),
        (math.nan, "finite number"),
        (True, "must be a number, not a boolean, got True"),
        (False, "must be a number, not a boolean, got False"),
    ],
    ids=["inf", "-inf", "nan", "true", "false"],
)
def test_non_finite_and_boolean_values_are_refused_at_their_key(
    tmp_path, key, bound, whole, bad, says
):
    path, found = problems(tmp_path, with_value(key, bad))
    mine = [line for line in found if line.startswith(f"{path}: {dotted(key)}: ")]
    assert mine, found
    assert any(says in line for line in mine), mine


@pytest.mark.parametrize(("key", "bound", "whole"), BOUNDED, ids=ids(BOUNDED))
def test_a_value_just_over_the_bound_is_refused_naming_the_bound(tmp_path, key, bound, whole):
    value = just_over(bound, whole)
    path, found = problems(tmp_path, with_value(key, value))
    bound_text = f"{int(bound)}" if bound == int(bound) else f"{bound}"
    assert any(
        line.startswith(f"{path}: {dotted(key)}: Input should be less than or equal to ")
        and bound_text in line
        for line in found
    ), found


@pytest.mark.parametrize(("key", "bound", "whole"), BOUNDED, ids=ids(BOUNDED))
def test_a_value_exactly_at_the_bound_passes(tmp_path, key, bound, whole):
    value = int(bound) if whole else float(bound)
    scenario = load_scenario(write_yaml(tmp_path / "x.yaml", with_value(key, value)))
    here: Any = scenario.model_dump()
    for part in key:
        here = here[part]
    assert here == value


@pytest.mark.parametrize(
    ("key", "value", "says"),
    [
        (("reforms", "free_clinics", "every_days"), 1e-6, "greater than or equal to 1"),
        (("simulation", "replications"), 100_001, "less than or equal to 100000"),
        (("simulation", "seed"), 2**63, "less than or equal to 9223372036854775807"),
        (("simulation", "seed"), True, "not a boolean"),
        (("zones", 0, "population"), 10**9, "less than or equal to 10000000"),
        (("facilities", 1, "stations", "doctors", "general"), 10_001, "less than or equal"),
        (("conditions", 0, "tests", "lab", "township"), True, "not a boolean"),
        (("demand", "hour_profile", 3), math.inf, "finite number"),
        (("zones", 0, "travel", "centre", "travel_yuan"), -1e300, "greater than or equal to 0"),
        (("tests", "lab", "turnaround_min", "cv"), 11, "less than or equal to 10"),
    ],
    ids=lambda v: dotted(v) if isinstance(v, tuple) else None,
)
def test_more_keys(tmp_path, key, value, says):
    path, found = problems(tmp_path, with_value(key, value))
    assert any(line.startswith(f"{path}: {dotted(key)}: ") and says in line for line in found), (
        found
    )


def test_every_days_at_its_lower_bound_passes(tmp_path):
    key = ("reforms", "free_clinics", "every_days")
    load_scenario(write_yaml(tmp_path / "x.yaml", with_value(key, MIN_EVERY_DAYS)))


def test_economics_bounds(tmp_path):
    capital = {"name": "van", "reform": "free_clinics", "price_yuan": MAX_CAPITAL_YUAN}
    data = tiny_data(
        economics={"capital": [{**capital, "life_years": 100}]},
        area={"name": "somewhere", "population": 2 * 10**9},
    )
    load_scenario(write_yaml(tmp_path / "ok.yaml", data))
    data["economics"]["capital"][0].update(price_yuan=MAX_CAPITAL_YUAN * 10, units=True)
    data["area"]["population"] = 2 * 10**9 + 1
    path, found = problems(tmp_path, data)
    for key, says in [
        ("economics.capital[0].price_yuan", "less than or equal to 10000000000"),
        ("economics.capital[0].units", "not a boolean"),
        ("area.population", "less than or equal to 2000000000"),
    ]:
        assert any(line.startswith(f"{path}: {key}: ") and says in line for line in found), found


def test_uncertain_parameters_still_report_non_finite_values_as_before(tmp_path):
    entry = {"dist": "uniform", "low": math.nan, "high": 30, "source": "assumption"}
    data = tiny_data(uncertainty={"tiers.township.walk_min": entry})
    path, found = problems(tmp_path, data)
    assert found == [f"{path}: uncertainty.tiers.township.walk_min: low must be finite numbers"]
    data["uncertainty"]["tiers.township.walk_min"]["low"] = True
    path, found = problems(tmp_path, data)
    assert any(
        line.startswith(f"{path}: uncertainty.tiers.township.walk_min.low: ")
        and "not a boolean" in line
        for line in found
    ), found


def numeric_leaves(value: Any, key: Key = ()) -> list[Key]:
    """Key paths of every number (not boolean) in ``value``."""
    if isinstance(value, dict):
        return [leaf for k, v in value.items() for leaf in numeric_leaves(v, (*key, k))]
    if isinstance(value, list):
        return [leaf for i, v in enumerate(value) for leaf in numeric_leaves(v, (*key, i))]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return [key]
    return []


LEAVES = numeric_leaves(TINY)
BAD = [math.inf, -math.inf, math.nan, 1e300, -1e300, True, False]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(key=st.sampled_from(LEAVES), bad=st.sampled_from(BAD))
def test_no_bad_number_gets_through_anywhere(tmp_path, key, bad):
    path = write_yaml(tmp_path / "x.yaml", with_value(key, bad))
    try:
        scenario = load_scenario(path)
    except ScenarioError as error:
        assert error.problems
        assert all(line.startswith(f"{path}: ") for line in error.problems), error.problems
        assert any(line.startswith(f"{path}: {dotted(key)}: ") for line in error.problems), (
            error.problems
        )
        return
    here: Any = scenario.model_dump()
    for part in key:
        here = here[part]
    assert not isinstance(here, bool) and math.isfinite(here), (key, here)
