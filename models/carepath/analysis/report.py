"""The validation report, ``results/validation.md``, written from result files only.

It simulates nothing: the report is its registered sections in order, each a function of the
results folder that returns markdown lines.  The sections live in ``analysis/report_sections/``,
one module each, and register themselves with :func:`section`; every module there is loaded when
the report is written, so a new section is a new module and nothing else.  The text depends only
on the files it reads, so the same results give the same report byte for byte.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..observation.results_folder import (
    MANIFEST_FILE,
    VALIDATION_FOLDER,
    result_folders,
    write_atomic,
)
from ..observation.results_folder import read_manifest as read_folder_manifest
from .plugins import Registry


@dataclass(frozen=True)
class Section:
    """A part of the report: ``order`` places it (lower first), ``lines`` writes it."""

    name: str
    order: int
    lines: Callable[[Path], list[str]]


SECTIONS: Registry[Section] = Registry(f"{__package__}.report_sections", "report section")


def section(name: str, order: int) -> Callable[[Callable[[Path], list[str]]], Callable]:
    """Register a function ``results folder -> markdown lines`` as the report's section
    ``name``, placed by ``order`` (the plausibility section is 100, the queueing one 200)."""

    def register(lines: Callable[[Path], list[str]]) -> Callable[[Path], list[str]]:
        SECTIONS.add(name, Section(name, order, lines), lines)
        return lines

    return register


def sections() -> list[Section]:
    """Every section of the report, in order, once every module of ``report_sections`` has
    been loaded."""
    return sorted(SECTIONS.entries(), key=lambda s: (s.order, s.name))


def report_text(results: Path) -> str:
    """The report of the folders under ``results``, each checked against its manifest first
    (ResultsProblem naming a file that differs, as for every reader)."""
    results = Path(results)
    result_folders(results)
    lines = [
        "# Validation report",
        "",
        "Written by `carepath report` (`make report`) from the result files under "
        f"`{results}/`; it runs no simulation. The figures published about the reforms "
        "(docs/sources.md) are outcomes of the real system: they are never model inputs, and a "
        "scenario is plausible when its outputs land near them.",
        "",
    ]
    for part in sections():
        lines += part.lines(results)
    return "\n".join(lines).rstrip("\n") + "\n"


def write_report(results: Path, out: Path) -> Path:
    """Write the report to ``out`` atomically."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(out, report_text(results).encode("utf-8"))
    return out


# -- what sections share -----------------------------------------------------------------------


def number(value: float | None) -> str:
    """Four significant digits; an empty cell for a missing value."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return f"{value:.4g}"


def with_interval(
    mean: float, low: float, high: float, show: Callable[[float], str] | None = None
) -> str:
    """``mean [low, high]``, each shown by ``show`` (default :func:`number`); the mean alone
    without an interval."""
    show = show or number
    if math.isnan(low) or math.isnan(high):
        return show(mean)
    return f"{show(mean)} [{show(low)}, {show(high)}]"


def interval_cells(block: pd.DataFrame, arms: Iterable[str]) -> list[str]:
    """``with_interval`` of each arm's row of ``block`` (indexed by arm; columns ``mean``,
    ``ci_low``, ``ci_high``), empty for an arm it does not have."""
    return [
        with_interval(*block.loc[arm, ["mean", "ci_low", "ci_high"]]) if arm in block.index else ""
        for arm in arms
    ]


def gap(mean: float, low: float | None, high: float | None) -> str:
    """How far the model's mean lies from a published range, in words."""
    low = None if low is None or math.isnan(low) else low
    high = None if high is None or math.isnan(high) else high
    if math.isnan(mean):
        return "the model gives no value"
    if low is None and high is None:
        return "no published number to compare with"
    if low is not None and mean < low:
        return f"{number(low - mean)} below the published {number(low)} ({mean / low - 1:+.0%})"
    if high is not None and mean > high:
        return f"{number(mean - high)} above the published {number(high)} ({mean / high - 1:+.0%})"
    return "inside the published range"


def markdown_table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell.replace("|", "/") for cell in row) + " |" for row in rows]
    return lines


def folders_with(results: Path, file: str) -> list[Path]:
    """The scenario folders under ``results`` holding ``file``, by name (the validation folder
    is not a scenario's)."""
    if not results.is_dir():
        return []
    return sorted(
        f
        for f in results.iterdir()
        if f.is_dir() and f.name != VALIDATION_FOLDER and (f / file).exists()
    )


def read_manifest(folder: Path) -> dict | None:
    if not (Path(folder) / MANIFEST_FILE).exists():
        return None
    return read_folder_manifest(folder)


def provenance(folder: Path) -> str:
    """Replications, seed, commit and end time of the run that made a folder's files."""
    manifest = read_manifest(folder)
    if manifest is None:
        return "no manifest"
    git = manifest.get("git") or {}
    commit = (git.get("commit") or "unknown")[:10]
    dirty = {True: ", uncommitted changes", False: "", None: ""}[git.get("dirty")]
    parts = []
    if "replications" in manifest:
        parts.append(f"{manifest['replications']} replications, seed {manifest.get('seed')}")
    parts.append(f"commit {commit}{dirty}")
    parts.append(f"finished {manifest.get('finished', 'unknown')}")
    return "; ".join(parts)
