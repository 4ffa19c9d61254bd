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


def summary_table(summary: dict[str, Any], title: str | None = None) -> Table:
    table = Table(title=title, show_lines=False, header_style="bold")
    for column in ("task", "backend", "metric", "value [95% CI]", "n", "errors", "cost", "p50/p95"):
        table.add_column(column, justify="right" if column in ("n", "errors") else "left")
    for cell in summary.get("cells", []):
        latency = cell.get("latency_s") or {}
        timing = f"{fmt_seconds(latency.get('p50'))}/{fmt_seconds(latency.get('p95'))}"
        errors = str(cell["n_errors"]) + (f" (+{cell['n_not_run']} not run)" if cell["n_not_run"] else "")
        metrics = cell.get("metrics") or {"—": {}}
        for index, (name, metric) in enumerate(metrics.items()):
            ci = (
                f" [{fmt_value(metric.get('ci_low'))}, {fmt_value(metric.get('ci_high'))}]"
                if metric.get("ci_low") is not None
                else ""
            )
            first = index == 0
            table.add_row(
                cell["task"] if first else "",
                backend_label(cell) if first else "",
                name,
                fmt_value(metric.get("value")) + ci,
                str(metric.get("n", 0)),
                errors if first else "",
                fmt_cost(cell.get("cost_usd")) if first else "",
                timing if first else "",
            )
    return table


def print_summary(summary: dict[str, Any], console: Console | None = None, title: str | None = None) -> None:
    (console or Console()).print(summary_table(summary, title))
