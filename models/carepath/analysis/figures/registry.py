"""Which figures the report draws: each registered by the module that draws it.

A chart becomes a figure of the report with the :func:`figure` decorator (its title and the
results file it is drawn from); figures that depend on what a folder holds (one curve per sweep
lever) come from a function registered with :func:`figure_family`.  Every module of the
``analysis.figures`` package is loaded before the figures are listed, so a new figure is a
decorated function in a new (or existing) module there, and nothing else.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from ...observation.results_folder import ResultsFolder
from .chart import Chart

Draw = Callable[[pd.DataFrame, str], Chart]  # (table, title) -> the drawn chart


@dataclass(frozen=True)
class FigureSpec:
    """A figure of the report: file stem, title, the table it is drawn from, how to draw it;
    ``order`` places it among the others (lower first)."""

    name: str
    title: str
    source: str
    draw: Draw
    order: int = 100


_FIGURES: dict[str, FigureSpec] = {}
_FAMILIES: list[Callable[[ResultsFolder], list[FigureSpec]]] = []


def figure(title: str, source: str, order: int = 100) -> Callable[[Draw], Draw]:
    """Register a chart function ``(table, title) -> Chart`` as a figure of the report, saved
    as ``<function name>.png`` / ``.pdf`` / ``.txt`` for every results folder that has
    ``source``."""

    def register(draw: Draw) -> Draw:
        name = draw.__name__
        known = _FIGURES.get(name)
        if known is not None and known.draw.__qualname__ != draw.__qualname__:
            raise ValueError(f"figure {name!r} is registered twice")
        _FIGURES[name] = FigureSpec(name, title, source, draw, order)
        return draw

    return register


def figure_family(
    specs: Callable[[ResultsFolder], list[FigureSpec]],
) -> Callable[[ResultsFolder], list[FigureSpec]]:
    """Register a function giving the figures a folder's contents call for."""
    if specs not in _FAMILIES:
        _FAMILIES.append(specs)
    return specs


def _load() -> None:
    package = importlib.import_module(__package__ or "")
    for module in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"{package.__name__}.{module.name}")


def registered() -> list[FigureSpec]:
    """The report's figures drawn from a fixed table, in order."""
    _load()
    return sorted(_FIGURES.values(), key=lambda spec: (spec.order, spec.name))


def figures_of(folder: ResultsFolder) -> list[FigureSpec]:
    """The figures a folder's tables allow: the registered ones whose table it has, then those
    its contents call for."""
    specs = [spec for spec in registered() if folder.has(spec.source)]
    for family in _FAMILIES:
        specs.extend(family(folder))
    return specs
