"""The samples page's question, parsed from the URL and turned into one parameterised SQL query.

Every value reaches DuckDB as a parameter; names (metrics, breakdown fields) are checked
against the table's columns and the run's declarations before they are quoted into SQL.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from evals.rundata import RunInfo
from evals.viewer.table import SCORE_PREFIX, SampleTable, quote

SORTS = {
    "sample": "task, sample_id, backend",
    "score": "headline",
    "latency": "latency_s",
    "cost": "cost_usd",
}
OUTCOMES = ("all", "failed", "passed", "error")
PAGE_SIZES = (25, 50, 100, 200)


def _number(value: str | None) -> float | None:
    if value is None or not value.strip():
        return None
    try:
        return float(value)
    except ValueError:
        return None


@dataclass
class SampleQuery:
    task: str = ""
    backend: str = ""
    vs: str = ""  # a second backend shown beside the first
    outcome: str = "all"
    error_kind: str = ""
    metric: str = ""  # the metric the score range applies to (default: each task's headline)
    low: float | None = None
    high: float | None = None
    text: str = ""
    breakdown: str = ""  # metadata field
    value: str = ""  # its value
    sort: str = "sample"
    descending: bool = False
    page: int = 1
    per_page: int = 50
    params: dict[str, str] = field(default_factory=dict)

    @classmethod
    def parse(cls, args: Mapping[str, str]) -> SampleQuery:
        def text(name: str) -> str:
            return (args.get(name) or "").strip()[:500]

        try:
            page = max(1, int(args.get("page", "1")))
        except ValueError:
            page = 1
        try:
            per_page = int(args.get("per", "50"))
        except ValueError:
            per_page = 50
        return cls(
            task=text("task"),
            backend=text("backend"),
            vs=text("vs"),
            outcome=text("outcome") if text("outcome") in OUTCOMES else "all",
            error_kind=text("error"),
            metric=text("metric"),
            low=_number(args.get("min")),
            high=_number(args.get("max")),
            text=text("q"),
            breakdown=text("field"),
            value=text("value"),
            sort=text("sort") if text("sort") in SORTS else "sample",
            descending=text("order") == "desc",
            page=page,
            per_page=per_page if per_page in PAGE_SIZES else 50,
            params={k: str(v) for k, v in args.items() if k != "page" and k != "part" and v},
        )


def headline_sql(run: RunInfo, table: SampleTable) -> tuple[str, str]:
    """SQL for each row's headline score (its task's first metric) and for "not perfect"."""
    present = set(table.score_columns())
    values, failing = [], []
    for task in run.tasks:
        metric = next((m for m in task.metrics if m.name in present), None)
        if metric is None:
            continue
        column = quote(SCORE_PREFIX + metric.name)
        name = task.name.replace("'", "''")
        values.append(f"WHEN '{name}' THEN {column}")
        failing.append(f"WHEN '{name}' THEN {column} {'< 1' if metric.higher_is_better else '> 0'}")
    if not values:
        return "CAST(NULL AS DOUBLE)", "FALSE"
    return (
        f"CASE task {' '.join(values)} END",
        f"COALESCE(CASE task {' '.join(failing)} END, FALSE)",
    )


def where_clause(query: SampleQuery, run: RunInfo, table: SampleTable) -> tuple[str, list[Any]]:
    conditions: list[str] = []
    params: list[Any] = []
    headline, failing = headline_sql(run, table)
    if query.task:
        conditions.append("task = ?")
        params.append(query.task)
    if query.backend:
        conditions.append("backend = ?")
        params.append(query.backend)
    if query.outcome == "error":
        conditions.append("status <> 'ok'")
    elif query.outcome == "failed":
        conditions.append(f"(status <> 'ok' OR {failing})")
    elif query.outcome == "passed":
        conditions.append(f"(status = 'ok' AND NOT {failing})")
    if query.error_kind:
        conditions.append("error_kind = ?")
        params.append(query.error_kind)
    if query.low is not None or query.high is not None:
        score = headline
        if query.metric and query.metric in table.score_columns():
            score = quote(SCORE_PREFIX + query.metric)
        if query.low is not None:
            conditions.append(f"{score} >= ?")
            params.append(query.low)
        if query.high is not None:
            conditions.append(f"{score} <= ?")
            params.append(query.high)
    if query.text:
        conditions.append(
            "(prompt ILIKE ? ESCAPE '\\' OR prediction ILIKE ? ESCAPE '\\'"
            " OR array_to_string(targets, ' ') ILIKE ? ESCAPE '\\')"
        )
        escaped = query.text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        params += [f"%{escaped}%"] * 3
    if query.breakdown and '"' not in query.breakdown and "\\" not in query.breakdown:
        conditions.append("json_extract_string(metadata, ?) = ?")
        params += [f'$."{query.breakdown}"', query.value]
    return (" WHERE " + " AND ".join(conditions)) if conditions else "", params


ROW_COLUMNS = (
    "task, backend, sample_id, status, prediction, targets, error_kind, error_message, "
    "cost_usd, latency_s, cached, metadata"
)


@dataclass
class SamplePage:
    total: int
    rows: list[dict[str, Any]]
    beside: dict[tuple[str, str], dict[str, Any]]  # (task, sample_id) → the `vs` backend's row
    pages: int


def run_query(query: SampleQuery, run: RunInfo, table: SampleTable) -> SamplePage:
    where, params = where_clause(query, run, table)
    headline, failing = headline_sql(run, table)
    total = int(table.scalar(f"SELECT count(*) FROM samples{where}", params) or 0)
    order = SORTS[query.sort]
    direction = "DESC" if query.descending else "ASC"
    if query.sort != "sample":
        order = f"{order} {direction} NULLS LAST, task, sample_id, backend"
    elif query.descending:
        order = "task DESC, sample_id DESC, backend DESC"
    pages = max(1, -(-total // query.per_page))
    offset = (min(query.page, pages) - 1) * query.per_page
    rows = table.fetch(
        f"SELECT {ROW_COLUMNS}, {headline} AS headline, {failing} AS failing "
        f"FROM samples{where} ORDER BY {order} LIMIT ? OFFSET ?",
        [*params, query.per_page, offset],
    )
    beside: dict[tuple[str, str], dict[str, Any]] = {}
    if query.vs and rows:
        keys = sorted({(r["task"], r["sample_id"]) for r in rows})
        found = table.fetch(
            f"SELECT {ROW_COLUMNS}, {headline} AS headline, {failing} AS failing FROM samples "
            "WHERE backend = ? AND list_contains(?, task || chr(0) || sample_id)",
            [query.vs, [f"{t}\0{s}" for t, s in keys]],
        )
        beside = {(r["task"], r["sample_id"]): r for r in found}
    return SamplePage(total, rows, beside, pages)


def facets(table: SampleTable) -> dict[str, list[str]]:
    """The values the filters offer: tasks, backends, error kinds (kept while the rows are)."""
    cached = table.cache.get("facets")
    if cached is not None and cached[0] == table.version:
        return cached[1]  # type: ignore[no-any-return]

    def distinct(column: str) -> list[str]:
        rows = table.fetch(
            f"SELECT DISTINCT {column} AS v FROM samples WHERE {column} IS NOT NULL ORDER BY 1"
        )
        return [str(r["v"]) for r in rows]

    found = {
        "tasks": distinct("task"),
        "backends": distinct("backend"),
        "error_kinds": distinct("error_kind"),
        "metrics": table.score_columns(),
    }
    table.cache["facets"] = (table.version, found)
    return found
