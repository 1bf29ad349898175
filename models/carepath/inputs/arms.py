"""Arms: the same patients with different reforms switched on."""

from __future__ import annotations

from dataclasses import dataclass

from .schema import Scenario


@dataclass(frozen=True)
class Arm:
    """A named set of switched-on reform families."""

    name: str
    reforms: tuple[str, ...] = ()

    def has(self, reform: str) -> bool:
        return reform in self.reforms


WITHOUT = Arm("without")
# The arm of the rows that compare ``without`` and ``with`` patient by patient (each already a
# saving, ``without - with``): not a set of reforms, a comparison of two.
PAIRED = "paired"


def arms_for(scenario: Scenario) -> tuple[Arm, ...]:
    """``without`` (every reform off) and ``with`` (the reforms the file switches on)."""
    return (WITHOUT, Arm("with", scenario.switched_on()))
