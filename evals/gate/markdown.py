"""The gate's result as Markdown, for a pull-request comment."""

from __future__ import annotations

from evals.compare.fmt import interval_text, md_cell, md_plain, md_table, value_text
from evals.gate.evaluate import Check, GateResult

BADGE = {
    "pass": "✅ pass",
    "regression": "❌ regression",
    "fail": "❌ bound crossed",
    "inconclusive": "⚠️ inconclusive",
}
_ORDER = {"regression": 0, "fail": 1, "inconclusive": 2, "pass": 3}
HEADLINE = {"failed": "❌ failed", "inconclusive": "⚠️ inconclusive", "passed": "✅ passed"}
SHOW_CHANGES = 10


def ordered(result: GateResult) -> list[Check]:
    """Failures first, then inconclusive checks, then passes; rule order within each."""
    return sorted(result.checks, key=lambda c: (_ORDER[c.verdict], c.index))


def change_cell(check: Check) -> str:
    """`worse by` and its interval for regressions; the value's interval for bounds."""
    q = check.quantity
    if check.delta is not None and check.delta.stat.known:
        worse, low, high = check.delta.worse_by()
        return f"{value_text(q, worse, signed=True)} {interval_text(q, low, high)}"
    return ""


def check_row(check: Check) -> list[str]:
    q = check.quantity
    detail = "; ".join([check.decision.message, *check.notes])
    return [
        BADGE[check.verdict],
        md_cell(check.rule.name or f"rule {check.index + 1}", None),
        md_cell(check.task, None),
        md_cell(check.backend, None),
        md_cell(check.metric, None),
        value_text(q, check.baseline_value) if check.kind == "regression" else "",
        value_text(q, check.value),
        md_plain(change_cell(check)),
        md_plain(check.bound_text()),
        md_plain(detail),
    ]


def _changed_samples(check: Check) -> list[str]:
    delta = check.delta
    if delta is None or not delta.changed:
        return []
    worse = [c for c in delta.changed if c.worse][:SHOW_CHANGES]
    if not worse:
        return []
    q = check.quantity
    rows = [
        [
            md_cell(c.sample_id, None),
            f"{value_text(q, c.reference)} → {value_text(q, c.candidate)}",
            md_cell(c.reference_prediction),
            md_cell(c.candidate_prediction),
        ]
        for c in worse
    ]
    total = sum(1 for c in delta.changed if c.worse)
    title = f"{check.metric} on {check.task} / {check.backend}: {total} samples got worse"
    table = md_table(["sample", check.metric, "baseline answer", "current answer"], rows)
    return [f"<details><summary>{md_cell(title, 200)}</summary>", "", *table, "", "</details>", ""]


def render_markdown(result: GateResult) -> str:
    counts = result.counts()
    spec = result.rules.model
    against = f" against `{md_cell(result.baseline.label, None)}`" if result.baseline else ""
    lines = [
        f"## Evaluation gate: {HEADLINE[result.outcome()]}",
        "",
        f"Run `{md_cell(result.current.label, None)}`{against} · {len(result.checks)} checks: "
        f"{counts['pass']} pass, {counts['regression']} regression, {counts['fail']} bound crossed, "
        f"{counts['inconclusive']} inconclusive · exit code {result.exit_code()}",
        "",
    ]
    header = [
        "verdict",
        "rule",
        "task",
        "backend",
        "metric",
        "baseline",
        "current",
        "worse by [CI]",
        "bound",
        "detail",
    ]
    lines += [*md_table(header, [check_row(c) for c in ordered(result)]), ""]
    for check in ordered(result):
        if check.verdict in ("regression", "inconclusive"):
            lines += _changed_samples(check)
    strict = "fail the gate (--strict)" if result.strict else "pass with a warning (no --strict)"
    lines.append(
        f"Regression rules compare paired samples with two-sided {spec.confidence:.0%} intervals "
        f"(paired bootstrap, {spec.resamples:,} resamples, seed {spec.seed}; corpus metrics resample "
        f"utterances; right/wrong metrics also need McNemar's test). Inconclusive checks {strict}."
    )
    return "\n".join(lines) + "\n"
