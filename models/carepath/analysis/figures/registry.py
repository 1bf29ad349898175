"""Which figures the report draws: each registered by the module that draws it.

A chart becomes a figure of the report with the :func:`figure` decorator (its title and the
results file it is drawn from); figures that depend on what a folder holds (one curve per sweep
lever) come from a function registered with :func:`figure_family`.  Every module of the
``analysis.figures`` package is loaded before the figures are listed, so a new figure is a
decorated function in a new (or existing) module there, and nothing else.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from ...observation.results_folder import ResultsFolder
from ..plugins import Registry
from .chart import Chart

# (table, title, **extra tables) -> the drawn chart
Draw = Callable[..., Chart]


@dataclass(frozen=True)
class FigureSpec:
    """A figure of the report: file stem, title, the table it is drawn from, how to draw it;
    ``order`` places it among the others (lower first); ``extra``: further tables it reads
    where the folder has them, as keyword arguments (``replications="replications.csv"``)."""

    name: str
    title: str
    source: str
    draw: Draw
    order: int = 100
    extra: tuple[tuple[str, str], ...] = ()

    def tables(self, folder: ResultsFolder) -> dict[str, pd.DataFrame]:
        """The extra tables the folder has, by keyword."""
        return {key: folder.table(file) for key, file in self.extra if folder.has(file)}


Family = Callable[[ResultsFolder], list[FigureSpec]]  # a folder -> the figures it calls for
FIGURES: Registry[FigureSpec] = Registry(__package__ or "", "figure")
FAMILIES: Registry[Family] = Registry(__package__ or "", "figure family")


def figure(
    title: str, source: str, order: int = 100, extra: tuple[tuple[str, str], ...] = ()
) -> Callable[[Draw], Draw]:
    """Register a chart function ``(table, title) -> Chart`` as a figure of the report, saved
    as ``<function name>.png`` / ``.pdf`` / ``.txt`` for every results folder that has
    ``source``; ``extra`` names further tables passed by keyword where the folder has them."""

    def register(draw: Draw) -> Draw:
        spec = FigureSpec(draw.__name__, title, source, draw, order, extra)
        FIGURES.add(draw.__name__, spec, draw)
        return draw

    return register


def figure_family(specs: Family) -> Family:
    """Register a function giving the figures a folder's contents call for."""
    FAMILIES.add(specs.__name__, specs, specs)
    return specs


def registered() -> list[FigureSpec]:
    """The report's figures drawn from a fixed table, in order."""
    return sorted(FIGURES.entries(), key=lambda spec: (spec.order, spec.name))


def figures_of(folder: ResultsFolder) -> list[FigureSpec]:
    """The figures a folder's tables allow: the registered ones whose table it has, then those
    its contents call for."""
    specs = [spec for spec in registered() if folder.has(spec.source)]
    for family in FAMILIES.entries():
        specs.extend(family(folder))
    return specs
