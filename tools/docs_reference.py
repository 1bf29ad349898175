"""The docs site's generated reference pages: the scenario schema and the metric registry.

Used two ways:

* as an mkdocs hook (``hooks:`` in mkdocs.yml): ``on_files`` adds ``reference/schema.md`` and
  ``reference/metrics.md`` to the site at build time, so they are never committed and never
  out of date;
* as a script: ``python tools/docs_reference.py DIR`` writes the same two pages into DIR (to
  read them without building the site).

Both read the package (``carepath.inputs.schema_reference``, ``carepath.inputs.metric_registry``),
so carepath must be importable (``make docs`` puts ``models/`` on the path).
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import carepath  # noqa: F401  (registers the built-in reforms and their metrics)
from carepath.inputs.metric_registry import METRICS, Metric
from carepath.inputs.schema_reference import KeyDoc, scenario_keys
from carepath.inputs.units import SUFFIXES, UNITS

SCHEMA_PAGE = "reference/schema.md"
METRICS_PAGE = "reference/metrics.md"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _table(header: tuple[str, ...], rows: Iterable[tuple[str, ...]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return [*lines, ""]


def _section(key: KeyDoc) -> str:
    """The heading a key is listed under: its top-level key, or ``reforms.<name>``."""
    parts = key.path.replace("[]", "").split(".")
    return ".".join(parts[:2]) if parts[0] == "reforms" and len(parts) > 1 else parts[0]


def _key_row(key: KeyDoc) -> tuple[str, ...]:
    return (
        f"`{key.path}`",
        key.type,
        key.unit or "",
        key.bounds,
        "required" if key.default == "required" else f"`{key.default}`",
        key.description,
    )


def schema_page() -> str:
    """Every key of a scenario file: path, type, unit, bounds, default and description."""
    lines = [
        "# Scenario file reference",
        "",
        "Generated from the pydantic schema (`carepath.inputs.schema.Scenario`, the sections it "
        "holds and every registered reform's section) each time the site is built. A path "
        "reads as a lever's: `facilities[]` is a key of every list item, `<key>` any key of a "
        "mapping (a tier, a test type, an id). Every section refuses keys it does not list. "
        "How descriptions and units are declared: [Contributing](../contributing.md).",
        "",
        "## Units",
        "",
        "A key whose name ends in "
        + ", ".join(f"`{suffix}`" for suffix in SUFFIXES)
        + " has that unit; any other number declares one of these:",
        "",
        *_table(("unit", "meaning"), ((name, meaning) for name, meaning in UNITS.items())),
    ]
    sections: dict[str, list[KeyDoc]] = {}
    for key in scenario_keys():
        sections.setdefault(_section(key), []).append(key)
    # Keys that hold no section of their own are listed together, first.
    top = [keys[0] for keys in sections.values() if len(keys) == 1]
    header = ("key", "type", "unit", "bounds", "default", "description")
    lines += ["## Top-level keys", "", *_table(header, (_key_row(k) for k in top))]
    for name, keys in sections.items():
        if len(keys) > 1:
            lines += [f"## `{name}`", "", *_table(header, (_key_row(k) for k in keys))]
    return "\n".join(lines)


def _metric_row(metric: Metric) -> tuple[str, ...]:
    return (f"`{metric.name}`", metric.unit, metric.better, metric.description)


def metrics_page() -> str:
    """Every metric of the registry: name, unit, better direction and description."""
    header = ("metric", "unit", "better", "description")
    lines = [
        "# Metric reference",
        "",
        "Generated from the metric registry (`carepath.inputs.metric_registry`, with the "
        "registered reforms' metrics) each time the site is built. `better` says which way a "
        "change is an improvement; result tables keep `difference = without - with` for every "
        "metric whatever its direction.",
        "",
        "## Per arm",
        "",
        "Rows of arms `without`, `with` and `difference` in `summary.csv`.",
        "",
        *_table(header, (_metric_row(m) for m in METRICS if m.scope == "arm")),
        "## Paired",
        "",
        "Rows of arm `paired`: the arms compared patient by patient within each replication.",
        "",
        *_table(header, (_metric_row(m) for m in METRICS if m.scope == "paired")),
        "## Families",
        "",
        "Metrics named from a pattern, one per tier and measured week of the run.",
        "",
        *_table(
            ("pattern", "unit", "better", "description"),
            ((f"`{f.pattern}`", f.unit, f.better, f.description) for f in METRICS.families()),
        ),
    ]
    return "\n".join(lines)


def pages() -> dict[str, str]:
    """Generated page path (under docs/) -> its Markdown."""
    return {SCHEMA_PAGE: schema_page(), METRICS_PAGE: metrics_page()}


def on_files(files: Any, config: Any) -> Any:
    """mkdocs hook: add the generated pages to the site."""
    from mkdocs.structure.files import File

    for path, text in pages().items():
        files.append(File.generated(config, path, content=text))
    return files


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python tools/docs_reference.py DIR", file=sys.stderr)
        return 2
    for path, text in pages().items():
        target = Path(argv[0]) / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
