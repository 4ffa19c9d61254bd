"""Score against severity: a curve per task × backend × perturbation × metric, with intervals,
the paired drop from the clean input at each level, and relative robustness (area under the
curve over the clean score).

Computed from per-sample scores keyed by sample id: a perturbed sample's id is
`BASE@NAME=LEVEL` (evals/perturb), so runs, journals and committed baselines all carry what is
needed. Curves are of the mean per sample (for WER and CER: the mean per utterance, not the
corpus figure), so that every level and every drop is paired on the same base samples.

Relative robustness: let g be the metric as a goodness (the value for higher-is-better metrics;
1 − min(value, 1) for error rates). Over the levels swept, including 0 (the clean input),
AUC = trapezoid area of g over severity / (g(clean) × the severity span). 1.0 means no loss at
any level; 0.5 means half the clean score lost on average. Its interval resamples base samples.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from evals.paired import paired_mean
from evals.perturb.spec import known_perturbations
from evals.rundata import MetricDecl
from evals.stats import DEFAULT_RESAMPLES, bootstrap_mean, percentile_bounds, resample_indices, seed_for

_PERTURBED_ID = re.compile(r"^(?P<base>.+)@(?P<name>[a-z_]+)=(?P<level>\d)$")


def split_id(sample_id: str) -> tuple[str, str, int] | None:
    """(base id, perturbation, level) of a perturbed sample's id, else None."""
    found = _PERTURBED_ID.match(sample_id)
    if found is None or found.group("name") not in known_perturbations():
        return None
    return found.group("base"), found.group("name"), int(found.group("level"))


@dataclass(frozen=True, slots=True)
class LevelPoint:
    severity: int
    n: int
    value: float
    low: float
    high: float
    # The paired change from level 0 in the worse direction (positive: worse), on base samples
    # scored at both; None at level 0 or without a clean level.
    drop: float | None = None
    drop_low: float | None = None
    drop_high: float | None = None
    n_paired: int = 0


@dataclass
class Curve:
    task: str
    backend: str
    perturbation: str
    metric: str
    higher_is_better: bool
    points: list[LevelPoint] = field(default_factory=list)
    auc: float | None = None
    auc_low: float | None = None
    auc_high: float | None = None
    n_auc: int = 0  # base samples scored at every level

    @property
    def clean(self) -> LevelPoint | None:
        return next((p for p in self.points if p.severity == 0), None)


def goodness(values: NDArray[np.float64], higher_is_better: bool) -> NDArray[np.float64]:
    return values if higher_is_better else 1.0 - np.minimum(values, 1.0)


def relative_auc(levels: list[int], good: NDArray[np.float64]) -> NDArray[np.float64]:
    """AUC over the clean score for rows of goodness by level (column 0 is level 0)."""
    span = levels[-1] - levels[0]
    clean = good[..., 0]
    if span == 0:
        return np.full(clean.shape, np.nan)
    x = np.asarray(levels, dtype=np.float64)
    area = np.sum((good[..., 1:] + good[..., :-1]) / 2 * np.diff(x), axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(clean > 0, area / (clean * span), np.nan)


def curve(
    task: str,
    backend: str,
    perturbation: str,
    metric: MetricDecl,
    by_level: Mapping[int, Mapping[str, float]],
    *,
    confidence: float = 0.95,
    resamples: int = DEFAULT_RESAMPLES,
) -> Curve:
    """One curve from {level: {base id: score}}."""
    hib = metric.higher_is_better
    out = Curve(task, backend, perturbation, metric.name, hib)
    clean = by_level.get(0)
    for severity in sorted(by_level):
        scores = by_level[severity]
        ids = sorted(scores)
        values = np.array([scores[i] for i in ids], dtype=np.float64)
        interval = bootstrap_mean(
            values, seed=seed_for(task, backend, perturbation, metric.name, severity), resamples=resamples
        )
        point = LevelPoint(severity, interval.n, interval.value, interval.low, interval.high)
        if clean is not None and severity != 0:
            paired = [i for i in ids if i in clean]
            ref = np.array([clean[i] for i in paired], dtype=np.float64)
            cand = np.array([scores[i] for i in paired], dtype=np.float64)
            if not hib:
                ref, cand = -ref, -cand
            diff = paired_mean(
                cand,
                ref,
                seed=seed_for("drop", task, backend, perturbation, metric.name, severity),
                resamples=resamples,
                confidence=confidence,
            )
            if diff.n:
                point = LevelPoint(
                    severity,
                    point.n,
                    point.value,
                    point.low,
                    point.high,
                    diff.diff,
                    diff.low,
                    diff.high,
                    diff.n,
                )
        out.points.append(point)
    levels = sorted(by_level)
    if clean is not None and len(levels) > 1:
        common = sorted(set.intersection(*(set(by_level[level]) for level in levels)))
        if common:
            matrix = np.array([[by_level[level][i] for level in levels] for i in common], dtype=np.float64)
            good = goodness(matrix, hib)
            out.n_auc = len(common)
            value = float(relative_auc(levels, good.mean(axis=0)[None, :])[0])
            out.auc = value if math.isfinite(value) else None
            if out.auc is not None and len(common) > 1:
                rng = np.random.default_rng(seed_for("auc", task, backend, perturbation, metric.name))
                draws = np.concatenate(
                    [
                        relative_auc(levels, good[idx].mean(axis=1))
                        for idx in resample_indices(rng, len(common), resamples)
                    ]
                )
                bounds = percentile_bounds(draws, confidence)
                if bounds is not None:
                    out.auc_low, out.auc_high = bounds
            elif out.auc is not None:
                out.auc_low = out.auc_high = out.auc
    return out


def curves_for_cell(
    task: str,
    backend: str,
    scores: Mapping[str, Mapping[str, float]],
    metrics: list[MetricDecl],
    *,
    confidence: float = 0.95,
    resamples: int = DEFAULT_RESAMPLES,
) -> list[Curve]:
    """Every curve of one task × backend from {sample id: {metric: score}} (scored samples)."""
    grouped: dict[str, dict[str, dict[int, dict[str, float]]]] = {}
    for sample_id, values in scores.items():
        parsed = split_id(sample_id)
        if parsed is None:
            continue
        base, name, level = parsed
        for metric_name, value in values.items():
            grouped.setdefault(name, {}).setdefault(metric_name, {}).setdefault(level, {})[base] = value
    out = []
    for name in sorted(grouped):
        for metric in metrics:
            by_level = grouped[name].get(metric.name)
            if by_level:
                out.append(
                    curve(task, backend, name, metric, by_level, confidence=confidence, resamples=resamples)
                )
    return out
