"""Every figure of the report, redrawn from the result folders under ``results/``.

``draw_all`` reads each ``results/<scenario>/`` that has a ``manifest.json`` (in name order),
draws the charts its tables allow, and writes ``<out>/<scenario>/<figure>.png`` and ``.pdf``
with a caption ``.txt`` beside them.  It reads CSV files and manifests only: no simulation
runs, so a fresh clone redraws everything in seconds, and the same results give the same bytes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ...observation.results_folder import MANIFEST_FILE, write_atomic
from . import charts
from .charts import Chart, MissingData
from .style import FORMATS, figure_bytes

SUMMARY, STATIONS, SWEEP = "summary.csv", "stations.csv", "sweep.csv"


class ResultsProblem(Exception):
    """A results folder that cannot be read; the message names the file."""


@dataclass
class ResultsFolder:
    """One ``results/<scenario>/`` folder: its manifest and its tables, read when first used."""

    path: Path
    manifest: dict
    _tables: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)

    @classmethod
    def read(cls, path: Path) -> ResultsFolder:
        file = path / MANIFEST_FILE
        try:
            manifest = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise ResultsProblem(f"{file}: cannot read the manifest: {error}") from None
        return cls(path, manifest)

    @property
    def name(self) -> str:
        return str(self.manifest.get("scenario") or self.path.name)

    def has(self, file: str) -> bool:
        return (self.path / file).is_file()

    def table(self, file: str) -> pd.DataFrame:
        if file not in self._tables:
            try:
                self._tables[file] = pd.read_csv(self.path / file)
            except (OSError, ValueError) as error:
                raise ResultsProblem(f"{self.path / file}: cannot read: {error}") from None
        return self._tables[file]


@dataclass(frozen=True)
class FigureSpec:
    """A figure of the report: file stem, title, the table it is drawn from, how to draw it."""

    name: str
    title: str
    source: str
    draw: Callable[[pd.DataFrame, str], Chart]


def _spec(draw: Callable[[pd.DataFrame, str], Chart], title: str, source: str) -> FigureSpec:
    return FigureSpec(draw.__name__, title, source, draw)


# Each is saved as <name>.png / .pdf / .txt, named after its chart function.
FIGURES = (
    _spec(charts.waiting_by_station, "waiting time by station", STATIONS),
    _spec(charts.cost_saved, "cost saved by component", SUMMARY),
    _spec(charts.referral_load_weekly, "referral load per tier and week", SUMMARY),
    _spec(charts.utilisation, "utilisation of scarce resources", STATIONS),
    _spec(charts.headline, "saved cost, saved time and referral load", SUMMARY),
)


def result_folders(results: Path, skip: Iterable[Path] = ()) -> list[ResultsFolder]:
    """The folders under ``results`` holding a manifest, in name order."""
    skipped = {Path(p).resolve() for p in skip}
    return [
        ResultsFolder.read(path)
        for path in sorted(Path(results).iterdir())
        if path.is_dir() and (path / MANIFEST_FILE).is_file() and path.resolve() not in skipped
    ]


def figures_of(folder: ResultsFolder) -> list[FigureSpec]:
    """The figures a folder's tables allow: the report's, and one curve per sweep lever."""
    specs = [spec for spec in FIGURES if folder.has(spec.source)]
    if folder.has(SWEEP):
        for lever in charts.lever_columns(folder.table(SWEEP)):
            specs.append(
                FigureSpec(
                    f"sweep_{re.sub(r'[^A-Za-z0-9]+', '_', lever)}",
                    f"savings across the sweep of {lever}",
                    SWEEP,
                    _sweep_drawer(lever),
                )
            )
    return specs


def caption(folder: ResultsFolder, spec: FigureSpec, chart: Chart) -> str:
    """The caption: title, scenario, replications, seed, what is plotted, which data."""
    m = folder.manifest
    git = m.get("git") or {}
    commit = (git.get("commit") or "unknown")[:12]
    dirty = {True: " (uncommitted changes)", False: "", None: ""}.get(git.get("dirty"), "")
    checksum = ((m.get("files") or {}).get(spec.source) or {}).get("sha256", "unknown")
    sweep = m.get("sweep")
    variants = f"{len(sweep['variants'])} variants of the sweep, " if sweep else ""
    return "\n".join(
        [
            f"{folder.name}: {spec.title}",
            f"Scenario: {folder.name} (file {m.get('scenario_file')}); {variants}"
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
    sweep = m.get("sweep")
    variants = f"{len(sweep['variants'])} variants, " if sweep else ""
    runs = f"{variants}{m.get('replications')} replications per arm, seed {m.get('seed')}"
    return f"{folder.name}: {spec.title}\n{runs}"


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
    out = Path(out) if out is not None else results / "figures"
    written: list[Path] = []
    for folder in result_folders(results, skip=[out]):
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


def _sweep_drawer(lever: str) -> Callable[[pd.DataFrame, str], Chart]:
    def draw(table: pd.DataFrame, title: str) -> Chart:
        return charts.sweep_curve(table, lever, title=title)

    return draw


def _write(path: Path, data: bytes) -> Path:
    write_atomic(path, data)
    return path
