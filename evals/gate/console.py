"""The gate's result on the console: a compact table, then the reasons for what did not pass."""

from __future__ import annotations

from collections import Counter

from rich.console import Console
from rich.markup import escape

from evals.compare.fmt import value_text
from evals.gate.evaluate import GateResult
from evals.gate.markdown import change_cell, ordered
from evals.terminal import Table

STYLE = {"pass": "green", "regression": "bold red", "fail": "bold red", "inconclusive": "yellow"}
LABEL = {"pass": "pass", "regression": "REGRESSION", "fail": "BOUND CROSSED", "inconclusive": "inconclusive"}


def gate_table(result: GateResult) -> Table:
    table = Table(title=f"gate: {escape(result.current.label)}")
    for column in ("verdict", "task / backend", "metric", "baseline → current", "worse by [CI]", "bound"):
        table.add_column(column)
    for check in ordered(result):
        q = check.quantity
        values = value_text(q, check.value)
        if check.kind == "regression":
            values = f"{value_text(q, check.baseline_value)} → {values}"
        table.add_row(
            f"[{STYLE[check.verdict]}]{LABEL[check.verdict]}[/]",
            escape(f"{check.task} / {check.backend}"),
            escape(check.metric),
            values,
            escape(change_cell(check)),
            escape(check.bound_text()),
        )
    return table


def print_result(result: GateResult, console: Console) -> None:
    console.print(gate_table(result))
    for check in ordered(result):
        if check.verdict == "pass" and not check.notes:
            continue
        reason = "; ".join([check.decision.message, *check.notes])
        console.print(
            f"[{STYLE[check.verdict]}]{LABEL[check.verdict]}[/] {escape(check.name)}: {escape(reason)}",
            soft_wrap=True,
        )
    counts = result.counts()
    summary = ", ".join(f"{v} {k}" for k, v in counts.items())
    outcome = result.outcome()
    colour = {"failed": "red", "inconclusive": "yellow", "passed": "green"}[outcome]
    console.print(f"[{colour}]gate {outcome}[/] ({summary}; exit code {result.exit_code()})")
    if counts["inconclusive"] and not result.strict:
        reasons = ", ".join(f"{n} {why}" for why, n in inconclusive_reasons(result).most_common())
        console.print(
            f"[yellow]warning:[/] {counts['inconclusive']} inconclusive check(s) pass without --strict: "
            f"{escape(reasons)}"
        )


def inconclusive_reasons(result: GateResult) -> Counter[str]:
    """Why checks were inconclusive, by kind of reason (the decision's own words, not a guess):
    a cell or metric missing from the baseline is not a question of sample size."""
    reasons: Counter[str] = Counter()
    for check in result.checks:
        if check.verdict != "inconclusive":
            continue
        message = check.decision.message
        if "not in the baseline" in message:
            reasons["not in the baseline"] += 1
        elif "declared differently" in message:
            reasons["declared differently in the baseline"] += 1
        elif check.kind != "regression":
            reasons["no value in this run"] += 1
        else:
            reasons["too few samples to tell a change from noise at this confidence"] += 1
    return reasons
