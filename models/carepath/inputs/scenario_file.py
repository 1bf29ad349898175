"""Loading a scenario file: read, merge ``extends``, validate, cross-check; all errors at once."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path

from .checks import cross_checks
from .loading import Setting, load_model
from .schema import Scenario
from .targets import calibration_problems
from .uncertain_inputs import uncertainty_problems
from .variants import sweep_problems


def _ids(data: dict, section: str) -> set[str] | None:
    """Ids declared in a section of the raw file; None if the section is too malformed to tell."""
    items = data.get(section)
    if not isinstance(items, list):
        return None
    return {
        item["id"] for item in items if isinstance(item, dict) and isinstance(item.get("id"), str)
    }


def _context(data: dict) -> dict:
    return {section: _ids(data, section) for section in ("facilities", "conditions", "zones")}


def load_scenario(path: str | Path, settings: Sequence[Setting] = ()) -> Scenario:
    """Read and validate a scenario file; raise ``ScenarioError`` listing every problem found.

    ``settings`` (key path, value) change the resolved file before it is validated, as
    ``carepath run --set reforms.credit.enrolment=0.4`` does.
    """
    return load_model(path, Scenario, prepare=_context, check=_checks, settings=settings)


def scenario_as_run(parameters: dict) -> Scenario:
    """The scenario a run's manifest records (its resolved ``parameters``), validated as a
    file's is; pydantic's ``ValidationError`` if this version cannot read it.  The file-wide
    checks are not repeated: the run was made from a file that passed them."""
    return Scenario.model_validate(parameters, context=_context(parameters))


def _checks(scenario: Scenario) -> list:
    # A sweep's values and the ends of each uncertain input's range are applied to the
    # scenario, so they are checked once it is sound.  The file's calibration targets as a
    # whole are checked here, not in cross_checks: a PSA's drawn point keeps no held-out rule.
    problems = cross_checks(scenario) + calibration_problems(scenario)
    return problems or sweep_problems(scenario) + uncertainty_problems(scenario)


def resolved(scenario: Scenario) -> dict:
    """The scenario with every default filled in, as plain data (for manifests and hashes)."""
    return scenario.model_dump(mode="json")


def scenario_hash(resolved: dict) -> str:
    """SHA-256 of the resolved scenario, independent of key order (a run's manifest records it)."""
    text = json.dumps(resolved, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
