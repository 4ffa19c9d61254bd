"""What ran: the run's facts (id, status, times, commit, totals) and its configuration and versions."""

from __future__ import annotations

from typing import Any

from evals.report import fmt
from evals.report.tables import Table, num_cell


def facts(
    run: dict[str, Any], summary: dict[str, Any], records: list[dict[str, Any]]
) -> list[tuple[str, str]]:
    """The few lines at the top of a report."""
    cells = summary.get("cells", [])
    costs = [c.get("cost_usd") for c in cells]
    known = [c for c in costs if fmt.is_number(c)]
    total = fmt.cost(sum(known)) if known else "unknown"
    if known and len(known) < len(costs):
        total += f" (+ unknown for {len(costs) - len(known)} task × backend cells)"
    started, finished = run.get("started_at"), run.get("finished_at")
    duration = "—"
    if isinstance(started, int | float) and isinstance(finished, int | float):
        duration = fmt.seconds(finished - started)
    statuses: dict[str, int] = {}
    for record in records:
        statuses[str(record.get("status"))] = statuses.get(str(record.get("status")), 0) + 1
    outcome = ", ".join(f"{n} {s}" for s, n in sorted(statuses.items())) or "none"
    return [
        ("run", str(run.get("run_id") or "")),
        ("name", str(run.get("name") or "")),
        ("status", str(run.get("status") or "")),
        ("started", fmt.timestamp(started)),
        ("duration", duration),
        ("git commit", str(run.get("git_commit") or "unknown")),
        ("tasks × backends", f"{len(run.get('tasks', []))} × {len(run.get('backends', []))}"),
        ("samples", outcome),
        ("cost", total),
        ("spent by this run", fmt.cost(sum(c.get("spent_usd") or 0.0 for c in cells))),
    ]


def _text(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, list | tuple):
        return ", ".join(_text(v) for v in value) or "—"
    if isinstance(value, dict):
        return ", ".join(f"{k}={_text(v)}" for k, v in value.items()) or "—"
    return str(value)


def config_tables(run: dict[str, Any]) -> list[tuple[str, Table]]:
    """Settings, tasks, backends, versions and attempts, as titled tables."""
    config = run.get("config") or {}
    settings = Table(["setting", "value"])
    for key in ("description", "limit", "shard", "budget_usd", "max_error_rate", "seed"):
        settings.add(key, _text(config.get(key)))
    settings.add("config folder", _text(run.get("config_base")))

    tasks = Table(["task", "kind", "metrics", "breakdowns", "backends", "file", "sha256"])
    for task in run.get("tasks", []):
        metrics = [
            f"{m['name']} {fmt.arrow(m.get('higher_is_better', True))}"
            + (" (corpus)" if m.get("ratio_of") else "")
            for m in task.get("metrics", [])
        ]
        tasks.add(
            task["name"],
            _text(task.get("kind")),
            _text(metrics),
            _text(task.get("breakdowns")),
            _text(task.get("backends")),
            _text(task.get("path")),
            str(task.get("sha256") or "")[:12],
        )

    backends = Table(
        ["backend", "type", "kind", "model", "base URL", "concurrency", "timeout", "retries", "versions"]
    )
    for backend in run.get("backends", []):
        backends.add(
            backend["name"],
            _text(backend.get("type")),
            _text(backend.get("kind")),
            _text(backend.get("model")),
            _text(backend.get("base_url")),
            num_cell(_text(backend.get("concurrency"))),
            num_cell(_text(backend.get("timeout"))),
            num_cell(_text(backend.get("max_retries"))),
            _text(backend.get("versions")),
        )

    versions = Table(["package", "version"])
    for name, version in sorted((run.get("versions") or {}).items()):
        versions.add(name, str(version))

    attempts = Table(["#", "started", "finished", "status", "requests", "cache hits", "journaled", "skipped"])
    for index, attempt in enumerate(run.get("attempts", []), start=1):
        attempts.add(
            num_cell(str(index)),
            fmt.timestamp(attempt.get("started_at")),
            fmt.timestamp(attempt.get("finished_at")),
            _text(attempt.get("status")),
            *[num_cell(_text(attempt.get(k))) for k in ("requests", "cache_hits", "journaled", "skipped")],
        )
    return [
        ("Settings", settings),
        ("Tasks", tasks),
        ("Backends", backends),
        ("Versions", versions),
        ("Attempts", attempts),
    ]
