"""The pairwise win-rate matrix as a heatmap: row backend's win rate against column backend."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from evals.report.plots.base import new_figure, short, styled
from evals.rundata import JudgingSummary


def win_matrix(summary: JudgingSummary) -> tuple[list[str], np.ndarray]:
    """Backends in first-seen order and the matrix of row-over-column win rates (NaN: not
    compared; the diagonal is empty). B over A is 1 - (A over B): ties count half."""
    names: list[str] = []
    for rate in summary.win_rates:
        for name in (rate.backend_a, rate.backend_b):
            if name not in names:
                names.append(name)
    matrix = np.full((len(names), len(names)), np.nan)
    for rate in summary.win_rates:
        if rate.win_rate is None:
            continue
        i, j = names.index(rate.backend_a), names.index(rate.backend_b)
        matrix[i, j], matrix[j, i] = rate.win_rate, 1.0 - rate.win_rate
    return names, matrix


@styled
def plot_win_rates(summary: JudgingSummary) -> Figure | None:
    names, matrix = win_matrix(summary)
    if len(names) < 2 or np.all(np.isnan(matrix)):
        return None
    size = 1.6 + 0.9 * len(names)
    figure = new_figure(size + 1.2, size)
    axes = figure.add_subplot()
    image = axes.imshow(np.ma.masked_invalid(matrix), vmin=0.0, vmax=1.0, cmap="RdBu")
    axes.set_xticks(range(len(names)), [short(n, 18) for n in names], rotation=30, ha="right")
    axes.set_yticks(range(len(names)), [short(n, 18) for n in names])
    axes.set_xlabel("against")
    axes.set_ylabel("win rate of")
    for i in range(len(names)):
        for j in range(len(names)):
            if np.isfinite(matrix[i, j]):
                colour = "white" if abs(matrix[i, j] - 0.5) > 0.3 else "black"
                axes.text(j, i, f"{matrix[i, j]:.2f}", ha="center", va="center", color=colour, fontsize=9)
    figure.colorbar(image, ax=axes, shrink=0.8, label="win rate (ties count ½)")
    axes.set_title(f"{summary.task}: pairwise win rates ({summary.rubric or 'rubric'})")
    return figure
