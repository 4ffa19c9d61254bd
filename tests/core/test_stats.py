"""Bootstrap intervals: seeded, sane, and vectorised; corpus ratios resample items."""

from __future__ import annotations

import numpy as np
import pytest

from evals.aggregate import summarize_cell
from evals.rundata import BackendInfo, SampleRecord, TaskInfo
from evals.stats import bootstrap_mean, bootstrap_ratio, percentiles, seed_for


def test_mean_interval_is_deterministic_and_covers_the_mean() -> None:
    values = np.random.default_rng(0).binomial(1, 0.7, size=400).astype(float)
    a = bootstrap_mean(values, seed=1)
    b = bootstrap_mean(values, seed=1)
    assert a == b
    assert a.low < a.value < a.high
    # The normal approximation for a proportion: half-width ≈ 1.96 * sqrt(p(1-p)/n).
    expected = 1.96 * np.sqrt(a.value * (1 - a.value) / 400)
    assert (a.high - a.low) / 2 == pytest.approx(expected, rel=0.15)


def test_degenerate_inputs() -> None:
    assert np.isnan(bootstrap_mean([], seed=0).value)
    single = bootstrap_mean([0.5], seed=0)
    assert (single.value, single.low, single.high, single.n) == (0.5, 0.5, 0.5, 1)
    assert bootstrap_mean([1.0] * 10, seed=0).low == 1.0


def test_ratio_is_a_ratio_of_sums_not_a_mean_of_ratios() -> None:
    errors = [1, 0, 9]
    words = [10, 10, 10]
    interval = bootstrap_ratio(errors, words, seed=0)
    assert interval.value == pytest.approx(10 / 30)
    assert interval.low <= interval.value <= interval.high
    long_and_short = bootstrap_ratio([1, 5], [100, 5], seed=0)
    assert long_and_short.value == pytest.approx(6 / 105)  # the mean of ratios would be 0.505


def test_large_inputs_are_chunked_not_held_at_once() -> None:
    values = np.ones(200_000)
    assert bootstrap_mean(values, seed=0, resamples=100).value == 1.0


def test_percentiles_and_seeds() -> None:
    assert percentiles([1, 2, 3, 4, 100])["p50"] == 3
    assert percentiles([])["p95"] is None
    assert seed_for("a", "b") == seed_for("a", "b") != seed_for("a", "c")


def test_cell_summary_keeps_errors_beside_the_score_and_is_order_independent() -> None:
    task = {"name": "t", "metrics": [{"name": "acc", "scorer": "s"}], "breakdowns": ["level"]}
    records = [
        {
            "task": "t",
            "backend": "b",
            "sample_id": f"{i}",
            "status": "ok",
            "scores": {"acc": float(i % 2)},
            "details": {},
            "metadata": {"level": i % 3},
            "usage": {"input_tokens": 5},
            "latency": {"total_s": 0.1},
            "cost_usd": 0.001,
        }
        for i in range(40)
    ] + [
        {
            "task": "t",
            "backend": "b",
            "sample_id": "x",
            "status": "error",
            "scores": {},
            "details": {},
            "metadata": {},
            "usage": {},
            "latency": {},
            "error": {"kind": "timeout", "message": "no answer"},
        }
    ]
    typed = [SampleRecord.model_validate(r) for r in records]
    info = TaskInfo.model_validate(task)
    cell = summarize_cell(info, BackendInfo(name="b"), typed)
    assert cell.n_errors == 1 and cell.errors_by_kind == {"timeout": 1}
    assert cell.metrics["acc"].n == 40 and cell.metrics["acc"].value == 0.5
    assert cell.cost_usd == pytest.approx(0.04) and cell.tokens == {"input_tokens": 200}
    assert set(cell.breakdowns["level"]) == {"0", "1", "2"}
    assert summarize_cell(info, BackendInfo(name="b"), list(reversed(typed))) == cell
