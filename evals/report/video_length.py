"""Accuracy by video length: each task's headline metric per backend, with the samples grouped
by the length of their video (the header's duration, journaled with the video's reference)."""

from __future__ import annotations

from collections import defaultdict

from evals import fmt
from evals.report.ranking import TaskRanking
from evals.report.tables import Table, backend_name, num_cell
from evals.rundata import SampleRecord

# Upper bounds in seconds; Video-MME's short / medium / long fall in the 2nd, 3rd and 4th.
BUCKETS: tuple[tuple[float, str], ...] = (
    (30.0, "≤ 30 s"),
    (120.0, "30 s – 2 min"),
    (900.0, "2 – 15 min"),
    (3600.0, "15 – 60 min"),
    (float("inf"), "> 1 h"),
)
TITLE = "video length"


def bucket(seconds: float) -> str:
    return next(label for bound, label in BUCKETS if seconds <= bound)


def video_seconds(record: SampleRecord) -> float | None:
    """The longest video among the sample's inputs (None when it has none with a length)."""
    lengths = [m.seconds for m in record.inputs if m.kind == "video" and m.seconds is not None]
    return max(lengths) if lengths else None


def length_table(ranking: TaskRanking, records: list[SampleRecord]) -> Table | None:
    """Rows per length bucket, a column per backend: mean headline metric and n (scored samples)."""
    metric = ranking.metric
    if metric is None:
        return None
    values: dict[tuple[str, str], list[float]] = defaultdict(list)
    seen: list[str] = []
    for record in records:
        seconds = video_seconds(record)
        if seconds is None or record.status != "ok" or metric not in record.scores:
            continue
        label = bucket(seconds)
        values[(label, record.backend)].append(float(record.scores[metric]))
        if label not in seen:
            seen.append(label)
    if not values:
        return None
    order = [label for _, label in BUCKETS if label in seen]
    table = Table([TITLE, *[backend_name(s.backend, s.kind) for s in ranking.standings]])
    for label in order:
        cells = []
        for standing in ranking.standings:
            scores = values.get((label, standing.backend))
            if not scores:
                cells.append(num_cell("·"))
                continue
            mean = sum(scores) / len(scores)
            cells.append(num_cell(f"{fmt.num(mean)} n={len(scores)}", baseline=standing.is_baseline))
        table.add(label, *cells)
    return table
