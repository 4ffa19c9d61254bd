"""The comparison as Markdown: one section per pair of columns, one table per task."""

from __future__ import annotations

from evals.compare.build import CompareReport, PairComparison, TaskComparison
from evals.compare.fmt import change_text, mcnemar_text, md_cell, md_plain, md_table, value_text
from evals.compare.quantities import Delta

OPERATION_LABELS = {
    "cost_per_sample_usd": "cost / sample",
    "latency_p50": "latency p50",
    "latency_p95": "latency p95",
    "error_rate": "error rate",
}


def direction(delta: Delta) -> str:
    return "↑" if delta.quantity.higher_is_better else "↓"


def changed_text(delta: Delta) -> str:
    if not delta.changed:
        return "0"
    worse = sum(1 for c in delta.changed if c.worse)
    return f"{len(delta.changed)} ({worse} worse, {len(delta.changed) - worse} better)"


def settings_line(report: CompareReport) -> str:
    s = report.settings
    return (
        f"Change = candidate − reference on the samples scored on both sides, with two-sided "
        f"{s.confidence:.0%} paired bootstrap intervals ({s.resamples:,} resamples, seed {s.seed}); "
        "corpus metrics (WER, CER) resample utterances; right/wrong metrics add McNemar's test "
        "(↓ right→wrong, ↑ wrong→right). A comparison reports; it does not judge."
    )


def _unpaired_line(task: TaskComparison) -> str:
    a = task.alignment
    line = f"{len(a.paired)} paired samples."
    if a.unpaired:
        counts = ", ".join(f"{k}: {v}" for k, v in a.unpaired_counts().items())
        line += f" Not paired: {len(a.unpaired)} ({counts}) — listed below."
    return line


def task_section(task: TaskComparison, show: int) -> list[str]:
    lines = [f"### {md_cell(task.task, None)}", "", _unpaired_line(task), ""]
    if task.metrics:
        rows = [
            [
                md_cell(f"{d.quantity.name} {direction(d)}", None),
                value_text(d.quantity, d.stat.reference),
                value_text(d.quantity, d.stat.candidate),
                md_plain(change_text(d)),
                md_plain(mcnemar_text(d)),
                md_plain(changed_text(d)),
                d.reading(),
            ]
            for d in task.metrics
        ]
        header = ["metric", "reference", "candidate", "change [CI]", "McNemar", "changed", "reading"]
        lines += [*md_table(header, rows), ""]
    ops = [
        [
            OPERATION_LABELS[d.quantity.name],
            value_text(d.quantity, d.stat.reference),
            value_text(d.quantity, d.stat.candidate),
            md_plain(change_text(d)),
            str(d.stat.n) + (f" ({d.n_unvalued} without a value)" if d.n_unvalued else ""),
        ]
        for d in task.operations
    ]
    lines += [*md_table(["cost and latency", "reference", "candidate", "change [CI]", "n"], ops), ""]
    ref_cost, cand_cost = task.totals.get("cost_usd", (None, None))
    cost = task.operations[0].quantity
    lines += [f"Total cost of the cell: {value_text(cost, ref_cost)} → {value_text(cost, cand_cost)}.", ""]
    for delta in task.metrics:
        lines += _changes(delta, show)
    lines += _unpaired(task, show)
    lines += [f"- note: {md_cell(n, 400)}" for n in task.notes]
    return lines


def _changes(delta: Delta, show: int) -> list[str]:
    if not delta.changed or show <= 0:
        return []
    q = delta.quantity
    rows = [
        [
            md_cell(c.sample_id, None),
            "worse" if c.worse else "better",
            f"{value_text(q, c.reference)} → {value_text(q, c.candidate)}",
            md_cell(c.reference_prediction),
            md_cell(c.candidate_prediction),
            md_cell(" / ".join(c.targets)),
        ]
        for c in delta.changed[:show]
    ]
    more = len(delta.changed) - show
    tail = [f"… and {more} more (all of them are in compare.json)", ""] if more > 0 else [""]
    header = ["sample", "change", q.name, "reference answer", "candidate answer", "references"]
    return [f"Changed samples for `{md_cell(q.name, None)}`:", "", *md_table(header, rows), *tail]


def _unpaired(task: TaskComparison, show: int) -> list[str]:
    missing = task.alignment.unpaired
    if not missing:
        return []
    rows = [[md_cell(u.sample_id, None), u.reference, u.candidate] for u in missing[: max(show, 1)]]
    more = len(missing) - len(rows)
    tail = [f"… and {more} more", ""] if more > 0 else [""]
    table = md_table(["sample", "reference", "candidate"], rows)
    return ["Samples not scored on both sides:", "", *table, *tail]


def pair_section(pair: PairComparison, show: int) -> list[str]:
    lines = [f"## {md_cell(pair.reference.label, None)} → {md_cell(pair.candidate.label, None)}", ""]
    lines += [f"- note: {md_cell(n, 400)}" for n in pair.notes]
    if pair.notes:
        lines.append("")
    if not pair.tasks:
        lines += ["No task is shared by the two sides.", ""]
    for task in pair.tasks:
        lines += task_section(task, show)
    return lines


def render_markdown(report: CompareReport, *, show: int = 10) -> str:
    lines = ["# Comparison", "", settings_line(report), ""]
    for source in report.sources:
        ident = source.identity
        commit = f", commit {ident.git_commit[:10]}" if ident.git_commit else ""
        lines.append(f"- {md_cell(source.label, None)}: {md_cell(source.source, 200)}{commit}")
    lines.append("")
    for pair in report.pairs:
        lines += pair_section(pair, show)
    return "\n".join(lines).rstrip() + "\n"
