"""Every figure of the report, redrawn from the result folders under ``results/``.

``draw_all`` reads each ``results/<scenario>/`` that has a ``manifest.json`` (in name order),
draws the charts its tables allow, and writes ``<out>/<scenario>/<figure>.png`` and ``.pdf``
with a caption ``.txt`` beside them.  It reads CSV files and manifests only: no simulation
runs, so a fresh clone redraws everything in seconds, and the same results give the same bytes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from ...observation.results_folder import (
    FIGURES_FOLDER,
    ResultsFolder,
    result_folders,
    write_atomic,
)
from .chart import Chart, MissingData
from .registry import FigureSpec, figures_of
from .style import FORMATS, figure_bytes


def caption(folder: ResultsFolder, spec: FigureSpec, chart: Chart) -> str:
    """The caption: title, scenario, replications, seed, what is plotted, which data."""
    m = folder.manifest
    git = m.get("git") or {}
    commit = (git.get("commit") or "unknown")[:12]
    dirty = {True: " (uncommitted changes)", False: "", None: ""}.get(git.get("dirty"), "")
    checksum = ((m.get("files") or {}).get(spec.source) or {}).get("sha256", "unknown")
    return "\n".join(
        [
            f"{folder.name}: {spec.title}",
            f"Scenario: {folder.name} (file {m.get('scenario_file')}); {_design(m, True)}"
            f"replications: {m.get('replications')} per arm; seed: {m.get('seed')}; "
            f"arms: {', '.join(m.get('arms') or [])}.",
            f"Plotted: {chart.plotted}.",
            f"Data: {folder.path.name}/{spec.source} (sha256 {checksum}), made by carepath "
            f"{(m.get('versions') or {}).get('carepath')} at git commit {commit}{dirty}.",
            "",
        ]
    )


def figure_title(folder: ResultsFolder, spec: FigureSpec) -> str:
    m = folder.manifest
    runs = f"{_design(m, False)}{m.get('replications')} replications per arm, seed {m.get('seed')}"
    return f"{folder.name}: {spec.title}\n{runs}"


def _design(manifest: dict, long: bool) -> str:
    """What a folder ran besides replications: a sweep's variants, a PSA's samples."""
    sweep, psa = manifest.get("sweep"), manifest.get("psa")
    if sweep:
        return f"{len(sweep['variants'])} variants{' of the sweep' * long}, "
    if psa:
        points = sum((psa.get("points") or {}).values())
        return f"{psa['samples']} input samples ({points} design points), "
    return ""


def draw_all(
    results: Path = Path("results"),
    out: Path | None = None,
    formats: Iterable[str] = FORMATS,
    log: Callable[[str], None] = print,
) -> list[Path]:
    """Draw every figure from the result folders under ``results`` into ``out``
    (default ``results/figures``); return the files written.

    A figure whose data a folder lacks is skipped with a note through ``log``.
    Raises ``ResultsProblem`` if a manifest or table cannot be read.
    """
    results = Path(results)
    out = Path(out) if out is not None else results / FIGURES_FOLDER
    written: list[Path] = []
    for folder in result_folders(results, skip=(out,)):
        target = out / folder.name
        for spec in figures_of(folder):
            try:
                chart = spec.draw(folder.table(spec.source), figure_title(folder, spec))
            except MissingData as missing:
                log(f"{folder.name}: skipped {spec.name}: {missing}")
                continue
            target.mkdir(parents=True, exist_ok=True)
            for fmt in formats:
                data = figure_bytes(chart.figure, fmt)
                written.append(_write(target / f"{spec.name}.{fmt}", data))
            text = caption(folder, spec, chart).encode("utf-8")
            written.append(_write(target / f"{spec.name}.txt", text))
    return written


def _write(path: Path, data: bytes) -> Path:
    write_atomic(path, data)
    return path
