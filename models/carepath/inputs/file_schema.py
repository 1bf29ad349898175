"""The JSON Schema of a scenario file as written, for editors (the YAML language server).

It is the pydantic schema of ``schema.Scenario`` with what a file may say besides its settings
(``extends``, ``merge: by_id``, top-level key paths, see ``inputs.loading``).  A file that
extends another writes only what it changes, so no key inside a section is required here; a
file without ``extends`` must still give the top-level sections the scenario needs.
``carepath check`` remains the full check (cross-references, ranges across sections).
"""

from __future__ import annotations

from typing import Any

from .keypath import KEY_PATH_PATTERN
from .loading import BY_ID, EXTENDS, MERGE
from .schema import Scenario

# The oldest dialect that has every keyword used: editors (the YAML language server) read it.
DIALECT = "http://json-schema.org/draft-07/schema#"

_FILE_KEYS = {
    EXTENDS: {
        "type": "string",
        "description": "the scenario file this one builds on, relative to this file; this "
        "file's keys are laid over it",
    },
    MERGE: {
        "enum": [BY_ID],
        "description": "by_id: lists whose items have ids are merged item by item with the "
        "base's (new ids added at the end) instead of replacing them whole",
    },
}
_KEY_PATH = {
    "description": "a key path such as reforms.credit.enrolment or facilities[town_chc].hours, "
    "set after the file is merged over its base"
}


def file_schema(resolved: bool = False) -> dict[str, Any]:
    """The JSON Schema of a scenario file; with ``resolved``, that of a scenario after
    ``extends`` is merged (every required key required, no file-level keys)."""
    schema = _standard(Scenario.model_json_schema(), keep_required=resolved)
    if resolved:
        return {**schema, "$schema": DIALECT}
    schema["properties"] = {**_FILE_KEYS, **schema["properties"]}
    schema["patternProperties"] = {KEY_PATH_PATTERN: _KEY_PATH}
    # Only a file that builds on no other must give the whole scenario's top-level sections.
    schema["if"] = {"not": {"required": [EXTENDS]}}
    schema["then"] = {"required": Scenario.model_json_schema()["required"]}
    return {**schema, "$schema": DIALECT, "title": "carepath scenario file"}


# pydantic writes the bounds of a number whose type has a validator before them (schema.NUMBER)
# under their Python names, which no JSON Schema reader knows.
_BOUNDS = {"ge": "minimum", "le": "maximum", "gt": "exclusiveMinimum", "lt": "exclusiveMaximum"}


def _standard(node: Any, keep_required: bool) -> Any:
    """``node`` with bounds under their JSON Schema names and, unless ``keep_required``, no
    ``required`` list in any object schema."""
    if isinstance(node, list):
        return [_standard(item, keep_required) for item in node]
    if not isinstance(node, dict):
        return node
    numeric = node.get("type") in ("number", "integer")
    standard = {}
    for key, value in node.items():
        if key == "required" and isinstance(value, list) and "properties" in node:
            if not keep_required:
                continue
        elif numeric and key in _BOUNDS:
            key = _BOUNDS[key]
        standard[key] = _standard(value, keep_required)
    return standard
