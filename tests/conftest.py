"""Small worlds for exact timelines, and a harness that places patients by hand."""

from __future__ import annotations

import copy
import os
from pathlib import Path

import pytest
import simpy
import yaml
from hypothesis import settings

from carepath.behaviour.admission import DRAWS as INPATIENT_DRAWS
from carepath.behaviour.admission import patient_streams as inpatient_streams
from carepath.behaviour.patient import DRAWS_PER_PATIENT, SLOTS, Patient
from carepath.behaviour.seeking import DRAWS as SEEKING_DRAWS
from carepath.behaviour.seeking import patient_streams
from carepath.execution.replication import build_journey
from carepath.inputs.arms import WITHOUT, Arm
from carepath.inputs.reform_registry import REFORMS
from carepath.inputs.schema import Scenario
from carepath.observation.records import Records
from carepath.system.streams import Streams
from carepath.system.world import World

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "scenarios" / "demo_county.yaml"
# The metrics of the status quo's published figures (demo_county.yaml's status_quo:, inherited
# by the bundled files): rows of every plausibility.csv beside a scenario's own figures.
STATUS_QUO_METRICS = frozenset(
    entry["metric"] for entry in yaml.safe_load(DEMO.read_text(encoding="utf-8"))["status_quo"]
)


def fixed(minutes: float) -> dict:
    return {"dist": "fixed", "mean": minutes}


def _tier(registration_fee: float, consultation_fee: float) -> dict:
    return {
        "registration_fee_yuan": registration_fee,
        "consultation_fee_yuan": consultation_fee,
        "walk_min": 0,
        "service_min": {
            "registration": fixed(1),
            "consultation": fixed(5),
            "review": fixed(2),
            "cashier": fixed(1),
            "pharmacy": fixed(2),
        },
    }


def _one_of_each(facility_id: str, tier: str, **more) -> dict:
    """A facility with one server at every station and a lab, open 08:00-17:00."""
    stations = {"registration": 1, "doctors": {"general": 1}, "cashier": 1, "pharmacy": 1}
    return {
        "id": facility_id,
        "tier": tier,
        "hours": {"start": "08:00", "end": "17:00"},
        "stations": {**stations, "exams": {"lab": 1}},
        **more,
    }


# The tiny world's only condition: seen first at the township centre, with a lab test.
COUGH = {
    "id": "cough",
    "share": 1.0,
    "lowest_tier": "village",
    "first_contact": {"township": 1.0},
    "tests": {"lab": {"township": 1.0, "county": 1.0}},
    "drug_fee_yuan": 20,
}


def only(**changes) -> list[dict]:
    """The tiny world's case mix: one condition, COUGH with ``changes`` (None drops a key)."""
    condition = {**COUGH, **changes}
    return [{key: value for key, value in condition.items() if value is not None}]


TINY = {
    "name": "tiny",
    "simulation": {
        "warmup_days": 0,
        "horizon_days": 1,
        "drain_days": 10,
        "replications": 2,
        "seed": 7,
    },
    "demand": {"hour_profile": [1] * 24, "weekday_profile": [1] * 7, "arrive_after_opening_min": 0},
    "tiers": {
        "village": _tier(0, 5),
        "township": _tier(1, 2),
        "county": _tier(10, 15),
    },
    "tests": {
        "lab": {
            "fee_yuan": {"township": 30, "county": 40},
            "exam_min": fixed(3),
            "turnaround_min": fixed(20),
        }
    },
    "facilities": [
        {
            "id": "clinic",
            "tier": "village",
            "refers_to": "centre",
            "hours": {"start": "08:00", "end": "17:00"},
            "stations": {"doctors": {"general": 1}},
        },
        _one_of_each("centre", "township", refers_to="hospital"),
        _one_of_each("hospital", "county"),
    ],
    "zones": [
        {
            "id": "home",
            "population": 2000,
            "episodes_per_person_year": 0,
            "travel": {
                "clinic": {"travel_min": 10, "travel_yuan": 0},
                "centre": {"travel_min": 30, "travel_yuan": 5},
                "hospital": {"travel_min": 60, "travel_yuan": 12},
            },
        }
    ],
    "conditions": [COUGH],
}


def uniform_prior(low: float, high: float) -> dict:
    """An uncertain input's prior for a test: uniform between ``low`` and ``high``."""
    return {"dist": "uniform", "low": low, "high": high, "source": "assumption"}


def tiny_data(**changes) -> dict:
    """The tiny scenario as plain data, with top-level sections replaced by ``changes``."""
    data = copy.deepcopy(TINY)
    data.update(copy.deepcopy(changes))
    return data


def tiny(**changes) -> Scenario:
    return Scenario.model_validate(tiny_data(**changes))


# Fields of a manifest that say when and how a run was started, not what it computed.
RUN_TIMES = frozenset({"started", "finished", "duration_s", "command"})


def assert_same_folder(
    folder: Path, reference: Path, tables: tuple[str, ...], ignore: frozenset = RUN_TIMES
) -> None:
    """Two result folders hold byte-identical ``tables`` and the same manifest but for
    ``ignore``, and no checkpoints are left."""
    import json

    for name in tables:
        assert (folder / name).read_bytes() == (reference / name).read_bytes(), name
    mine = json.loads((folder / "manifest.json").read_text())
    theirs = json.loads((reference / "manifest.json").read_text())
    assert {k: v for k, v in mine.items() if k not in ignore} == {
        k: v for k, v in theirs.items() if k not in ignore
    }
    assert not (folder / ".partial").exists()


def killed_when(args: list[str], cwd: Path, ready, what: str = "the batch") -> None:
    """Run ``carepath ARGS`` in a subprocess and kill it (SIGKILL) as soon as ``ready()`` holds;
    fail if it finished first or ``ready()`` never held within two minutes."""
    import signal
    import subprocess
    import sys
    import time

    process = subprocess.Popen([sys.executable, "-m", "carepath", *args], cwd=cwd)
    try:
        deadline = time.monotonic() + 120
        while not ready() and process.poll() is None:
            assert time.monotonic() < deadline, f"{what} kept nothing within two minutes"
            time.sleep(0.01)
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL, f"{what} finished before it was killed"


def write_yaml(path: Path, data: dict) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def shorter(base: Path, folder: Path, name: str, replications: int, **more) -> Path:
    """A scenario file extending ``base`` over a few days, for batches that take seconds."""
    simulation = {
        "warmup_days": 2,
        "horizon_days": 5,
        "drain_days": 40,
        "replications": replications,
    }
    data = {"extends": str(base), "name": name, "simulation": simulation, **more}
    return write_yaml(folder / f"{name}.yaml", data)


# A file's care_seeking section that switches every block of its base's off (neutral).
NO_CARE_SEEKING = {"seek": None, "choice": None, "cash": None, "patience": None}


def without_care_seeking(scenario: Scenario) -> Scenario:
    """The scenario with patients who do not choose (docs/care_seeking.md): every illness seeks
    care at once at the fixed shares, and nobody leaves a queue."""
    conditions = [c.model_copy(update={"urgent": False}) for c in scenario.conditions]
    neutral = scenario.care_seeking.model_copy(update=NO_CARE_SEEKING)
    return scenario.model_copy(update={"care_seeking": neutral, "conditions": conditions})


def few_days(base: Path, folder: Path, name: str, replications: int) -> Path:
    """A scenario file extending ``base`` over four days (one measured): about a second a
    replication, for batches that are interrupted, resumed or sent to a cluster."""
    simulation = {
        "warmup_days": 1,
        "horizon_days": 1,
        "drain_days": 2,
        "replications": replications,
    }
    data = {"extends": str(base), "name": name, "simulation": simulation}
    return write_yaml(folder / f"{name}.yaml", data)


def run_patients(
    scenario: Scenario,
    patients: list[tuple[float, dict]],
    arm: Arm = WITHOUT,
    until_min: float = 30 * 1440,
) -> Records:
    """Run hand-placed patients: (onset minute, {(leg, slot): uniform}); other draws are 0.5,
    in the mechanisms' own streams too, which a key (stream name, purpose) sets."""
    world = World.build(scenario)
    env = simpy.Environment()
    records = Records()
    journey = build_journey(env, world, records, arm, Streams(0, 0))

    def arrive(patient: Patient):
        yield env.timeout(patient.onset_min)
        journey.start(patient)

    for pid, (onset, overrides) in enumerate(patients):
        draws = [0.5] * DRAWS_PER_PATIENT
        widths = {
            **REFORMS.patient_streams(),
            **patient_streams(world),
            **inpatient_streams(world),
        }
        own = {name: [0.5] * width for name, width in widths.items()}
        names = {
            **REFORMS.draw_names(),
            SEEKING_DRAWS.stream: SEEKING_DRAWS.names,
            INPATIENT_DRAWS.stream: INPATIENT_DRAWS.names,
        }
        for (leg, slot), u in overrides.items():
            if isinstance(leg, str):
                own[leg][names[leg].index(slot)] = u
            else:
                draws[leg * len(SLOTS) + SLOTS.index(slot)] = u
        patient = Patient(pid, world.zones[0], world.conditions[0], onset, draws, own)
        env.process(arrive(patient))
    env.run(until=until_min)
    return records


@pytest.fixture
def demo_path() -> Path:
    return DEMO


# Property tests (hypothesis) draw the same examples on every run, so CI never flakes on a
# new random example; HYPOTHESIS_PROFILE=explore searches afresh, with more examples.
settings.register_profile("ci", derandomize=True, max_examples=10, deadline=None)
settings.register_profile("explore", max_examples=100, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
