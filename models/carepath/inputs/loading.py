"""Reading scenario files: YAML with `extends`, validated by a pydantic model.

A scenario file may name a base scenario with `extends: base.yaml` (relative to the file
that says it). The file is laid over its base: mappings are merged key by key, while lists,
single values and an explicit `null` replace what the base said. Every problem found is
reported at once, one line each, naming the file where the offending key was written.
Loading never writes anything.
"""

from __future__ import annotations

import contextlib
import copy
import difflib
import os
import re
import types
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError

from . import safe_yaml

Origins = dict[tuple, Path]

# Union members that are not models show up in error locations as labels like "int" or
# "function-after[check(), str]"; they are not keys anyone wrote in a scenario file.
_TYPE_LABEL = re.compile(r"^[\w-]+\[.*\]$")
_SCALARS = (str, int, float, bool, type(None))


class ScenarioError(Exception):
    """A scenario file (or several) could not be read or validated."""

    problems: list[str]

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems  # one line each: "<file>: <key.path>: <message>"

    def __str__(self) -> str:
        return "\n".join(self.problems)


def deep_merge(base: dict, override: dict) -> dict:
    """Lay `override` over `base`: mappings merge key by key, anything else replaces."""
    return _merge(copy.deepcopy(base), override, (), Path(), {})


def read_tree(path: str | Path) -> tuple[dict, Origins]:
    """Read a scenario file, follow its `extends` chain and merge it over its bases.

    Returns the merged data and, for each key path (a tuple of keys and list positions,
    `()` for the whole file), the file that last defined it.
    """
    return _read(Path(path), ())


def format_errors(
    error: ValidationError,
    origins: Origins,
    default_file: Path,
    model: type[BaseModel] | None = None,
) -> list[str]:
    """Describe each validation problem on one line: file, key path, message.

    With `model` given, a misspelt key also gets a suggestion of the key that was meant.
    """
    lines: list[str] = []
    for err in error.errors():
        path, owner = _data_path(err["loc"], model)
        if err["type"] == "extra_forbidden":
            message = "unknown key" + _suggestion(path[-1] if path else None, owner)
        else:
            message = err["msg"].removeprefix("Value error, ")
            if "input" in err and isinstance(err["input"], _SCALARS):
                message += f", got {err['input']!r}"
        line = format_problem(path, message, origins, default_file)
        if line not in lines:  # several union members can fail in the same way
            lines.append(line)
    return lines


def format_problem(path: tuple, message: str, origins: Origins, default_file: Path) -> str:
    """One problem line for the value at key path `path`, naming the file that set it."""
    return f"{_origin(path, origins, default_file)}: {_format_path(path)}: {message}"


def load_model(
    path: str | Path,
    model: type[BaseModel],
    context: dict | None = None,
    prepare: Callable[[dict], dict] | None = None,
    check: Callable[[Any], list[tuple[tuple, str]]] | None = None,
) -> Any:
    """Read a scenario file (with its bases) and check it against `model`.

    `prepare` sees the merged raw data and returns extra validation context (such as the
    known facility ids), so cross-references are checked in the same pass as everything else.
    `check` then looks across sections of the valid model and returns (key path, message)
    problems. Raises ScenarioError listing every problem.
    """
    data, origins = read_tree(path)
    full_context = dict(context or {})
    if prepare is not None:
        # On malformed data prepare may fail; validation then reports what is actually wrong.
        with contextlib.suppress(TypeError, KeyError, AttributeError, IndexError, ValueError):
            full_context.update(prepare(data) or {})
    try:
        validated = model.model_validate(data, context=full_context)
    except ValidationError as exc:
        raise ScenarioError(format_errors(exc, origins, Path(path), model)) from None
    problems = check(validated) if check is not None else []
    if problems:
        raise ScenarioError(
            [format_problem(key, msg, origins, Path(path)) for key, msg in problems]
        )
    return validated


# Sections a file keeps to itself: ``extends`` does not carry them over from the base, since a
# file that builds on another may change the world they point into (other zones, no reading
# centre).  A file that wants its base's uncertain inputs declares them again.
OWN_SECTIONS = ("uncertainty",)


def _read(file: Path, chain: tuple[Path, ...]) -> tuple[dict, Origins]:
    data = _load_yaml(file)
    origins: Origins = {}
    if "extends" not in data:
        _mark(data, (), file, origins)
        return data, origins
    ref = data.pop("extends")
    if not isinstance(ref, str):
        raise ScenarioError([f"{file}: extends: should be a file name, got {ref!r}"])
    base_file = Path(os.path.normpath(file.parent / ref))
    chain = (*chain, file)
    if any(base_file.resolve() == seen.resolve() for seen in chain):
        cycle = " -> ".join(str(p) for p in (*chain, base_file))
        raise ScenarioError([f"{file}: extends: files extend each other in a cycle: {cycle}"])
    if not base_file.is_file():
        raise ScenarioError([f"{file}: extends: file not found: {base_file}"])
    merged, origins = _read(base_file, chain)
    for section in OWN_SECTIONS:
        merged.pop(section, None)
    merged = _merge(merged, data, (), file, origins)
    origins[()] = file
    return merged, origins


def _load_yaml(file: Path) -> dict:
    # Duplicate keys, alias bombs, aliases inside their own anchor and deep nesting are refused
    # before any alias is expanded (see safe_yaml); the data is otherwise yaml.safe_load's.
    try:
        data = safe_yaml.load(file.read_text(encoding="utf-8"))
    except safe_yaml.UnsafeYamlError as exc:
        raise ScenarioError([_yaml_problem(file, p) for p in exc.problems]) from None
    except FileNotFoundError:
        raise ScenarioError([f"{file}: file not found"]) from None
    except OSError as exc:
        raise ScenarioError([f"{file}: could not read file: {exc.strerror}"]) from None
    except UnicodeDecodeError:
        raise ScenarioError([f"{file}: not a UTF-8 text file"]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(top level)"
        problem = getattr(exc, "problem", None) or " ".join(str(exc).split())
        raise ScenarioError([f"{file}: {where}: YAML syntax error: {problem}"]) from None
    if not isinstance(data, dict):
        got = "an empty file" if data is None else type(data).__name__
        raise ScenarioError([f"{file}: (top level): should be a mapping of keys, got {got}"])
    return data


def _yaml_problem(file: Path, problem: safe_yaml.Problem) -> str:
    where = (
        f"line {problem.line}: {_format_path(problem.path)}"
        if problem.path
        else f"line {problem.line}"
    )
    return f"{file}: {where}: {problem.message}"


def _merge(merged: dict, override: Mapping, path: tuple, file: Path, origins: Origins) -> dict:
    # `merged` is already a private copy, so it is updated in place.
    for key, value in override.items():
        here = (*path, key)
        if isinstance(merged.get(key), dict) and isinstance(value, dict):
            _merge(merged[key], value, here, file, origins)
        else:
            merged[key] = copy.deepcopy(value)
            # Whatever the base had below this key is gone, so it no longer owns any of it.
            for stale in [p for p in origins if p[: len(here)] == here]:
                del origins[stale]
            _mark(value, here, file, origins)
        origins[here] = file
    return merged


def _mark(value: Any, path: tuple, file: Path, origins: Origins) -> None:
    origins[path] = file
    if isinstance(value, (dict, list)):
        for key, child in value.items() if isinstance(value, dict) else enumerate(value):
            _mark(child, (*path, key), file, origins)


def _origin(path: tuple, origins: Origins, default_file: Path) -> Path:
    # A missing key was never written anywhere: blame whoever wrote its nearest ancestor.
    for end in range(len(path), -1, -1):
        if path[:end] in origins:
            return origins[path[:end]]
    return default_file


def _format_path(path: tuple) -> str:
    text = "".join(f"[{k}]" if isinstance(k, int) else f".{k}" for k in path).lstrip(".")
    return text or "(top level)"


def _data_path(loc: tuple, model: Any) -> tuple[tuple, Any]:
    """Keep only the parts of a pydantic error location that are keys in the data.

    Also returns the type that owns the last key (to suggest what a misspelt key meant).
    """
    path: list = []
    owner, current = None, model
    for segment in loc:
        if segment == "[key]":  # marks a bad dict key, not a level of nesting
            continue
        current = _unwrap(current)
        if get_origin(current) in (Union, types.UnionType):
            # pydantic names the union member that failed; follow that member.
            members = get_args(current)
            current = next((m for m in members if _is_member(m, segment)), None)
            continue
        if current is None and isinstance(segment, str) and _TYPE_LABEL.match(segment):
            continue  # the walk lost track of the types, but this is plainly a member label
        path.append(segment)
        owner, current = current, _child_type(current, segment)
    return tuple(path), owner


def _unwrap(annotation: Any) -> Any:
    while True:
        if get_origin(annotation) is Annotated:
            annotation = get_args(annotation)[0]
        elif get_origin(annotation) in (Union, types.UnionType):
            members = [m for m in get_args(annotation) if m is not type(None)]
            if len(members) != 1:
                return annotation
            annotation = members[0]
        else:
            return annotation


def _is_model(annotation: Any) -> bool:
    # get_args: on Python 3.10 list[int] passes isinstance(..., type) but not issubclass.
    return (
        isinstance(annotation, type)
        and not get_args(annotation)
        and issubclass(annotation, BaseModel)
    )


def _is_member(member: Any, label: Any) -> bool:
    if getattr(member, "__name__", None) == label:
        return True
    # A discriminated union labels members by their tag value, e.g. kind: Literal["clinic"].
    return _is_model(member) and any(
        get_origin(f.annotation) is Literal and label in get_args(f.annotation)
        for f in member.model_fields.values()
    )


def _child_type(annotation: Any, key: Any) -> Any:
    if _is_model(annotation):
        for name, field in annotation.model_fields.items():
            if key in (name, field.alias, field.validation_alias):
                return field.annotation
        return None
    origin, args = get_origin(annotation), get_args(annotation)
    if origin in (list, set, frozenset, Sequence) and len(args) == 1:
        return args[0]
    if origin in (dict, Mapping) and len(args) == 2:
        return args[1]
    return None


def _suggestion(key: Any, owner: Any) -> str:
    if not _is_model(owner) or not isinstance(key, str):
        return ""
    names = [n for f_name, f in owner.model_fields.items() for n in (f_name, f.alias) if n]
    match = difflib.get_close_matches(key, names, n=1)
    return f" (did you mean {match[0]!r}?)" if match else ""
