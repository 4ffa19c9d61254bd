"""Paired statistics: two systems scored on the same samples, and how sure we are they differ.

Every function compares a *reference* (the baseline, or the first run) with a *candidate* on
samples aligned by id, and reports `candidate − reference` with a two-sided percentile bootstrap
interval that resamples *samples* (pairs), so the correlation between the two systems is kept:
most samples are easy or hard for both, and pairing removes that shared variance.

- per-sample means (accuracy, ANLS, cost per sample): bootstrap the mean of the differences;
- corpus ratios (WER, CER): resample utterances and recompute *both* corpus ratios on the same
  resample (Bisani & Ney, "Bootstrap estimates for confidence intervals in ASR performance
  evaluation", ICASSP 2004);
- percentiles (latency p50/p95): resample pairs, recompute both percentiles;
- right/wrong metrics: McNemar's test on the discordant pairs, exact binomial below
  `MCNEMAR_EXACT_BELOW` discordant pairs, chi-square with continuity correction above.

All resampling is seeded, so the same inputs always give the same numbers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from evals.stats import percentile_bounds, resample_indices, safe_ratio

DEFAULT_RESAMPLES = 5000
DEFAULT_CONFIDENCE = 0.95
DEFAULT_POWER = 0.8
# Below this many discordant pairs McNemar's chi-square approximation is poor and the exact
# binomial test is used (the usual rule of thumb, e.g. Fagerland, Lydersen & Laake, BMC Medical
# Research Methodology 13:91, 2013 recommend exact or mid-p tests for small counts).
MCNEMAR_EXACT_BELOW = 25

Floats = Sequence[float] | NDArray[np.float64]
Statistic = Literal["mean", "ratio", "quantile"]


@dataclass(frozen=True, slots=True)
class PairedDiff:
    """`candidate − reference` on `n` paired samples, with its interval and standard error."""

    statistic: Statistic
    n: int
    reference: float
    candidate: float
    diff: float
    low: float
    high: float
    se: float
    confidence: float

    @property
    def known(self) -> bool:
        return self.n > 0 and math.isfinite(self.diff)


@dataclass(frozen=True, slots=True)
class McNemar:
    """Discordant pairs of a right/wrong metric and the two-sided p-value of 'no change'."""

    lost: int  # right in the reference, wrong in the candidate
    gained: int  # wrong in the reference, right in the candidate
    p_value: float
    method: Literal["exact", "chi2"]

    @property
    def discordant(self) -> int:
        return self.lost + self.gained


def _nan_diff(statistic: Statistic, n: int, confidence: float) -> PairedDiff:
    nan = float("nan")
    return PairedDiff(statistic, n, nan, nan, nan, nan, nan, nan, confidence)


def _percentile_interval(draws: NDArray[np.float64], confidence: float) -> tuple[float, float, float]:
    """(low, high, standard deviation) of bootstrap draws, ignoring undefined draws."""
    bounds = percentile_bounds(draws, confidence)
    if bounds is None:
        return float("nan"), float("nan"), float("nan")
    finite = draws[np.isfinite(draws)]
    return *bounds, float(finite.std(ddof=1)) if finite.size > 1 else 0.0


def paired_mean(
    reference: Floats,
    candidate: Floats,
    *,
    seed: int,
    resamples: int = DEFAULT_RESAMPLES,
    confidence: float = DEFAULT_CONFIDENCE,
) -> PairedDiff:
    """Mean of per-sample differences; the standard error is s_d / sqrt(n) (s_d with n − 1)."""
    ref = np.asarray(reference, dtype=np.float64)
    cand = np.asarray(candidate, dtype=np.float64)
    n = ref.size
    if n == 0:
        return _nan_diff("mean", 0, confidence)
    diffs = cand - ref
    value = float(diffs.mean())
    se = float(diffs.std(ddof=1) / math.sqrt(n)) if n > 1 else float("nan")
    low = high = value
    if n > 1 and np.any(diffs != diffs[0]):
        rng = np.random.default_rng(seed)
        draws = np.concatenate([diffs[idx].mean(axis=1) for idx in resample_indices(rng, n, resamples)])
        low, high, _ = _percentile_interval(draws, confidence)
    return PairedDiff("mean", n, float(ref.mean()), float(cand.mean()), value, low, high, se, confidence)


def paired_ratio(
    reference_num: Floats,
    reference_den: Floats,
    candidate_num: Floats,
    candidate_den: Floats,
    *,
    seed: int,
    resamples: int = DEFAULT_RESAMPLES,
    confidence: float = DEFAULT_CONFIDENCE,
) -> PairedDiff:
    """Difference of two corpus ratios sum(num)/sum(den), resampling items for both at once.

    The standard error is the standard deviation of the bootstrap differences.
    """
    rn, rd = np.asarray(reference_num, dtype=np.float64), np.asarray(reference_den, dtype=np.float64)
    cn, cd = np.asarray(candidate_num, dtype=np.float64), np.asarray(candidate_den, dtype=np.float64)
    n = rn.size
    if n == 0 or rd.sum() <= 0 or cd.sum() <= 0:
        return _nan_diff("ratio", n, confidence)
    ref_value = float(rn.sum() / rd.sum())
    cand_value = float(cn.sum() / cd.sum())
    value = cand_value - ref_value
    if n == 1 or (np.array_equal(rn, cn) and np.array_equal(rd, cd)):
        se = 0.0 if n > 1 else float("nan")
        return PairedDiff("ratio", n, ref_value, cand_value, value, value, value, se, confidence)
    rng = np.random.default_rng(seed)
    draws = []
    for idx in resample_indices(rng, n, resamples):
        ref_draw = safe_ratio(rn[idx].sum(axis=1), rd[idx].sum(axis=1))
        cand_draw = safe_ratio(cn[idx].sum(axis=1), cd[idx].sum(axis=1))
        draws.append(cand_draw - ref_draw)
    low, high, se = _percentile_interval(np.concatenate(draws), confidence)
    return PairedDiff("ratio", n, ref_value, cand_value, value, low, high, se, confidence)


def paired_quantile(
    reference: Floats,
    candidate: Floats,
    q: float,
    *,
    seed: int,
    resamples: int = DEFAULT_RESAMPLES,
    confidence: float = DEFAULT_CONFIDENCE,
) -> PairedDiff:
    """Difference of the q-th percentiles (0–100), e.g. latency p95, resampling pairs."""
    ref = np.asarray(reference, dtype=np.float64)
    cand = np.asarray(candidate, dtype=np.float64)
    n = ref.size
    if n == 0:
        return _nan_diff("quantile", 0, confidence)
    ref_value = float(np.percentile(ref, q))
    cand_value = float(np.percentile(cand, q))
    value = cand_value - ref_value
    if n == 1 or np.array_equal(ref, cand):
        se = 0.0 if n > 1 else float("nan")
        return PairedDiff("quantile", n, ref_value, cand_value, value, value, value, se, confidence)
    rng = np.random.default_rng(seed)
    draws = [
        np.percentile(cand[idx], q, axis=1) - np.percentile(ref[idx], q, axis=1)
        for idx in resample_indices(rng, n, resamples)
    ]
    low, high, se = _percentile_interval(np.concatenate(draws), confidence)
    return PairedDiff("quantile", n, ref_value, cand_value, value, low, high, se, confidence)


def mcnemar(lost: int, gained: int) -> McNemar:
    """McNemar's test of 'the two systems are equally often right' from the discordant pairs.

    Exact: under no change each discordant pair goes either way with probability 1/2, so
    p = min(1, 2 · P[X ≤ min(lost, gained)]) with X ~ Binomial(lost + gained, 1/2).
    Large counts: X² = (|lost − gained| − 1)² / (lost + gained), chi-square with 1 degree of
    freedom (Edwards' continuity correction), whose upper tail is erfc(sqrt(X² / 2)).
    """
    if lost < 0 or gained < 0:
        raise ValueError("discordant counts cannot be negative")
    m = lost + gained
    if m == 0:
        return McNemar(lost, gained, 1.0, "exact")
    if m < MCNEMAR_EXACT_BELOW:
        tail = sum(math.comb(m, k) for k in range(min(lost, gained) + 1)) / 2**m
        return McNemar(lost, gained, min(1.0, 2 * tail), "exact")
    statistic = max(0, abs(lost - gained) - 1) ** 2 / m
    return McNemar(lost, gained, math.erfc(math.sqrt(statistic / 2)), "chi2")


def _z_sum(confidence: float, power: float) -> float:
    normal = NormalDist()
    return normal.inv_cdf((1 + confidence) / 2) + normal.inv_cdf(power)


def minimum_detectable(
    se: float, *, confidence: float = DEFAULT_CONFIDENCE, power: float = DEFAULT_POWER
) -> float:
    """The smallest true difference a test at `confidence` detects with probability `power`:
    MDE = (z_{(1+confidence)/2} + z_{power}) · SE  (2.80 · SE at 95% and 80% power)."""
    return _z_sum(confidence, power) * se if math.isfinite(se) else float("nan")


def samples_needed(
    se: float, n: int, margin: float, *, confidence: float = DEFAULT_CONFIDENCE, power: float = DEFAULT_POWER
) -> int | None:
    """About how many paired samples would make `margin` the minimum detectable difference.

    The standard error shrinks as 1/sqrt(n), so n' = n · (MDE / margin)².
    """
    if margin <= 0 or n == 0 or not math.isfinite(se) or se <= 0:
        return None
    return math.ceil(n * (minimum_detectable(se, confidence=confidence, power=power) / margin) ** 2)
