"""A task's headline metric broken down by one metadata field.

Ordered numeric levels (severity, noise level, SNR, font size…) are drawn as curves with their
95% confidence band, so a trend shows; categories (fonts, document types, the digit a sample
shows…) as grouped bars with error bars, since a line between two categories means nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from evals.report.plots.base import new_figure, palette, short, styled


def numeric_groups(groups: list[str]) -> list[float] | None:
    """The groups as numbers when every one is a number (and there are at least three)."""
    try:
        values = [float(g) for g in groups]
    except ValueError:
        return None
    return values if len(values) >= 3 and all(np.isfinite(values)) else None


def _same(value: object, reference: str) -> bool:
    text = str(value).strip()
    if text == reference.strip():
        return True
    try:
        return float(text) == float(reference)
    except ValueError:
        return False


def is_answer_class(results: pd.DataFrame, task: str, field: str) -> bool:
    """True when `field` holds each sample's reference answer (the digit a handwritten-digit
    image shows, the label of a classification): its levels are then the answer's classes,
    categories even when they are numbers. `results` has the columns of
    `evals.analysis.results_frame` (task, sample_id, metadata as JSON text, targets)."""
    if results.empty or not {"task", "metadata", "targets"} <= set(results.columns):
        return False
    rows = results[results["task"] == task]
    if "sample_id" in rows.columns:
        rows = rows.drop_duplicates("sample_id")
    seen = 0
    for metadata, targets in zip(rows["metadata"], rows["targets"], strict=True):
        values = json.loads(metadata) if isinstance(metadata, str) and metadata else {}
        if field not in values or values[field] is None:
            continue
        references: Iterable[object] = targets if isinstance(targets, list | tuple | np.ndarray) else []
        if not any(_same(values[field], str(r)) for r in references):
            return False
        seen += 1
    return seen > 0


def _order(groups: list[str]) -> list[str]:
    """Categories that are all numbers in numeric order (0, 1, …, 9, 10), others as they came."""
    try:
        return sorted(groups, key=float)
    except ValueError:
        return groups


@styled
def plot_breakdown(
    breakdowns: pd.DataFrame, task: str, field: str, *, ordered: bool | None = None
) -> Figure | None:
    """Curves or bars of the headline metric of `task` per value of `field`, one series per backend.

    Takes the columns of `evals.analysis.breakdown_frame` (task, backend, backend_kind, field,
    group, metric, headline, value, ci_low, ci_high, n, higher_is_better). `ordered` says
    whether the levels are an ordered scale (curves) or categories (bars); None decides from
    the levels: ordered when every one is a number and there are at least three.
    """
    if breakdowns.empty:
        return None
    frame = breakdowns[(breakdowns["task"] == task) & (breakdowns["field"] == field)]
    if "headline" in frame.columns:
        frame = frame[frame["headline"]]
    frame = frame[frame["value"].notna()]
    groups = list(dict.fromkeys(frame["group"]))
    if not groups:
        return None
    backends = list(dict.fromkeys(frame["backend"]))
    kinds = dict(zip(frame["backend"], frame.get("backend_kind", pd.Series(dtype=object)), strict=False))
    colours = palette(backends, kinds)
    numbers = numeric_groups(groups) if ordered is not False else None
    if numbers is None:
        groups = _order(groups)
    figure = new_figure(6.4, 3.8)
    ax = figure.add_subplot()
    width = 0.8 / max(1, len(backends))
    for index, backend in enumerate(backends):
        part = frame[frame["backend"] == backend].set_index("group").reindex(groups)
        value = part["value"].astype(float).to_numpy()
        low = part["ci_low"].astype(float).fillna(part["value"]).to_numpy()
        high = part["ci_high"].astype(float).fillna(part["value"]).to_numpy()
        style = "--" if kinds.get(backend) == "baseline" else "-"
        if numbers is not None:
            order = np.argsort(numbers)
            xs = np.asarray(numbers)[order]
            ax.plot(xs, value[order], style, marker="o", ms=3, color=colours[backend], label=short(backend))
            ax.fill_between(xs, low[order], high[order], color=colours[backend], alpha=0.15, linewidth=0)
        else:
            xs = np.arange(len(groups)) + (index - (len(backends) - 1) / 2) * width
            ax.bar(
                xs,
                value,
                width,
                yerr=[value - low, high - value],
                color=colours[backend],
                hatch="//" if kinds.get(backend) == "baseline" else "",
                edgecolor="white",
                error_kw={"ecolor": "#333333", "capsize": 2, "elinewidth": 0.8},
                label=short(backend),
            )
    if numbers is None:
        ax.set_xticks(
            range(len(groups)), [short(g, 14) for g in groups], rotation=30 if len(groups) > 6 else 0
        )
    ax.set_xlabel(field)
    metric = str(frame["metric"].iloc[0])
    higher = bool(frame["higher_is_better"].iloc[0]) if "higher_is_better" in frame else True
    ax.set_ylabel(f"{metric} ({'↑' if higher else '↓'} better)")
    ax.grid(axis="y", alpha=0.3)
    figure.legend(frameon=False, ncols=min(4, len(backends)), loc="outside lower center")
    kind = "curve with 95% band" if numbers is not None else "95% CI"
    ax.set_title(f"{short(task, 30)}: {metric} by {short(field, 24)} ({kind})", loc="left")
    return figure
