"""A random duration: the one shape of every service time, exam, turnaround, repayment delay
and patient's patience in a scenario file (``inputs.schema`` re-exports it)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from .numbers import NUMBER
from .units import INHERITED, unit

MAX_STEP_MIN = 10_080  # minutes of one step (a service, a walk, a trip, a visit): a week
MAX_CV = 10.0  # coefficient of variation of a duration

Minutes = Annotated[float, NUMBER, Field(ge=0.0, le=MAX_STEP_MIN)]
Cv = Annotated[float, NUMBER, Field(ge=0.0, le=MAX_CV)]


class Duration(BaseModel):
    """A random duration in minutes: ``fixed``, ``exponential`` or ``lognormal`` (mean and cv)."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    dist: Literal["fixed", "exponential", "lognormal"] = Field(
        description="the distribution: fixed (always the mean), exponential or lognormal"
    )
    mean: Minutes = Field(
        description="the mean duration, in the unit of the key holding it (at most 10,080)",
        json_schema_extra=unit(INHERITED),
    )
    cv: Cv = Field(
        0.0,
        description="coefficient of variation, the sd over the mean (lognormal; at most 10)",
        json_schema_extra=unit("ratio"),
    )
