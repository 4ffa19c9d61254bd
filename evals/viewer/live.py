"""A running run's summary, computed in DuckDB from the rows so far: counts, errors by kind,
cost, latency percentiles and each metric's mean per sample. No bootstrap intervals (they
would be recomputed every second); the page says so, and the run's summary.json, with its
intervals and corpus metrics, replaces this once the run finishes."""

from __future__ import annotations

from evals.rundata import MetricSummary, Percentiles, RunInfo, Summary, SummaryCell
from evals.viewer.table import SCORE_PREFIX, SampleTable, quote


def live_summary(run: RunInfo, table: SampleTable) -> Summary:
    present = set(table.score_columns())
    metrics = sorted({m.name for t in run.tasks for m in t.metrics if m.name in present})
    averages = ""
    for name in metrics:
        column = quote(SCORE_PREFIX + name)
        averages += f", avg({column}) AS {quote('mean.' + name)}, count({column}) AS {quote('n.' + name)}"
    rows = table.fetch(
        "SELECT task, backend, count(*) AS n_total, count(*) FILTER (WHERE status = 'ok') AS n_scored, "
        "count(*) FILTER (WHERE status = 'error') AS n_errors, "
        "count(*) FILTER (WHERE status = 'not_run') AS n_not_run, "
        "sum(cost_usd) AS cost, count(cost_usd) AS n_cost, count(latency_s) AS n_latency, "
        "quantile_cont(latency_s, 0.5) AS p50, quantile_cont(latency_s, 0.95) AS p95"
        f"{averages} FROM samples GROUP BY task, backend"
    )
    kinds = table.fetch(
        "SELECT task, backend, error_kind, count(*) AS n FROM samples "
        "WHERE error_kind IS NOT NULL GROUP BY ALL"
    )
    by_cell = {(r["task"], r["backend"]): r for r in rows}
    backends = {b.name: b for b in run.backends}
    cells = []
    for task in run.tasks:
        for name in task.backends:
            row = by_cell.get((task.name, name), {})
            info = backends.get(name)
            n_total = int(row.get("n_total") or 0)
            n_errors = int(row.get("n_errors") or 0)
            cell = SummaryCell(
                task=task.name,
                kind=task.kind,
                backend=name,
                backend_type=info.type if info else None,
                backend_kind=info.kind if info else None,
                model=info.model if info else None,
                n_total=n_total,
                n_scored=int(row.get("n_scored") or 0),
                n_errors=n_errors,
                n_not_run=int(row.get("n_not_run") or 0),
                error_rate=n_errors / n_total if n_total else 0.0,
                errors_by_kind={
                    str(k["error_kind"]): int(k["n"])
                    for k in kinds
                    if k["task"] == task.name and k["backend"] == name
                },
                cost_usd=float(row["cost"]) if row.get("n_cost") else None,
                latency_s=Percentiles(
                    p50=row.get("p50"), p95=row.get("p95"), n=int(row.get("n_latency") or 0)
                ),
            )
            for metric in task.metrics:
                mean = row.get("mean." + metric.name)
                cell.metrics[metric.name] = MetricSummary(
                    value=None if mean is None else float(mean),
                    n=int(row.get("n." + metric.name) or 0),
                    higher_is_better=metric.higher_is_better,
                    aggregation="mean",
                )
            cells.append(cell)
    return Summary(run_id=run.run_id, cells=cells)
