"""What a number in a scenario file may be: never a boolean (YAML's ``true`` would otherwise be
read as 1); every section also refuses ``.nan`` and ``.inf`` (``allow_inf_nan=False``)."""

from __future__ import annotations

from typing import Any

from pydantic import BeforeValidator


def not_boolean(value: Any) -> Any:
    """Refuse ``true``/``false`` where a number belongs (pydantic would read them as 1 and 0)."""
    if isinstance(value, bool):
        raise ValueError("must be a number, not a boolean")
    return value


NUMBER = BeforeValidator(not_boolean)
"""Metadata of every numeric type of a scenario file: a boolean is not a number."""
