"""Streamed latency in the report: time to first token (TTFT) and to first audio (TTFA) per
backend with p50/p95/p99 and their 95% bootstrap intervals, and the median time of each stage
of composed backends (a speech cascade's asr, chat, tts; a realtime session's speech_in, reply)."""

from __future__ import annotations

import statistics

from evals import fmt
from evals.report.ranking import TaskRanking
from evals.report.tables import Table, backend_name, num_cell
from evals.rundata import Percentiles, SampleRecord

QUANTILES = (("p50", "p50_ci"), ("p95", "p95_ci"), ("p99", "p99_ci"))


def _quantile(found: Percentiles | None, value: str, ci: str) -> str:
    if found is None or getattr(found, value) is None:
        return "—"
    text = fmt.seconds(getattr(found, value))
    bounds = getattr(found, ci)
    if bounds is not None:
        text += f" [{fmt.seconds(bounds[0])}, {fmt.seconds(bounds[1])}]"
    return text


def stream_table(ranking: TaskRanking, records: list[SampleRecord]) -> Table | None:
    """One row per backend and streamed measure; None when no backend of the task streamed."""
    stages: dict[str, dict[str, list[float]]] = {}
    for record in records:
        if record.status == "ok" and not record.cached and record.latency.stages:
            per = stages.setdefault(record.backend, {})
            for name, seconds in record.latency.stages.items():
                per.setdefault(name, []).append(seconds)
    streamed = [s for s in ranking.standings if s.cell.ttft_s is not None or s.cell.ttfa_s is not None]
    if not streamed and not stages:
        return None
    table = Table(
        ["backend", "measure", "n", *(f"{q} [95% CI]" for q, _ in QUANTILES), "median per stage"],
        caption="Seconds from the end of the input (speech) to the first text token (TTFT) and to "
        "the first audio byte (TTFA), answered and uncached requests only.",
    )
    for standing in ranking.standings:
        cell = standing.cell
        per_stage = stages.get(standing.backend, {})
        stage_text = ", ".join(
            f"{name} {fmt.seconds(statistics.median(values))}" for name, values in per_stage.items()
        )
        measures = [("TTFA", cell.ttfa_s), ("TTFT", cell.ttft_s)]
        shown = [(label, found) for label, found in measures if found is not None]
        if not shown and not per_stage:
            continue
        for index, (label, found) in enumerate(shown or [("—", None)]):
            table.add(
                backend_name(standing.backend, standing.kind),
                label,
                num_cell(str(found.n) if found is not None else "—"),
                *(num_cell(_quantile(found, value, ci)) for value, ci in QUANTILES),
                stage_text if index == 0 else "",
            )
    return table if table.rows else None
