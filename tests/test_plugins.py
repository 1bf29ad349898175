"""A reform is a plug-in: one made up here, registered in one line, is found in the schema, the
patient streams, the arms, the draw names, the record tables, the metrics and its own output
file, with no other file edited; unregistered, it is gone again.

The made-up reform: free registration at township centres for a share of patients, drawn from
its own patient stream; each waiver is a row of its own record table, and its tally counts them
per day into ``free_registration.csv`` and the metric ``free_registrations``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import NamedTuple

import pytest
from pydantic import Field

import carepath
from carepath.execution.manifest import RunRecord
from carepath.inputs.arms import arms_for
from carepath.inputs.metric_registry import METRICS, Metric
from carepath.inputs.reform_registry import REFORMS, OutputTable, PatientDraws, Reform
from carepath.inputs.schema import Probability, ReformSwitch, Scenario
from carepath.system.hours import DAY_MIN
from carepath.system.world import TIER_RANK
from carepath.workflows.runs import write_outputs
from conftest import run_patients, tiny_data, write_yaml

DRAWS = PatientDraws("free_registration", ("waived",))


class FreeRegistrationConfig(ReformSwitch):
    share: Probability = Field(1.0, description="share of patients who register free")


class FreeRegistrationRow(NamedTuple):
    patient: int
    facility: int
    time_min: float


class FreeRegistration:
    def __init__(self, build) -> None:
        self.share = build.config.share
        self.rows = build.records.extra["free_registrations"]

    def registration_due(self, patient, site, now) -> bool:
        if site.plan.rank != TIER_RANK["township"]:
            return True
        if patient.own[DRAWS.stream][DRAWS.index("waived")] >= self.share:
            return True
        self.rows.append((patient.id, site.plan.index, now))
        return False


class FreeRegistrationTally:
    def __init__(self, world) -> None:
        self.by_day: dict[int, int] = {}

    def fold(self, rows: Mapping[str, list[tuple]]) -> None:
        for _, _, time_min in rows["free_registrations"]:
            day = int(time_min // DAY_MIN)
            self.by_day[day] = self.by_day.get(day, 0) + 1

    def close(self, episode) -> None:
        pass

    def metrics(self) -> dict[str, float]:
        return {"free_registrations": float(sum(self.by_day.values()))}

    def tables(self) -> dict[str, list[tuple]]:
        return {"free_registration.csv": sorted(self.by_day.items())}


FREE_REGISTRATION = Reform(
    name="free_registration",
    rank=999,
    config=FreeRegistrationConfig,
    mechanism=FreeRegistration,
    draws=DRAWS,
    metrics=(Metric("free_registrations", "registrations", "registrations waived", "neither"),),
    records={"free_registrations": FreeRegistrationRow},
    tables=(OutputTable("free_registration.csv", ("day", "waived")),),
    tally=FreeRegistrationTally,
)


@pytest.fixture
def registered():
    with REFORMS.registered(FREE_REGISTRATION):  # the one line
        yield


def scenario_with(**config) -> Scenario:
    data = tiny_data(reforms={"free_registration": {"enabled": True, **config}})
    data["zones"][0]["episodes_per_person_year"] = 20.0
    return Scenario.model_validate(data)


def test_found_in_the_schema_streams_arms_and_draw_names(registered):
    scenario = scenario_with(share=0.5)
    assert scenario.reforms.section("free_registration").share == 0.5
    schema = json.dumps(Scenario.model_json_schema())
    assert "FreeRegistrationConfig" in schema
    assert REFORMS.patient_streams()["free_registration"] == 1
    assert REFORMS.draw_names()["free_registration"] == ("waived",)
    assert arms_for(scenario)[1].reforms == ("free_registration",)
    assert METRICS.knows("free_registrations")
    with pytest.raises(ValueError, match="free_registration.sharee"):
        Scenario.model_validate(tiny_data(reforms={"free_registration": {"sharee": 1}}))


def test_its_draws_and_its_decision_act_in_the_journey(registered):
    scenario = scenario_with(share=0.5)
    with_ = arms_for(scenario)[1]
    waived = run_patients(scenario, [(540.0, {("free_registration", "waived"): 0.4})], arm=with_)
    paying = run_patients(scenario, [(540.0, {("free_registration", "waived"): 0.6})], arm=with_)
    assert waived.extra["free_registrations"] == [(0, 1, 570.0)]
    assert [s[1:3] for s in waived.stations][0] == (1, "doctor:general")  # no registration queue
    assert paying.extra["free_registrations"] == []
    assert [s[1:3] for s in paying.stations][0] == (1, "registration")


def test_its_output_table_is_written_with_its_manifest(registered, tmp_path):
    file = write_yaml(tmp_path / "tiny.yaml", scenario_with(share=1.0).model_dump())
    result = carepath.run(carepath.load_scenario(file), replications=2)
    table = result.tables["free_registration.csv"]
    assert list(table.columns) == ["scenario", "replication", "arm", "day", "waived"]
    assert set(table.arm) == {"with"} and table.waived.sum() > 0
    summary = result.summary.set_index(["metric", "arm"])["mean"]
    assert summary[("free_registrations", "without")] == 0.0
    assert summary[("free_registrations", "with")] > 0.0
    on_two = carepath.run(carepath.load_scenario(file), replications=2, jobs=2)
    assert on_two.tables["free_registration.csv"].equals(table)
    assert on_two.replications.equals(result.replications)
    record = RunRecord.start(["test"], jobs=1, scheduler=None)
    written = write_outputs(tmp_path / "out", file, result, record)
    assert (written.folder / "free_registration.csv").exists()
    manifest = json.loads((written.folder / "manifest.json").read_text(encoding="utf-8"))
    assert "free_registration.csv" in manifest["files"]


def test_unregistered_it_is_gone():
    assert "free_registration" not in REFORMS
    assert "free_registration" not in REFORMS.patient_streams()
    assert not METRICS.knows("free_registrations")
    with pytest.raises(ValueError, match="free_registration"):
        Scenario.model_validate(tiny_data(reforms={"free_registration": {"enabled": True}}))
