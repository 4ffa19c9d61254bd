"""Build a comparison: which columns face which, and per task every metric, cost and latency."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from typing import Any

from evals.baseline import RunScores
from evals.compare.align import Alignment, Column, align
from evals.compare.quantities import Delta, Settings, measure, metric_quantity, pseudo_quantity
from evals.errors import InputError

OPERATIONS = ("cost_per_sample_usd", "latency_p50", "latency_p95", "error_rate")


@dataclass
class TaskComparison:
    task: str
    alignment: Alignment
    metrics: list[Delta]
    operations: list[Delta]  # cost per sample, latency percentiles, error rate
    totals: dict[str, tuple[Any, Any]]  # figures of each whole cell: (reference, candidate)
    notes: list[str] = field(default_factory=list)


@dataclass
class PairComparison:
    reference: Column
    candidate: Column
    tasks: list[TaskComparison]
    notes: list[str] = field(default_factory=list)


@dataclass
class CompareReport:
    settings: Settings
    pairs: list[PairComparison]
    sources: list[RunScores]


def _task_notes(task: str, reference: Column, candidate: Column) -> list[str]:
    notes = []
    left = reference.scores.tasks[task]
    right = candidate.scores.tasks[task]
    if left.sha256 and right.sha256 and left.sha256 != right.sha256:
        notes.append(
            f"the task file of {task!r} changed between the two runs (sha256 differs): "
            "the same sample id may not mean the same question"
        )
    only_left = [m.name for m in left.metrics if right.metric(m.name) is None]
    only_right = [m.name for m in right.metrics if left.metric(m.name) is None]
    if only_left:
        notes.append(f"metrics only in the reference: {', '.join(only_left)}")
    if only_right:
        notes.append(f"metrics only in the candidate: {', '.join(only_right)}")
    for metric in left.metrics:
        other = right.metric(metric.name)
        if other is not None and (other.higher_is_better, other.ratio_of) != (
            metric.higher_is_better,
            metric.ratio_of,
        ):
            notes.append(f"metric {metric.name!r} is declared differently on the two sides")
    return notes


def compare_task(task: str, reference: Column, candidate: Column, settings: Settings) -> TaskComparison:
    alignment = align(task, reference, candidate)
    right = candidate.scores.tasks[task]
    metrics = [
        measure(alignment, metric_quantity(m), settings)
        for m in reference.scores.tasks[task].metrics
        if right.metric(m.name) is not None
    ]
    operations = []
    for name in OPERATIONS:
        quantity = pseudo_quantity(name)
        assert quantity is not None
        operations.append(measure(alignment, quantity, settings))
    left_cell = reference.scores.cells.get((task, reference.backend))
    right_cell = candidate.scores.cells.get((task, candidate.backend))
    totals = {
        key: (
            getattr(left_cell, key) if left_cell is not None else None,
            getattr(right_cell, key) if right_cell is not None else None,
        )
        for key in ("n_total", "n_scored", "n_errors", "n_not_run", "cost_usd")
    }
    return TaskComparison(
        task, alignment, metrics, operations, totals, _task_notes(task, reference, candidate)
    )


def _has(column: Column, task: str) -> bool:
    info = column.scores.tasks.get(task)
    return info is not None and column.backend in info.backends


def _selected(name: str, tasks: list[str] | None) -> bool:
    return tasks is None or any(fnmatch.fnmatchcase(name, p) for p in tasks)


def compare_pair(
    reference: Column, candidate: Column, settings: Settings, tasks: list[str] | None = None
) -> PairComparison:
    names = [n for n in reference.scores.tasks if _selected(n, tasks)]
    shared = [n for n in names if _has(reference, n) and _has(candidate, n)]
    pair = PairComparison(
        reference, candidate, [compare_task(n, reference, candidate, settings) for n in shared]
    )
    only_ref = [n for n in names if _has(reference, n) and not _has(candidate, n)]
    only_cand = [
        n
        for n in candidate.scores.tasks
        if _selected(n, tasks) and _has(candidate, n) and not _has(reference, n)
    ]
    if only_ref:
        pair.notes.append(f"tasks only in the reference ({reference.label}): {', '.join(only_ref)}")
    if only_cand:
        pair.notes.append(f"tasks only in the candidate ({candidate.label}): {', '.join(only_cand)}")
    return pair


def plan_pairs(
    sides: list[tuple[RunScores, str | None]], backends: list[str] | None
) -> list[tuple[Column, Column]]:
    """Which columns face which: the first side is the reference for all others.

    One run with `--backends a,b,c`: a against b and a against c. Several runs: the same
    backend in each (or the backend named after `RUN:`), each later run against the first.
    """
    if len(sides) == 1:
        scores, backend = sides[0]
        names = backends or []
        if backend is not None or len(names) < 2:
            raise InputError(
                "one run needs two or more backends to compare",
                field="--backends",
                fix=f"add --backends a,b (this run has: {', '.join(scores.backend_names())})",
            )
        for name in names:
            _check_backend(scores, name)
        columns = [Column(scores, name) for name in names]
        return [(columns[0], other) for other in columns[1:]]
    ref_scores, ref_backend = sides[0]
    pairs: list[tuple[Column, Column]] = []
    for scores, backend in sides[1:]:
        if ref_backend is not None or backend is not None:
            left = ref_backend or backend
            right = backend or ref_backend
            assert left is not None and right is not None
            _check_backend(ref_scores, left)
            _check_backend(scores, right)
            pairs.append((Column(ref_scores, left), Column(scores, right)))
            continue
        wanted = backends or ref_scores.backend_names()
        shared = [b for b in wanted if b in ref_scores.backend_names() and b in scores.backend_names()]
        if not shared:
            raise InputError(
                f"{scores.label} and {ref_scores.label} share no backend",
                field="--backends" if backends else "RUN_DIR",
                fix="name the backends to face each other as RUN_DIR:BACKEND",
            )
        pairs.extend((Column(ref_scores, b), Column(scores, b)) for b in shared)
    return pairs


def _check_backend(scores: RunScores, backend: str) -> None:
    if backend not in scores.backend_names():
        raise InputError(
            f"backend {backend!r} is not in {scores.label}",
            file=scores.source,
            field="--backends",
            fix=f"use one of: {', '.join(scores.backend_names()) or '(none)'}",
        )


def compare(
    sides: list[tuple[RunScores, str | None]],
    *,
    backends: list[str] | None = None,
    tasks: list[str] | None = None,
    settings: Settings | None = None,
) -> CompareReport:
    settings = settings or Settings()
    pairs = [compare_pair(left, right, settings, tasks) for left, right in plan_pairs(sides, backends)]
    notes = one_sided_backends(sides, backends)
    for pair in pairs:  # said once per run, on its first pair
        pair.notes.extend(notes.pop(id(pair.candidate.scores), []))
    return CompareReport(settings, pairs, [scores for scores, _ in sides])


def one_sided_backends(
    sides: list[tuple[RunScores, str | None]], backends: list[str] | None
) -> dict[int, list[str]]:
    """Backends that are in only one of two runs matched by name (never compared): a note for
    each later run (keyed by its scores' id), so nothing is dropped without a word."""
    notes: dict[int, list[str]] = {}
    if len(sides) < 2 or any(backend is not None for _, backend in sides):
        return notes
    reference = sides[0][0]
    for scores, _ in sides[1:]:
        wanted = set(backends) if backends else None
        ref_names, cand_names = reference.backend_names(), scores.backend_names()
        only_ref = [b for b in ref_names if b not in cand_names and (wanted is None or b in wanted)]
        only_cand = [b for b in cand_names if b not in ref_names and (wanted is None or b in wanted)]
        found = notes.setdefault(id(scores), [])
        if only_ref:
            found.append(
                f"backends only in the reference ({reference.label}), not compared: {', '.join(only_ref)}"
            )
        if only_cand:
            found.append(
                f"backends only in the candidate ({scores.label}), not compared: {', '.join(only_cand)}"
            )
    return notes
