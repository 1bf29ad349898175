"""Rendering figures so that the same data always gives the same bytes.

Everything that could vary between runs or machines is fixed here: matplotlib's own defaults
(not the user's matplotlibrc), the font (DejaVu Sans, shipped with matplotlib), the resolution,
and the metadata the PNG and PDF writers would otherwise stamp with a date and a version.
Figures are built on ``matplotlib.figure.Figure`` directly, never through pyplot, so drawing
them neither needs nor changes a GUI backend.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator

import matplotlib.style
from matplotlib.figure import Figure

from .labels import current

DPI = 150
SOFTWARE = "carepath figures"
DEFAULT_FONT = "DejaVu Sans"  # shipped with matplotlib
FORMATS = ("png", "pdf")

STYLE = {
    "font.family": "sans-serif",
    "font.sans-serif": [DEFAULT_FONT],
    "font.size": 9,
    "axes.titlesize": 10,
    "figure.titlesize": 11,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "legend.frameon": False,
    "savefig.dpi": DPI,
    "figure.dpi": DPI,
    "pdf.fonttype": 42,  # embed TrueType: text stays text in the PDF
    "svg.hashsalt": "carepath",  # fixed ids, should anyone save SVG
    "path.simplify": False,
}

# Colours by arm, the same in every figure (colour-blind-safe pair from the tab10 palette).
ARM_COLOURS = {"without": "#7f7f7f", "with": "#1f77b4", "difference": "#2ca02c"}
# Colours of a change (without - with) by what it means for the metric's better direction
# (Okabe-Ito: safe for colour-blind readers); pale where the 95% interval includes 0.
GAIN, LOSS, NEUTRAL = "#009e73", "#d55e00", "#666666"
CHANGE_COLOURS = {
    "gain": GAIN,
    "loss": LOSS,
    "unclear gain": "#8fd3bf",
    "unclear loss": "#f0b27f",
    "no change": "#bbbbbb",
    "neither": NEUTRAL,
}

_METADATA = {
    "png": {"Software": SOFTWARE},
    "pdf": {"Creator": SOFTWARE, "Producer": SOFTWARE, "CreationDate": None, "ModDate": None},
    "svg": {"Creator": SOFTWARE, "Date": None},
}


@contextlib.contextmanager
def styled() -> Iterator[None]:
    """matplotlib's defaults plus ``STYLE``, whatever the user's settings, for the block; the
    active labels' font first where they name one (a CJK font for the Chinese labels)."""
    font = current().font
    fonts = {"font.sans-serif": [font, DEFAULT_FONT]} if font else {}
    with matplotlib.style.context(["default", STYLE, fonts]):
        yield


def new_figure(width_in: float, height_in: float) -> Figure:
    """An empty figure of the given size in inches (call inside ``styled()``)."""
    return Figure(figsize=(width_in, height_in), dpi=DPI, layout="constrained")


def figure_bytes(figure: Figure, fmt: str) -> bytes:
    """The figure as PNG, PDF or SVG bytes, identical for identical figures."""
    buffer = io.BytesIO()
    with styled():
        figure.savefig(buffer, format=fmt, dpi=DPI, metadata=_METADATA[fmt])
    return buffer.getvalue()
