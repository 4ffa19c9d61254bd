"""From journal records to `summary.json`: per task × backend, every metric with its n, its
errors beside it, and a bootstrap confidence interval; cost, tokens, latency; breakdowns; what
judging cost, apart from the models under test.

Everything here is computed from the journal and the metric declarations stored in run.json,
sorted by sample id first, so the same journal always gives the same summary.
"""

from __future__ import annotations

import contextlib
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence

import numpy as np
from numpy.typing import NDArray
from pydantic import TypeAdapter

from evals.benchmark_aggregates import AggregateError, ScoredRow, benchmark_interval
from evals.classification import classification_summary
from evals.corpus import Combiner, combiner
from evals.rundata import (
    USAGE_TOKEN_FIELDS,
    BackendInfo,
    BenchmarkSummary,
    BreakdownGroup,
    JudgeSpend,
    MetricDecl,
    MetricSummary,
    Percentiles,
    RunInfo,
    SampleRecord,
    Summary,
    SummaryCell,
    TaskInfo,
)
from evals.stats import (
    Interval,
    bootstrap_corpus,
    bootstrap_mean,
    bootstrap_percentiles,
    bootstrap_ratio,
    percentiles,
    seed_for,
)
from evals.task.spec import AggregateSpec

_AGGREGATE: TypeAdapter[AggregateSpec] = TypeAdapter(AggregateSpec)


def _finite(x: float | None) -> float | None:
    return None if x is None or not np.isfinite(x) else float(x)


def _detail(record: SampleRecord, scorer: str, key: str) -> float:
    value = (record.details.get(scorer) or {}).get(key, 0.0)
    return float(value) if isinstance(value, int | float) else 0.0


def _combiner_for(metric: MetricDecl) -> Combiner:
    assert metric.corpus is not None
    try:
        return combiner(metric.corpus)
    except KeyError:
        # Combiners register when their scorer's module is imported.
        from evals.scoring import scorer_registry

        with contextlib.suppress(Exception):
            scorer_registry.get(metric.scorer)
        return combiner(metric.corpus)


def metric_interval(
    records: Sequence[SampleRecord], metric: MetricDecl, seed: int
) -> tuple[Interval, float | None]:
    """The headline interval of a metric and, for corpus metrics, the mean per sample."""
    name = metric.name
    scored = [r for r in records if name in r.scores]
    values = np.array([r.scores[name] for r in scored], dtype=np.float64)
    sample_mean = float(values.mean()) if values.size else None
    if metric.ratio_of:
        num_key, den_key = metric.ratio_of
        num = np.array([_detail(r, metric.scorer, num_key) for r in scored])
        den = np.array([_detail(r, metric.scorer, den_key) for r in scored])
        return bootstrap_ratio(num, den, seed=seed), sample_mean
    if metric.corpus:
        stats: NDArray[np.float64] = np.array(
            [[_detail(r, metric.scorer, key) for key in metric.corpus_stats] for r in scored],
            dtype=np.float64,
        ).reshape(len(scored), len(metric.corpus_stats))
        return bootstrap_corpus(stats, _combiner_for(metric), seed=seed), sample_mean
    return bootstrap_mean(values, seed=seed), None


def metric_summary(records: Sequence[SampleRecord], metric: MetricDecl, seed: int) -> MetricSummary:
    interval, sample_mean = metric_interval(records, metric, seed)
    return MetricSummary(
        value=_finite(interval.value),
        ci_low=_finite(interval.low),
        ci_high=_finite(interval.high),
        n=interval.n,
        higher_is_better=metric.higher_is_better,
        aggregation=metric.aggregation,
        sample_mean=sample_mean,
    )


def latency_summary(values: Sequence[float]) -> Percentiles:
    found = percentiles(values)
    return Percentiles(
        p50=found["p50"],
        p95=found["p95"],
        p99=found["p99"],
        mean=float(np.mean(values)) if len(values) else None,
        n=len(values),
    )


def stream_summary(values: Sequence[float], seed: int) -> Percentiles:
    """Percentiles of streamed latencies (TTFT, TTFA) with 95% bootstrap intervals of each."""
    found = latency_summary(values)
    bounds = bootstrap_percentiles(values, seed=seed)
    return found.model_copy(update={f"{q}_ci": bounds[q] for q in ("p50", "p95", "p99")})


def _judge_spend(records: Sequence[SampleRecord]) -> JudgeSpend | None:
    calls = [(name, c) for r in records for name, c in r.scorer_calls.items()]
    if not calls:
        return None
    spend = JudgeSpend()
    by_scorer: dict[str, float | None] = {}
    latencies = []
    tokens: Counter[str] = Counter()
    for name, c in calls:
        spend.calls += c.calls
        spend.cached += c.cached
        if spend.cost_usd is not None:
            spend.cost_usd = None if c.cost_usd is None else spend.cost_usd + c.cost_usd
        known = by_scorer.get(name, 0.0)
        by_scorer[name] = None if known is None or c.cost_usd is None else known + c.cost_usd
        if c.calls > c.cached and c.latency_s > 0:
            latencies.append(c.latency_s)
        for field in USAGE_TOKEN_FIELDS:
            tokens[field] += c.usage.total(field)
    spend.by_scorer = by_scorer
    spend.tokens = {k: v for k, v in tokens.items() if v}
    spend.latency_s = latency_summary(latencies)
    return spend


BENCHMARK_METRIC = "benchmark"  # the name a task's own aggregate takes among the cell's metrics


def benchmark_summary(
    task: TaskInfo, records: Sequence[SampleRecord], seed: int
) -> tuple[BenchmarkSummary, MetricSummary] | None:
    """The task's declared aggregate over its scored samples (None when it declares none)."""
    if task.aggregate is None:
        return None
    spec = _AGGREGATE.validate_python(task.aggregate)
    rows = [_scored_row(r) for r in records]
    try:
        found = benchmark_interval(spec, rows, seed=seed)
    except AggregateError as exc:
        summary = BenchmarkSummary(kind=str(task.aggregate.get("kind")), note=str(exc))
        return summary, MetricSummary(aggregation="benchmark")
    score = found.score
    summary = BenchmarkSummary(
        kind=str(task.aggregate.get("kind")),
        value=_finite(score.value),
        ci_low=_finite(found.low),
        ci_high=_finite(found.high),
        n=score.n,
        unit=score.unit,
        parts={name: _finite(value) for name, value in score.parts.items()},
        note=score.note,
    )
    metric = MetricSummary(
        value=summary.value,
        ci_low=summary.ci_low,
        ci_high=summary.ci_high,
        n=score.n,
        higher_is_better=True,
        aggregation="benchmark",
    )
    return summary, metric


def _scored_row(record: SampleRecord) -> ScoredRow:
    labels = next((d for d in record.details.values() if "reference_label" in d), None)
    reference = labels.get("reference_label") if labels else None
    predicted = labels.get("predicted_label") if labels else None
    return ScoredRow(
        sample_id=record.sample_id,
        metadata=record.metadata,
        values=record.scores,
        reference_label=str(reference) if reference is not None else None,
        predicted_label=str(predicted) if predicted is not None else None,
    )


def summarize_cell(
    task: TaskInfo, backend: BackendInfo, records: Iterable[SampleRecord], seed: int = 0
) -> SummaryCell:
    ordered = sorted(records, key=lambda r: r.sample_id)
    ok = [r for r in ordered if r.status == "ok"]
    errors = [r for r in ordered if r.status == "error"]
    not_run = [r for r in ordered if r.status == "not_run"]
    attempted = len(ok) + len(errors)
    cell_seed = (seed, task.name, backend.name)
    metrics = {m.name: metric_summary(ok, m, seed_for(*cell_seed, m.name)) for m in task.metrics}
    benchmark = benchmark_summary(task, ok, seed_for(*cell_seed, BENCHMARK_METRIC))
    if benchmark is not None:  # the benchmark's own headline comes first: it is what it reports
        metrics = {BENCHMARK_METRIC: benchmark[1], **metrics}
    breakdowns: dict[str, dict[str, BreakdownGroup]] = {}
    for field in task.breakdowns:
        groups: dict[str, list[SampleRecord]] = defaultdict(list)
        for record in ok:
            groups[str(record.metadata.get(field))].append(record)
        breakdowns[field] = {
            value: BreakdownGroup(
                n=len(group),
                metrics={
                    m.name: metric_summary(group, m, seed_for(*cell_seed, m.name, field, value))
                    for m in task.metrics
                },
            )
            for value, group in sorted(groups.items(), key=lambda kv: _sort_key(kv[0]))
        }
    fresh = [r for r in ok + errors if not r.cached]
    costs = [r.cost_usd for r in ok]
    cost_known = all(c is not None for c in costs)
    total_cost = float(sum(c for c in costs if c is not None))
    tokens = {
        field: sum(r.usage.total(field) for r in ok)
        for field in USAGE_TOKEN_FIELDS
        if any(getattr(r.usage, field) is not None for r in ok)
    }
    measured = [r.latency for r in ok if not r.cached]
    latency_values = [lat.total_s for lat in measured if lat.total_s is not None]
    ttft = [lat.ttft_s for lat in measured if lat.ttft_s is not None]
    ttfa = [lat.ttfa_s for lat in measured if lat.ttfa_s is not None]
    return SummaryCell(
        task=task.name,
        kind=task.kind,
        backend=backend.name,
        backend_type=backend.type,
        backend_kind=backend.kind,
        model=backend.model,
        n_total=len(ordered),
        n_scored=len(ok),
        n_errors=len(errors),
        n_not_run=len(not_run),
        error_rate=(len(errors) / attempted) if attempted else 0.0,
        errors_by_kind=dict(Counter(r.error.kind for r in errors if r.error is not None)),
        scorer_errors=dict(Counter(name for r in ok for name in r.scorer_errors)),
        flags=dict(Counter(flag for r in ok for flag in r.flags)),
        cache_hits=sum(1 for r in ok if r.cached),
        cost_usd=total_cost if cost_known else None,
        spent_usd=float(sum(r.cost_usd or 0.0 for r in fresh)),
        cost_per_sample_usd=(total_cost / len(ok) if cost_known and ok else None),
        tokens=tokens,
        latency_s=latency_summary(latency_values),
        ttft_s=stream_summary(ttft, seed_for(*cell_seed, "ttft")) if ttft else None,
        ttfa_s=stream_summary(ttfa, seed_for(*cell_seed, "ttfa")) if ttfa else None,
        metrics=metrics,
        breakdowns=breakdowns,
        classification=classification_summary(ok),
        judge=_judge_spend(ok),
        benchmark=benchmark[0] if benchmark is not None else None,
    )


def _sort_key(value: str) -> tuple[int, float | str]:
    try:
        return (0, float(value))
    except ValueError:
        return (1, value)


def summarize(run: RunInfo, records: Iterable[SampleRecord]) -> Summary:
    """The whole summary.json from run.json's tasks/backends and the latest journal records."""
    by_cell: dict[tuple[str, str], list[SampleRecord]] = defaultdict(list)
    for record in records:
        by_cell[(record.task, record.backend)].append(record)
    backends = {b.name: b for b in run.backends}
    cells = []
    for task in run.tasks:
        for backend_name in task.backends:
            cells.append(
                summarize_cell(
                    task,
                    backends.get(backend_name) or BackendInfo(name=backend_name),
                    by_cell.get((task.name, backend_name), []),
                    seed=run.seed,
                )
            )
    return Summary(run_id=run.run_id, cells=cells)
