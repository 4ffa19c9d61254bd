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


PairedName = Literal["accuracy", "cohen_kappa", "weighted_kappa", "spearman"]
PAIRED: dict[str, PairedStatistic] = {
    "accuracy": accuracy,
    "cohen_kappa": cohen_kappa,
    "weighted_kappa": lambda a, b: cohen_kappa(a, b, weights="quadratic"),
    "spearman": spearman,
}


def paired_interval(
    statistic: PairedName,
    a: Values,
    b: Values,
    *,
    seed: int,
    resamples: int = AGREEMENT_RESAMPLES,
    confidence: float = 0.95,
) -> Interval:
    """A statistic of two aligned label lists (the library's value), with a percentile
    bootstrap over the items. The resamples are computed in one batch (`batch_statistic`, the
    same formula as the library's, checked against it in tests/judge): a thousand library calls
    would take seconds on a loaded machine."""
    left, right = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    n = left.size
    value = PAIRED[statistic](left, right) if n else float("nan")
    if n < 2:
        return Interval(value, value, value, n)
    rng = np.random.default_rng(seed)
    draws = [
        batch_statistic(statistic, left[rows], right[rows]) for rows in resample_indices(rng, n, resamples)
    ]
    return _bounded(value, np.concatenate(draws), confidence, n)


def batch_statistic(
    statistic: PairedName, left: NDArray[np.float64], right: NDArray[np.float64]
) -> NDArray[np.float64]:
    """The statistic of every row of two (resamples × items) arrays at once; NaN where it is
    undefined."""
    if statistic == "accuracy":
        return np.asarray(np.mean(left == right, axis=1), dtype=np.float64)
    if statistic == "spearman":
        return _batch_spearman(left, right)
    return _batch_kappa(left, right, weights="quadratic" if statistic == "weighted_kappa" else None)


def _batch_kappa(
    left: NDArray[np.float64], right: NDArray[np.float64], *, weights: KappaWeights
) -> NDArray[np.float64]:
    """Cohen's kappa per row, as scikit-learn computes it: labels indexed in sorted order, a
    confusion matrix, expected counts from its margins, and 1 - Σw·observed / Σw·expected with
    w = 1 off the diagonal (unweighted), |i-j| (linear) or (i-j)² (quadratic)."""
    labels = np.unique(np.concatenate([left.ravel(), right.ravel()]))
    k = labels.size
    rows, n = left.shape
    i, j = np.searchsorted(labels, left), np.searchsorted(labels, right)
    confusion = np.zeros((rows, k, k), dtype=np.float64)
    np.add.at(confusion, (np.arange(rows)[:, None], i, j), 1.0)
    expected = np.einsum("ri,rj->rij", confusion.sum(axis=2), confusion.sum(axis=1)) / n
    grid = np.subtract.outer(np.arange(k), np.arange(k)).astype(np.float64)
    weight = {None: (grid != 0).astype(np.float64), "linear": np.abs(grid), "quadratic": grid**2}[weights]
    with np.errstate(invalid="ignore", divide="ignore"):
        kappa = 1.0 - (weight * confusion).sum(axis=(1, 2)) / (weight * expected).sum(axis=(1, 2))
    # A row where both raters used one label only is undefined (scikit-learn gives NaN too).
    single = np.array([np.unique(np.concatenate([x, y])).size < 2 for x, y in zip(left, right, strict=True)])
    kappa[single] = np.nan
    return np.asarray(kappa, dtype=np.float64)


def _batch_spearman(left: NDArray[np.float64], right: NDArray[np.float64]) -> NDArray[np.float64]:
    """Spearman's rho per row: Pearson's correlation of average ranks (SciPy's rankdata)."""
    from scipy.stats import rankdata

    x = rankdata(left, axis=1)
    y = rankdata(right, axis=1)
    x -= x.mean(axis=1, keepdims=True)
    y -= y.mean(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        rho = (x * y).sum(axis=1) / np.sqrt((x * x).sum(axis=1) * (y * y).sum(axis=1))
    return np.asarray(rho, dtype=np.float64)


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
