"""The HTML page's headline matrix, laid out to fit the page's width with nothing hidden.

The Markdown report keeps one task × backend table (`tables.matrix`); a pull request scrolls it.
The page is read on a laptop, so its matrix never scrolls sideways: the side with more names
becomes the rows (many backends: a row per backend, a column per task), each row label carries
its second line (a task's metric, a backend's kind) under it instead of in a column of its
own, and when even the shorter side has more than `MAX_COLUMNS` names the matrix is cut into
several tables of at most that many columns, each with the row labels again.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from evals import fmt
from evals.report.ranking import Standing, TaskRanking
from evals.report.tables import Cell, Table, num_cell

# At the page's 1,152 px, a row label column of ~180 px leaves 12 columns of ~80 px: room for
# `0.123 ★` and a name that wraps at its hyphens.
MAX_COLUMNS = 12
KIND_NOTE = {"baseline": "baseline", "engine": "engine"}


def _backend_label(name: str, kind: str) -> tuple[str, str]:
    return name, KIND_NOTE.get(kind, "")


def _task_label(ranking: TaskRanking) -> tuple[str, str]:
    metric = f"{ranking.metric} {fmt.arrow(ranking.higher_is_better)}" if ranking.metric else "no metric"
    return ranking.task, metric


def _value(standing: Standing | None) -> Cell:
    if standing is None:
        return num_cell("·")
    text = fmt.num(standing.value) + (" ★" if standing.best else "")
    sub = "≤ baseline" if standing.not_above else ""
    return Cell(text, best=standing.best, baseline=standing.is_baseline, numeric=True, sub=sub)


def _label(name: str, note: str, *, baseline: bool = False) -> Cell:
    return Cell(name, baseline=baseline, sub=note)


def _chunks(count: int, most: int) -> list[range]:
    """`count` columns cut into the fewest tables of at most `most`, as even as can be."""
    parts = max(1, math.ceil(count / most))
    size = math.ceil(count / parts) if count else 0
    return [range(start, min(count, start + size)) for start in range(0, count, size)] or [range(0)]


def headline_tables(
    rankings: Iterable[TaskRanking],
    backends: list[str],
    kinds: dict[str, str],
    *,
    max_columns: int = MAX_COLUMNS,
) -> list[Table]:
    """The headline matrix as one or more tables that each fit the page's width.

    Header names may hold a second line after "\\n" (a metric, a backend's kind); cells carry
    theirs in `Cell.sub`. Every table's caption says which way it reads.
    """
    ordered = list(rankings)
    if not ordered or not backends:
        return []
    by_task = {r.task: r.by_backend() for r in ordered}
    by_backend = len(backends) > len(ordered)  # more backends than tasks: a row per backend
    if by_backend:
        columns = [_task_label(r) for r in ordered]
        rows = [
            (
                _label(*_backend_label(b, kinds.get(b, "")), baseline=kinds.get(b) == "baseline"),
                [_value(by_task[r.task].get(b)) for r in ordered],
            )
            for b in backends
        ]
        corner = "backend ↓ · task →"
    else:
        columns = [_backend_label(b, kinds.get(b, "")) for b in backends]
        rows = [
            (_label(*_task_label(r)), [_value(by_task[r.task].get(b)) for b in backends]) for r in ordered
        ]
        corner = "task ↓ · backend →"
    tables = []
    parts = _chunks(len(columns), max_columns)
    for number, part in enumerate(parts, start=1):
        header = [
            corner,
            *[name + (f"\n{note}" if note else "") for name, note in (columns[i] for i in part)],
        ]
        table = Table(header)
        for label, values in rows:
            table.rows.append([label, *[values[i] for i in part]])
        if len(parts) > 1:
            table.caption = f"part {number} of {len(parts)}"
        tables.append(table)
    return tables
