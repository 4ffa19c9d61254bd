"""Cost against score per task, with the Pareto front: which backend is worth its price."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from evals.report.plots.base import grid, new_figure, page_grid, palette, short, styled
from evals.report.ranking import pareto_front


@styled
def plot_cost_score(summary: pd.DataFrame, *, columns: int | None = None) -> Figure | None:
    """One panel per task: cost per sample (x) against the headline value (y).

    The front (solid line) joins the models and engines no other one beats on both cost and
    score. Free backends (engines, baselines) sit at "$0" on the left of a log axis; baselines
    are hollow markers and never on the front; a backend whose cost is unknown (no price in
    the pricing table) is left out and named under its panel. None when no backend has a cost
    above zero (nothing to weigh). Takes the columns of `evals.analysis.summary_frame`.
    """
    if summary.empty:
        return None
    frame = summary[summary["headline"]] if "headline" in summary.columns else summary
    frame = frame[frame["value"].notna()]
    if frame.empty:
        return None
    tasks = list(dict.fromkeys(frame["task"]))
    kinds = dict(zip(frame["backend"], frame["backend_kind"], strict=False))
    colours = palette(frame["backend"], kinds)
    known = frame["cost_per_sample_usd"].dropna()
    positive = known[known > 0]
    if positive.empty:
        return None  # everything free or unpriced: there is no price to weigh
    zero_x = float(positive.min()) / 4
    rows, cols, width = page_grid(len(tasks)) if columns is None else (*grid(len(tasks), columns), 0.0)
    figure = new_figure(width or 4.8 * cols, 0.4 + 3.1 * rows)
    axes = figure.subplots(rows, cols, squeeze=False)
    for index, task in enumerate(tasks):
        ax = axes[index // cols][index % cols]
        part = frame[frame["task"] == task]
        higher = bool(part["higher_is_better"].iloc[0])
        unknown = part[part["cost_per_sample_usd"].isna()]["backend"].tolist()
        part = part[part["cost_per_sample_usd"].notna()]
        xs = [max(float(c), 0.0) or zero_x for c in part["cost_per_sample_usd"]]
        points = list(zip(part["backend"], xs, part["value"].astype(float), strict=True))
        front = pareto_front(
            [(n, x, v) for n, x, v in points if kinds.get(n) != "baseline"], higher_is_better=higher
        )
        for name, x, value in points:
            baseline = kinds.get(name) == "baseline"
            ax.scatter(
                [x],
                [value],
                s=46,
                color="none" if baseline else colours[name],
                edgecolors=colours[name],
                linewidths=1.5,
                zorder=3,
                label=short(name, 22),
            )
            ax.annotate(short(name, 18), (x, value), textcoords="offset points", xytext=(5, 4), fontsize=7)
        line = sorted((x, v) for n, x, v in points if n in front)
        if len(line) > 1:
            ax.plot([x for x, _ in line], [v for _, v in line], color="#333333", lw=1, zorder=2)
        # Explicit limits first: when every backend costs the same, autoscaling gives a zero-width
        # range that a log axis cannot take.
        spread = [*xs, zero_x]
        ax.set_xlim(min(spread) / 3, max(spread) * 3)
        ax.set_xscale("log")
        ax.axvspan(zero_x / 1.6, zero_x * 1.6, color="#eeeeee", zorder=0)
        ax.text(zero_x, 0.01, "$0", transform=ax.get_xaxis_transform(), ha="center", fontsize=7)
        metric = str(part["metric"].iloc[0]) if not part.empty else ""
        ax.set_title(f"{short(task, 36)}: {metric} ({'↑' if higher else '↓'} better)", loc="left")
        ax.set_xlabel("cost per sample (USD)")
        ax.grid(alpha=0.3)
        if unknown:
            ax.text(
                0.0,
                -0.32,
                "cost unknown, not shown: " + ", ".join(short(u, 20) for u in unknown),
                transform=ax.transAxes,
                fontsize=7,
                color="#A00000",
            )
        if part.empty:
            ax.text(0.5, 0.5, "no backend with a known cost", transform=ax.transAxes, ha="center")
    for index in range(len(tasks), rows * cols):
        axes[index // cols][index % cols].set_visible(False)
    figure.suptitle("Cost against score (line: cost front; hollow: baselines)", x=0.01, ha="left")
    return figure
