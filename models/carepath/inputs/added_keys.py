"""Keys added to the schema after scenario files were written.

A scenario's hash is that of its resolved dump; a key added later is left out of the dump while
it has its default, so that every file that does not use it keeps its hash (and its committed
results stay attributable).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import Field
from pydantic_core import PydanticUndefined


def added_key(
    default: Any = PydanticUndefined,
    *,
    default_factory: Callable[[], Any] | None = None,
    **field: Any,
) -> Any:
    """A pydantic ``Field`` left out of dumps while it equals its default."""
    if default_factory is not None:
        empty = default_factory()
        return Field(
            default_factory=default_factory, exclude_if=lambda value: value == empty, **field
        )
    return Field(default, exclude_if=lambda value: value == default, **field)
