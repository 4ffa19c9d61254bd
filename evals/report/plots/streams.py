"""Cumulative distribution of time to first audio (solid) and first token (dashed) per backend:
how often a spoken reply starts within a given time (a realtime model against a cascade)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from evals.report.plots.base import new_figure, palette, short, styled

MEASURES = (("ttfa_s", "-", "first audio"), ("ttft_s", "--", "first token"))


@styled
def plot_stream_cdf(results: pd.DataFrame) -> Figure | None:
    """One step curve per backend and measure over answered, uncached requests; None when no
    request streamed. Takes the columns of `evals.analysis` results (backend, status, cached,
    ttft_s, ttfa_s)."""
    if results.empty or "status" not in results.columns:
        return None
    frame = results[results["status"] == "ok"]
    if "cached" in frame.columns:
        frame = frame[~frame["cached"].astype(bool)]
    present = [m for m in MEASURES if m[0] in frame.columns and frame[m[0]].notna().any()]
    if not present:
        return None
    backends = sorted({str(b) for m in present for b in frame.loc[frame[m[0]].notna(), "backend"]})
    kinds = dict(zip(frame["backend"], frame.get("backend_kind", pd.Series(dtype=object)), strict=False))
    colours = palette(backends, kinds)
    figure = new_figure(7.0, 4.0)
    ax = figure.add_subplot()
    for backend in backends:
        part = frame[frame["backend"] == backend]
        for column, style, label in present:
            values = np.sort(part[column].dropna().astype(float).to_numpy())
            if values.size == 0:
                continue
            share = np.arange(1, values.size + 1) / values.size
            ax.step(
                values,
                share,
                where="post",
                linestyle=style,
                color=colours[backend],
                label=f"{short(backend)} · {label} (n={values.size})",
            )
    every = pd.concat([frame[c].dropna().astype(float) for c, _, _ in present])
    positive = every[every > 0]
    if not positive.empty and positive.max() / positive.min() > 20:
        ax.set_xscale("log")
    for level in (0.5, 0.95):
        ax.axhline(level, color="#999999", linewidth=0.6, linestyle=":")
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("seconds from the end of the input")
    ax.set_ylabel("share of requests")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right", frameon=False)
    figure.suptitle("Time to first audio and first token (CDF)", x=0.01, ha="left")
    return figure
