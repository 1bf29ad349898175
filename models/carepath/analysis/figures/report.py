"""Every figure of the report, redrawn from the result folders under ``results/``.

``draw_all`` reads each ``results/<scenario>/`` that has a ``manifest.json`` (in name order),
draws the charts its tables allow, and writes ``<out>/<scenario>/<figure>.png`` and ``.pdf``
with a caption ``.txt`` beside them; first, the scenarios side by side
(``<out>/scenario_comparison.*``); and ``<out>/captions.md``, every caption in order.  Figures
are numbered in that order ("Figure 3."), in the captions.  A figure's title says what it shows
and for which scenario, in plain words; the run (scenario file, replications, seed, commit) is
in its caption, not its title.  It reads CSV files and manifests only: no simulation runs, so a
fresh clone redraws everything in seconds, and the same results give the same bytes.

The labels are English unless ``language="zh"`` (or ``CAREPATH_FIGURE_LANGUAGE=zh`` for
``carepath figures``) and a CJK font is installed (``make fonts``); without one the figures
are drawn in English and ``log`` says why.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from ...observation.results_folder import (
    FIGURES_FOLDER,
    ResultsFolder,
    result_folders,
    write_atomic,
)
from .chart import Chart, MissingData
from .comparison import NAME as COMPARISON
from .comparison import TITLE as COMPARISON_TITLE
from .comparison import savings, scenario_comparison, scenario_words
from .fonts import cjk_font, no_font_message
from .labels import Labels, capitalised, current, facility_names, using
from .registry import FigureSpec, figures_of
from .style import FORMATS, figure_bytes

LANGUAGE_VARIABLE = "CAREPATH_FIGURE_LANGUAGE"
CAPTIONS_FILE = "captions.md"


def caption(
    folder: ResultsFolder, spec: FigureSpec, chart: Chart, number: int | None = None
) -> str:
    """The caption: figure number and title, what is plotted, notes (panels left out,
    intervals replaced, colours), then the run: scenario, replications, seed, data, commit."""
    m = folder.manifest
    checksum = ((m.get("files") or {}).get(spec.source) or {}).get("sha256", "unknown")
    return "\n".join(
        [
            f"{_numbered(number)}{capitalised(spec.title)} ({scenario_words(folder.name)}).",
            f"Plotted: {chart.plotted}.",
            *chart.notes,
            f"Run: scenario {folder.name} (file {m.get('scenario_file')}); {_design(m, True)}"
            f"replications: {m.get('replications')} per arm; seed: {m.get('seed')}; "
            f"arms: {', '.join(m.get('arms') or [])}.",
            f"Data: {folder.path.name}/{spec.source} (sha256 {checksum}), made by carepath "
            f"{(m.get('versions') or {}).get('carepath')} at git commit {_commit(m)}.",
            "",
        ]
    )


def _numbered(number: int | None) -> str:
    return f"Figure {number}. " if number is not None else ""


def _commit(manifest: dict) -> str:
    git = manifest.get("git") or {}
    dirty = {True: " (uncommitted changes)", False: "", None: ""}.get(git.get("dirty"), "")
    return f"{(git.get('commit') or 'unknown')[:12]}{dirty}"


def figure_title(folder: ResultsFolder, spec: FigureSpec) -> str:
    """A figure's title: what it shows, for which scenario, in plain words (the run's seed and
    size are in the caption)."""
    return f"{current().text(capitalised(spec.title))} · {scenario_words(folder.name)}"


def _design(manifest: dict, long: bool) -> str:
    """What a folder ran besides replications: a sweep's variants, a PSA's samples."""
    sweep, psa = manifest.get("sweep"), manifest.get("psa")
    if sweep:
        return f"{len(sweep['variants'])} variants{' of the sweep' * long}, "
    if psa:
        points = sum((psa.get("points") or {}).values())
        return f"{psa['samples']} input samples ({points} design points), "
    return ""


def labels_of(folder: ResultsFolder, language: str = "en", font: str | None = None) -> Labels:
    """The labels of a folder's figures: its facilities' names from its manifest."""
    parameters = folder.manifest.get("parameters") or {}
    return Labels(language, facility_names(parameters), font)


def chosen_language(language: str | None, log: Callable[[str], None]) -> tuple[str, str | None]:
    """The language to draw in and its font: ``language``, else ``CAREPATH_FIGURE_LANGUAGE``,
    else English; Chinese only with a CJK font installed (else English, saying so)."""
    language = language or os.environ.get(LANGUAGE_VARIABLE) or "en"
    if language == "en":
        return "en", None
    Labels(language)  # an unknown language is refused here, naming the choices
    font = cjk_font()
    if font is None:
        log(no_font_message())
        return "en", None
    return language, font


def draw_all(
    results: Path = Path("results"),
    out: Path | None = None,
    formats: Iterable[str] = FORMATS,
    log: Callable[[str], None] = print,
    language: str | None = None,
) -> list[Path]:
    """Draw every figure from the result folders under ``results`` into ``out``
    (default ``results/figures``); return the files written.

    A figure whose data a folder lacks is skipped with a note through ``log``.
    Raises ``ResultsProblem`` if a manifest or table cannot be read.
    """
    results = Path(results)
    out = Path(out) if out is not None else results / FIGURES_FOLDER
    formats = tuple(formats)
    language, font = chosen_language(language, log)
    folders = result_folders(results, skip=(out,))
    written: list[Path] = []
    captions: list[str] = []
    if not savings(folders).empty:  # else nothing to compare: no folder has a saving
        with using(Labels(language, {}, font)) as names:
            try:
                chart = scenario_comparison(folders, names.text(capitalised(COMPARISON_TITLE)))
            except MissingData as missing:
                log(f"skipped {COMPARISON}: {missing}")
            else:
                text = _comparison_caption(folders, chart, len(captions) + 1)
                written += _save(out, COMPARISON, chart, text, formats)
                captions.append(_entry(f"{COMPARISON}.png", text))
    for folder in folders:
        with using(labels_of(folder, language, font)):
            for spec in figures_of(folder):
                try:
                    chart = spec.draw(
                        folder.table(spec.source), figure_title(folder, spec), **spec.tables(folder)
                    )
                except MissingData as missing:
                    log(f"{folder.name}: skipped {spec.name}: {missing}")
                    continue
                text = caption(folder, spec, chart, len(captions) + 1)
                written += _save(out / folder.name, spec.name, chart, text, formats)
                captions.append(_entry(f"{folder.name}/{spec.name}.png", text))
    if captions:
        index = "# Figures\n\n" + "\n".join(captions)
        written.append(_write(out / CAPTIONS_FILE, index.encode("utf-8")))
    return written


def _comparison_caption(folders: Sequence[ResultsFolder], chart: Chart, number: int) -> str:
    shown = set(savings(folders).scenario)
    runs = "; ".join(
        f"{f.name} (file {f.manifest.get('scenario_file')}): {f.manifest.get('replications')} "
        f"replications per arm, seed {f.manifest.get('seed')}, commit {_commit(f.manifest)}"
        for f in folders
        if f.name in shown
    )
    return "\n".join(
        [
            f"{_numbered(number)}{capitalised(COMPARISON_TITLE)}.",
            f"Plotted: {chart.plotted}.",
            *chart.notes,
            f"Runs: {runs}.",
            "",
        ]
    )


def _entry(image: str, text: str) -> str:
    """A figure's entry in ``captions.md``: its number and title as a heading, a link, the rest."""
    first, _, rest = text.partition("\n")
    return f"## {first}\n\n![{first}]({image})\n\n{rest}"


def _save(target: Path, name: str, chart: Chart, text: str, formats: Sequence[str]) -> list[Path]:
    target.mkdir(parents=True, exist_ok=True)
    written = [_write(target / f"{name}.{fmt}", figure_bytes(chart.figure, fmt)) for fmt in formats]
    written.append(_write(target / f"{name}.txt", text.encode("utf-8")))
    return written


def _write(path: Path, data: bytes) -> Path:
    write_atomic(path, data)
    return path
