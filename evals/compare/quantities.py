"""What can be compared per sample (metrics, cost, latency, errors) and how each is paired.

A `Quantity` says which per-sample value to take and which paired statistic fits it: the mean
of differences, a corpus ratio recomputed on each resample, a percentile, or a right/wrong
value (mean of differences plus McNemar's test).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from evals.baseline import SampleScores
from evals.compare.align import Alignment
from evals.paired import (
    DEFAULT_CONFIDENCE,
    DEFAULT_POWER,
    DEFAULT_RESAMPLES,
    McNemar,
    PairedDiff,
    mcnemar,
    minimum_detectable,
    paired_mean,
    paired_quantile,
    paired_ratio,
)
from evals.rundata import MetricDecl
from evals.stats import seed_for

Kind = Literal["mean", "ratio", "binary", "quantile"]
Source = Literal["score", "cost", "latency", "error"]
LATENCY_QUANTILES = {"latency_p50": 50.0, "latency_p95": 95.0, "latency_p99": 99.0}
# Streamed answers: time to first token and to first audio. Bounds only (the journal keeps them
# per sample, but a paired test of a quantile needs the same samples streamed on both sides).
STREAM_QUANTILES = {f"{kind}_{q}": kind for kind in ("ttft", "ttfa") for q in ("p50", "p95", "p99")}
PSEUDO_METRICS = ("cost_usd", "cost_per_sample_usd", *LATENCY_QUANTILES, *STREAM_QUANTILES, "error_rate")
_EPS = 1e-12


@dataclass(frozen=True, slots=True)
class Settings:
    """How paired statistics are computed; the same settings give the same numbers."""

    confidence: float = DEFAULT_CONFIDENCE
    resamples: int = DEFAULT_RESAMPLES
    seed: int = 0
    power: float = DEFAULT_POWER


@dataclass(frozen=True, slots=True)
class Quantity:
    name: str
    kind: Kind
    higher_is_better: bool
    source: Source = "score"
    q: float = 50.0

    @property
    def is_metric(self) -> bool:
        return self.source == "score"


def metric_quantity(decl: MetricDecl) -> Quantity:
    kind: Kind = "ratio" if decl.ratio_of else "binary" if decl.binary else "mean"
    return Quantity(decl.name, kind, decl.higher_is_better)


def pseudo_quantity(name: str) -> Quantity | None:
    """The paired form of a pseudo-metric; None for `cost_usd` (a total, not per sample)."""
    if name == "cost_per_sample_usd":
        return Quantity(name, "mean", False, "cost")
    if name in LATENCY_QUANTILES:
        return Quantity(name, "quantile", False, "latency", LATENCY_QUANTILES[name])
    if name in STREAM_QUANTILES:
        return Quantity(name, "quantile", False, "latency", float(name.rpartition("_p")[2]))
    if name == "error_rate":
        return Quantity(name, "binary", False, "error")
    return None


Value = float | tuple[float, float]


def sample_value(sample: SampleScores, quantity: Quantity) -> Value | None:
    """The sample's value for a quantity, or None when it has none (error, cache hit…)."""
    if quantity.source == "error":
        return {"ok": 0.0, "error": 1.0}.get(sample.status)
    if sample.status != "ok":
        return None
    if quantity.source == "cost":
        return None if sample.cost_usd is None else float(sample.cost_usd)
    if quantity.source == "latency":
        return None if sample.latency_s is None else float(sample.latency_s)
    if quantity.kind == "ratio":
        return sample.parts.get(quantity.name)
    return sample.scores.get(quantity.name)


def display_value(sample: SampleScores, quantity: Quantity) -> float | None:
    """A per-sample number to show (for corpus metrics: the sample's own ratio)."""
    if quantity.kind == "ratio" and quantity.name in sample.scores:
        return sample.scores[quantity.name]
    value = sample_value(sample, quantity)
    if isinstance(value, tuple):
        return value[0] / value[1] if value[1] else None
    return value


@dataclass(frozen=True, slots=True)
class Change:
    """A sample whose value differs between the two sides."""

    sample_id: str
    reference: float | None
    candidate: float | None
    worse: bool
    reference_prediction: str | None = None
    candidate_prediction: str | None = None
    targets: tuple[str, ...] = ()


@dataclass
class Delta:
    """One quantity compared on the paired samples of one task."""

    quantity: Quantity
    stat: PairedDiff
    settings: Settings
    mcnemar: McNemar | None = None
    n_unvalued: int = 0  # on both sides, but without a value on one of them
    changed: list[Change] = field(default_factory=list)

    def worse_by(self) -> tuple[float, float, float]:
        """The change in the 'worse' direction (positive = worse) and its interval."""
        s = self.stat
        if self.quantity.higher_is_better:
            return -s.diff, -s.high, -s.low
        return s.diff, s.low, s.high

    @property
    def mde(self) -> float:
        return minimum_detectable(
            self.stat.se, confidence=self.settings.confidence, power=self.settings.power
        )

    def significant(self) -> bool:
        """The interval excludes 0 (and, for right/wrong values, McNemar's test agrees)."""
        s = self.stat
        if not s.known or math.isnan(s.low):
            return False
        outside = s.low > 0 or s.high < 0
        if self.mcnemar is not None:
            return outside and self.mcnemar.p_value < 1 - self.settings.confidence
        return outside

    def reading(self) -> str:
        """better / worse / no clear difference / identical / no data: a description, not a verdict."""
        if not self.stat.known:
            return "no data"
        if self.stat.low == self.stat.high == 0 and not self.changed:
            return "identical"
        if not self.significant():
            return "no clear difference"
        return "worse" if self.worse_by()[0] > 0 else "better"


def measure(alignment: Alignment, quantity: Quantity, settings: Settings) -> Delta:
    """Pair the values of `quantity` over the samples present on both sides and compare them."""
    ids: list[str] = []
    refs: list[Value] = []
    cands: list[Value] = []
    unvalued = 0
    for sample_id in alignment.both:
        left = sample_value(alignment.ref[sample_id], quantity)
        right = sample_value(alignment.cand[sample_id], quantity)
        if left is None or right is None:
            both_ok = alignment.ref[sample_id].status == alignment.cand[sample_id].status == "ok"
            unvalued += int(both_ok)
            continue
        ids.append(sample_id)
        refs.append(left)
        cands.append(right)
    seed = seed_for(
        settings.seed, alignment.task, alignment.reference.backend, alignment.candidate.backend, quantity.name
    )
    resamples, confidence = settings.resamples, settings.confidence
    test: McNemar | None = None
    if quantity.kind == "ratio":
        ref_parts = np.array(refs, dtype=np.float64).reshape(-1, 2)
        cand_parts = np.array(cands, dtype=np.float64).reshape(-1, 2)
        stat = paired_ratio(
            ref_parts[:, 0],
            ref_parts[:, 1],
            cand_parts[:, 0],
            cand_parts[:, 1],
            seed=seed,
            resamples=resamples,
            confidence=confidence,
        )
    elif quantity.kind == "quantile":
        stat = paired_quantile(
            np.array(refs), np.array(cands), quantity.q, seed=seed, resamples=resamples, confidence=confidence
        )
    else:
        ref_values = np.array(refs, dtype=np.float64)
        cand_values = np.array(cands, dtype=np.float64)
        stat = paired_mean(ref_values, cand_values, seed=seed, resamples=resamples, confidence=confidence)
        if (
            quantity.kind == "binary"
            and np.isin(ref_values, (0.0, 1.0)).all()
            and np.isin(cand_values, (0.0, 1.0)).all()
        ):
            good = 1.0 if quantity.higher_is_better else 0.0
            ref_right, cand_right = ref_values == good, cand_values == good
            test = mcnemar(int((ref_right & ~cand_right).sum()), int((~ref_right & cand_right).sum()))
    delta = Delta(quantity, stat, settings, test, unvalued)
    if quantity.is_metric:
        delta.changed = _changes(alignment, quantity, ids)
    return delta


def _changes(alignment: Alignment, quantity: Quantity, ids: list[str]) -> list[Change]:
    found = []
    for sample_id in ids:
        ref, cand = alignment.ref[sample_id], alignment.cand[sample_id]
        left, right = display_value(ref, quantity), display_value(cand, quantity)
        if left is None or right is None or abs(left - right) <= _EPS:
            continue
        worse = right < left if quantity.higher_is_better else right > left
        found.append(
            Change(
                sample_id,
                left,
                right,
                worse,
                ref.prediction,
                cand.prediction,
                tuple(cand.targets or ref.targets or ()),
            )
        )
    # Worst first, then the largest improvements: the samples a reader should look at.
    return sorted(found, key=lambda c: (not c.worse, -abs((c.candidate or 0.0) - (c.reference or 0.0))))
