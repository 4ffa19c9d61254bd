"""How far a judge can be trusted: agreement with human labels and between judges, each with a
seeded bootstrap interval over the judged items.

The statistics are the libraries' own (scikit-learn's Cohen's kappa, SciPy's Spearman
correlation, the `krippendorff` package's alpha); this module only feeds them aligned labels
and resamples the items. A resample on which a statistic is undefined (every label the same)
is left out of the interval rather than counted as 0.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from evals.stats import Interval, percentile_bounds, resample_indices

AGREEMENT_RESAMPLES = 1000  # each resample calls the library once: fewer than the mean's 2000
KappaWeights = Literal["linear", "quadratic"] | None
AlphaLevel = Literal["nominal", "ordinal", "interval", "ratio"]

Values = Sequence[float] | NDArray[np.float64]
PairedStatistic = Callable[[Values, Values], float]


def cohen_kappa(a: Values, b: Values, *, weights: KappaWeights = None) -> float:
    """Cohen's kappa between two raters of the same items (weighted for ordinal scales).

    NaN when it is undefined: every item given one and the same label by both raters."""
    from sklearn.metrics import cohen_kappa_score

    left, right = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if left.size == 0 or np.unique(np.concatenate([left, right])).size < 2:
        return float("nan")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = cohen_kappa_score(left, right, weights=weights)
    return float(value)


def spearman(a: Values, b: Values) -> float:
    """Spearman's rank correlation (ties get average ranks); NaN when either side is constant."""
    from scipy.stats import spearmanr

    left, right = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if left.size < 2 or np.ptp(left) == 0 or np.ptp(right) == 0:
        return float("nan")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = spearmanr(left, right)
    return float(result.statistic)


def accuracy(a: Values, b: Values) -> float:
    """Share of items on which both raters gave the same label."""
    left, right = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.mean(left == right)) if left.size else float("nan")


def krippendorff_alpha(
    ratings: Sequence[Sequence[float | None]] | NDArray[np.float64], *, level: AlphaLevel = "ordinal"
) -> float:
    """Krippendorff's alpha over raters × items (None or NaN: that rater gave no rating).

    NaN when it is undefined (fewer than two pairable ratings, or a single value overall)."""
    import krippendorff

    data = _ratings_array(ratings)
    pairable = np.sum(np.isfinite(data), axis=0) >= 2
    values = data[:, pairable]
    finite = values[np.isfinite(values)]
    if values.shape[1] == 0 or np.unique(finite).size < 2:
        return float("nan")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = krippendorff.alpha(reliability_data=values, level_of_measurement=level)
    return float(value)


def _ratings_array(ratings: Sequence[Sequence[float | None]] | NDArray[np.float64]) -> NDArray[np.float64]:
    if isinstance(ratings, np.ndarray):
        return ratings.astype(np.float64)
    return np.array([[np.nan if v is None else float(v) for v in row] for row in ratings], dtype=np.float64)


def paired_interval(
    statistic: PairedStatistic,
    a: Values,
    b: Values,
    *,
    seed: int,
    resamples: int = AGREEMENT_RESAMPLES,
    confidence: float = 0.95,
) -> Interval:
    """The statistic of two aligned label lists, with a percentile bootstrap over the items."""
    left, right = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    n = left.size
    value = statistic(left, right) if n else float("nan")
    if n < 2:
        return Interval(value, value, value, n)
    rng = np.random.default_rng(seed)
    draws = [
        statistic(left[row], right[row]) for block in resample_indices(rng, n, resamples) for row in block
    ]
    return _bounded(value, np.asarray(draws, dtype=np.float64), confidence, n)


def alpha_interval(
    ratings: Sequence[Sequence[float | None]] | NDArray[np.float64],
    *,
    level: AlphaLevel = "ordinal",
    seed: int,
    resamples: int = AGREEMENT_RESAMPLES,
    confidence: float = 0.95,
) -> Interval:
    """Krippendorff's alpha with a percentile bootstrap over the items (columns)."""
    data = _ratings_array(ratings)
    n = data.shape[1] if data.ndim == 2 else 0
    value = krippendorff_alpha(data, level=level) if n else float("nan")
    if n < 2:
        return Interval(value, value, value, n)
    rng = np.random.default_rng(seed)
    draws = [
        krippendorff_alpha(data[:, row], level=level)
        for block in resample_indices(rng, n, resamples)
        for row in block
    ]
    return _bounded(value, np.asarray(draws, dtype=np.float64), confidence, n)


def _bounded(value: float, draws: NDArray[np.float64], confidence: float, n: int) -> Interval:
    bounds = percentile_bounds(draws, confidence)
    if bounds is None:
        return Interval(value, float("nan"), float("nan"), n)
    return Interval(value, bounds[0], bounds[1], n)
