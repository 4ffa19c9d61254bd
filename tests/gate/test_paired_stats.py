"""Paired statistics: McNemar against scipy and by hand, paired bootstrap intervals that pair,
corpus ratios recomputed per resample, and an interval that covers as often as it claims."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as scipy_stats

from evals.paired import (
    mcnemar,
    minimum_detectable,
    paired_mean,
    paired_quantile,
    paired_ratio,
    samples_needed,
)


@pytest.mark.parametrize(("lost", "gained"), [(5, 0), (7, 2), (3, 3), (0, 1), (12, 4), (1, 23)])
def test_exact_mcnemar_is_the_two_sided_binomial_test(lost: int, gained: int) -> None:
    test = mcnemar(lost, gained)
    expected = scipy_stats.binomtest(gained, lost + gained, 0.5).pvalue
    assert test.method == "exact"
    assert test.p_value == pytest.approx(expected, rel=1e-12)


def test_mcnemar_by_hand() -> None:
    # 5 samples right → wrong, none the other way: p = 2 · (1/2)^5 = 1/16.
    assert mcnemar(5, 0).p_value == pytest.approx(0.0625)
    assert mcnemar(0, 0).p_value == 1.0
    # 30 vs 10 discordant: X² = (|30 − 10| − 1)² / 40 = 9.025, chi-square with 1 df.
    large = mcnemar(30, 10)
    assert large.method == "chi2"
    assert large.p_value == pytest.approx(scipy_stats.chi2.sf(9.025, 1), rel=1e-9)
    assert mcnemar(20, 20).p_value == 1.0
    with pytest.raises(ValueError):
        mcnemar(-1, 2)


def test_pairing_removes_the_variance_the_two_systems_share() -> None:
    rng = np.random.default_rng(3)
    difficulty = rng.normal(0, 1, size=400)  # most of the variance is the sample, not the system
    reference = difficulty + rng.normal(0, 0.1, size=400)
    candidate = difficulty - 0.05 + rng.normal(0, 0.1, size=400)
    paired = paired_mean(reference, candidate, seed=1)
    assert paired.diff == pytest.approx(float((candidate - reference).mean()))
    assert paired.low < -0.05 < paired.high
    assert paired.high < 0  # the 0.05 drop is resolved...
    unpaired_half_width = 1.96 * math.sqrt(reference.var(ddof=1) / 400 + candidate.var(ddof=1) / 400)
    assert (paired.high - paired.low) / 2 < unpaired_half_width / 5  # ...which unpaired would not
    sd = float((candidate - reference).std(ddof=1))
    assert paired.se == pytest.approx(sd / math.sqrt(400))
    assert (paired.high - paired.low) / 2 == pytest.approx(1.96 * paired.se, rel=0.1)


def test_same_seed_same_interval_and_identical_inputs_give_a_point() -> None:
    values = np.random.default_rng(0).random(100)
    shifted = values + np.random.default_rng(1).normal(0, 0.1, 100)
    assert paired_mean(values, shifted, seed=7) == paired_mean(values, shifted, seed=7)
    same = paired_mean(values, values, seed=7)
    assert (same.diff, same.low, same.high, same.se) == (0.0, 0.0, 0.0, 0.0)
    empty = paired_mean([], [], seed=0)
    assert empty.n == 0 and not empty.known


def test_corpus_ratio_difference_recomputes_both_ratios_on_each_resample() -> None:
    words = np.array([2, 2, 2, 40, 40])
    reference_errors = np.array([1, 1, 1, 2, 2])
    candidate_errors = np.array([0, 0, 0, 8, 8])
    result = paired_ratio(reference_errors, words, candidate_errors, words, seed=0)
    # corpus WER 7/86 → 16/86: worse, although the mean per utterance improves (0.32 → 0.08)
    assert result.reference == pytest.approx(7 / 86)
    assert result.candidate == pytest.approx(16 / 86)
    assert result.diff == pytest.approx(9 / 86)
    assert result.low <= result.diff <= result.high
    # A brute-force reference: the same resamples, done one at a time.
    rng = np.random.default_rng(0)
    draws = []
    for _ in range(5000):
        idx = rng.integers(0, 5, size=5)
        draws.append(
            candidate_errors[idx].sum() / words[idx].sum() - reference_errors[idx].sum() / words[idx].sum()
        )
    low, high = np.percentile(draws, [2.5, 97.5])
    assert result.low == pytest.approx(low, abs=1e-9) and result.high == pytest.approx(high, abs=1e-9)
    same = paired_ratio(reference_errors, words, reference_errors, words, seed=0)
    assert (same.diff, same.low, same.high) == (0.0, 0.0, 0.0)


def test_quantile_difference() -> None:
    rng = np.random.default_rng(2)
    reference = rng.exponential(1.0, size=300)
    candidate = reference * 1.5
    result = paired_quantile(reference, candidate, 95, seed=0)
    assert result.diff == pytest.approx(0.5 * np.percentile(reference, 95))
    assert 0 < result.low < result.diff < result.high


def test_minimum_detectable_change_formula() -> None:
    # (z_0.975 + z_0.8) = 1.959964 + 0.841621 = 2.801585
    assert minimum_detectable(0.01) == pytest.approx(0.02801585, rel=1e-6)
    assert minimum_detectable(0.01, confidence=0.9, power=0.9) == pytest.approx(
        0.01 * (1.644854 + 1.281552), rel=1e-6
    )
    assert math.isnan(minimum_detectable(float("nan")))
    # n' = n · (MDE / margin)²: halving the margin needs four times the samples.
    mde = minimum_detectable(0.01)
    assert samples_needed(0.01, 100, mde) == 100
    assert samples_needed(0.01, 100, mde / 2) == 400
    assert samples_needed(0.0, 100, 0.02) is None


def test_interval_covers_the_true_difference_about_as_often_as_it_claims() -> None:
    rng = np.random.default_rng(11)
    covered = 0
    trials = 200
    for trial in range(trials):
        reference = rng.binomial(1, 0.7, size=300).astype(float)
        flip = rng.random(300)
        # truth: 10% of right answers turn wrong, 5% of wrong answers turn right
        candidate = np.where(reference == 1, (flip > 0.10).astype(float), (flip < 0.05).astype(float))
        truth = 0.7 * -0.10 + 0.3 * 0.05
        result = paired_mean(reference, candidate, seed=trial, resamples=1000)
        covered += result.low <= truth <= result.high
    assert 0.90 <= covered / trials <= 0.99
