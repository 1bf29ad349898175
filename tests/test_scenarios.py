"""The bundled scenario files: they load, and every number carries its source."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from carepath import load_scenario
from carepath.inputs.provenance import unsourced_numbers
from conftest import REPO

BUNDLED = sorted((REPO / "scenarios").glob("*.yaml"))
# Files that calibrate a bundled scenario's inputs (carepath calibrate), named for it.
CALIBRATION = sorted((REPO / "scenarios" / "calibration").glob("*.yaml"))


def test_there_is_a_default_scenario():
    assert REPO / "scenarios" / "demo_county.yaml" in BUNDLED


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.name)
def test_bundled_scenario_loads(path: Path):
    scenario = load_scenario(path)
    assert scenario.name == path.stem


@pytest.mark.parametrize("path", BUNDLED + CALIBRATION, ids=lambda p: p.name)
def test_every_number_says_source_or_assumption(path: Path):
    assert unsourced_numbers(path) == []


@pytest.mark.parametrize("path", CALIBRATION, ids=lambda p: p.name)
def test_a_calibration_file_loads_with_inputs_and_fit_targets(path: Path):
    """It extends a bundled scenario, declares the inputs it calibrates and inherits the
    targets it fits them to."""
    scenario = load_scenario(path)
    assert scenario.uncertainty
    assert any(b.use == "fit" for _, b in scenario.benchmarks())
    extended = re.search(r"^extends: \.\./(\w+)\.yaml$", path.read_text(), re.MULTILINE)
    assert extended, f"{path.name} extends no bundled scenario"
    assert (REPO / "scenarios" / f"{extended.group(1)}.yaml").exists()
    assert scenario.name.startswith(extended.group(1))


def test_demo_county_has_about_fifty_thousand_residents():
    scenario = load_scenario(REPO / "scenarios" / "demo_county.yaml")
    assert 40_000 <= sum(z.population for z in scenario.zones) <= 60_000


def test_provenance_check_finds_an_unsourced_number(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(
        "sources:\n"
        "  yearbook: a yearbook\n"
        "a: 1  # assumption\n"
        "b: 2  # source: yearbook\n"
        "c: 3  # source: unknown_report\n"
        "d:    # assumption: the whole block\n"
        "  e: 4\n"
        "  f: [5, 6]\n"
        "g:\n"
        "  h: 7\n"
        "i: '08:00'\n"
        "j: 'has # inside' # but this 8 is in a comment\n"
    )
    problems = unsourced_numbers(path)
    assert [p.split(":")[1] for p in problems] == ["5", "10"]
