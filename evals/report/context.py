"""Everything a report shows, computed once from run.json, summary.json and the journal; the
Markdown and HTML renderers only lay it out."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from evals.report import runinfo, tables
from evals.report.gallery import Gallery, galleries
from evals.report.hallucination import TITLE as GAP_TITLE
from evals.report.hallucination import gap_table
from evals.report.headline import headline_tables
from evals.report.judging import JudgeSection, judge_sections
from evals.report.matching import TITLE as WINOGROUND_TITLE
from evals.report.matching import winoground_table
from evals.report.media import Budget, MediaLookup, attach_previews
from evals.report.pipeline import pipeline_tables
from evals.report.plots import PlotFile
from evals.report.ranking import TaskRanking, rank_run
from evals.report.review import review_tables, run_routing
from evals.report.robustness import robustness_tables, run_curves
from evals.report.samples import SampleView, select_samples
from evals.report.streams import stream_table
from evals.report.tables import Table
from evals.report.video_length import TITLE, length_table
from evals.review import Routing
from evals.robustness import Curve
from evals.rundata import RunInfo, SampleRecord, Summary
from evals.rundir import MediaStore


@dataclass
class ReportOptions:
    samples_per_task: int = 5  # worst, and surprising, samples shown per task (each)
    media: bool = True  # embed previews of the samples' images and audio in the HTML
    media_budget_bytes: int = 3_000_000  # all previews of one report together
    plots: bool = True


@dataclass
class TaskSection:
    name: str
    kind: str | None
    ranking: TaskRanking
    leaderboard: Table
    breakdowns: list[tuple[str, Table]]
    classification: list[tuple[str, Table, Table]]
    worst: list[SampleView]
    surprising: list[SampleView]
    plots: list[PlotFile] = field(default_factory=list)
    robustness: list[tuple[str, Table]] = field(default_factory=list)

    @property
    def robustness_plots(self) -> list[PlotFile]:
        return [p for p in self.plots if (p.field or "").startswith("perturb:")]

    @property
    def breakdown_plots(self) -> list[PlotFile]:
        return [p for p in self.plots if not (p.field or "").startswith("perturb:") and p.field != "review"]

    # Extract tasks: review routing and pipeline stages (evals/report/review.py, pipeline.py).
    documents: list[tuple[str, Table]] = field(default_factory=list)

    @property
    def review_plots(self) -> list[PlotFile]:
        return [p for p in self.plots if p.field == "review"]

    streams: Table | None = None  # TTFT/TTFA percentiles and per-stage times (evals/report/streams.py)
    galleries: list[Gallery] = field(default_factory=list)  # generated images, per backend

    @property
    def breakdown_fields(self) -> list[str]:
        fields = [name for name, _ in self.breakdowns] + [p.field or "" for p in self.breakdown_plots]
        return [f for f in dict.fromkeys(fields) if f]

    @property
    def stacked_leaderboard(self) -> Table:
        """The leaderboard as the page shows it: secondary figures under the main ones."""
        return tables.leaderboard(self.ranking, stacked=True)

    @property
    def metrics_table(self) -> Table | None:
        """The task's other metrics, a row each, when there are too many for the leaderboard."""
        return tables.metrics_table(self.ranking)

    @property
    def anchor(self) -> str:
        return "task-" + "".join(c if c.isalnum() or c in "-_" else "-" for c in self.name)

    @property
    def headline(self) -> str:
        best = self.ranking.best
        if self.ranking.metric is None:
            return "no metric: nothing is ranked"
        if best is None:
            return "no backend is crowned: none has a score with an error rate within the limit"
        text = (
            f"best: {best.backend} ({self.ranking.metric} {best.value:.3f})" if best.value is not None else ""
        )
        if self.ranking.only_baselines:
            text += " — only baselines ran"
        if best.not_above:
            text += f" — no better than baseline {', '.join(best.not_above)}"
        tied = [s.backend for s in self.ranking.standings if s.overlaps_best]
        if tied:
            text += f"; CI overlaps: {', '.join(tied)}"
        return text


@dataclass
class ReportData:
    run_id: str
    facts: list[tuple[str, str]]
    matrix: Table
    tasks: list[TaskSection]
    errors: Table
    config: list[tuple[str, Table]]
    plots: list[PlotFile] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    judging: list[JudgeSection] = field(default_factory=list)
    curves: dict[str, list[Curve]] = field(default_factory=dict)  # robustness, by task
    routing: dict[str, list[Routing]] = field(default_factory=dict)  # review routing, by task
    kinds: dict[str, str] = field(default_factory=dict)  # backend → provider | engine | baseline
    headline: list[Table] = field(default_factory=list)  # the matrix as the page lays it out

    @property
    def overview_plots(self) -> list[PlotFile]:
        return [p for p in self.plots if p.task is None]


def _by_length(ranking: TaskRanking, records: list[SampleRecord]) -> list[tuple[str, Table]]:
    table = length_table(ranking, records)
    return [(TITLE, table)] if table is not None else []


def _winoground(
    task: str, aggregate: dict[str, Any] | None, records: list[SampleRecord], kinds: dict[str, str], seed: int
) -> list[tuple[str, Table]]:
    table = winoground_table(task, aggregate, records, kinds, seed)
    return [(WINOGROUND_TITLE, table)] if table is not None else []


def _gap(task: str, records: list[SampleRecord], kinds: dict[str, str]) -> list[tuple[str, Table]]:
    table = gap_table(task, records, kinds)
    return [(GAP_TITLE, table)] if table is not None else []


def _documents(
    ranking: TaskRanking, routing: list[Routing], records: list[SampleRecord], kinds: dict[str, str]
) -> list[tuple[str, Table]]:
    if ranking.kind != "extract":
        return []
    return review_tables(routing, kinds) + pipeline_tables(records, kinds)


def build_report(
    run: RunInfo,
    summary: Summary,
    records: list[SampleRecord],
    options: ReportOptions | None = None,
    media: MediaStore | None = None,
) -> ReportData:
    options = options or ReportOptions()
    rankings = rank_run(summary, run)
    kinds = {b.name: b.kind or "" for b in run.model_backends}
    backends = [b.name for b in run.model_backends]
    backends += [c.backend for c in summary.cells if c.backend not in backends]
    by_task: dict[str, list[SampleRecord]] = {}
    for record in records:
        by_task.setdefault(record.task, []).append(record)
    curves = run_curves(run, records)
    routing = run_routing(run, records)
    aggregates = {t.name: t.aggregate for t in run.tasks}
    sections = []
    for name, ranking in rankings.items():
        worst, surprising = select_samples(ranking, by_task.get(name, []), options.samples_per_task)
        sections.append(
            TaskSection(
                name=name,
                kind=ranking.kind,
                ranking=ranking,
                leaderboard=tables.leaderboard(ranking),
                breakdowns=_winoground(name, aggregates.get(name), by_task.get(name, []), kinds, run.seed)
                + tables.breakdown_tables(ranking)
                + _by_length(ranking, by_task.get(name, [])),
                classification=tables.classification_tables(ranking),
                worst=worst,
                surprising=surprising,
                robustness=robustness_tables(curves.get(name, []), kinds)
                + _gap(name, by_task.get(name, []), kinds),
                streams=stream_table(ranking, by_task.get(name, [])),
                documents=_documents(ranking, routing.get(name, []), by_task.get(name, []), kinds),
            )
        )
    notes = []
    costs = [c.cost_per_sample_usd for c in summary.cells]
    if costs and not any(c is not None and c > 0 for c in costs):
        notes.append(
            "No cost plot: every backend here is free (baselines, local engines) or has an unknown cost."
        )
    if options.media:
        views = [v for s in sections for v in (*s.surprising, *s.worst)]
        budget = Budget(options.media_budget_bytes)
        attach_previews(views, MediaLookup(media), budget)
        for section in sections:
            section.galleries = galleries(by_task.get(section.name, []), kinds, MediaLookup(media), budget)
        if budget.refused:
            notes.append("Some media previews were left out to keep the report small.")
    return ReportData(
        run_id=run.run_id or summary.run_id or "",
        facts=runinfo.facts(run, summary, records),
        matrix=tables.matrix(rankings.values(), [b for b in backends if b], kinds),
        headline=headline_tables(rankings.values(), [b for b in backends if b], kinds),
        tasks=sections,
        errors=tables.error_table(records),
        config=runinfo.config_tables(run),
        notes=notes,
        judging=judge_sections(summary),
        curves=curves,
        routing=routing,
        kinds=kinds,
    )


def attach_plots(report: ReportData, plots: list[PlotFile]) -> None:
    """Hand each task its breakdown plots; the rest are the run's overview."""
    report.plots = plots
    sections = {s.name: s for s in report.tasks}
    for plot in plots:
        if plot.task is not None and plot.task in sections:
            sections[plot.task].plots.append(plot)
