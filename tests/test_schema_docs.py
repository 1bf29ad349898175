"""Every key a scenario file may give is described, and every number has a unit.

The walk is the one the docs' schema reference is printed from
(``carepath.inputs.schema_reference``): ``Scenario``, every section it holds and every
registered reform's section.  The convention is in ``carepath.inputs.units``.
"""

from __future__ import annotations

from typing import ClassVar

import pytest
from pydantic import Field

from carepath.inputs.reform_registry import REFORMS
from carepath.inputs.schema import Probability, ReformSwitch
from carepath.inputs.schema_reference import KeyDoc, scenario_keys
from carepath.inputs.units import UNITS, suffix_unit, unit

MIN_WORDS = 5


def key_problems(keys: list[KeyDoc]) -> list[str]:
    """One line per key whose description is too short or whose number has no unit."""
    problems = []
    for key in keys:
        words = len(key.description.split())
        if words < MIN_WORDS:
            problems.append(f"{key.path}: description has {words} words, needs {MIN_WORDS}")
        if key.numeric and not key.unit:
            problems.append(f"{key.path}: a number without a unit")
        if key.unit is not None and key.unit not in UNITS:
            problems.append(f"{key.path}: unit {key.unit!r} is not in carepath.inputs.units")
        name = key.path.rsplit(".", 1)[-1].removesuffix("[]")
        named = suffix_unit(name)
        if named is not None and key.unit != named:
            problems.append(f"{key.path}: unit {key.unit!r} but its name says {named!r}")
    return problems


def test_every_key_described_and_every_number_with_a_unit():
    assert key_problems(scenario_keys()) == []


def test_the_walk_reaches_every_section_and_reform():
    paths = {key.path for key in scenario_keys()}
    for reform in REFORMS:
        assert f"reforms.{reform.name}.enabled" in paths
        for field in reform.config.model_fields:
            assert f"reforms.{reform.name}.{field}" in paths
    for expected in (
        "tiers.<key>.service_min.consultation.mean",
        "facilities[].stations.cashier",
        "zones[].travel.<key>.travel_min",
        "economics.capital[].price_yuan",
        "uncertainty.<key>.low",
        "reforms.recognition.remote_reading[].reading_min.cv",
    ):
        assert expected in paths


def test_a_duration_takes_the_unit_of_its_key():
    units = {key.path: key.unit for key in scenario_keys()}
    assert units["tiers.<key>.service_min.consultation.mean"] == "minutes"
    assert units["reforms.credit.repayment_days.mean"] == "days"


class _Undescribed(ReformSwitch):
    """A reform section with two faults, for the check below."""

    needed_when_enabled: ClassVar[tuple[str, ...]] = ()

    uptake: Probability = Field(0.0, description="too short")
    wait_min: float = Field(0.0, description="a wait in minutes, named with its unit")
    fee_yuan: float = Field(
        0.0, description="a fee declared in the wrong unit", json_schema_extra={"unit": "days"}
    )


def test_the_check_names_each_faulty_key():
    keys = scenario_keys({"toy": _Undescribed})
    problems = [p for p in key_problems(keys) if p.startswith("reforms.toy.")]
    assert problems == [
        "reforms.toy.uptake: description has 2 words, needs 5",
        "reforms.toy.uptake: a number without a unit",
        "reforms.toy.fee_yuan: unit 'days' but its name says 'yuan'",
    ]


def test_an_unknown_unit_is_refused():
    assert unit("share") == {"unit": "share"}
    with pytest.raises(ValueError, match="unknown unit 'percent'"):
        unit("percent")
