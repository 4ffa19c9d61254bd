"""report.md: the tables a CI job pastes into a pull request.

Model output is untrusted: every cell is escaped so that it can neither break the table (pipes,
newlines) nor turn into markup, links or mentions where the Markdown is rendered.
"""

from __future__ import annotations

from evals import fmt
from evals.report.context import ReportData, TaskSection
from evals.report.samples import SampleView
from evals.report.tables import Table

CELL_CHARS = 300
PREDICTION_CHARS = 80

_ESCAPES = {
    "\\": "\\\\",
    "|": "\\|",
    "`": "\\`",
    "*": "\\*",
    "_": "\\_",
    "[": "\\[",
    "]": "\\]",
    "~": "\\~",
    "&": "&amp;",
    "<": "&lt;",
    ">": "&gt;",
    "@": "&#64;",  # no @mentions from model output in a pull request
}


def escape(text: object, limit: int = CELL_CHARS) -> str:
    """Text safe inside a Markdown table cell: one line, no markup, at most `limit` characters."""
    raw = fmt.clip(text, limit).replace("\r\n", "\n").replace("\r", "\n")
    escaped = "".join(_ESCAPES.get(ch, ch) for ch in raw)
    return escaped.replace("\n", "<br>").replace("\t", " ")


def table(data: Table) -> str:
    """A GitHub-flavoured Markdown table; numeric columns right-aligned."""
    if not data.header:
        return ""
    width = len(data.header)
    numeric = [
        bool(data.rows) and all(row[i].numeric for row in data.rows if i < len(row)) for i in range(width)
    ]
    lines = ["| " + " | ".join(escape(h) for h in data.header) + " |"]
    lines.append("|" + "|".join("---:" if n else "---" for n in numeric) + "|")
    for row in data.rows:
        cells = []
        for index in range(width):
            text = escape(row[index].text) if index < len(row) else ""
            cells.append(f"**{text}**" if text and row[index].best else text)
        lines.append("| " + " | ".join(cells) + " |")
    out = "\n".join(lines)
    if data.caption:
        out += f"\n\n{escape(data.caption)}"
    return out


def _samples(title: str, views: list[SampleView], backends: list[str]) -> list[str]:
    if not views:
        return []
    data = Table(["sample", "why", "references", *backends])
    for view in views:
        answers = {a.backend: a for a in view.answers}
        cells = []
        for backend in backends:
            answer = answers.get(backend)
            if answer is None:
                cells.append("·")
            elif answer.status != "ok":
                cells.append(f"error: {fmt.clip(answer.error, PREDICTION_CHARS)}")
            else:
                cells.append(f"{fmt.clip(answer.prediction, PREDICTION_CHARS)} · {fmt.num(answer.score)}")
        data.add(view.sample_id, view.why, " ‖ ".join(fmt.clip(t, 60) for t in view.targets[:3]), *cells)
    return [f"### {title}", "", table(data), ""]


def _task(section: TaskSection) -> list[str]:
    ranking = section.ranking
    lines = [f"## Task: {escape(section.name)} ({escape(section.kind or '')})", ""]
    lines += [f"**{escape(section.headline)}**", "", table(section.leaderboard), ""]
    if section.robustness:
        lines += ["### Robustness and hallucination", ""]
        for title, data in section.robustness:
            lines += [f"#### {escape(title)}", "", table(data), ""]
        lines += [f"- curves: `plots/{p.name}`" for p in section.robustness_plots]
        lines += [""]
    if section.documents:
        lines += ["### Document processing", ""]
        for title, data in section.documents:
            lines += [f"#### {escape(title)}", "", table(data), ""]
        lines += [f"- curves: `plots/{p.name}`" for p in section.review_plots] + [""]
    if section.streams is not None:
        lines += ["### Streamed latency", "", table(section.streams), ""]
    if section.breakdowns:  # folded, so a pull-request comment stays short
        lines += [f"<details><summary>Breakdowns by {len(section.breakdowns)} fields</summary>", ""]
        for field, data in section.breakdowns:
            lines += [f"#### By {escape(field)} ({escape(ranking.metric or '')})", "", table(data), ""]
        lines += ["</details>", ""]
    if section.classification:
        lines += ["<details><summary>Classification report</summary>", ""]
        for title, scores, confusion in section.classification:
            lines += [f"#### {escape(title)}", "", table(scores), "", table(confusion), ""]
        lines += ["</details>", ""]
    backends = [s.backend for s in ranking.standings]
    lines += _samples("Surprising samples", section.surprising, backends)
    lines += _samples("Worst samples", section.worst, backends)
    return lines


def _judging(report: ReportData) -> list[str]:
    """The judges: model, rubric, cost, agreement figures, win rates and disagreements."""
    if not report.judging:
        return []
    lines = ["## Judges", ""]
    for section in report.judging:
        lines += [f"### {escape(section.task)} · {escape(section.scorer)}", ""]
        lines += [f"- {escape(label)}: {escape(value)}" for label, value in section.facts] + [""]
        for title, data in (
            ("Agreement", section.agreement),
            ("Pairwise win rates", section.win_rates),
            ("Where the judges disagreed", section.disagreements),
        ):
            if data is not None:
                lines += [f"#### {title}", "", table(data), ""]
        lines += [f"- heatmap: `plots/{p.name}`" for p in section.plots]
        lines += [""] if section.plots else []
    return lines


def render_markdown(report: ReportData) -> str:
    facts = Table(["", ""])
    for label, value in report.facts:
        facts.add(label, value)
    lines = [f"# Run report: {escape(report.run_id)}", "", table(facts), ""]
    if report.tasks:
        lines += ["## Headline metric per task (★ best; baselines are not crowned over models)", ""]
        lines += [table(report.matrix), ""]
    else:
        lines += ["No task results in this run.", ""]
    for section in report.tasks:
        lines += _task(section)
    lines += _judging(report)
    lines += ["## Errors", ""]
    lines += [table(report.errors) if report.errors.rows else "No errors: every sample was answered.", ""]
    if report.plots:
        lines += ["## Plots", "", "In `plots/` beside this file (and embedded in report.html):", ""]
        lines += [f"- `{p.name}`: {escape(p.title)}" for p in report.plots] + [""]
    lines += ["<details><summary>Configuration and versions</summary>", ""]
    for title, data in report.config:
        lines += [f"### {title}", "", table(data) if data.rows else "—", ""]
    lines += ["</details>", ""]
    lines += [*(f"_{escape(n)}_" for n in report.notes)]
    lines += [
        "",
        "Best: highest (or lowest, as the metric declares) headline value among models and engines "
        "with an error rate within the limit; baselines only when nothing else ran. "
        "Surprising: the best backend lost to a weaker one on that sample. See docs/reports.md.",
        "",
    ]
    return "\n".join(lines)
