"""A drawn chart, and the error a chart raises when its data is absent."""

from __future__ import annotations

from dataclasses import dataclass, field

from matplotlib.figure import Figure

from .style import figure_bytes


class MissingData(Exception):
    """The tables lack what a chart plots; the message says what."""


@dataclass
class Chart:
    """A drawn figure and what it plots (one sentence, for the caption); ``notes``: further
    sentences for the caption (panels left out, intervals replaced, what the colours mean)."""

    figure: Figure
    plotted: str
    notes: tuple[str, ...] = field(default=())

    def _repr_png_(self) -> bytes:  # shown as an image in notebooks
        return figure_bytes(self.figure, "png")
