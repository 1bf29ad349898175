"""The variants a scenario's ``sweep:`` block asks for, each a plain scenario with levers set."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from .levers import LeverError, with_lever, with_levers
from .schema import Scenario
from .sweep import Sweep

Problem = tuple[tuple, str]


@dataclass(frozen=True)
class Variant:
    """One point of a sweep: its position, the lever values that define it, the scenario."""

    index: int
    levers: dict[str, Any]
    scenario: Scenario


def lever_rows(sweep: Sweep) -> list[dict[str, Any]]:
    """The lever values of each variant, in order: grid = every combination, the last lever
    varying fastest; zip = the i-th value of every lever together."""
    paths = list(sweep.levers)
    columns = list(sweep.levers.values())
    rows = zip(*columns, strict=True) if sweep.mode == "zip" else itertools.product(*columns)
    return [dict(zip(paths, row, strict=True)) for row in rows]


def base_of(scenario: Scenario) -> Scenario:
    """The scenario without its sweep: what every variant starts from."""
    return scenario.model_copy(update={"sweep": None})


def variants(scenario: Scenario, sweep: Sweep | None = None) -> list[Variant]:
    """Every variant of ``sweep`` (default: the scenario's own), validated.

    Raises ``LeverError`` if a combination of values gives an invalid scenario.
    """
    sweep = sweep if sweep is not None else scenario.sweep
    if sweep is None:
        raise ValueError(f"scenario {scenario.name!r} has no sweep")
    base = base_of(scenario)
    return [
        Variant(i, levers, with_levers(base, levers)) for i, levers in enumerate(lever_rows(sweep))
    ]


def sweep_problems(scenario: Scenario) -> list[Problem]:
    """Problems of the scenario's sweep, each at ``sweep.levers.<path>[i]`` (or at the lever
    when every value fails alike, as for a path that does not exist)."""
    sweep = scenario.sweep
    if sweep is None:
        return []
    base = base_of(scenario)
    problems: list[Problem] = []
    for path, values in sweep.levers.items():
        found = [_messages(lambda p=path, v=value: with_lever(base, p, v)) for value in values]
        if len(values) > 1 and found[0] and all(f == found[0] for f in found):
            problems += [(("sweep", "levers", path), message) for message in found[0]]
            continue
        for i, messages in enumerate(found):
            problems += [(("sweep", "levers", path, i), message) for message in messages]
    if problems:
        return problems
    # Each value is valid alone; a combination may still not be.
    for levers in lever_rows(sweep):
        for message in _messages(lambda levers=levers: with_levers(base, levers)):
            problems.append((("sweep", "levers"), f"the variant {levers}: {message}"))
    return problems


def _messages(apply) -> list[str]:
    try:
        apply()
    except LeverError as error:
        return [message for _, message in error.found]
    return []
