"""Review routing for extracted documents: a confidence per document, and what accepting the
confident ones without a person costs in errors.

A document's confidence starts from the best signal there is, in this order:
1. the backend's own (`SampleRecord.confidence`): exp of the mean token log-probability where
   the provider returns log-probabilities, an engine's estimate for engines (the OCR + rules
   baseline: OCR word confidence × the share of fields its patterns found);
2. the model's self-reported `confidence` field in the extracted JSON (0–1, or 0–100 read as %);
3. none: 1.0, so only the checks below rank the documents.
Each violated business rule multiplies it by `penalty`, and so does an answer that breaks the
schema; an answer with no JSON record has confidence 0.

A document counts as right when every field is (`doc_exact` of the `fields` scorer). Accepting
every document with confidence ≥ t gives a coverage (the share accepted) and an error rate among
the accepted; the curve over t is the review trade-off, and the lowest t whose error rate meets the
task's `extract.review.target_error` is the threshold to deploy (with the coverage it buys).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, Field

from evals.rundata import SampleRecord
from evals.scorers.structured import read_json

CORRECT_METRIC = "doc_exact"  # the `fields` scorer's "every field right"
SELF_REPORTED = "confidence"  # the field of the extracted JSON read as self-reported confidence


class ReviewSpec(BaseModel):
    """The task's `extract.review` block."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    target_error: float = Field(
        0.02, gt=0.0, lt=1.0, description="the error rate allowed among auto-accepted documents"
    )
    penalty: float = Field(
        0.5, ge=0.0, le=1.0, description="confidence multiplier per violated rule and for a schema violation"
    )
    field: str = Field(SELF_REPORTED, description="the extracted field read as self-reported confidence")
    bins: int = Field(10, ge=2, le=50, description="bins of the reliability diagram and ECE")


def confidence_from_logprobs(logprobs: Sequence[float] | None) -> float | None:
    """exp(mean token log-probability): the geometric mean of the tokens' probabilities."""
    if not logprobs:
        return None
    values = [v for v in logprobs if math.isfinite(v)]
    if not values:
        return 0.0
    return float(min(1.0, math.exp(sum(values) / len(values))))


def _self_reported(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    if 0.0 <= value <= 1.0:
        return float(value)
    if 1.0 < value <= 100.0:
        return float(value) / 100.0
    return None


def document_confidence(record: SampleRecord, spec: ReviewSpec | None = None) -> tuple[float, str]:
    """The document's confidence and where its base came from (backend, self-reported, none)."""
    spec = spec or ReviewSpec()
    parsed, _, _ = read_json(record.prediction or "")
    if not isinstance(parsed, dict):
        return 0.0, "no record"
    if record.confidence is not None:
        base, source = record.confidence, "backend"
    else:
        reported = _self_reported(parsed.get(spec.field))
        base, source = (reported, "self-reported") if reported is not None else (1.0, "none")
    violated = sum(1 for flag in record.flags if flag.startswith("violates:"))
    if record.scores.get("schema_valid") == 0.0:
        violated += 1
    return float(min(1.0, max(0.0, base)) * spec.penalty**violated), source


@dataclass(frozen=True)
class Coverage:
    """Accept every document with confidence ≥ threshold: the share accepted and the error rate
    among them, one point per distinct confidence (highest threshold first)."""

    thresholds: NDArray[np.float64]
    coverage: NDArray[np.float64]
    error: NDArray[np.float64]


def coverage_curve(confidence: Sequence[float], correct: Sequence[bool]) -> Coverage:
    conf = np.asarray(confidence, dtype=np.float64)
    right = np.asarray(correct, dtype=np.float64)
    thresholds = np.unique(conf)[::-1]
    coverage, error = [], []
    for t in thresholds:
        accepted = conf >= t
        coverage.append(accepted.mean())
        error.append(1.0 - right[accepted].mean())
    return Coverage(thresholds, np.array(coverage), np.array(error))


def threshold_for(curve: Coverage, target_error: float) -> tuple[float, float, float] | None:
    """(threshold, coverage, error) of the most coverage whose error among the accepted is at
    most the target; None when even the most confident documents miss it."""
    meets = np.flatnonzero(curve.error <= target_error + 1e-12)
    if meets.size == 0:
        return None
    best = meets[np.argmax(curve.coverage[meets])]
    return float(curve.thresholds[best]), float(curve.coverage[best]), float(curve.error[best])


@dataclass(frozen=True)
class Calibration:
    """The reliability diagram's bins that hold documents: mean confidence, accuracy, count."""

    confidence: NDArray[np.float64]
    accuracy: NDArray[np.float64]
    counts: NDArray[np.int64]

    @property
    def ece(self) -> float:
        """Expected calibration error: Σ (n_bin / n) · |accuracy − confidence| over the bins."""
        total = self.counts.sum()
        if total == 0:
            return float("nan")
        return float(np.sum(self.counts / total * np.abs(self.accuracy - self.confidence)))


def calibration(confidence: Sequence[float], correct: Sequence[bool], bins: int = 10) -> Calibration:
    """Equal-width bins over [0, 1], as scikit-learn's `calibration_curve` (strategy uniform)
    draws them; its per-bin accuracy and confidence, with the counts it does not return."""
    from sklearn.calibration import calibration_curve

    conf = np.clip(np.asarray(confidence, dtype=np.float64), 0.0, 1.0)
    right = np.asarray(correct, dtype=np.int64)
    if conf.size == 0:
        empty = np.zeros(0)
        return Calibration(empty, empty, np.zeros(0, dtype=np.int64))
    accuracy, mean_conf = calibration_curve(right, conf, n_bins=bins, strategy="uniform", pos_label=1)
    # The same bin of each document as calibration_curve assigns it (edges inside (0, 1)).
    edges = np.linspace(0.0, 1.0, bins + 1)
    counts = np.bincount(np.searchsorted(edges[1:-1], conf), minlength=bins)
    return Calibration(np.asarray(mean_conf), np.asarray(accuracy), counts[counts > 0].astype(np.int64))


@dataclass(frozen=True)
class Routing:
    """One backend's review trade-off on one task."""

    backend: str
    n: int
    sources: dict[str, int]
    curve: Coverage
    calibration: Calibration
    target_error: float
    operating: tuple[float, float, float] | None  # threshold, coverage, error at the target


def routing(backend: str, records: Sequence[SampleRecord], spec: ReviewSpec | None = None) -> Routing | None:
    """None when no record carries the `fields` scorer's verdict (`doc_exact`)."""
    spec = spec or ReviewSpec()
    confidences: list[float] = []
    correct: list[bool] = []
    sources: dict[str, int] = {}
    for record in records:
        if record.status != "ok" or CORRECT_METRIC not in record.scores:
            continue
        value, source = document_confidence(record, spec)
        confidences.append(value)
        correct.append(record.scores[CORRECT_METRIC] == 1.0)
        sources[source] = sources.get(source, 0) + 1
    if not confidences:
        return None
    curve = coverage_curve(confidences, correct)
    return Routing(
        backend=backend,
        n=len(confidences),
        sources=sources,
        curve=curve,
        calibration=calibration(confidences, correct, spec.bins),
        target_error=spec.target_error,
        operating=threshold_for(curve, spec.target_error),
    )
