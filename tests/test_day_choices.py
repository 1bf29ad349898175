"""Every zone's choices computed together for a day (``ChoiceModel.day_choices``) are, bit for
bit, those of each zone and condition computed alone, at any waits."""

from __future__ import annotations

import numpy as np
import pytest

import carepath
from carepath.behaviour.choice import ChoiceModel
from carepath.system.world import World
from conftest import REPO


@pytest.mark.parametrize("name", ["demo_county", "mianyang_credit", "suixi_county"])
def test_a_day_s_choices_are_each_zone_s_alone(name):
    world = World.build(carepath.load_scenario(REPO / "scenarios" / f"{name}.yaml"))
    model = ChoiceModel.of(world)
    assert model.constrained_share > 0  # both groups of residents are compared
    rng = np.random.default_rng(7)
    for waits in (model.start_wait_min, rng.uniform(0.0, 240.0, len(world.facilities)).tolist()):
        today = model.day_choices(waits)
        for zone, options in enumerate(model.options):
            for condition in range(len(world.conditions)):
                utilities = model.utilities(zone, condition, waits)
                for short in (False, True):
                    allowed = np.ones(len(options.facilities), dtype=bool)
                    if short:
                        allowed = model.affordable(zone, condition)
                    probs, logsum = today.of(zone, condition, short)
                    alone, alone_logsum = model.logit(utilities, allowed)
                    assert probs.tobytes() == alone.tobytes()
                    assert repr(logsum) == repr(alone_logsum)
