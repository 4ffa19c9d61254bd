"""Figure plumbing shared by the plots: Agg canvases, deterministic PNG bytes, stable colours.

Figures are built with `matplotlib.figure.Figure` on an Agg canvas, never through pyplot, so
drawing a report changes no global state (a notebook's backend is left alone).
"""

from __future__ import annotations

import functools
import io
from collections.abc import Callable, Iterable, Mapping
from typing import Any, ParamSpec, TypeVar, cast

import matplotlib
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from evals.report.plots.fonts import plot_font_family, quiet_missing_glyphs

DPI = 100
# Colour-blind-safe qualitative palette (Okabe & Ito, "Color Universal Design", 2008).
MODEL_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
BASELINE_COLOURS = ("#8C8C8C", "#B0B0B0", "#6E6E6E", "#C8C8C8")
STYLE: dict[str, Any] = {
    "font.size": 10,
    "axes.titlesize": 10,
    "axes.labelsize": 9,
    "legend.fontsize": 8,
    "figure.titlesize": 11,
    "axes.spines.top": False,
    "axes.spines.right": False,
}


P = ParamSpec("P")
R = TypeVar("R")


def styled(draw: Callable[P, R]) -> Callable[P, R]:
    """Draw under the report's style (font sizes, spines, fonts with CJK coverage when one is
    installed) without touching global settings."""

    @functools.wraps(draw)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        style = {**STYLE, "font.family": plot_font_family()}
        with matplotlib.rc_context(cast(Any, style)), quiet_missing_glyphs():
            return draw(*args, **kwargs)

    return wrapper


def new_figure(width: float, height: float) -> Figure:
    figure = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def png_bytes(figure: Figure) -> bytes:
    """The figure as a 256-colour PNG with no software/version metadata, so the same data gives
    the same bytes. The palette (fast octree, deterministic) makes files ~60% smaller than
    matplotlib's RGBA output at no visible cost for line and bar plots; reports embed many."""
    from PIL import Image

    raw = io.BytesIO()
    with quiet_missing_glyphs():  # text is laid out and drawn here, not when it is set
        figure.savefig(raw, format="png", dpi=DPI, metadata={"Software": None})
    image = Image.open(io.BytesIO(raw.getvalue())).convert("RGB")
    out = io.BytesIO()
    image.quantize(256, method=Image.Quantize.FASTOCTREE).save(out, "PNG")
    return out.getvalue()


def palette(backends: Iterable[str], kinds: Mapping[str, Any] | None = None) -> dict[str, str]:
    """A colour per backend, by sorted name (so one backend keeps its colour in every plot):
    models and engines in colour, baselines in greys."""
    kinds = kinds or {}
    colours: dict[str, str] = {}
    models = baselines = 0
    for name in sorted(set(backends)):
        if kinds.get(name) == "baseline":
            colours[name] = BASELINE_COLOURS[baselines % len(BASELINE_COLOURS)]
            baselines += 1
        else:
            colours[name] = MODEL_COLOURS[models % len(MODEL_COLOURS)]
            models += 1
    return colours


def grid(count: int, columns: int = 2) -> tuple[int, int]:
    """(rows, columns) for `count` small multiples."""
    columns = max(1, min(columns, count))
    return (count + columns - 1) // columns, columns


# The report page's content width (1,152 CSS px) at DPI: a figure this wide is shown 1:1, so its
# 10-point text reads as the page's own text does.
PAGE_WIDTH_IN = 11.5
PANEL_WIDTH_IN = 3.8  # one small multiple: room for backend names and a readable axis


def page_grid(count: int) -> tuple[int, int, float]:
    """(rows, columns, figure width in inches) for `count` panels laid out across the page: as
    many columns as fit at a readable width, never more than there are panels."""
    columns = max(1, min(count, int(PAGE_WIDTH_IN // PANEL_WIDTH_IN)))
    if count == 4:
        columns = 2  # 2 × 2 rather than 3 + 1
    rows = (count + columns - 1) // columns
    width = PAGE_WIDTH_IN if columns > 1 else 6.4
    return rows, columns, width


def short(text: str, limit: int = 28) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
