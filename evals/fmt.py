"""How numbers, dollars, times and intervals are written, everywhere: the console tables, the
dry run, the reports, compare and the gate. One home, so the same figure reads the same."""

from __future__ import annotations

import math
import time
from typing import Any

from evals.rundata import MetricSummary


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def num(value: Any, digits: int = 3) -> str:
    return f"{value:.{digits}f}" if is_number(value) else "—"


def interval(low: Any, high: Any, digits: int = 3) -> str:
    if not (is_number(low) and is_number(high)):
        return ""
    return f"[{low:.{digits}f}, {high:.{digits}f}]"


def metric(entry: MetricSummary | None, digits: int = 3) -> str:
    """`0.812 [0.750, 0.861]`, or `—` when the metric has no value."""
    if entry is None or entry.value is None:
        return "—"
    ci = interval(entry.ci_low, entry.ci_high, digits)
    return f"{entry.value:.{digits}f}" + (f" {ci}" if ci else "")


def cost(value: Any) -> str:
    """Dollars: `unknown` when no price is known, `$0` when free."""
    if not is_number(value):
        return "unknown"
    if value == 0:
        return "$0"
    if abs(value) < 0.0001:
        return f"${value:.2g}"
    if abs(value) < 1:
        return f"${value:.4f}"
    return f"${value:,.2f}"


def seconds(value: Any) -> str:
    if not is_number(value):
        return "—"
    if value < 1:
        return f"{value * 1000:.0f} ms" if value >= 0.001 else f"{value * 1000:.2f} ms"
    return f"{value:.2f} s"


def percent(value: Any) -> str:
    return f"{value:.1%}" if is_number(value) else "—"


def timestamp(value: Any) -> str:
    if not is_number(value):
        return "—"
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(value))


def clip(text: Any, limit: int) -> str:
    """At most `limit` characters of a value's text, with an ellipsis when cut."""
    if text is None:
        return ""
    value = str(text)
    return value if len(value) <= limit else value[: max(0, limit - 1)] + "…"


def direction(higher_is_better: bool) -> str:
    return "higher is better" if higher_is_better else "lower is better"


def arrow(higher_is_better: bool) -> str:
    return "↑" if higher_is_better else "↓"
