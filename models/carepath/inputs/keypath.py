"""Key paths: where a setting sits in a scenario, written as in the YAML.

``reforms.credit.enrolment``, ``facilities[3].stations.exams.ct``; a list item may be named by
its id instead of its position: ``facilities[county_hospital].stations``.
"""

from __future__ import annotations

import re

Key = str | int
# A name (after a dot, except at the start) or a bracketed list position or id.
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*")
_INDEX = re.compile(r"\[(\d+|[A-Za-z_][A-Za-z0-9_\-]*)\]")


def parse_path(path: str) -> tuple[Key, ...]:
    """The keys of a lever path: ``"facilities[3].stations"`` -> ``("facilities", 3, "stations")``.

    Raises ValueError naming the path when it is not a key path.
    """
    if not isinstance(path, str):
        raise ValueError(f"a lever path is text like 'reforms.credit.enrolment', got {path!r}")
    keys: list[Key] = []
    pos = 0
    while pos < len(path):
        dotted = pos > 0 and path[pos] == "."
        name = _NAME.match(path, pos + dotted) if dotted or pos == 0 else None
        if name:
            keys.append(name.group())
            pos = name.end()
            continue
        index = _INDEX.match(path, pos) if pos > 0 else None
        if not index:
            raise ValueError(
                f"not a key path at character {pos + 1} of {path!r} "
                "(write it like reforms.credit.enrolment or facilities[2].stations.exams.ct)"
            )
        text = index.group(1)
        keys.append(int(text) if text.isdigit() else text)
        pos = index.end()
    if not keys:
        raise ValueError("a lever path may not be empty")
    return tuple(keys)


def format_keys(keys: tuple[Key, ...]) -> str:
    """The key path of ``keys``, as ``parse_path`` reads it."""
    return "".join(f"[{k}]" if isinstance(k, int) else f".{k}" for k in keys).lstrip(".")


def checked_path(path: str) -> str:
    """``path`` if it is a key path; ValueError otherwise (a pydantic validator)."""
    parse_path(path)
    return path
