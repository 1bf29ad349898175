"""Durations drawn by inverting distributions at a uniform number."""

from __future__ import annotations

import math

import numpy as np
import pytest

from carepath.inputs.schema import Duration
from carepath.system.durations import sampler


def test_fixed_is_the_mean_whatever_the_uniform():
    draw = sampler(Duration(dist="fixed", mean=4.0))
    assert draw(0.0) == draw(0.99) == 4.0


def test_exponential_inverts_its_cdf():
    draw = sampler(Duration(dist="exponential", mean=3.0))
    assert draw(0.0) == 0.0
    assert draw(1 - math.exp(-1)) == pytest.approx(3.0)


@pytest.mark.parametrize(
    ("dist", "cv"), [("exponential", 0.0), ("lognormal", 0.5), ("lognormal", 1.2)]
)
def test_mean_and_spread_match_over_many_uniforms(dist, cv):
    draw = sampler(Duration(dist=dist, mean=10.0, cv=cv))
    u = np.random.default_rng(1).random(200_000)
    values = np.array([draw(x) for x in u])
    assert values.mean() == pytest.approx(10.0, rel=0.02)
    expected_cv = 1.0 if dist == "exponential" else cv
    assert values.std() / values.mean() == pytest.approx(expected_cv, rel=0.05)


def test_larger_uniform_never_gives_a_shorter_time():
    draw = sampler(Duration(dist="lognormal", mean=8.0, cv=0.6))
    u = np.linspace(0.0, 0.999, 500)
    values = [draw(x) for x in u]
    assert values == sorted(values)
