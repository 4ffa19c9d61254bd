"""Plot functions on the analysis frames: reusable, deterministic, and honest about missing data."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest
from PIL import Image

import evals
from evals.report.plots import (
    modality_split,
    plot_breakdown,
    plot_cost_by_modality,
    plot_cost_score,
    plot_latency,
    plot_scores,
)
from evals.report.plots.base import png_bytes
from evals.report.plots.breakdowns import numeric_groups
from evals.report.ranking import pareto_front


def test_plots_take_frames_of_several_runs(run_dir: Path) -> None:
    run = evals.load_run(run_dir)
    twice = pd.concat([run.summary, run.summary.assign(backend="again:" + run.summary["backend"])])
    figure = plot_scores(twice)
    assert figure is not None and len([a for a in figure.axes if a.get_visible()]) == 3
    labels = [t.get_text().split("  ")[0] for t in figure.axes[0].texts]  # "name  value" above each bar
    assert "again:model-a" in labels and "model-a" in labels
    png = png_bytes(figure)
    assert png == png_bytes(plot_scores(twice))  # type: ignore[arg-type]
    assert Image.open(io.BytesIO(png)).format == "PNG"


def test_cost_plot_names_unknown_costs(run_dir: Path) -> None:
    figure = plot_cost_score(evals.load_run(run_dir).summary)
    assert figure is not None
    texts = [t.get_text() for ax in figure.axes for t in ax.texts]
    assert "cost unknown, not shown: model-d" in texts and "$0" in texts


def test_no_cost_plot_when_nothing_costs_anything(run_dir: Path) -> None:
    summary = evals.load_run(run_dir).summary
    assert plot_cost_score(summary[summary["backend_kind"] != "provider"]) is None
    assert plot_cost_score(summary[summary["backend"] == "model-d"]) is None  # unknown cost only


def test_breakdown_curve_for_numbers_and_bars_for_categories(run_dir: Path) -> None:
    breakdowns = evals.load_run(run_dir).breakdowns
    curve = plot_breakdown(breakdowns, "shapes", "count")
    bars = plot_breakdown(breakdowns, "shapes", "colour")
    assert curve is not None and bars is not None
    assert len(curve.axes[0].lines) == 5 and len(curve.axes[0].collections) >= 5  # a line and a band each
    assert len(bars.axes[0].patches) == 10  # 2 groups × 5 backends
    assert plot_breakdown(breakdowns, "shapes", "missing") is None
    assert numeric_groups(["0", "1", "2.5"]) == [0.0, 1.0, 2.5]
    assert numeric_groups(["0", "1"]) is None and numeric_groups(["a", "1", "2"]) is None


def test_latency_plot_marks_percentiles(run_dir: Path) -> None:
    results = evals.load_run(run_dir).results
    figure = plot_latency(results)
    assert figure is not None
    labels = [t.get_text() for t in figure.axes[0].get_yticklabels()]
    medians = results[results["status"] == "ok"].groupby("backend")["latency_s"].median().dropna()
    assert labels == list(medians.sort_values().index)  # fastest first
    assert "oracle" not in labels  # baselines answer in-process: they have no latency to show
    legend = [t.get_text() for t in figure.legends[0].get_texts()]
    assert legend == ["p50", "p95", "p99"]
    assert plot_latency(pd.DataFrame()) is None


def test_modality_split_apportions_cost_by_tokens() -> None:
    results = pd.DataFrame(
        [
            {
                "backend": "m",
                "status": "ok",
                "input_tokens": 90,
                "output_tokens": 10,
                "image_tokens": 60,
                "audio_tokens": None,
                "cost_usd": 0.1,
                "audio_seconds": None,
            },
            {
                "backend": "m",
                "status": "error",
                "input_tokens": 1000,
                "output_tokens": 0,
                "image_tokens": 0,
                "audio_tokens": 0,
                "cost_usd": 9.0,
                "audio_seconds": None,
            },
            {
                "backend": "asr",
                "status": "ok",
                "input_tokens": None,
                "output_tokens": None,
                "image_tokens": None,
                "audio_tokens": None,
                "cost_usd": 0.006,
                "audio_seconds": 60.0,
            },
            {
                "backend": "free",
                "status": "ok",
                "input_tokens": None,
                "output_tokens": None,
                "image_tokens": None,
                "audio_tokens": None,
                "cost_usd": 0.0,
                "audio_seconds": None,
            },
        ]
    )
    split = modality_split(results).set_index(["backend", "modality"])
    assert split.loc[("m", "text"), "tokens"] == 40 and split.loc[("m", "image"), "tokens"] == 60
    assert split.loc[("m", "text"), "cost_usd"] == pytest.approx(0.04)
    assert split.loc[("m", "image"), "cost_usd"] == pytest.approx(0.06)
    assert split.loc[("asr", "audio"), "cost_usd"] == pytest.approx(0.006)
    assert "free" not in split.index.get_level_values("backend")
    assert plot_cost_by_modality(results) is not None
    assert plot_cost_by_modality(results[results["backend"] == "free"]) is None


def test_pareto_front() -> None:
    points = [
        ("cheap", 0.0, 0.5),
        ("mid", 1.0, 0.7),
        ("dear", 5.0, 0.9),
        ("bad", 3.0, 0.6),
        ("dup", 1.0, 0.7),
        ("unknown", None, 1.0),
    ]
    assert pareto_front(points) == {"cheap", "mid", "dup", "dear"}
    lower = [("a", 1.0, 0.1), ("b", 0.5, 0.3), ("c", 2.0, 0.2)]  # an error rate: lower is better
    assert pareto_front(lower, higher_is_better=False) == {"a", "b"}
