"""Streamed latencies in the summary: percentiles of TTFT/TTFA with bootstrap intervals."""

from __future__ import annotations

import numpy as np

from evals.aggregate import stream_summary
from evals.stats import bootstrap_percentiles


def test_intervals_cover_the_percentiles_and_narrow_with_more_samples() -> None:
    rng = np.random.default_rng(3)
    small = list(rng.uniform(0.1, 0.3, size=40))
    large = list(rng.uniform(0.1, 0.3, size=2000))
    few, many = bootstrap_percentiles(small, seed=1), bootstrap_percentiles(large, seed=1)
    for bounds, data in ((few, small), (many, large)):
        for q in (50, 95, 99):
            low_high = bounds[f"p{q}"]
            assert low_high is not None
            assert low_high[0] <= float(np.percentile(data, q)) <= low_high[1]
    # True p50 of U(0.1, 0.3) is 0.2; with 2,000 values the interval is tight around it.
    p50 = many["p50"]
    assert p50 is not None and p50[0] <= 0.2 <= p50[1] and p50[1] - p50[0] < 0.01
    assert few["p50"] is not None and (few["p50"][1] - few["p50"][0]) > (p50[1] - p50[0])


def test_the_summary_is_reproducible_and_one_value_has_no_interval() -> None:
    values = [0.12, 0.2, 0.15, 0.4, 0.13, 0.11, 0.9]
    first, again = stream_summary(values, seed=7), stream_summary(values, seed=7)
    assert first == again and first.n == 7 and first.p50 == 0.15
    assert first.p99_ci is not None and first.p99_ci[1] == 0.9
    alone = stream_summary([0.3], seed=7)
    assert alone.p50 == 0.3 and alone.p50_ci is None and alone.p95_ci is None
