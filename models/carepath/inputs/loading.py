"""Reading scenario files: YAML with `extends`, validated by a pydantic model.

A scenario file may name a base scenario with `extends: base.yaml` (relative to the file
that says it). The file is laid over its base: mappings are merged key by key, while lists,
single values and an explicit `null` replace what the base said. A file that also says
`merge: by_id` merges lists whose items all have ids item by item instead: an item with an id
the base has is merged into the base's item, a new id is added at the end.

A top-level key may be a key path (`reforms.credit.enrolment: 0.4`, `facilities[town].hours`,
as sweeps write levers): it is set once the file is merged over its base, so it changes one
setting of what the mapping it points into resolved to. Setting one key both ways in one file
is an error. `carepath run --set` lays key paths over the resolved file the same way.

Every problem found is reported at once, one line each, naming the file where the offending
key was written. Loading never writes anything.
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
from .keypath import Key, format_keys, locate, parse_path

Origins = dict[tuple, Path]
Setting = tuple[str, Any]  # a key path as written, and its value

# The file-level keys that are no setting of the scenario.
EXTENDS, MERGE, BY_ID = "extends", "merge", "by_id"
# Where a problem of a command-line setting is said to be (``carepath run --set``).
SET_OPTION = "--set"

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


def read_tree(path: str | Path, settings: Sequence[Setting] = ()) -> tuple[dict, Origins]:
    """Read a scenario file, follow its `extends` chain and merge it over its bases, then lay
    ``settings`` (key path, value: ``carepath run --set``) over the result.

    Returns the merged data and, for each key path (a tuple of keys and list positions,
    `()` for the whole file), the file that last defined it (``<file>: --set`` for a setting).
    """
    data, origins = _read(Path(path), ())
    set_key_paths(data, settings, Path(f"{path}: {SET_OPTION}"), origins)
    return data, origins


def set_key_paths(data: dict, settings: Sequence[Setting], source: Path, origins: Origins) -> None:
    """Set each key path of ``settings`` in ``data`` (in place), recording ``source`` as where
    it was set; a list item may be named by position or id, a missing mapping is made.

    Raises ScenarioError naming ``source`` and the key path for a path that is not there, and
    for two paths of which one sets what the other is inside (or the same path twice).
    """
    problems = _overlaps(settings, source)
    for text, value in [] if problems else settings:
        try:
            node, path = locate(data, parse_path(text), create=True)
        except (ValueError, KeyError, IndexError) as error:
            problems.append(f"{source}: {text}: {error.args[0]}")
            continue
        node[path[-1]] = copy.deepcopy(value)
        _replace_origins(value, path, source, origins)
    if problems:
        raise ScenarioError(problems)


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
    settings: Sequence[Setting] = (),
) -> Any:
    """Read a scenario file (with its bases) and check it against `model`.

    `prepare` sees the merged raw data and returns extra validation context (such as the
    known facility ids), so cross-references are checked in the same pass as everything else.
    `check` then looks across sections of the valid model and returns (key path, message)
    problems. ``settings`` (key path, value) are laid over the resolved file first, as
    ``carepath run --set`` does. Raises ScenarioError listing every problem.
    """
    data, origins = read_tree(path, settings)
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
    by_id = _merge_rule(data, file)
    paths = _key_paths(data, file)
    if EXTENDS not in data:
        origins: Origins = {}
        _mark(data, (), file, origins)
        merged = data
    else:
        merged, origins = _read_base(data.pop(EXTENDS), file, chain)
        merged = _merge(merged, data, (), file, origins, by_id)
        origins[()] = file
    set_key_paths(merged, paths, file, origins)
    return merged, origins


def _read_base(ref: Any, file: Path, chain: tuple[Path, ...]) -> tuple[dict, Origins]:
    """The resolved base that ``file`` extends, without the sections a file keeps to itself."""
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
    return merged, origins


def _merge_rule(data: dict, file: Path) -> bool:
    """Whether the file asks for lists to be merged by id (``merge: by_id``; taken out)."""
    if MERGE not in data:
        return False
    rule = data.pop(MERGE)
    if rule != BY_ID:
        raise ScenarioError(
            [
                f"{file}: {MERGE}: the one rule is {BY_ID} (merge lists item by item by id), "
                f"got {rule!r}"
            ]
        )
    if EXTENDS not in data:
        raise ScenarioError(
            [f"{file}: {MERGE}: only a file that extends another has lists to merge into"]
        )
    return True


def _key_paths(data: dict, file: Path) -> list[Setting]:
    """The top-level keys written as key paths (taken out of ``data``); ScenarioError naming
    the file and key for one that is no key path or that the file also sets in its mapping."""
    paths = [(k, v) for k, v in data.items() if isinstance(k, str) and ("." in k or "[" in k)]
    problems = []
    for text, _ in paths:
        del data[text]
        try:
            keys = parse_path(text)
        except ValueError as error:
            problems.append(f"{file}: {text}: {error}")
            continue
        written = _written_at(data, keys)
        if written is not None:
            problems.append(
                f"{file}: {text}: set twice, as a key path and inside {written}; keep one"
            )
    if problems:
        raise ScenarioError(problems)
    return paths


def _written_at(data: dict, keys: tuple[Key, ...]) -> str | None:
    """Where the nested part of a file already sets the key path ``keys`` (its top-level key,
    or an ancestor the file gives a single value), None if it does not."""
    node: Any = data
    for depth, key in enumerate(keys):
        if not isinstance(node, (dict, list)):
            return format_keys(keys[:depth])
        node = _child(node, key)
        if node is _ABSENT:
            return None
    return str(keys[0])


_ABSENT = object()


def _child(node: dict | list, key: Key) -> Any:
    """The value under ``key`` (a list item by position or id), or _ABSENT."""
    if isinstance(node, dict):
        return node.get(key, _ABSENT) if isinstance(key, str) else _ABSENT
    if isinstance(key, int):
        return node[key] if key < len(node) else _ABSENT
    ids = (item for item in node if isinstance(item, dict) and item.get("id") == key)
    return next(ids, _ABSENT)


def _overlaps(settings: Sequence[Setting], source: Path) -> list[str]:
    """One problem for each key path that is, or is inside, another one given with it."""
    parsed = []
    for text, _ in settings:
        with contextlib.suppress(ValueError):  # reported where the path is set
            parsed.append((text, parse_path(text)))
    return [
        f"{source}: {text}: also set by {other}; give one of them"
        for i, (text, keys) in enumerate(parsed)
        for other, outer in parsed[:i]
        if keys[: len(outer)] == outer or outer[: len(keys)] == keys
    ]


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


def _merge(
    merged: dict, override: Mapping, path: tuple, file: Path, origins: Origins, by_id: bool = False
) -> dict:
    # `merged` is already a private copy, so it is updated in place.
    for key, value in override.items():
        here = (*path, key)
        if isinstance(merged.get(key), dict) and isinstance(value, dict):
            _merge(merged[key], value, here, file, origins, by_id)
        elif by_id and _all_have_ids(merged.get(key)) and _all_have_ids(value):
            _merge_by_id(merged[key], value, here, file, origins)
        else:
            merged[key] = copy.deepcopy(value)
            _replace_origins(value, here, file, origins)
        origins[here] = file
    return merged


def _merge_by_id(items: list, override: list, path: tuple, file: Path, origins: Origins) -> None:
    """Merge each item of ``override`` into the base's item with its id; add new ids at the end."""
    ids = [item["id"] for item in override]
    twice = sorted({i for i in ids if ids.count(i) > 1})
    if twice:
        where = _format_path(path)
        raise ScenarioError(
            [f"{file}: {where}: id {i!r} written twice in a list merged by id" for i in twice]
        )
    positions = {item["id"]: i for i, item in enumerate(items)}
    for item in override:
        if item["id"] in positions:
            here = (*path, positions[item["id"]])
            _merge(items[positions[item["id"]]], item, here, file, origins, by_id=True)
        else:
            here = (*path, len(items))
            items.append(copy.deepcopy(item))
            _mark(item, here, file, origins)
        origins[here] = file


def _all_have_ids(value: Any) -> bool:
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(item, dict) and isinstance(item.get("id"), str) for item in value)
    )


def _replace_origins(value: Any, path: tuple, file: Path, origins: Origins) -> None:
    """``file`` set ``value`` at ``path``: whatever was below it is gone, so its origins go."""
    for stale in [p for p in origins if p[: len(path)] == path]:
        del origins[stale]
    _mark(value, path, file, origins)


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
