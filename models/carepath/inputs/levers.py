"""Levers: change one setting of a scenario by its key path, without writing YAML.

A lever is a dotted key path into the scenario as written in a file: ``reforms.credit.enrolment``,
``simulation.horizon_days``, ``facilities[3].stations.exams.ct``.  An item of a list whose items
have ids may also be named by its id: ``facilities[county_hospital].stations.exams.ct``.  The
changed scenario is validated exactly like a scenario file (pydantic, then the cross-section
checks), so a lever can never produce a scenario that ``carepath check`` would refuse.

This is the one place where levers are set: sweeps in scenario files, notebooks and quick mode
all come through here.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .checks import cross_checks
from .keypath import Key, format_keys, locate, parse_path
from .loading import ScenarioError, format_errors, format_problem
from .schema import Scenario

# format_errors names a file first; levers have none, so a marker is put there and taken off.
_MARKER = "<lever>"


class LeverError(ScenarioError):
    """A lever path or value that does not give a valid scenario.

    ``problems`` holds one line per problem (``<lever>: <message>``); ``found`` the same problems
    as (lever path, message), for callers that name the key themselves (a sweep in a file).
    """

    def __init__(self, found: list[tuple[str, str]]) -> None:
        self.found = found
        super().__init__([f"{lever}: {message}" for lever, message in found])


def with_lever(scenario: Scenario, path: str, value: Any) -> Scenario:
    """The scenario with the setting at ``path`` replaced by ``value``, validated.

    >>> with_lever(scenario, "reforms.credit.enrolment", 0.5)

    Raises ``LeverError`` (a ``ScenarioError``) naming the lever when the path does not exist
    or the changed scenario is invalid.
    """
    return with_levers(scenario, {path: value})


def with_levers(scenario: Scenario, levers: Mapping[str, Any]) -> Scenario:
    """The scenario with several settings replaced at once, then validated as a whole.

    Setting them together matters when only the combination is valid (for instance moving a
    facility's tier and its referral target together).
    """
    data = scenario.model_dump(mode="json")
    found: list[tuple[str, str]] = []
    for path, value in levers.items():
        try:
            _set(data, parse_path(path), value)
        except (ValueError, KeyError, IndexError) as error:
            found.append((path, str(error.args[0])))
    if found:
        raise LeverError(found)
    changed, problems = _validate(data)
    if changed is None or problems:
        where = ", ".join(levers) or "(no lever)"
        raise LeverError([(where, _without_prefix(problem, levers)) for problem in problems])
    return changed


def _validate(data: dict) -> tuple[Scenario | None, list[str]]:
    """The scenario, or every problem of ``data`` as ``key.path: message`` lines."""
    try:
        scenario = Scenario.model_validate(data, context=_ids(data))
    except ValidationError as error:
        lines = format_errors(error, {}, Path(_MARKER), Scenario)
        return None, [line.removeprefix(f"{_MARKER}: ") for line in lines]
    lines = [format_problem(key, msg, {}, Path(_MARKER)) for key, msg in cross_checks(scenario)]
    return scenario, [line.removeprefix(f"{_MARKER}: ") for line in lines]


def _without_prefix(problem: str, levers: Mapping[str, Any]) -> str:
    """The message alone when the problem is at the lever itself (it is named once already)."""
    for path in levers:
        if problem.startswith(f"{path}: "):
            return problem.removeprefix(f"{path}: ")
    return problem


def _ids(data: dict) -> dict:
    """Validation context: the ids each section declares (for cross-references)."""
    return {
        section: {item.get("id") for item in data.get(section) or [] if isinstance(item, dict)}
        for section in ("facilities", "conditions", "zones")
    }


def value_at(scenario: Scenario, path: str) -> Any:
    """The setting at a lever path of the scenario (every default filled in), as plain data.

    Raises ``LeverError`` naming the path when it does not exist.
    """
    try:
        keys = parse_path(path)
        node, found = locate(scenario.model_dump(mode="json"), keys)
        key = found[-1]
        if isinstance(node, dict) and key not in node:
            raise KeyError(f"no key {key!r} under {format_keys(keys[:-1]) or 'the scenario'}")
        return node[key]
    except (ValueError, KeyError, IndexError) as error:
        raise LeverError([(path, str(error.args[0]))]) from None


def _set(data: dict, keys: tuple[Key, ...], value: Any) -> None:
    # A new key is allowed at the end: validation refuses it if the section has no such key.
    node, path = locate(data, keys)
    node[path[-1]] = value
