"""A scenario's uncertain inputs put to use: the scenario at drawn values, and the checks that
every value a draw can take gives a valid scenario.

An input is named by its key path (the key under ``uncertainty:``).  A drawn value is set at
that path and at its ``also`` paths; with ``scale: true`` it multiplies the file's value at each
of them instead; with ``integer: true`` each value set is rounded to a whole number.  The file's
own values are the base case: a plain ``carepath run`` and the middle of a tornado chart.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .levers import LeverError, value_at, with_levers
from .schema import Scenario
from .uncertainty import Uncertain

Problem = tuple[tuple, str]


@dataclass(frozen=True)
class UncertainInput:
    """One uncertain input: its name (key path), its entry, the file's values at its paths."""

    name: str
    entry: Uncertain
    file_values: dict[str, float]

    @property
    def base_value(self) -> float:
        """The draw that reproduces the file: 1 for a multiplier, else the file's value."""
        return 1.0 if self.entry.scale else self.file_values[self.name]

    def levers(self, value: float) -> dict[str, float | int]:
        """The settings a draw of ``value`` makes, by key path."""
        found: dict[str, float | int] = {}
        for path, here in self.file_values.items():
            setting = value * here if self.entry.scale else value
            found[path] = int(round(setting)) if self.entry.integer else float(setting)
        return found


def psa_base(scenario: Scenario) -> Scenario:
    """The scenario every draw starts from: the file without its sweep and uncertainty."""
    return scenario.model_copy(update={"sweep": None, "uncertainty": {}})


def uncertain_inputs(scenario: Scenario) -> list[UncertainInput]:
    """The scenario's uncertain inputs in file order.  Raises ``LeverError`` for a path that
    does not hold a number (``uncertainty_problems`` reports it located)."""
    found = []
    for name, entry in scenario.uncertainty.items():
        values = {path: _number_at(scenario, path) for path in entry.paths(name)}
        found.append(UncertainInput(name, entry, values))
    return found


def scenario_at(base: Scenario, inputs: Sequence[UncertainInput], values: Mapping[str, float]):
    """``base`` with each input at its drawn value (inputs not in ``values`` stay as filed),
    validated as a whole.  Raises ``LeverError`` if the combination is not a valid scenario."""
    levers: dict[str, Any] = {}
    for item in inputs:
        if item.name in values:
            levers.update(item.levers(values[item.name]))
    return with_levers(base, levers) if levers else base


def uncertainty_problems(scenario: Scenario) -> list[Problem]:
    """Problems of the ``uncertainty:`` block, each at ``uncertainty.<key>...``: unknown
    sources, paths that hold no number or are drawn twice, a file value outside its range, and
    range ends that give an invalid scenario (each input alone, then all low and all high)."""
    if not scenario.uncertainty:
        return []
    problems = _source_problems(scenario) + _path_problems(scenario)
    if problems:
        return problems
    inputs = uncertain_inputs(scenario)
    problems = [p for item in inputs for p in _range_problems(item)]
    if problems:
        return problems
    base = psa_base(scenario)
    for item in inputs:
        for end, value in zip(("low", "high"), item.entry.ends(), strict=True):
            for message in _messages(base, [item], {item.name: value}):
                where = f"at its {end} end ({value:.6g})"
                problems.append((("uncertainty", item.name), f"{where}: {message}"))
    if problems:
        return problems
    for side, word in enumerate(("low", "high")):
        values = {item.name: item.entry.ends()[side] for item in inputs}
        for message in _messages(base, inputs, values):
            problems.append((("uncertainty",), f"every input at its {word} end: {message}"))
    return problems


def _source_problems(scenario: Scenario) -> list[Problem]:
    problems: list[Problem] = []
    for name, entry in scenario.uncertainty.items():
        unknown = [s for s in entry.source_ids() if s not in scenario.sources]
        if unknown:
            problems.append(
                (
                    ("uncertainty", name, "source"),
                    f"no source {', '.join(map(repr, unknown))} under sources "
                    "(name ids there, or say 'assumption')",
                )
            )
    return problems


def _path_problems(scenario: Scenario) -> list[Problem]:
    problems: list[Problem] = []
    owner: dict[str, str] = {}
    for name, entry in scenario.uncertainty.items():
        for i, path in enumerate(entry.paths(name)):
            where = ("uncertainty", name) if i == 0 else ("uncertainty", name, "also", i - 1)
            if path in owner:
                problems.append((where, f"{path} is already drawn by {owner[path]}"))
                continue
            owner[path] = name
            try:
                _number_at(scenario, path)
            except LeverError as error:
                problems += [(where, message) for _, message in error.found]
    return problems


def _range_problems(item: UncertainInput) -> list[Problem]:
    entry, where = item.entry, ("uncertainty", item.name)
    low, high = entry.ends()
    if not entry.scale:
        differ = {p: v for p, v in item.file_values.items() if v != item.base_value}
        if differ:
            return [
                (
                    where,
                    f"one draw sets every path, but the file's values differ ({differ} vs "
                    f"{item.base_value:g}); use scale: true for a multiplier",
                )
            ]
    if not low <= item.base_value <= high:
        what = "multiplier 1 (the file's values)" if entry.scale else f"value {item.base_value:g}"
        return [
            (
                where,
                f"the file's {what} lies outside this distribution's range "
                f"[{low:.6g}, {high:.6g}]; the range should hold the value the file runs with",
            )
        ]
    return []


def _number_at(scenario: Scenario, path: str) -> float:
    value = value_at(scenario, path)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise LeverError([(path, f"holds {value!r}, not a number to draw")])
    return float(value)


def _messages(base: Scenario, inputs: Sequence[UncertainInput], values: dict) -> list[str]:
    try:
        scenario_at(base, inputs, values)
    except LeverError as error:
        return [message for _, message in error.found]
    return []
