"""The summary table printed at the end of a run."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape

from evals import fmt
from evals.rundata import MetricSummary, SampleRecord, Summary, SummaryCell
from evals.terminal import Table, output


def messages() -> Console:
    """Where one-line messages go (stderr): never wrapped, so a path or an error stays one line
    that scripts and logs can use, whatever the terminal's width."""
    return Console(stderr=True, highlight=False, soft_wrap=True)


def backend_label(cell: SummaryCell) -> str:
    """The backend's name, tagged when it is a baseline or a local engine (escaped for rich)."""
    kind = cell.backend_kind
    tag = f" ({kind})" if kind in ("baseline", "engine") else ""
    return escape(f"{cell.backend}{tag}")


def _interval(metric: MetricSummary | None) -> str:
    if metric is None or metric.value is None:
        return "—"
    value = fmt.num(metric.value)
    if metric.ci_low is None or metric.ci_high is None:
        return value
    return f"{value} ({fmt.num(metric.ci_low)}–{fmt.num(metric.ci_high)})"


def task_tables(summary: Summary) -> list[Table]:
    """One table per task: a row per backend, a column per metric (value and 95% interval), then
    n, errors (beside the score, never inside it), cost and latency."""
    by_task: dict[str, list[SummaryCell]] = {}
    for cell in summary.cells:
        by_task.setdefault(cell.task, []).append(cell)
    tables = []
    for task, cells in by_task.items():
        every = list(dict.fromkeys(name for cell in cells for name in cell.metrics))
        # Dotted names are per-part metrics (f1.total, rule.adds_up): the report shows them all;
        # the console keeps to the headlines so its table stays readable.
        metrics = [name for name in every if "." not in name]
        judged = any(cell.judge is not None for cell in cells)
        hidden = len(every) - len(metrics)
        caption = f"+{hidden} per-field/per-rule metrics in report.html" if hidden else None
        table = Table(title=escape(task), title_justify="left", pad_edge=False, caption=caption)
        table.add_column("backend")
        for name in metrics:
            table.add_column(escape(name), justify="right")
        for column in ("n", "err", "cost", *(["judge cost"] if judged else []), "p50/p95"):
            table.add_column(column, justify="right")
        for cell in cells:
            errors = str(cell.n_errors) + (f"+{cell.n_not_run} not run" if cell.n_not_run else "")
            if cell.scorer_errors:
                errors += f" ({sum(cell.scorer_errors.values())} scorer)"
            judge = [fmt.cost(cell.judge.cost_usd) if cell.judge else "—"] if judged else []
            table.add_row(
                backend_label(cell),
                *(_interval(cell.metrics.get(name)) for name in metrics),
                str(cell.n_scored),
                errors,
                fmt.cost(cell.cost_usd),
                *judge,
                f"{fmt.seconds(cell.latency_s.p50)}/{fmt.seconds(cell.latency_s.p95)}",
            )
        tables.append(table)
    return tables


def print_summary(summary: Summary, console: Console | None = None, title: str | None = None) -> None:
    console = console or output()
    if title:
        console.print(f"[bold]{escape(title)}[/]: values with 95% bootstrap intervals")
    for table in task_tables(summary):
        console.print(table)
    if summary.replicas:
        console.print(replica_table(summary))


def replica_table(summary: Summary) -> Table:
    """Per replica of a backend with several base_urls: load, errors, failovers, latency."""
    table = Table(title="replicas")
    for column in ("backend", "url", "requests", "ok", "errors", "failovers", "taken out", "mean s", "p95 s"):
        table.add_column(column, justify="left" if column in ("backend", "url") else "right")
    for r in summary.replicas:
        mean = f"{r.mean_latency_s:.3f}" if r.mean_latency_s is not None else "–"
        p95 = f"{r.p95_latency_s:.3f}" if r.p95_latency_s is not None else "–"
        table.add_row(
            r.backend,
            r.url,
            str(r.requests),
            str(r.ok),
            str(r.errors),
            str(r.failovers),
            str(r.ejections),
            mean,
            p95,
        )
    return table


def error_examples(records: list[SampleRecord], *, width: int = 160) -> list[str]:
    """One line per error kind: how many samples ended in it and one example (task · backend ·
    sample: message), so a run that fails its error rate says what the errors were."""
    by_kind: dict[str, list[SampleRecord]] = {}
    for record in records:
        if record.status == "error" and record.error is not None:
            by_kind.setdefault(record.error.kind, []).append(record)
    lines = []
    for kind, found in sorted(by_kind.items(), key=lambda item: (-len(item[1]), item[0])):
        # The example is the first by task, backend and sample id, not by finishing order, so
        # the same run always prints the same lines.
        first = min(found, key=lambda r: (r.task, r.backend, r.sample_id))
        message = " ".join((first.error.message if first.error else "").split())
        if len(message) > width:
            message = message[: width - 1] + "…"
        where = f"{first.task} · {first.backend} · {first.sample_id}"
        lines.append(f"  {kind}: {len(found)} (e.g. {where}: {message})")
    return lines
