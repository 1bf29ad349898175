"""The ``sweep:`` block of a scenario file: levers and the values to run them at.

::

    sweep:
      mode: grid                        # grid: every combination; zip: the i-th values together
      levers:                           # lever path (see inputs.levers) -> values
        reforms.credit.enrolment: [0, 0.25, 0.5, 0.75, 1]   # assumption: the range of interest
        reforms.credit.limit_yuan: [1000, 3000]             # assumption

A file with a sweep runs one variant per combination; each variant is the scenario with those
levers set.  Only the shape is checked here; whether each value gives a valid scenario is
checked when the file is loaded (``inputs.variants``), naming ``sweep.levers.<path>[i]``.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from .keypath import checked_path

# Guards against a grid that would run for days because of one extra lever.
MAX_VARIANTS = 1000


class Sweep(BaseModel):
    """Levers (key paths into the scenario) and their values, combined by ``mode``."""

    # The same rules as every scenario section (schema.Strict), which cannot be imported here
    # because the schema imports this model.
    model_config = ConfigDict(extra="forbid", frozen=True)

    levers: dict[
        Annotated[str, AfterValidator(checked_path)], Annotated[list[Any], Field(min_length=1)]
    ] = Field(min_length=1, description="lever key path -> the values to run it at")
    mode: Literal["grid", "zip"] = Field(
        "grid", description="grid: every combination; zip: the i-th values together"
    )

    @model_validator(mode="after")
    def _shape(self) -> Sweep:
        counts = {path: len(values) for path, values in self.levers.items()}
        if self.mode == "zip" and len(set(counts.values())) > 1:
            raise ValueError(f"mode zip needs as many values for every lever, got {counts}")
        if self.variant_count > MAX_VARIANTS:
            raise ValueError(
                f"{self.variant_count} variants is more than {MAX_VARIANTS}; split the sweep"
            )
        return self

    @property
    def variant_count(self) -> int:
        counts = [len(values) for values in self.levers.values()]
        return counts[0] if self.mode == "zip" else math.prod(counts)
