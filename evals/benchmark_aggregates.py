"""A benchmark's own headline, computed from per-sample scores as the benchmark defines it.

Most benchmarks report the mean of a per-sample metric; some do not, and their published numbers
are only comparable when computed their way. A task file declares which (`aggregate:` in
TaskSpec, `evals.task.spec.AggregateSpec`):

- `grouped_mean`: mean of per-group means over a metadata field, optionally weighted, or a mean
  of means of member groups (CV-Bench: ½·((acc_ADE20K + acc_COCO)/2 + acc_Omni3D) over `source`);
- `acc_plus`: MME's per-subtask accuracy + accuracy+ (both questions of an image right), in
  percent, summed over the subtasks of each named total (perception, cognition);
- `circular`: MMBench's circular evaluation: a question counts only if every rotation of its
  options is answered right (the rotations come from `dataset.circular: true`);
- `capped_sum`: OCRBench's score: the number of right answers, out of a fixed maximum;
- `f1_per_group`: POPE: F1 of the positive label within each sampling setting, then the mean;
- `all_of_group`: a group of samples counts only if all are right (MMVP's image pairs);
- `winoground`: Winoground's text, image and group scores over groups of text and image
  questions (the group score is the headline).

Every kind is computed the same way: samples are gathered into *units* (the sample, the question
with its rotations, the image with its two questions) inside *strata* (the groups the formula
is over); each unit is a small vector of counts, and the formula reads only per-stratum sums of
those vectors and per-stratum unit counts. The bootstrap resamples units within each stratum,
so strata keep their sizes and the interval is over the unit the benchmark scores (questions
for circular, images for acc+), never over rows that are not independent.

How the summary uses this (the lead wires it in `evals/aggregate.py`): for a task whose spec has
`aggregate`, build one `ScoredRow` per scored sample of a task × backend (its id, metadata, metric
values and, for `f1_per_group`, the `reference_label`/`predicted_label` the labelling scorer put in
its details — the journal keeps them as `details[<scorer name>]`) and call
`benchmark_interval(spec.aggregate, rows, seed=seed_for(task, backend, "benchmark"))`; report its
`score.value` as the task's headline with `low`/`high`, and `score.parts` as the breakdown.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from evals.stats import DEFAULT_RESAMPLES, percentile_bounds, resample_indices
from evals.task.spec import (
    AggregateSpec,
    AllOfGroup,
    CappedSum,
    Circular,
    F1PerGroup,
    GroupedMean,
    PairedAccuracyPlus,
    WinogroundScores,
)

Array = NDArray[np.float64]
_ALL = "all"


class AggregateError(ValueError):
    """The rows do not fit the declared aggregate (a missing metric, an undeclared group)."""


@dataclass(frozen=True, slots=True)
class ScoredRow:
    """One scored sample, as the aggregate needs it."""

    sample_id: str
    metadata: Mapping[str, Any]
    values: Mapping[str, float]
    reference_label: str | None = None
    predicted_label: str | None = None


@dataclass(frozen=True, slots=True)
class BenchmarkScore:
    """The headline, its named parts (per group, per total), and how many units it counts.

    `value` is NaN when a group the formula needs has no samples (a `--limit` run, say);
    `note` then says which."""

    value: float
    parts: dict[str, float]
    n: int
    unit: str
    note: str = ""


@dataclass(frozen=True, slots=True)
class BenchmarkInterval:
    score: BenchmarkScore
    low: float
    high: float
    confidence: float
    resamples: int


# Per-stratum sums have shape (draws, columns); the formula maps them to (headline, parts),
# each of shape (draws,). Counts of units per stratum are fixed (resampling is stratified).
Sums = dict[str, Array]
Formula = Callable[[Sums, dict[str, int]], tuple[Array, dict[str, Array]]]


@dataclass
class _Units:
    """Unit vectors per stratum, plus the formula over their sums."""

    strata: dict[str, Array]
    formula: Formula
    unit: str
    note: str = ""


def benchmark_score(spec: AggregateSpec, rows: Sequence[ScoredRow]) -> BenchmarkScore:
    """The benchmark's headline for these rows, as `spec` declares it."""
    return _score(_units(spec, rows))


def _score(units: _Units) -> BenchmarkScore:
    sums = {name: matrix.sum(axis=0, keepdims=True) for name, matrix in units.strata.items()}
    counts = {name: int(matrix.shape[0]) for name, matrix in units.strata.items()}
    value, parts = units.formula(sums, counts)
    return BenchmarkScore(
        value=float(value[0]),
        parts={name: float(parts[name][0]) for name in parts},
        n=sum(counts.values()),
        unit=units.unit,
        note=units.note,
    )


def benchmark_interval(
    spec: AggregateSpec,
    rows: Sequence[ScoredRow],
    *,
    seed: int,
    resamples: int = DEFAULT_RESAMPLES,
    confidence: float = 0.95,
) -> BenchmarkInterval:
    """The headline with a percentile bootstrap interval that resamples the benchmark's units
    (questions, images, samples) within each stratum."""
    units = _units(spec, rows)
    score = _score(units)
    if math.isnan(score.value) or score.n < 2:
        return BenchmarkInterval(score, score.value, score.value, confidence, 0)
    rng = np.random.default_rng(seed)
    sums: Sums = {}
    counts: dict[str, int] = {}
    for name in sorted(units.strata):
        matrix = units.strata[name]
        counts[name] = int(matrix.shape[0])
        blocks = [matrix[idx].sum(axis=1) for idx in resample_indices(rng, matrix.shape[0], resamples)]
        sums[name] = np.concatenate(blocks, axis=0)
    draws, _ = units.formula(sums, counts)
    bounds = percentile_bounds(draws, confidence)
    low, high = bounds if bounds is not None else (float("nan"), float("nan"))
    return BenchmarkInterval(score, low, high, confidence, resamples)


# ---------------------------------------------------------------------------------------------


def _metric(row: ScoredRow, metric: str) -> float:
    try:
        return float(row.values[metric])
    except KeyError:
        raise AggregateError(
            f"sample {row.sample_id!r} has no value for metric {metric!r} (it has "
            f"{', '.join(sorted(row.values)) or 'none'}); the aggregate's metric must be one of "
            "the task's scorers' metrics"
        ) from None


def _field(row: ScoredRow, name: str) -> str:
    if name not in row.metadata or row.metadata[name] is None:
        raise AggregateError(f"sample {row.sample_id!r} has no metadata field {name!r}")
    return str(row.metadata[name])


def _right(value: float) -> bool:
    return value >= 1.0 - 1e-9


def _total(arrays: Sequence[Array]) -> Array:
    """Element-wise sum of same-shaped arrays (typed, unlike the builtin `sum`)."""
    out: Array = np.sum(np.stack(arrays), axis=0)
    return out


def _stack(vectors: list[list[float]], width: int) -> Array:
    return np.asarray(vectors, dtype=np.float64).reshape(len(vectors), width)


def _units(spec: AggregateSpec, rows: Sequence[ScoredRow]) -> _Units:
    match spec:
        case GroupedMean():
            return _grouped_mean(spec, rows)
        case PairedAccuracyPlus():
            return _acc_plus(spec, rows)
        case Circular():
            return _circular(spec, rows)
        case CappedSum():
            return _capped_sum(spec, rows)
        case F1PerGroup():
            return _f1_per_group(spec, rows)
        case AllOfGroup():
            return _all_of_group(spec, rows)
        case WinogroundScores():
            return _winoground(spec, rows)
    raise AssertionError(spec)


def _per_sample(rows: Sequence[ScoredRow], metric: str, by: str | None) -> dict[str, Array]:
    vectors: dict[str, list[list[float]]] = defaultdict(list)
    for row in rows:
        vectors[_field(row, by) if by else _ALL].append([_metric(row, metric)])
    return {name: _stack(v, 1) for name, v in vectors.items()}


def _missing_note(missing: list[str], what: str) -> str:
    return f"no samples for {what} {', '.join(missing)}: the headline needs every one" if missing else ""


def _nan_like(sums: Sums) -> Array:
    draws = next(iter(sums.values())).shape[0] if sums else 1
    return np.full(draws, np.nan)


def _grouped_mean(spec: GroupedMean, rows: Sequence[ScoredRow]) -> _Units:
    strata = _per_sample(rows, spec.metric, spec.field)
    declared: set[str] | None = None
    if spec.weights is not None:
        declared = set(spec.weights)
    elif spec.groups is not None:
        declared = {m for members in spec.groups.values() for m in members}
    if declared is not None:
        extra = sorted(set(strata) - declared)
        if extra:
            raise AggregateError(
                f"{spec.field} values {', '.join(extra)} are not in the aggregate's "
                f"{'weights' if spec.weights is not None else 'groups'}; list every value"
            )
    missing = sorted(declared - set(strata)) if declared is not None else []

    def formula(sums: Sums, counts: dict[str, int]) -> tuple[Array, dict[str, Array]]:
        means = {name: sums[name][:, 0] / counts[name] for name in sums}
        parts: dict[str, Array] = dict(sorted(means.items()))
        if missing:
            return _nan_like(sums), parts
        if spec.weights is not None:
            total = sum(spec.weights.values())
            value = _total([spec.weights[name] * means[name] for name in spec.weights]) / total
        elif spec.groups is not None:
            group_means = {g: _total([means[m] for m in ms]) / len(ms) for g, ms in spec.groups.items()}
            parts.update(group_means)
            value = _total(list(group_means.values())) / len(group_means)
        else:
            value = _total(list(means.values())) / len(means)
        return np.asarray(value, dtype=np.float64), parts

    return _Units(strata, formula, "sample", _missing_note(missing, spec.field))


def _grouped_units(
    rows: Sequence[ScoredRow], stratum: Callable[[ScoredRow], str], unit: Callable[[ScoredRow], str]
) -> dict[str, dict[str, list[ScoredRow]]]:
    grouped: dict[str, dict[str, list[ScoredRow]]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        grouped[stratum(row)][unit(row)].append(row)
    return grouped


def _acc_plus(spec: PairedAccuracyPlus, rows: Sequence[ScoredRow]) -> _Units:
    declared = {s for subtasks in spec.totals.values() for s in subtasks}
    grouped = _grouped_units(rows, lambda r: _field(r, spec.subtask), lambda r: _field(r, spec.pair))
    extra = sorted(set(grouped) - declared)
    if extra:
        raise AggregateError(
            f"{spec.subtask} values {', '.join(extra)} are in no total of the aggregate; list them"
        )
    missing = sorted(declared - set(grouped))
    strata: dict[str, Array] = {}
    for subtask, images in grouped.items():
        vectors = []
        for image_rows in images.values():
            right = [_right(_metric(r, spec.metric)) for r in image_rows]
            vectors.append([float(len(right)), float(sum(right)), float(all(right))])
        strata[subtask] = _stack(vectors, 3)

    def formula(sums: Sums, counts: dict[str, int]) -> tuple[Array, dict[str, Array]]:
        # MME's calculation: acc over questions and acc+ over images, both in percent.
        scores = {s: 100 * sums[s][:, 1] / sums[s][:, 0] + 100 * sums[s][:, 2] / counts[s] for s in sums}
        parts: dict[str, Array] = dict(sorted(scores.items()))
        if missing:
            return _nan_like(sums), parts
        totals = {name: _total([scores[s] for s in subtasks]) for name, subtasks in spec.totals.items()}
        parts.update(totals)
        return _total(list(totals.values())), parts

    return _Units(strata, formula, "image", _missing_note(missing, spec.subtask))


def _circular(spec: Circular, rows: Sequence[ScoredRow]) -> _Units:
    for row in rows[:1]:
        if "circular_id" not in row.metadata:
            raise AggregateError(
                f"sample {row.sample_id!r} is not a rotation (no circular_id in its metadata); "
                "set dataset.circular: true"
            )
    by = spec.by
    grouped = _grouped_units(
        rows, (lambda r: _field(r, by)) if by else (lambda r: _ALL), lambda r: _field(r, "circular_id")
    )
    strata = {
        name: _stack([[float(all(_right(_metric(r, spec.metric)) for r in rs))] for rs in q.values()], 1)
        for name, q in grouped.items()
    }
    incomplete = sum(
        1
        for questions in grouped.values()
        for rs in questions.values()
        if len(rs) != int(rs[0].metadata.get("rotations", len(rs)))
    )
    note = f"{incomplete} questions have rotations missing (errors or a limit)" if incomplete else ""
    return _Units(strata, _pooled_mean, "question", note)


def _pooled_mean(sums: Sums, counts: dict[str, int]) -> tuple[Array, dict[str, Array]]:
    total = _total([sums[name][:, 0] for name in sums])
    parts = {name: sums[name][:, 0] / counts[name] for name in sorted(sums)} if len(sums) > 1 else {}
    return total / sum(counts.values()), parts


def _capped_sum(spec: CappedSum, rows: Sequence[ScoredRow]) -> _Units:
    strata = _per_sample(rows, spec.metric, spec.by)

    def formula(sums: Sums, counts: dict[str, int]) -> tuple[Array, dict[str, Array]]:
        total = _total([sums[name][:, 0] for name in sums])
        parts = {name: sums[name][:, 0] for name in sorted(sums)} if spec.by else {}
        return np.minimum(total, float(spec.cap)), parts

    return _Units(strata, formula, "sample")


def _f1_per_group(spec: F1PerGroup, rows: Sequence[ScoredRow]) -> _Units:
    vectors: dict[str, list[list[float]]] = defaultdict(list)
    for row in rows:
        _metric(row, spec.metric)  # the metric must be there, as for every kind
        if row.reference_label is None:
            raise AggregateError(
                f"sample {row.sample_id!r} has no reference label; f1_per_group needs a labelling "
                "scorer (yes_no, multiple_choice)"
            )
        truth = row.reference_label == spec.positive
        said = row.predicted_label == spec.positive
        vectors[_field(row, spec.field)].append(
            [float(truth and said), float(said and not truth), float(truth and not said)]
        )
    strata = {name: _stack(v, 3) for name, v in vectors.items()}

    def formula(sums: Sums, counts: dict[str, int]) -> tuple[Array, dict[str, Array]]:
        # A group with no positive reference and no positive answer has F1 0 (scikit-learn's
        # zero_division default); POPE's settings always hold both labels.
        f1 = {}
        for name in sorted(sums):
            tp, fp, fn = sums[name][:, 0], sums[name][:, 1], sums[name][:, 2]
            denominator = 2 * tp + fp + fn
            with np.errstate(invalid="ignore", divide="ignore"):
                f1[name] = np.where(denominator > 0, 2 * tp / np.where(denominator > 0, denominator, 1), 0.0)
        return _total(list(f1.values())) / len(f1), f1

    return _Units(strata, formula, "sample")


def _all_of_group(spec: AllOfGroup, rows: Sequence[ScoredRow]) -> _Units:
    grouped = _grouped_units(rows, lambda r: _ALL, lambda r: _field(r, spec.group))
    strata = {
        name: _stack([[float(all(_right(_metric(r, spec.metric)) for r in rs))] for rs in g.values()], 1)
        for name, g in grouped.items()
    }
    return _Units(strata, _pooled_mean, "group")


_QUESTION_TYPES = ("text", "image")


def _winoground_group(row: ScoredRow, field: str) -> str:
    # In a perturbation sweep every level of a group is a group of its own.
    perturb = row.metadata.get("perturb")
    level = f"@{perturb}={row.metadata.get('severity')}" if perturb else ""
    return _field(row, field) + level


def winoground_outcomes(spec: WinogroundScores, rows: Sequence[ScoredRow]) -> tuple[Array, int]:
    """One row per complete group: (text right, image right, group right) as 0/1; and how many
    groups were left out for lacking a text or an image question (--limit, errors)."""
    grouped = _grouped_units(rows, lambda r: _ALL, lambda r: _winoground_group(r, spec.group))
    vectors = []
    partial = 0
    for group_rows in grouped[_ALL].values():
        right: dict[str, list[bool]] = {kind: [] for kind in _QUESTION_TYPES}
        for row in group_rows:
            kind = _field(row, spec.question_type)
            if kind not in right:
                raise AggregateError(
                    f"sample {row.sample_id!r}: {spec.question_type} is {kind!r}; it must be text or image"
                )
            right[kind].append(_right(_metric(row, spec.metric)))
        if not all(right.values()):  # cut short by --limit or an error: no score can be given
            partial += 1
            continue
        text, image = (all(right[k]) for k in _QUESTION_TYPES)
        vectors.append([float(text), float(image), float(text and image)])
    return _stack(vectors, 3), partial


def _winoground(spec: WinogroundScores, rows: Sequence[ScoredRow]) -> _Units:
    outcomes, partial = winoground_outcomes(spec, rows)
    strata = {_ALL: outcomes} if outcomes.shape[0] else {}
    note = f"{partial} groups left out: they lack a text or an image question" if partial else ""

    def formula(sums: Sums, counts: dict[str, int]) -> tuple[Array, dict[str, Array]]:
        if not sums:
            return np.full(1, np.nan), {}
        text, image, group = (sums[_ALL][:, k] / counts[_ALL] for k in range(3))
        return group, {"text_score": text, "image_score": image, "group_score": group}

    return _Units(strata, formula, "group", note)
