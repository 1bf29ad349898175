"""The record schemas (``observation.records``): every table has one, and every row a run
writes is a tuple of that schema's fields in order, each of its declared type, whatever the
reform that writes it."""

from __future__ import annotations

import dataclasses
import typing

import pytest

import carepath
from carepath.accounting.tally import ArmTally
from carepath.execution.replication import simulate
from carepath.inputs.arms import arms_for
from carepath.inputs.checks import ward_warmup_days
from carepath.observation.records import TABLES, EpisodeRow, Records, StationRow
from carepath.system.world import World
from conftest import REPO

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
        kinds = tuple(typing.get_args(hint)) or (hint,)  # X | None, or X
        if float in kinds:
            kinds = (*kinds, int)
        accepted[name] = tuple(type(None) if k is None else k for k in kinds)
    return accepted


def fits(row: object, record: type) -> list[str]:
    """Why ``row`` is not a row of ``record`` (its fields, in order, of their types)."""
    if record is EpisodeRow:
        if type(row) is not EpisodeRow:
            return [f"not an EpisodeRow: {row!r}"]
        values = row.astuple()  # type: ignore[attr-defined]
    else:
        if not isinstance(row, tuple) or len(row) != len(record._fields):
            return [f"not a tuple of {len(record._fields)} fields: {row!r}"]
        values = row
    return [
        f"{field} = {value!r} is not {kinds}"
        for (field, kinds), value in zip(field_types(record).items(), values, strict=True)
        if not isinstance(value, kinds) or isinstance(value, bool) is not (bool in kinds)
    ]


def test_every_table_of_the_records_has_a_record_type():
    lists = [f.name for f in dataclasses.fields(Records) if f.name in TABLES]
    assert lists == list(TABLES)
    for record in TABLES.values():
        assert set(field_types(record)) == set(record._fields)


def test_a_row_of_the_wrong_shape_or_type_is_told_apart():
    assert fits((3, 1, "cashier", 10.0, 12.5, 14), StationRow) == []
    assert fits((3, 1, "cashier", 10.0, 12.5), StationRow) != []  # a field short
    assert fits((3, "cashier", 1, 10.0, 12.5, 14.0), StationRow) != []  # fields swapped
    assert fits((True, 1, "cashier", 10.0, 12.5, 14.0), StationRow) != []  # a bool for an int


def test_named_rows_and_tables_read_the_tuples_by_the_schemas_names():
    records = Records()
    records.stations.append((3, 1, "cashier", 10.0, 12.5, 14.0))
    records.episodes.append(EpisodeRow(3, 0, 0, 5.0))
    (station,) = records.rows("stations")
    assert type(station) is StationRow and station.start_min - station.arrive_min == 2.5
    assert records.rows("episodes")[0].end_min is None
    assert list(records.table("stations").columns) == list(StationRow._fields)
    released = Records(keep_rows=False)
    with pytest.raises(RuntimeError, match="full_log=True"):
        released.rows("stations")


def a_row(record: type, patient: int) -> object:
    """A row of ``record`` with a value of each field's type (``patient`` where there is one)."""
    values = {int: 0, float: 1.0, str: "x", bool: False}
    fields = {name: values[kinds[0]] for name, kinds in field_types(record).items()}
    fields.update({"patient": patient} if "patient" in fields else {})
    if record is EpisodeRow:
        return EpisodeRow(**fields)
    return tuple(fields.values())


def test_the_fold_takes_every_table_a_run_writes():
    """A table the fold forgets would be held in memory for the whole run."""
    world = World.build(carepath.load_scenario(REPO / "scenarios" / "demo_county.yaml"))
    records = Records(keep_rows=False)
    for table, record in TABLES.items():
        getattr(records, table).append(a_row(record, patient=7))
    ArmTally(world).fold(records)
    assert records.held() == 0
    assert all(records.count(table) == 1 for table in TABLES)


@pytest.mark.integration
@pytest.mark.slow  # make test stays near 10 minutes: make test-slow runs it
def test_every_row_a_run_writes_has_its_tables_fields_in_order():
    filled = set()
    for name in SCENARIOS:
        scenario = carepath.load_scenario(REPO / "scenarios" / f"{name}.yaml")
        warmup = max(1, ward_warmup_days(scenario))  # wards need theirs
        scenario = carepath.with_levers(
            scenario, {"simulation.warmup_days": warmup, "simulation.horizon_days": 3}
        )
        world = World.build(scenario)
        for arm in arms_for(scenario):
            records = simulate(world, arm, seed=5, replication=0, full_log=True)
            for table, record in TABLES.items():
                for row in getattr(records, table):
                    assert fits(row, record) == [], (name, table)
                    filled.add(table)
    assert filled == set(TABLES)
