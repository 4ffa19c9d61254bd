"""What each page shows, as plain values for the templates (no HTML here: templates escape)."""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evals.errors import InputError
from evals.report.media import MediaLookup
from evals.rundata import MediaRef, RunInfo, SummaryCell
from evals.secrets import redact_value
from evals.viewer.catalog import Catalog, RunView
from evals.viewer.query import SampleQuery, facets, headline_sql, run_query
from evals.viewer.table import SCORE_PREFIX

SERVED_FOLDERS = ("media", "plots")
HEX64 = re.compile(r"[0-9a-f]{64}")


def media_url(run_id: str, stored: str | None) -> str | None:
    """The viewer's URL for a file the run stored (None for anything outside its media)."""
    if not stored or not stored.startswith("media/") or ".." in stored.split("/"):
        return None
    return f"/runs/{run_id}/files/{stored}"


@dataclass
class Medium:
    kind: str
    url: str | None
    name: str
    mime: str
    frames_url: str | None = None
    seconds: float | None = None


def media_list(run_id: str, text: str | None) -> list[Medium]:
    """Media references (a parquet JSON column) as things a page can show."""
    if not text:
        return []
    try:
        raw = json.loads(text)
    except ValueError:
        return []
    out = []
    for item in raw if isinstance(raw, list) else []:
        try:
            ref = MediaRef.model_validate(item)
        except ValueError:
            continue
        frames = media_url(run_id, ref.frames.stored) if ref.frames else None
        url = media_url(run_id, ref.stored)
        if url is None and ref.path and ref.sha256 and HEX64.fullmatch(ref.sha256):
            url = f"/runs/{run_id}/input/{ref.sha256}"  # the file it was read from, if unchanged
        out.append(Medium(ref.kind, url, ref.name or "", ref.mime or "", frames, ref.seconds))
    return out


def _headline(cell: SummaryCell) -> tuple[str | None, Any]:
    name = cell.headline()
    return name, cell.metrics.get(name) if name else None


def _sort_value(cell: SummaryCell) -> float:
    _, metric = _headline(cell)
    if metric is None or metric.value is None:
        return float("inf")
    value = float(metric.value)
    return -value if metric.higher_is_better else value


def leaderboards(run: RunInfo, cells: list[SummaryCell]) -> list[dict[str, Any]]:
    """Per task: its cells best first by the headline metric, and its metric names."""
    boards = []
    for task in run.tasks:
        rows = sorted((c for c in cells if c.task == task.name), key=_sort_value)
        metrics = [m.name for m in task.metrics]
        boards.append({"task": task, "rows": rows, "metrics": metrics})
    return boards


def run_row(view: RunView) -> dict[str, Any]:
    """One line of the runs list."""
    info = view.info()
    summary = view.summary()
    costs = [c.cost_usd for c in summary.cells if c.cost_usd is not None]
    best: list[tuple[str, str, Any]] = []
    for board in leaderboards(info, summary.cells):
        rows = board["rows"]
        if rows:
            name, metric = _headline(rows[0])
            if metric is not None and metric.value is not None:
                best.append((board["task"].name, f"{rows[0].backend} · {name}", metric.value))
    return {
        "id": view.id,
        "info": info,
        "tasks": len(info.tasks),
        "backends": len(info.model_backends),
        "count": view.count(),
        "errors": sum(c.n_errors for c in summary.cells),
        "cost": sum(costs) if costs else None,
        "best": best,
        "live": view.live,
    }


def runs_page(catalog: Catalog) -> dict[str, Any]:
    """Every run; one whose files cannot be read is listed with the reason, never hides the rest."""
    rows: list[dict[str, Any]] = []
    broken: list[dict[str, str]] = []
    for view in catalog.ordered():
        try:
            rows.append(run_row(view))
        except InputError as exc:
            broken.append({"id": view.id, "error": str(exc)})
    return {"runs": rows, "broken": broken}


def plots(view: RunView) -> list[str]:
    folder = view.path / "plots"
    if not folder.is_dir():
        return []
    return [f"/runs/{view.id}/files/plots/{p.name}" for p in sorted(folder.glob("*.png"))]


def run_page(view: RunView) -> dict[str, Any]:
    info = view.info()
    summary = view.summary()
    errors: Counter[tuple[str, str]] = Counter()
    for cell in summary.cells:
        for kind, n in cell.errors_by_kind.items():
            errors[(kind, cell.backend)] += n
    kinds = sorted({k for k, _ in errors})
    backends = [b.name for b in info.model_backends]
    return {
        "view": view,
        "info": info,
        "count": view.count(),
        "boards": leaderboards(info, summary.cells),
        "error_kinds": kinds,
        "errors": {kind: {b: n for (k, b), n in errors.items() if k == kind} for kind in kinds},
        "backends": backends,
        "baselines": {b.name for b in info.backends if b.kind == "baseline"},
        "plots": plots(view),
        "total_cost": sum(c.cost_usd or 0.0 for c in summary.cells),
        "judge_cost": sum((c.judge.cost_usd or 0.0) for c in summary.cells if c.judge),
    }


def samples_page(view: RunView, args: dict[str, str]) -> dict[str, Any]:
    query = SampleQuery.parse(args)
    info = view.info()
    table = view.table()
    page = run_query(query, info, table)
    page.rows = redact_value(page.rows)
    page.beside = {key: redact_value(row) for key, row in page.beside.items()}
    return {
        "view": view,
        "info": info,
        "query": query,
        "page": page,
        "facets": facets(table),
        "fields": sorted({f for t in info.tasks for f in t.breakdowns}),
        "count": view.count(),
        "baselines": {b.name for b in info.backends if b.kind == "baseline"},
    }


def _json(text: Any) -> Any:
    if not isinstance(text, str) or not text:
        return {}
    try:
        return json.loads(text)
    except ValueError:
        return {}


def sample_page(view: RunView, task: str, sample_id: str) -> dict[str, Any] | None:
    table = view.table()
    info = view.info()
    headline, _ = headline_sql(info, table)
    rows = table.fetch(
        f"SELECT *, {headline} AS headline FROM samples WHERE task = ? AND sample_id = ? ORDER BY backend",
        [task, sample_id],
    )
    if not rows:
        return None
    answers = []
    for row in rows:
        row = redact_value({k: v for k, v in row.items()})
        scores = {
            k[len(SCORE_PREFIX) :]: v for k, v in row.items() if k.startswith(SCORE_PREFIX) and v is not None
        }
        usage = {k: row.get(k) for k in ("input_tokens", "output_tokens", "image_tokens", "audio_tokens")}
        answers.append(
            {
                "row": row,
                "scores": scores,
                "details": _json(row.get("details")),
                "scorer_errors": _json(row.get("scorer_errors")),
                "outputs": media_list(view.id, row.get("outputs")),
                "usage": {k: v for k, v in usage.items() if v is not None},
            }
        )
    first = rows[0]
    return {
        "view": view,
        "info": info,
        "task": task,
        "sample_id": sample_id,
        "prompt": redact_value(first.get("prompt")),
        "targets": first.get("targets") or [],
        "metadata": redact_value(_json(first.get("metadata"))),
        "inputs": media_list(view.id, first.get("media")),
        "answers": answers,
        "baselines": {b.name for b in info.backends if b.kind == "baseline"},
    }


def served_file(view: RunView, relative: str) -> Path | None:
    """A file of the run's media/ or plots/ folder; None for anything else (`..`, links out)."""
    parts = relative.split("/")
    if len(parts) != 2 or parts[0] not in SERVED_FOLDERS or parts[1] in ("", ".", ".."):
        return None
    root = view.path.resolve()
    path = (root / parts[0] / parts[1]).resolve()
    if not path.is_relative_to(root / parts[0]) or not path.is_file():
        return None
    return path


def input_file(view: RunView, sha256: str) -> tuple[bytes, str] | None:
    """An input medium the run journaled (by its sha256), read from the run's copy or from the
    file it was read from — only while that file still has the recorded hash. A URL can name
    only media the run recorded, never a path."""
    if not HEX64.fullmatch(sha256):
        return None
    rows = view.table().fetch("SELECT media FROM samples WHERE contains(media, ?) LIMIT 1", [sha256])
    if not rows:
        return None
    for item in _json_list(rows[0]["media"]):
        try:
            ref = MediaRef.model_validate(item)
        except ValueError:
            continue
        for candidate in (ref, ref.frames):
            if candidate is not None and candidate.sha256 == sha256:
                data = MediaLookup(view.rundir.media).read(candidate)
                if data is not None:
                    return data, candidate.mime or ""
    return None


def _json_list(text: Any) -> list[Any]:
    value = _json(text)
    return value if isinstance(value, list) else []
