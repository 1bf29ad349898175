"""The record schemas (``observation.records``): every table has one, and the rows a run writes
are of its type, field by field, whatever the reform that writes them."""

from __future__ import annotations

import dataclasses
import typing

import pytest

import carepath
from carepath.execution.replication import simulate
from carepath.inputs.arms import arms_for
from carepath.observation.records import TABLES, EpisodeRow, Records, StationRow, new_row
from carepath.system.world import World
from conftest import REPO

pytestmark = pytest.mark.integration  # simulates whole scenarios or runs the command

# Between them every table gets rows: recognition (and remote reading), credit (and
# registration validity), outreach (free clinics, family doctors, visiting experts).
SCENARIOS = ("demo_county_recognition", "mianyang_credit", "chongqing_three_links")


def field_types(record: type) -> dict[str, tuple[type, ...]]:
    """Each field's annotation as the types ``isinstance`` accepts (a float field takes an int,
    as in Python's own typing)."""
    hints = typing.get_type_hints(record.__init__ if record is EpisodeRow else record)
    accepted = {}
    for name in record._fields:
        hint = hints[name]
        options = typing.get_args(hint) if typing.get_origin(hint) in (typing.Union,) else ()
        if not options and hasattr(hint, "__args__"):
            options = hint.__args__  # X | None
        kinds = tuple(options) if options else (hint,)
        if float in kinds:
            kinds = (*kinds, int)
        accepted[name] = tuple(type(None) if k is None else k for k in kinds)
    return accepted


def test_every_table_of_the_records_has_a_record_type():
    lists = [f.name for f in dataclasses.fields(Records) if f.type.startswith("list[")]
    assert lists == list(TABLES)
    for name, record in TABLES.items():
        assert next(f for f in dataclasses.fields(Records) if f.name == name).type == (
            f"list[{record.__name__}]"
        )
        assert set(field_types(record)) == set(record._fields)


def test_new_row_builds_the_named_row():
    station = new_row(StationRow, (3, 1, "cashier", 10.0, 12.5, 14.0))
    assert type(station) is StationRow
    assert station == StationRow(3, 1, "cashier", 10.0, 12.5, 14.0)
    assert (station.patient, station.start_min - station.arrive_min) == (3, 2.5)


def test_every_row_a_run_writes_has_its_tables_type_field_by_field():
    filled = set()
    for name in SCENARIOS:
        scenario = carepath.with_levers(
            carepath.load_scenario(REPO / "scenarios" / f"{name}.yaml"),
            {"simulation.warmup_days": 1, "simulation.horizon_days": 3},
        )
        world = World.build(scenario)
        for arm in arms_for(scenario):
            records = simulate(world, arm, seed=5, replication=0, full_log=True)
            for table, record in TABLES.items():
                types = field_types(record)
                for row in getattr(records, table):
                    assert type(row) is record, (name, table, row)
                    for field, kinds in types.items():
                        value = getattr(row, field)
                        assert isinstance(value, kinds), (name, table, field, value)
                    filled.add(table)
    assert filled == set(TABLES)
