"""Key paths: where a setting sits in a scenario, written as in the YAML.

``reforms.credit.enrolment``, ``facilities[3].stations.exams.ct``; a list item may be named by
its id instead of its position: ``facilities[county_hospital].stations``.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from . import safe_yaml

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


def locate(
    data: Any, keys: tuple[Key, ...], *, create: bool = False
) -> tuple[Any, tuple[Key, ...]]:
    """The mapping or list holding the setting at ``keys``, and the setting's full path there
    with every list item named by its position (an id is looked up).

    With ``create``, a mapping missing (or null) on the way is made, as writing the nested form
    in a file would make it.  Raises KeyError or IndexError saying which part is not there.
    """
    node: Any = data
    path: list[Key] = []
    for depth, key in enumerate(keys):
        here = format_keys(keys[:depth]) or "the scenario"
        last = depth == len(keys) - 1
        if isinstance(node, dict):
            if not isinstance(key, str):
                raise KeyError(f"{here} is a mapping of keys, not a list: [{key}]")
            if not last and node.get(key) is None:
                if not create:
                    known = ", ".join(sorted(map(str, node))) or "none"
                    raise KeyError(f"no key {key!r} under {here} (keys: {known})")
                node[key] = {}
            path.append(key)
        elif isinstance(node, list):
            path.append(_position(node, key, here))
        else:
            raise KeyError(f"{here} is a single value, it has no {key!r}")
        if not last:
            node = node[path[-1]]
    if not keys:
        raise KeyError("a lever path may not be empty")
    return node, tuple(path)


def _position(items: list, key: Key, here: str) -> int:
    if isinstance(key, int):
        if key >= len(items):
            raise IndexError(f"{here} has {len(items)} items, so no [{key}]")
        return key
    for i, item in enumerate(items):
        if isinstance(item, dict) and item.get("id") == key:
            return i
    ids = ", ".join(str(item.get("id")) for item in items if isinstance(item, dict)) or "none"
    raise KeyError(f"no item with id {key!r} in {here} (ids: {ids})")


def parse_setting(text: str) -> tuple[str, Any]:
    """``"reforms.credit.enrolment=0.4"`` -> ``("reforms.credit.enrolment", 0.4)``: a key path
    and its value read as YAML (``0.4``, ``true``, ``null``, ``text``, ``[a, b]``).

    Raises ValueError naming the key when the path or the value cannot be read.
    """
    path, equals, value = text.partition("=")
    path = path.strip()
    if not equals or not path:
        raise ValueError(f"write KEY.PATH=VALUE, e.g. reforms.credit.enrolment=0.4, got {text!r}")
    parse_path(path)
    try:
        return path, safe_yaml.load(value)
    except (yaml.YAMLError, safe_yaml.UnsafeYamlError) as error:
        problem = getattr(error, "problem", None) or " ".join(str(error).split())
        raise ValueError(f"{path}: the value {value!r} is not a YAML value: {problem}") from None


# A key path as a JSON Schema pattern (a scenario file's top-level key paths): a name, then at
# least one dotted name or bracketed position or id.
KEY_PATH_PATTERN = rf"^{_NAME.pattern}(\.{_NAME.pattern}|{_INDEX.pattern})+$"
