"""Every key a scenario file may give, read from the schema: its path, type, unit, bounds,
default and description.

:func:`scenario_keys` walks :class:`~carepath.inputs.schema.Scenario` and every section model it
holds, the registered reforms' sections (``reforms.<name>``, from the reform registry) included.
The docs' schema reference is printed from it and ``tests/test_schema_docs.py`` checks it, so
the two read the same keys.  Paths are written as in a lever: ``facilities[].stations.cashier``
for a key of every list item, ``tiers.<key>.walk_min`` for a key of every mapping entry.
"""

from __future__ import annotations

import json
import types
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import annotated_types
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from .reform_registry import REFORMS
from .schema import ReformSections, Scenario
from .units import INHERITED, declared_unit, suffix_unit

_BOUNDS = (
    (annotated_types.Ge, "ge", "≥"),
    (annotated_types.Gt, "gt", ">"),
    (annotated_types.Le, "le", "≤"),
    (annotated_types.Lt, "lt", "<"),
)


@dataclass(frozen=True)
class KeyDoc:
    """One key of a scenario file as the schema declares it."""

    path: str
    section: str  # the model the key belongs to
    type: str
    numeric: bool
    unit: str | None  # resolved: an inherited unit is the enclosing key's
    bounds: str
    default: str
    description: str


def scenario_keys(reform_configs: Mapping[str, type[BaseModel]] | None = None) -> list[KeyDoc]:
    """Every key of a scenario file, in the schema's order; ``reform_configs`` (reform name ->
    its section model) defaults to the registered reforms'."""
    configs = (
        {r.name: r.config for r in REFORMS} if reform_configs is None else dict(reform_configs)
    )
    descriptions = {r.name: r.description for r in REFORMS}
    return list(_walk(Scenario, "", None, configs, descriptions))


def _walk(
    model: type[BaseModel],
    prefix: str,
    outer_unit: str | None,
    configs: Mapping[str, type[BaseModel]],
    reform_words: Mapping[str, str],
) -> Iterator[KeyDoc]:
    for name, field in model.model_fields.items():
        path = f"{prefix}.{name}" if prefix else name
        unit = declared_unit(name, field)
        if unit == INHERITED:
            unit = outer_unit
        yield KeyDoc(
            path=path,
            section=model.__name__,
            type=type_text(field.annotation),
            numeric=is_numeric(field.annotation),
            unit=unit,
            bounds=bounds_text(field),
            default=default_text(field),
            description=field.description or "",
        )
        inner_unit = suffix_unit(name) or outer_unit
        if _is_reform_sections(field.annotation):
            for reform, config in configs.items():
                yield KeyDoc(
                    path=f"{path}.{reform}",
                    section="Reforms",
                    type=config.__name__,
                    numeric=False,
                    unit=None,
                    bounds="",
                    default="switched off",
                    description=reform_words.get(reform, ""),
                )
                yield from _walk(config, f"{path}.{reform}", inner_unit, configs, reform_words)
            continue
        for child_path, child in _models_in(field.annotation, path):
            yield from _walk(child, child_path, inner_unit, configs, reform_words)


def _is_model(annotation: Any) -> bool:
    return (
        isinstance(annotation, type)
        and not get_args(annotation)
        and issubclass(annotation, BaseModel)
    )


def _is_reform_sections(annotation: Any) -> bool:
    return any(
        _is_model(a) and issubclass(a, ReformSections) for a in (annotation, *get_args(annotation))
    )


def _models_in(annotation: Any, path: str) -> Iterator[tuple[str, type[BaseModel]]]:
    """The section models a value of this type may hold, each with the path of its keys."""
    if _is_model(annotation):
        yield path, annotation
        return
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is Annotated:
        yield from _models_in(args[0], path)
    elif origin is list:
        yield from _models_in(args[0], f"{path}[]")
    elif origin is dict:
        yield from _models_in(args[1], f"{path}.<key>")
    elif origin in (Union, types.UnionType):
        for arg in args:
            yield from _models_in(arg, path)


def is_numeric(annotation: Any) -> bool:
    """Whether a value of this type is, or holds, a number (a boolean is not one)."""
    if annotation in (int, float):
        return True
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is Literal:
        return any(isinstance(a, int | float) and not isinstance(a, bool) for a in args)
    if origin is Annotated:
        return is_numeric(args[0])
    if origin is dict:
        return is_numeric(args[1])
    if origin in (list, Union, types.UnionType):
        return any(is_numeric(a) for a in args)
    return False


def type_text(annotation: Any) -> str:
    """A type in a reader's words: ``number``, ``list of text``, ``mapping 'lab' | 'ct' to
    share``..."""
    words = {int: "integer", float: "number", str: "text", bool: "true or false"}
    if annotation in words:
        return words[annotation]
    if annotation is type(None):
        return "null"
    if annotation is Any:
        return "any value"
    if _is_model(annotation):
        return annotation.__name__
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is Annotated:
        return type_text(args[0])
    if origin is Literal:
        values = ", ".join(json.dumps(a) for a in args)
        return f"one of {values}" if len(args) > 1 else values
    if origin is list:
        return f"list of {type_text(args[0])}"
    if origin is dict:
        return f"mapping of {type_text(args[0])} to {type_text(args[1])}"
    if origin in (Union, types.UnionType):
        return " or ".join(type_text(a) for a in args)
    return getattr(annotation, "__name__", str(annotation))


def _constraints(metadata: list[Any]) -> list[str]:
    found = []
    for kind, attribute, sign in _BOUNDS:
        for item in metadata:
            if isinstance(item, kind):
                found.append(f"{sign} {getattr(item, attribute):,}")
    return found


def _inner_constraints(annotation: Any) -> list[str]:
    """Bounds set on the items of a list, the values of a mapping or a member of a union."""
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is Annotated:
        metadata = [m for a in args[1:] for m in (a.metadata if isinstance(a, FieldInfo) else [a])]
        return _constraints(metadata) or _inner_constraints(args[0])
    inner = args[1:] if origin is dict else args
    for arg in inner:
        found = _inner_constraints(arg)
        if found:
            return found
    return []


def bounds_text(field: FieldInfo) -> str:
    """The numeric bounds pydantic enforces on a field (``≥ 0, ≤ 1``), or on each of its items."""
    direct = _constraints(field.metadata)
    if direct:
        return ", ".join(direct)
    inner = _inner_constraints(field.annotation)
    if not inner:
        return ""
    container = get_origin(field.annotation) in (list, dict)
    return ("each " if container else "") + ", ".join(inner)


def default_text(field: FieldInfo) -> str:
    """The value a key takes when the file leaves it out, as JSON, or ``required``."""
    if field.is_required():
        return "required"
    value = field.get_default(call_default_factory=True, validated_data={})
    if isinstance(value, ReformSections):
        return "every reform switched off"
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json")
    return json.dumps(value, ensure_ascii=False, default=str)
