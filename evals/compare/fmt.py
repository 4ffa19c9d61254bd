"""Number formatting and cell escaping shared by the comparison and gate outputs."""

from __future__ import annotations

import math
import re

from evals.compare.quantities import Delta, Quantity

_ZERO = re.compile(r"[+-]?-?\$?0(\.0*)?(ms|s|%)?")


def finite(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


def value_text(quantity: Quantity, value: float | None, *, signed: bool = False) -> str:
    """A value in the quantity's own unit: dollars, seconds, or the metric's scale."""
    text = _value_text(quantity, value, signed)
    # A value that rounds to zero is shown unsigned: "0.0ms", never "-0.0ms".
    return text.lstrip("+-") if _ZERO.fullmatch(text) else text


def _value_text(quantity: Quantity, value: float | None, signed: bool) -> str:
    x = finite(value)
    if x is None:
        return "—"
    x = 0.0 if abs(x) < 1e-12 else x  # no "-0.0000"
    sign = "+" if signed and x > 0 else ""
    if quantity.source == "cost" or quantity.name == "cost_usd":
        return f"{sign}{'-' if x < 0 else ''}${abs(x):.4g}"
    if quantity.source == "latency":
        return f"{sign}{x * 1000:.1f}ms" if abs(x) < 1 else f"{sign}{x:.2f}s"
    if quantity.source == "error":
        return f"{sign}{x * 100:.1f}%"
    return f"{sign}{x:.4f}" if abs(x) < 10 else f"{sign}{x:.2f}"


def interval_text(quantity: Quantity, low: float | None, high: float | None) -> str:
    if finite(low) is None or finite(high) is None:
        return ""
    return f"[{value_text(quantity, low, signed=True)}, {value_text(quantity, high, signed=True)}]"


def change_text(delta: Delta) -> str:
    """`+0.0120 [+0.0040, +0.0200]` for candidate − reference."""
    s = delta.stat
    text = value_text(delta.quantity, s.diff, signed=True)
    interval = interval_text(delta.quantity, s.low, s.high)
    return f"{text} {interval}".strip()


def p_text(p: float | None) -> str:
    if p is None:
        return "—"
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def mcnemar_text(delta: Delta) -> str:
    test = delta.mcnemar
    if test is None:
        return "—"
    return f"{test.lost}↓ {test.gained}↑ p={p_text(test.p_value)} ({test.method})"


def md_cell(text: object, limit: int | None = 80) -> str:
    """Safe inside a Markdown table cell: no pipes, no line breaks, bounded length. Names (of
    tasks, backends, metrics, samples, runs) pass `limit=None`: a name is never cut."""
    value = "" if text is None else str(text)
    value = " ".join(value.split())
    if limit is not None and len(value) > limit:
        value = value[: limit - 1] + "…"
    return value.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def md_plain(text: str) -> str:
    """Our own text (numbers, names we generate) in a table cell: only pipes need escaping."""
    return text.replace("|", "\\|")


def md_table(header: list[str], rows: list[list[str]]) -> list[str]:
    """A GitHub-flavoured Markdown table (cells must already be escaped)."""
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines
