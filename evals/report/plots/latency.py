"""Latency distribution per backend: every answered request, with p50, p95 and p99 marked."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from evals.report.plots.base import new_figure, palette, short, styled

MARKERS = (("p50", 50, "|"), ("p95", 95, "d"), ("p99", 99, "x"))


def _jitter(key: str) -> float:
    """A stable vertical offset in [-0.3, 0.3] (a hash, not a random draw: PNGs are reproducible)."""
    return (hashlib.sha256(key.encode()).digest()[0] / 255 - 0.5) * 0.6


def latency_values(results: pd.DataFrame) -> pd.DataFrame:
    """The measured latencies: answered (ok), not served from the cache, with a time."""
    needed = {"backend", "latency_s", "status"}
    if results.empty or not needed <= set(results.columns):
        return pd.DataFrame(columns=["backend", "latency_s"])
    frame = results[(results["status"] == "ok") & results["latency_s"].notna()]
    if "cached" in frame.columns:
        frame = frame[~frame["cached"].astype(bool)]
    return frame


@styled
def plot_latency(results: pd.DataFrame) -> Figure | None:
    """One row per backend (all its tasks, fastest median first): a strip of request latencies
    and its percentiles.

    Takes the columns of `evals.analysis` results (backend, backend_kind, sample_id, task,
    status, cached, latency_s); the x axis is logarithmic when latencies span over 20×.
    """
    frame = latency_values(results)
    if frame.empty:
        return None
    backends = list(frame.groupby("backend")["latency_s"].median().sort_values(kind="stable").index)
    kinds = dict(zip(frame["backend"], frame.get("backend_kind", pd.Series(dtype=object)), strict=False))
    colours = palette(backends, kinds)
    figure = new_figure(7.0, 1.4 + 0.5 * len(backends))
    ax = figure.add_subplot()
    for row, backend in enumerate(backends):
        part = frame[frame["backend"] == backend]
        values = part["latency_s"].astype(float).to_numpy()
        keys = [
            f"{t}/{s}"
            for t, s in zip(part.get("task", part.index), part.get("sample_id", part.index), strict=True)
        ]
        ys = [row + _jitter(k) for k in keys]
        ax.scatter(values, ys, s=7, alpha=0.5, color=colours[backend], linewidths=0)
        for label, q, marker in MARKERS:
            value = float(np.percentile(values, q))
            ax.scatter(
                [value],
                [row],
                marker=marker,
                s=70,
                color="#222222",
                zorder=3,
                label=label if row == 0 else None,
            )
    ax.set_yticks(range(len(backends)), [short(b) for b in backends])
    ax.invert_yaxis()
    values = frame["latency_s"].astype(float)
    positive = values[values > 0]
    if not positive.empty and positive.max() / positive.min() > 20:
        ax.set_xscale("log")
    ax.set_xlabel("seconds per request (answered, not cached)")
    ax.grid(axis="x", alpha=0.3)
    figure.legend(loc="outside upper right", ncols=3, frameon=False)
    figure.suptitle("Latency per backend", x=0.01, ha="left")
    return figure
