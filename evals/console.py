"""The summary table printed at the end of a run."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table


def fmt_value(value: float | None, digits: int = 3) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def fmt_cost(value: float | None) -> str:
    if value is None:
        return "unknown"
    return "$0" if value == 0 else f"${value:.4f}" if value < 1 else f"${value:.2f}"


def fmt_seconds(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value * 1000:.0f}ms" if value < 1 else f"{value:.2f}s"


def backend_label(cell: dict[str, Any]) -> str:
    """The backend's name, tagged when it is a baseline or a local engine (escaped for rich)."""
    kind = cell.get("backend_kind")
    tag = f" ({kind})" if kind in ("baseline", "engine") else ""
    return escape(f"{cell['backend']}{tag}")


def _interval(metric: dict[str, Any]) -> str:
    value = fmt_value(metric.get("value"))
    if metric.get("ci_low") is None:
        return value
    return f"{value} ({fmt_value(metric.get('ci_low'))}–{fmt_value(metric.get('ci_high'))})"


def task_tables(summary: dict[str, Any]) -> list[Table]:
    """One table per task: a row per backend, a column per metric (value and 95% interval), then
    n, errors (beside the score, never inside it), cost and latency."""
    by_task: dict[str, list[dict[str, Any]]] = {}
    for cell in summary.get("cells", []):
        by_task.setdefault(cell["task"], []).append(cell)
    tables = []
    for task, cells in by_task.items():
        metrics = list(dict.fromkeys(name for cell in cells for name in cell.get("metrics") or {}))
        table = Table(title=escape(task), title_justify="left", header_style="bold", pad_edge=False)
        table.add_column("backend")
        for name in metrics:
            table.add_column(escape(name), justify="right")
        for column in ("n", "err", "cost", "p50/p95"):
            table.add_column(column, justify="right")
        for cell in cells:
            latency = cell.get("latency_s") or {}
            errors = str(cell["n_errors"]) + (f"+{cell['n_not_run']} not run" if cell["n_not_run"] else "")
            table.add_row(
                backend_label(cell),
                *(_interval((cell.get("metrics") or {}).get(name, {})) for name in metrics),
                str(cell["n_scored"]),
                errors,
                fmt_cost(cell.get("cost_usd")),
                f"{fmt_seconds(latency.get('p50'))}/{fmt_seconds(latency.get('p95'))}",
            )
        tables.append(table)
    return tables


def print_summary(summary: dict[str, Any], console: Console | None = None, title: str | None = None) -> None:
    console = console or Console()
    if title:
        console.print(f"[bold]{escape(title)}[/]: values with 95% bootstrap intervals")
    for table in task_tables(summary):
        console.print(table)
