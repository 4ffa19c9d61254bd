"""The comparison as one self-contained HTML page: inline style, no script, every text escaped.

Plots (per-sample scatter of reference vs candidate, interval bars) belong here once the run
report's plot functions (`evals.report`) exist; this page reuses none yet, so it stays tables.
"""

from __future__ import annotations

from html import escape

from evals.compare.build import CompareReport, PairComparison, TaskComparison
from evals.compare.fmt import change_text, mcnemar_text, value_text
from evals.compare.markdown import OPERATION_LABELS, changed_text, direction, settings_line
from evals.compare.quantities import Delta

_STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:72rem;color:#1b1b1b;padding:0 1rem}
table{border-collapse:collapse;margin:.5rem 0 1rem}td,th{border:1px solid #ccc;padding:.25rem .5rem;
text-align:left;vertical-align:top}th{background:#f3f3f3}.worse{color:#a40000;font-weight:600}
.better{color:#0b6b0b;font-weight:600}.note{color:#6b4e00}code{background:#f3f3f3;padding:0 .2rem}
details{margin:.25rem 0 1rem}
"""


def _table(header: list[str], rows: list[list[str]]) -> str:
    """Cells arrive escaped (they may carry a span); header text is escaped here."""
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _word(reading: str) -> str:
    css = {"worse": "worse", "better": "better"}.get(reading, "")
    return f'<span class="{css}">{escape(reading)}</span>'


def _reading(delta: Delta) -> str:
    return _word(delta.reading())


def _task(task: TaskComparison, show: int) -> str:
    a = task.alignment
    parts = [f"<h3>{escape(task.task)}</h3>", f"<p>{len(a.paired)} paired samples"]
    if a.unpaired:
        counts = ", ".join(f"{k}: {v}" for k, v in a.unpaired_counts().items())
        parts.append(f"; not paired: {len(a.unpaired)} ({escape(counts)})")
    parts.append(".</p>")
    if task.metrics:
        rows = [
            [
                escape(f"{d.quantity.name} {direction(d)}"),
                escape(value_text(d.quantity, d.stat.reference)),
                escape(value_text(d.quantity, d.stat.candidate)),
                escape(change_text(d)),
                escape(mcnemar_text(d)),
                escape(changed_text(d)),
                _reading(d),
            ]
            for d in task.metrics
        ]
        header = ["metric", "reference", "candidate", "change [CI]", "McNemar", "changed", "reading"]
        parts.append(_table(header, rows))
    ops = [
        [
            escape(OPERATION_LABELS[d.quantity.name]),
            escape(value_text(d.quantity, d.stat.reference)),
            escape(value_text(d.quantity, d.stat.candidate)),
            escape(change_text(d)),
            str(d.stat.n),
        ]
        for d in task.operations
    ]
    parts.append(_table(["cost and latency", "reference", "candidate", "change [CI]", "n"], ops))
    for delta in task.metrics:
        q = delta.quantity
        if delta.changed and show > 0:
            rows = [
                [
                    escape(c.sample_id),
                    _word("worse" if c.worse else "better"),
                    escape(f"{value_text(q, c.reference)} → {value_text(q, c.candidate)}"),
                    escape(c.reference_prediction or ""),
                    escape(c.candidate_prediction or ""),
                    escape(" / ".join(c.targets)),
                ]
                for c in delta.changed[:show]
            ]
            summary = f"Changed samples for {delta.quantity.name}: {changed_text(delta)}"
            header = [
                "sample",
                "change",
                delta.quantity.name,
                "reference answer",
                "candidate answer",
                "references",
            ]
            table = _table(header, rows)
            parts.append(f"<details open><summary>{escape(summary)}</summary>{table}</details>")
    if a.unpaired:
        rows = [[escape(u.sample_id), escape(u.reference), escape(u.candidate)] for u in a.unpaired[:show]]
        summary = f"Samples not scored on both sides: {len(a.unpaired)}"
        parts.append(
            f"<details><summary>{escape(summary)}</summary>"
            f"{_table(['sample', 'reference', 'candidate'], rows)}</details>"
        )
    parts += [f'<p class="note">note: {escape(n)}</p>' for n in task.notes]
    return "".join(parts)


def _pair(pair: PairComparison, show: int) -> str:
    parts = [f"<h2>{escape(pair.reference.label)} → {escape(pair.candidate.label)}</h2>"]
    parts += [f'<p class="note">note: {escape(n)}</p>' for n in pair.notes]
    parts += [_task(t, show) for t in pair.tasks]
    return "".join(parts)


def render_html(report: CompareReport, *, show: int = 10) -> str:
    sources = "".join(f"<li><code>{escape(s.label)}</code>: {escape(s.source)}</li>" for s in report.sources)
    body = "".join(_pair(p, show) for p in report.pairs)
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>Comparison</title><style>{_STYLE}</style></head><body>"
        f"<h1>Comparison</h1><p>{escape(settings_line(report))}</p><ul>{sources}</ul>{body}"
        "</body></html>\n"
    )
