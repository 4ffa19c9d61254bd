"""Score by task × backend, with 95% confidence intervals as error bars."""

from __future__ import annotations

import math

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.transforms import blended_transform_factory

from evals.report.plots.base import grid, new_figure, page_grid, palette, short, styled


@styled
def plot_scores(summary: pd.DataFrame, *, columns: int | None = None) -> Figure | None:
    """One panel per task: each backend's headline metric with its interval.

    `summary` has the columns of `evals.analysis.summary_frame` (task, backend, backend_kind,
    metric, headline, value, ci_low, ci_high, higher_is_better). Series are the `backend`
    column, so a frame of several runs can be drawn by relabelling backends (e.g. "run:backend").
    Panels fill the page's width, three to a row (`columns` to choose).
    """
    if summary.empty:
        return None
    frame = summary[summary["headline"]] if "headline" in summary.columns else summary
    frame = frame[frame["value"].notna()]
    if frame.empty:
        return None
    tasks = list(dict.fromkeys(frame["task"]))
    kinds = dict(zip(frame["backend"], frame.get("backend_kind", pd.Series(dtype=object)), strict=False))
    colours = palette(frame["backend"], kinds)
    rows, cols, width = page_grid(len(tasks)) if columns is None else (*grid(len(tasks), columns), 0.0)
    most = max(frame.groupby("task")["backend"].nunique())
    figure = new_figure(width or 4.8 * cols, 0.5 + rows * (0.9 + 0.36 * most))
    axes = figure.subplots(rows, cols, squeeze=False)
    for index, task in enumerate(tasks):
        ax = axes[index // cols][index % cols]
        part = frame[frame["task"] == task].iloc[::-1]
        values = part["value"].astype(float).tolist()
        low = [
            v - lo if lo == lo else 0.0 for v, lo in zip(values, part["ci_low"].astype(float), strict=True)
        ]
        high = [
            hi - v if hi == hi else 0.0 for v, hi in zip(values, part["ci_high"].astype(float), strict=True)
        ]
        names = part["backend"].tolist()
        ax.barh(
            range(len(names)),
            values,
            height=0.5,
            xerr=[low, high],
            color=[colours[n] for n in names],
            hatch=["//" if kinds.get(n) == "baseline" else "" for n in names],
            edgecolor="white",
            error_kw={"ecolor": "#333333", "capsize": 3, "elinewidth": 1},
        )
        # Each bar's name and value on a line above it, not as tick labels: the bars then get the
        # panel's whole width, and a long backend name costs no plotting room.
        ax.set_yticks([])
        ax.spines["left"].set_visible(False)
        ax.set_ylim(-0.45, len(names) - 0.1)
        where = blended_transform_factory(ax.transAxes, ax.transData)
        for place, (name, value) in enumerate(zip(names, values, strict=True)):
            ax.text(
                0.0,
                place + 0.3,
                f"{short(name, 40)}  {value:.3f}",
                transform=where,
                fontsize=8.5,
                va="bottom",
            )
        metric = str(part["metric"].iloc[0])
        higher = bool(part["higher_is_better"].iloc[0]) if "higher_is_better" in part else True
        ax.set_title(f"{short(task, 36)}\n{short(metric, 30)} {'↑' if higher else '↓'}", loc="left")
        top = max((v + h for v, h in zip(values, high, strict=True)), default=1.0)
        bottom = min((v - lo for v, lo in zip(values, low, strict=True)), default=0.0)
        ax.set_xlim(min(0.0, bottom * 1.05), max(1.0, top) * 1.05 if math.isfinite(top) else 1.05)
        ax.grid(axis="x", alpha=0.3)
    for index in range(len(tasks), rows * cols):
        axes[index // cols][index % cols].set_visible(False)
    figure.suptitle(
        "Score by task (95% CI; ↑/↓: higher/lower is better; hatched: baselines)", x=0.01, ha="left"
    )
    return figure
