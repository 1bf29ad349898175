"""Loading a scenario file: read, merge ``extends``, validate, cross-check; all errors at once."""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from .checks import cross_checks
from .loading import ScenarioError, format_errors, format_problem, read_tree
from .schema import Scenario


def _ids(data: dict, section: str) -> set[str] | None:
    """Ids declared in a section of the raw file; None if the section is too malformed to tell."""
    items = data.get(section)
    if not isinstance(items, list):
        return None
    return {
        item["id"] for item in items if isinstance(item, dict) and isinstance(item.get("id"), str)
    }


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file; raise ``ScenarioError`` listing every problem found."""
    path = Path(path)
    data, origins = read_tree(path)
    context = {section: _ids(data, section) for section in ("facilities", "conditions", "zones")}
    try:
        scenario = Scenario.model_validate(data, context=context)
    except ValidationError as error:
        raise ScenarioError(format_errors(error, origins, path, Scenario)) from None
    problems = [
        format_problem(loc, message, origins, path) for loc, message in cross_checks(scenario)
    ]
    if problems:
        raise ScenarioError(problems)
    return scenario


def resolved(scenario: Scenario) -> dict:
    """The scenario with every default filled in, as plain data (for manifests and hashes)."""
    return scenario.model_dump(mode="json")
