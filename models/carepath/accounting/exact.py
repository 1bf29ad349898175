"""Sums of floats without rounding error, kept as a run goes.

Metrics are folded from the records while the simulation runs, a day's rows at a time, and the
rows may come in any order (a station may record a visit when the patient joins its queue).  A
running total in plain float arithmetic would depend on that order and on where the folds fall;
an exact sum, rounded once when read, does not.  ``math.fsum`` gives the correctly rounded sum
of a list; :class:`ExactSum` keeps a few floats whose exact sum is the total so far.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

# Values waiting to be compacted; compacting costs a few ``fsum`` calls over them.
_PENDING = 512


def _compact(values: list[float]) -> list[float]:
    """A few floats with exactly the sum of ``values``, largest first (non-overlapping)."""
    parts: list[float] = []
    rest = math.fsum(values)
    while rest != 0.0 and math.isfinite(rest):
        parts.append(rest)
        # fsum is correctly rounded, so each part takes the next 53 bits of what is left.
        rest = math.fsum([*values, *(-part for part in parts)])
    return parts if math.isfinite(rest) else [rest]


class ExactSum:
    """A total of floats, exact until read (then correctly rounded), whatever their order."""

    __slots__ = ("_parts", "_pending")

    def __init__(self) -> None:
        self._parts: list[float] = []
        self._pending: list[float] = []

    def add(self, value: float) -> None:
        self._pending.append(value)
        if len(self._pending) >= _PENDING:
            self._flush()

    def extend(self, values: Iterable[float]) -> None:
        self._pending.extend(values)
        if len(self._pending) >= _PENDING:
            self._flush()

    def merge(self, other: ExactSum) -> None:
        """Add another total, exactly."""
        self.extend(other.terms())

    def terms(self) -> list[float]:
        """Floats whose exact sum is the total."""
        return [*self._parts, *self._pending]

    def compact(self) -> None:
        """Hold the total in a few floats now, not when values have piled up: for the many
        small totals that each get a batch of values and then few or none (a day's)."""
        if self._pending:
            self._flush()

    def _flush(self) -> None:
        self._parts = _compact(self.terms())
        self._pending = []

    @property
    def value(self) -> float:
        return math.fsum(self.terms())


class Mean:
    """The mean of the values added, NaN left out (NaN if there are none)."""

    __slots__ = ("total", "count")

    def __init__(self) -> None:
        self.total = ExactSum()
        self.count = 0

    def add(self, value: float) -> None:
        if not math.isnan(value):
            self.total.add(value)
            self.count += 1

    @property
    def value(self) -> float:
        return self.total.value / self.count if self.count else math.nan
