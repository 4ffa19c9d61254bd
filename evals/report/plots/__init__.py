"""The report's plots, as functions of the DataFrames of `evals.analysis`, so the same figures
can be drawn for one run (the report) or several (compare: relabel the `backend` column)."""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

    from evals.report.plots.breakdowns import plot_breakdown
    from evals.report.plots.cost import plot_cost_score
    from evals.report.plots.latency import plot_latency
    from evals.report.plots.modality import modality_split, plot_cost_by_modality
    from evals.report.plots.scores import plot_scores
    from evals.report.plots.streams import plot_stream_cdf

# The drawing modules (matplotlib, pandas: ~1.5 s to import) load on first use, so a report
# whose plots come from the cache (evals/report/plot_cache.py) never imports them.
_LAZY = {
    "plot_breakdown": "breakdowns",
    "plot_cost_score": "cost",
    "plot_latency": "latency",
    "modality_split": "modality",
    "plot_cost_by_modality": "modality",
    "plot_scores": "scores",
    "plot_stream_cdf": "streams",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "PlotFile",
    "draw_run_plots",
    "modality_split",
    "plot_breakdown",
    "plot_cost_by_modality",
    "plot_cost_score",
    "plot_latency",
    "plot_scores",
    "plot_stream_cdf",
]


@dataclass(frozen=True)
class PlotFile:
    name: str  # file name under plots/
    title: str
    caption: str
    png: bytes
    task: str | None = None  # None: a figure of the whole run
    field: str | None = None
    wide: bool = False  # drawn for the page's whole width (small multiples): shown across it


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_") or "x"


def _close(figure: Figure | None, name: str, title: str, caption: str, **where: str) -> PlotFile | None:
    from evals.report.plots.base import PAGE_WIDTH_IN, png_bytes

    if figure is None:
        return None
    wide = bool(figure.get_figwidth() >= PAGE_WIDTH_IN)  # numpy's bool is not JSON
    return PlotFile(name, title, caption, png_bytes(figure), wide=wide, **where)


def draw_run_plots(
    summary: pd.DataFrame, breakdowns: pd.DataFrame, results: pd.DataFrame, *, max_fields: int = 6
) -> list[PlotFile]:
    """Every plot of a run report (figures without data are skipped)."""
    from evals.report.plots.breakdowns import is_answer_class, plot_breakdown
    from evals.report.plots.cost import plot_cost_score
    from evals.report.plots.latency import plot_latency
    from evals.report.plots.modality import plot_cost_by_modality
    from evals.report.plots.scores import plot_scores
    from evals.report.plots.streams import plot_stream_cdf

    plots = [
        _close(
            plot_scores(summary),
            "scores.png",
            "Score by task and backend",
            "Headline metric per task with its 95% bootstrap interval; hatched bars are baselines.",
        ),
        _close(
            plot_cost_score(summary),
            "cost_vs_score.png",
            "Cost against score",
            "Cost per sample against the headline metric; the line joins the cost front (no other "
            "model or engine is both cheaper and better). Unknown costs are named, not drawn.",
        ),
        _close(
            plot_latency(results),
            "latency.png",
            "Latency per backend",
            "Every answered, uncached request; p50, p95 and p99 marked.",
        ),
        _close(
            plot_stream_cdf(results),
            "stream_latency_cdf.png",
            "Time to first audio and first token",
            "Cumulative share of answered, uncached requests whose first audio byte (solid) or "
            "first text token (dashed) arrived within the time, from the end of the input.",
        ),
        _close(
            plot_cost_by_modality(results),
            "cost_by_modality.png",
            "Tokens and cost by modality",
            "Image and audio tokens as reported; text is the rest. Each sample's cost is split in "
            "proportion to its tokens (an estimate).",
        ),
    ]
    if not breakdowns.empty:
        pairs = breakdowns[["task", "field"]].drop_duplicates().itertuples(index=False)
        per_task: dict[str, int] = {}
        for task, field in pairs:
            per_task[task] = per_task.get(task, 0) + 1
            if per_task[task] > max_fields:
                continue
            # A field that holds the reference answer names classes (digits 0-9): bars, not a curve.
            ordered = False if is_answer_class(results, task, field) else None
            plots.append(
                _close(
                    plot_breakdown(breakdowns, task, field, ordered=ordered),
                    f"breakdown-{slug(task)}-{slug(field)}.png",
                    f"{task} by {field}",
                    "Headline metric per group of the field, with 95% intervals.",
                    task=task,
                    field=field,
                )
            )
    return [p for p in plots if p is not None]
