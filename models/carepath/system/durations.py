"""Durations drawn by inverting a distribution at a patient's own uniform number.

Inverting a uniform (rather than asking a generator for the next exponential) keeps each draw
tied to its purpose: the same patient, step and visit get the same minutes in every arm.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from statistics import NormalDist

from ..inputs.schema import Duration

Sampler = Callable[[float], float]
_STANDARD_NORMAL = NormalDist()


def sampler(duration: Duration) -> Sampler:
    """A function from a uniform number in [0, 1) to minutes."""
    mean = duration.mean
    if duration.dist == "fixed" or mean == 0.0:
        return lambda u: mean
    if duration.dist == "exponential":
        return lambda u: -mean * math.log1p(-u)
    if duration.cv == 0.0:
        return lambda u: mean
    sigma = math.sqrt(math.log1p(duration.cv**2))
    mu = math.log(mean) - sigma**2 / 2
    inv = _STANDARD_NORMAL.inv_cdf
    # inv_cdf rejects exactly 0; a uniform of 0 is the shortest possible service.
    return lambda u: math.exp(mu + sigma * inv(u if u > 0.0 else 5e-324))
