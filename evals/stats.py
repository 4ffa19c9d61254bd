"""Uncertainty for every number: seeded, vectorised bootstrap confidence intervals."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

DEFAULT_RESAMPLES = 2000
_CHUNK_CELLS = 4_000_000  # resample in blocks of at most this many indices (memory bound)


def seed_for(*parts: object) -> int:
    """A stable seed from names, so a summary is identical however often it is recomputed."""
    digest = hashlib.sha256("\x00".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big")


@dataclass(frozen=True, slots=True)
class Interval:
    value: float
    low: float
    high: float
    n: int


def resample_indices(rng: np.random.Generator, n: int, resamples: int) -> Iterator[NDArray[np.intp]]:
    """`resamples` rows of n indices drawn with replacement, in blocks that bound memory: each
    block is drawn when the caller asks for it (a list of them all held 1.6 GB at n = 100,000)."""
    rows = max(1, _CHUNK_CELLS // max(n, 1))
    done = 0
    while done < resamples:
        take = min(rows, resamples - done)
        yield rng.integers(0, n, size=(take, n))
        done += take


def bootstrap_mean(
    values: Sequence[float] | NDArray[np.float64],
    *,
    seed: int,
    resamples: int = DEFAULT_RESAMPLES,
    confidence: float = 0.95,
) -> Interval:
    """Percentile bootstrap interval of the mean."""
    data = np.asarray(values, dtype=np.float64)
    n = data.size
    if n == 0:
        return Interval(float("nan"), float("nan"), float("nan"), 0)
    value = float(data.mean())
    if n == 1:
        return Interval(value, value, value, 1)
    rng = np.random.default_rng(seed)
    means = np.concatenate([data[idx].mean(axis=1) for idx in resample_indices(rng, n, resamples)])
    return _interval(value, means, confidence, n)


def bootstrap_ratio(
    numerators: Sequence[float] | NDArray[np.float64],
    denominators: Sequence[float] | NDArray[np.float64],
    *,
    seed: int,
    resamples: int = DEFAULT_RESAMPLES,
    confidence: float = 0.95,
) -> Interval:
    """Interval of sum(num)/sum(den), resampling items (e.g. utterances for corpus WER)."""
    num = np.asarray(numerators, dtype=np.float64)
    den = np.asarray(denominators, dtype=np.float64)
    n = num.size
    total = den.sum()
    if n == 0 or total == 0:
        return Interval(float("nan"), float("nan"), float("nan"), n)
    value = float(num.sum() / total)
    if n == 1:
        return Interval(value, value, value, 1)
    rng = np.random.default_rng(seed)
    ratios = []
    for idx in resample_indices(rng, n, resamples):
        ratios.append(safe_ratio(num[idx].sum(axis=1), den[idx].sum(axis=1)))
    return _interval(value, np.concatenate(ratios), confidence, n)


def bootstrap_corpus(
    stats: NDArray[np.float64],
    combine: Callable[[NDArray[np.float64]], float],
    *,
    seed: int,
    resamples: int = DEFAULT_RESAMPLES,
    confidence: float = 0.95,
) -> Interval:
    """Interval of combine(sum of per-item statistics), resampling items: corpus BLEU, chrF.

    `stats` has one row per item and one column per statistic; each resample's column sums are
    computed as a count-weighted product (no n × n index matrix)."""
    n = stats.shape[0]
    if n == 0:
        return Interval(float("nan"), float("nan"), float("nan"), 0)
    value = combine(stats.sum(axis=0))
    if n == 1:
        return Interval(value, value, value, 1)
    rng = np.random.default_rng(seed)
    draws: list[float] = []
    for idx in resample_indices(rng, n, resamples):
        counts = np.zeros((idx.shape[0], n), dtype=np.float64)
        np.add.at(counts, (np.arange(idx.shape[0])[:, None], idx), 1.0)
        draws.extend(combine(row) for row in counts @ stats)
    return _interval(value, np.asarray(draws, dtype=np.float64), confidence, n)


def safe_ratio(num: NDArray[np.float64], den: NDArray[np.float64]) -> NDArray[np.float64]:
    """num / den element by element; NaN where the denominator is 0 (an undefined draw)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


def percentile_bounds(draws: NDArray[np.float64], confidence: float) -> tuple[float, float] | None:
    """The percentile interval of bootstrap draws, ignoring undefined (NaN) draws; None if all are."""
    finite = draws[np.isfinite(draws)]
    if finite.size == 0:
        return None
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(finite, [tail, 100 - tail])
    return float(low), float(high)


def _interval(value: float, draws: NDArray[np.float64], confidence: float, n: int) -> Interval:
    bounds = percentile_bounds(draws, confidence)
    if bounds is None:
        return Interval(value, float("nan"), float("nan"), n)
    return Interval(value, *bounds, n)


def bootstrap_percentiles(
    values: Sequence[float],
    qs: Sequence[float] = (50, 95, 99),
    *,
    seed: int,
    resamples: int = DEFAULT_RESAMPLES,
    confidence: float = 0.95,
) -> dict[str, tuple[float, float] | None]:
    """Percentile bootstrap intervals of percentiles (p50, p95, p99 of latencies); None below two
    values. A tail percentile of few values is poorly determined: its interval says so."""
    data = np.asarray(values, dtype=np.float64)
    if data.size < 2:
        return {f"p{int(q)}": None for q in qs}
    rng = np.random.default_rng(seed)
    draws = np.concatenate(
        [np.percentile(data[idx], list(qs), axis=1).T for idx in resample_indices(rng, data.size, resamples)]
    )
    return {f"p{int(q)}": percentile_bounds(draws[:, i], confidence) for i, q in enumerate(qs)}


def percentiles(values: Sequence[float], qs: Sequence[float] = (50, 95, 99)) -> dict[str, float | None]:
    data = np.asarray([v for v in values if v is not None], dtype=np.float64)
    if data.size == 0:
        return {f"p{int(q)}": None for q in qs}
    found = np.percentile(data, list(qs))
    return {f"p{int(q)}": float(v) for q, v in zip(qs, found, strict=True)}
