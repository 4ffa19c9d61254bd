"""The report's tables as rows of display strings, shared by the Markdown and HTML renderers.

A `Table` is a header and rows of cells; a cell carries its text and a few flags the HTML uses
for emphasis (best, baseline). Everything is formatted once here, so both reports agree.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from evals import fmt
from evals.report.ranking import TaskRanking
from evals.rundata import BreakdownGroup, MetricSummary, SampleRecord

EXAMPLES_PER_ERROR = 3
MESSAGE_CHARS = 240


@dataclass
class Cell:
    text: str
    best: bool = False
    baseline: bool = False
    numeric: bool = False
    sub: str = ""  # a secondary figure shown under the text, smaller (HTML's stacked tables)


@dataclass
class Table:
    header: list[str]
    rows: list[list[Cell]] = field(default_factory=list)
    caption: str = ""

    def add(self, *cells: Cell | str) -> None:
        self.rows.append([c if isinstance(c, Cell) else Cell(c) for c in cells])


def num_cell(text: str, *, sub: str = "", best: bool = False, baseline: bool = False) -> Cell:
    return Cell(text, best=best, baseline=baseline, numeric=True, sub=sub)


def backend_name(name: str, kind: str) -> str:
    return f"{name} (baseline)" if kind == "baseline" else f"{name} (engine)" if kind == "engine" else name


def _metric_cell(
    entry: MetricSummary | None, stacked: bool, *, best: bool = False, baseline: bool = False
) -> Cell:
    if not stacked:
        return num_cell(fmt.metric(entry), best=best, baseline=baseline)
    if entry is None or entry.value is None:
        return num_cell("—", best=best, baseline=baseline)
    interval = fmt.interval(entry.ci_low, entry.ci_high)
    return num_cell(fmt.num(entry.value), sub=interval, best=best, baseline=baseline)


def leaderboard(ranking: TaskRanking, *, stacked: bool = False) -> Table:
    """One row per backend, best first: headline value with CI, other metrics, n, errors, cost, latency.

    `stacked` (the HTML page): secondary figures go under the main one instead of in columns of
    their own (the model under the backend, the CI under the value, the cost per sample under
    the cost, p95 under p50), so the table fits a laptop's width.
    """
    others = other_metrics(ranking)
    if stacked and len(others) > INLINE_METRICS:
        others = []  # they go to `metrics_table`, a row per metric, so the table stays narrow
    judged = any(s.cell.judge is not None for s in ranking.standings)
    head = f"{ranking.metric or 'score'} {fmt.arrow(ranking.higher_is_better)}"
    header = (
        ["#", "backend\nmodel", f"{head}\n95% CI"]
        if stacked
        else ["#", "backend", "model", f"{head} [95% CI]"]
    )
    header += [f"{m} {fmt.arrow(_higher(ranking, m))}" for m in others]
    header += ["n", "errors"]
    header += ["cost\nper sample"] if stacked else ["cost", "$/sample"]
    header += ["judge cost"] if judged else []
    header += ["latency p50\np95"] if stacked else ["p50", "p95"]
    header += ["notes"]
    table = Table(header)
    for place, standing in enumerate(ranking.standings, start=1):
        cell = standing.cell
        entries = cell.metrics
        best, baseline = standing.best, standing.is_baseline
        headline = _metric_cell(entries.get(ranking.metric or ""), stacked, best=best, baseline=baseline)
        corpus = entries.get(ranking.metric or "")
        if corpus is not None and corpus.aggregation == "corpus" and corpus.sample_mean is not None:
            mean = f"per-sample mean {fmt.num(corpus.sample_mean)}"
            if stacked:
                headline.sub = "\n".join(x for x in (headline.sub, mean) if x)
            else:
                headline.text += f" ({mean})"
        errors = f"{cell.n_errors} ({fmt.percent(cell.error_rate)})"
        unscored = []
        if cell.n_not_run:
            unscored.append(f"{cell.n_not_run} not run")
        if cell.scorer_errors:
            unscored.append(f"{sum(cell.scorer_errors.values())} not scored")
        error_cell = (
            num_cell(errors, sub="\n".join(unscored)) if stacked else num_cell(", ".join([errors, *unscored]))
        )
        judge = [num_cell(fmt.cost(cell.judge.cost_usd) if cell.judge else "—")] if judged else []
        name = backend_name(standing.backend, standing.kind)
        model = str(standing.model or "")
        p50, p95 = fmt.seconds(cell.latency_s.p50), fmt.seconds(cell.latency_s.p95)
        if stacked:
            who = [Cell(name, best=best, baseline=baseline, sub=model)]
            cost = [num_cell(fmt.cost(cell.cost_usd), sub=f"{fmt.cost(cell.cost_per_sample_usd)}/sample")]
            latency = [num_cell(p50, sub=f"p95 {p95}")]
        else:
            who = [Cell(name, best=best, baseline=baseline), Cell(model)]
            cost = [num_cell(fmt.cost(cell.cost_usd)), num_cell(fmt.cost(cell.cost_per_sample_usd))]
            latency = [num_cell(p50), num_cell(p95)]
        table.add(
            num_cell(str(place)),
            *who,
            headline,
            *[_metric_cell(entries.get(m), stacked) for m in others],
            num_cell(str(cell.n_scored)),
            error_cell,
            *cost,
            *judge,
            *latency,
            Cell(", ".join(standing.notes())),
        )
    return table


# The page's leaderboard shows at most this many metrics besides the headline as columns; a task
# with more (an extraction task has a score per field) lists them in `metrics_table` instead.
INLINE_METRICS = 2


def other_metrics(ranking: TaskRanking) -> list[str]:
    metrics = list(ranking.standings[0].cell.metrics if ranking.standings else [])
    return [m for m in metrics if m != ranking.metric]


def metrics_table(ranking: TaskRanking) -> Table | None:
    """A row per metric other than the headline, a column per backend (leaderboard order), each
    value with its interval under it; None when the leaderboard has room for them (HTML)."""
    others = other_metrics(ranking)
    if len(others) <= INLINE_METRICS:
        return None
    table = Table(["metric", *[backend_name(s.backend, s.kind) for s in ranking.standings]])
    for metric in others:
        cells = [
            _metric_cell(s.cell.metrics.get(metric), True, baseline=s.is_baseline) for s in ranking.standings
        ]
        table.rows.append([Cell(f"{metric} {fmt.arrow(_higher(ranking, metric))}"), *cells])
    return table


def _higher(ranking: TaskRanking, metric: str) -> bool:
    for standing in ranking.standings:
        entry = standing.cell.metrics.get(metric)
        if entry:
            return entry.higher_is_better
    return True


def matrix(rankings: Iterable[TaskRanking], backends: list[str], kinds: dict[str, str]) -> Table:
    """Task × backend: the headline value of each task, the best marked."""
    table = Table(["task", "metric", *[backend_name(b, kinds.get(b, "")) for b in backends]])
    for ranking in rankings:
        places = ranking.by_backend()
        cells = []
        for backend in backends:
            standing = places.get(backend)
            if standing is None:
                cells.append(num_cell("·"))
                continue
            text = fmt.num(standing.value) + (" ★" if standing.best else "")
            if standing.not_above:
                text += " (≤ baseline)"
            cells.append(num_cell(text, best=standing.best, baseline=standing.is_baseline))
        metric = f"{ranking.metric} {fmt.arrow(ranking.higher_is_better)}" if ranking.metric else "—"
        table.add(ranking.task, metric, *cells)
    return table


def breakdown_tables(ranking: TaskRanking) -> list[tuple[str, Table]]:
    """Per breakdown field: a row per group, a column per backend (headline value, CI, n)."""
    metric = ranking.metric
    if metric is None:
        return []
    fields: dict[str, dict[str, dict[str, BreakdownGroup]]] = defaultdict(dict)
    groups: dict[str, list[str]] = defaultdict(list)
    for standing in ranking.standings:
        for name, by_group in standing.cell.breakdowns.items():
            fields[name][standing.backend] = by_group
            groups[name] += [g for g in by_group if g not in groups[name]]
    out = []
    for name, per_backend in fields.items():
        table = Table([name, *[backend_name(s.backend, s.kind) for s in ranking.standings]])
        for group in groups[name]:
            cells = []
            for standing in ranking.standings:
                entry = (per_backend.get(standing.backend) or {}).get(group)
                if not entry:
                    cells.append(num_cell("·"))
                    continue
                value = fmt.metric(entry.metrics.get(metric))
                cells.append(num_cell(f"{value} n={entry.n}", baseline=standing.is_baseline))
            table.add(group, *cells)
        out.append((name, table))
    return out


def classification_tables(ranking: TaskRanking) -> list[tuple[str, Table, Table]]:
    """Per backend × label scorer: (title, per-label P/R/F1 table, confusion matrix)."""
    out = []
    for standing in ranking.standings:
        for scorer, report in standing.cell.classification.items():
            labels = list(report.labels)
            scores = Table(["label", "precision", "recall", "F1", "support"])
            for label in labels:
                entry = report.per_label.get(label)
                scores.add(
                    label,
                    num_cell(fmt.num(entry.precision if entry else None)),
                    num_cell(fmt.num(entry.recall if entry else None)),
                    num_cell(fmt.num(entry.f1 if entry else None)),
                    num_cell(str(entry.support if entry else 0)),
                )
            scores.caption = f"macro F1 (over reference labels): {fmt.num(report.macro_f1)}"
            confusion = Table(["reference ↓ / predicted →", *labels])
            for label, counts in zip(labels, report.confusion_matrix, strict=False):
                confusion.add(label, *[num_cell(str(c)) for c in counts])
            title = f"{backend_name(standing.backend, standing.kind)} · {scorer}"
            out.append((title, scores, confusion))
    return out


def error_table(records: Iterable[SampleRecord]) -> Table:
    """Failed and not-run samples, and scorers that could not score, grouped by task, backend
    and kind, with a few examples."""
    groups: dict[tuple[str, str, str], list[tuple[str, str]]] = defaultdict(list)
    for record in records:
        for scorer, problem in record.scorer_errors.items():
            key = (record.task, record.backend, f"scorer {scorer}: {problem.kind}")
            groups[key].append((record.sample_id, problem.message))
        if record.status == "ok":
            continue
        kind: str = record.error.kind if record.error else "unknown"
        if record.status == "not_run":
            kind += " (not run)"
        message = record.error.message if record.error else ""
        groups[(record.task, record.backend, kind)].append((record.sample_id, message))
    table = Table(["task", "backend", "kind", "count", "examples"])
    for (task, backend, kind), group in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        group.sort()
        examples = [
            f"{sample_id}: {fmt.clip(message, MESSAGE_CHARS)}"
            for sample_id, message in group[:EXAMPLES_PER_ERROR]
        ]
        table.add(task, backend, kind, num_cell(str(len(group))), "\n".join(examples))
    return table
