"""What ran: the run's facts (id, status, times, commit, totals) and its configuration and versions."""

from __future__ import annotations

from typing import Any

from evals import fmt
from evals.report.tables import Table, num_cell
from evals.rundata import RunInfo, SampleRecord, Summary


def facts(run: RunInfo, summary: Summary, records: list[SampleRecord]) -> list[tuple[str, str]]:
    """The few lines at the top of a report."""
    cells = summary.cells
    costs = [c.cost_usd for c in cells]
    known = [c for c in costs if c is not None]
    total = fmt.cost(sum(known)) if known else "unknown"
    if known and len(known) < len(costs):
        total += f" (+ unknown for {len(costs) - len(known)} task × backend cells)"
    duration = "—"
    if run.started_at is not None and run.finished_at is not None:
        duration = fmt.seconds(run.finished_at - run.started_at)
    statuses: dict[str, int] = {}
    for record in records:
        statuses[record.status] = statuses.get(record.status, 0) + 1
    outcome = ", ".join(f"{n} {s}" for s, n in sorted(statuses.items())) or "none"
    lines = [
        ("run", run.run_id),
        ("name", run.name),
        ("status", run.status),
        ("started", fmt.timestamp(run.started_at)),
        ("duration", duration),
        ("git commit", run.git_commit or "unknown"),
        ("tasks × backends", f"{len(run.tasks)} × {len(run.model_backends)}"),
        ("samples", outcome),
        ("cost", total),
        ("spent by this run", fmt.cost(sum(c.spent_usd for c in cells))),
    ]
    judged = [c.judge for c in cells if c.judge is not None]
    if judged:
        costs_j = [j.cost_usd for j in judged]
        judge_total = fmt.cost(sum(c for c in costs_j if c is not None)) if None not in costs_j else "unknown"
        calls = sum(j.calls for j in judged)
        lines.append(("judging (apart from the models)", f"{judge_total} for {calls} judge calls"))
    return lines


def _text(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, list | tuple):
        return ", ".join(_text(v) for v in value) or "—"
    if isinstance(value, dict):
        return ", ".join(f"{k}={_text(v)}" for k, v in value.items()) or "—"
    return str(value)


def config_tables(run: RunInfo) -> list[tuple[str, Table]]:
    """Settings, tasks, backends, versions and attempts, as titled tables."""
    config = run.config
    settings = Table(["setting", "value"])
    for key in ("description", "limit", "shard", "budget_usd", "max_error_rate", "seed"):
        settings.add(key, _text(config.get(key)))
    settings.add("config folder", _text(run.config_base))

    tasks = Table(["task", "kind", "metrics", "scorers", "breakdowns", "backends", "file", "sha256"])
    for task in run.tasks:
        metrics = [
            f"{m.name} {fmt.arrow(m.higher_is_better)}" + (" (corpus)" if m.aggregation == "corpus" else "")
            for m in task.metrics
        ]
        scorers = [s.name + (f" → {', '.join(s.calls)}" if s.calls else "") for s in task.scorers]
        tasks.add(
            task.name,
            _text(task.kind),
            _text(metrics),
            _text(scorers),
            _text(task.breakdowns),
            _text(task.backends),
            _text(task.path),
            (task.sha256 or "")[:12],
        )

    backends = Table(
        [
            "backend",
            "role",
            "type",
            "kind",
            "model",
            "base URL",
            "concurrency",
            "timeout",
            "retries",
            "versions",
        ]
    )
    for backend in run.backends:
        backends.add(
            backend.name,
            backend.role,
            _text(backend.type),
            _text(backend.kind),
            _text(backend.model),
            _text(backend.base_url),
            num_cell(_text(backend.concurrency)),
            num_cell(_text(backend.timeout)),
            num_cell(_text(backend.max_retries)),
            _text(backend.versions),
        )

    versions = Table(["package", "version"])
    for name, version in sorted(run.versions.items()):
        versions.add(name, str(version))

    attempts = Table(["#", "started", "finished", "status", "requests", "cache hits", "journaled", "skipped"])
    for index, attempt in enumerate(run.attempts, start=1):
        attempts.add(
            num_cell(str(index)),
            fmt.timestamp(attempt.started_at),
            fmt.timestamp(attempt.finished_at),
            attempt.status,
            *[
                num_cell(str(v))
                for v in (attempt.requests, attempt.cache_hits, attempt.journaled, attempt.skipped)
            ],
        )
    return [
        ("Settings", settings),
        ("Tasks", tasks),
        ("Backends", backends),
        ("Versions", versions),
        ("Attempts", attempts),
    ]
