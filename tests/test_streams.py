"""Named random streams: same name, same numbers; other names and zones leave them alone."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from carepath.execution.replication import simulate
from carepath.inputs.arms import WITHOUT
from carepath.system.streams import stream, stream_key
from carepath.system.world import World
from conftest import tiny


def test_a_stream_is_a_function_of_seed_replication_and_name():
    a = stream(5, 1, "onsets", 0).random(4)
    assert np.array_equal(a, stream(5, 1, "onsets", 0).random(4))
    assert not np.array_equal(a, stream(5, 2, "onsets", 0).random(4))
    assert not np.array_equal(a, stream(6, 1, "onsets", 0).random(4))
    assert not np.array_equal(a, stream(5, 1, "patients", 0).random(4))
    assert not np.array_equal(a, stream(5, 1, "onsets", 1).random(4))


@pytest.mark.integration
def test_stream_key_is_the_same_in_every_process():
    # hash() of a str changes with PYTHONHASHSEED; a stream's key must not
    code = "from carepath.system.streams import stream_key; print(stream_key('onsets'))"
    keys = {
        subprocess.run(
            [sys.executable, "-c", code],
            env={**os.environ, "PYTHONHASHSEED": hash_seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        for hash_seed in ("1", "2")
    }
    assert keys == {str(stream_key("onsets"))}
    assert stream_key("onsets") != stream_key("patients")


def _world(zones):
    data = tiny().model_dump()
    zone = dict(data["zones"][0], episodes_per_person_year=20.0)
    data["zones"] = [dict(zone, id=f"z{i}") for i in range(zones)]
    return World.build(type(tiny()).model_validate(data))


def test_adding_a_zone_leaves_the_other_zones_patients_unchanged():
    one = simulate(_world(1), WITHOUT, seed=11, replication=0, full_log=True)
    two = simulate(_world(2), WITHOUT, seed=11, replication=0, full_log=True)
    first_zone = [row.astuple()[:4] for row in two.episodes if row.zone == 0]
    assert first_zone == [row.astuple()[:4] for row in one.episodes]
    assert any(row.zone == 1 for row in two.episodes)
