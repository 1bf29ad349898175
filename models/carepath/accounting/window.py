"""The measured period: after warm-up, for the horizon (DESIGN.md: warm-up is not measured)."""

from __future__ import annotations

from ..system.hours import DAY_MIN
from ..system.world import World


def measured_window(world: World) -> tuple[float, float]:
    """Start and end of the measured period, in minutes on the simulation clock."""
    sim = world.scenario.simulation
    start = sim.warmup_days * DAY_MIN
    return start, start + sim.horizon_days * DAY_MIN
