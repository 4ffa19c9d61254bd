"""From journal records to `summary.json`: per task × backend, every metric with its n, its
errors beside it, and a bootstrap confidence interval; cost, tokens, latency; breakdowns.

Everything here is computed from the journal and the metric declarations stored in run.json,
sorted by sample id first, so the same journal always gives the same summary.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

import numpy as np

from evals.classification import classification_summary
from evals.records import USAGE_FIELDS
from evals.stats import Interval, bootstrap_mean, bootstrap_ratio, percentiles, seed_for

TOKEN_FIELDS = tuple(name for name in USAGE_FIELDS if name.endswith("_tokens"))


def _finite(x: float) -> float | None:
    return None if x is None or not np.isfinite(x) else float(x)


def metric_interval(
    records: list[dict[str, Any]], metric: dict[str, Any], seed: int
) -> tuple[Interval, float | None]:
    """The headline interval of a metric and, for ratio metrics, the mean per sample."""
    name = metric["name"]
    scored = [r for r in records if name in r["scores"]]
    values = np.array([r["scores"][name] for r in scored], dtype=np.float64)
    ratio = metric.get("ratio_of")
    if ratio:
        scorer = metric.get("scorer", "")
        num_key, den_key = ratio

        def detail(record: dict[str, Any], key: str) -> float:
            return float((record["details"].get(scorer) or {}).get(key, 0.0))

        num = np.array([detail(r, num_key) for r in scored])
        den = np.array([detail(r, den_key) for r in scored])
        interval = bootstrap_ratio(num, den, seed=seed)
        return interval, (float(values.mean()) if values.size else None)
    return bootstrap_mean(values, seed=seed), None


def metric_entry(records: list[dict[str, Any]], metric: dict[str, Any], seed: int) -> dict[str, Any]:
    """value, ci_low, ci_high, n (and the mean per sample for corpus metrics)."""
    interval, sample_mean = metric_interval(records, metric, seed)
    entry: dict[str, Any] = {
        "value": _finite(interval.value),
        "ci_low": _finite(interval.low),
        "ci_high": _finite(interval.high),
        "n": interval.n,
        "higher_is_better": metric.get("higher_is_better", True),
        "aggregation": "corpus" if metric.get("ratio_of") else "mean",
    }
    if sample_mean is not None:
        entry["sample_mean"] = sample_mean
    return entry


def summarize_cell(
    task: dict[str, Any], backend: dict[str, Any], records: list[dict[str, Any]], seed: int = 0
) -> dict[str, Any]:
    records = sorted(records, key=lambda r: r["sample_id"])
    ok = [r for r in records if r["status"] == "ok"]
    errors = [r for r in records if r["status"] == "error"]
    not_run = [r for r in records if r["status"] == "not_run"]
    attempted = len(ok) + len(errors)
    task_metrics = task.get("metrics", [])
    cell_seed = (seed, task["name"], backend["name"])
    metrics = {m["name"]: metric_entry(ok, m, seed_for(*cell_seed, m["name"])) for m in task_metrics}
    breakdowns: dict[str, Any] = {}
    for field in task.get("breakdowns", []):
        groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for record in ok:
            groups[str(record["metadata"].get(field))].append(record)
        breakdowns[field] = {
            value: {
                "n": len(group),
                "metrics": {
                    m["name"]: metric_entry(group, m, seed_for(*cell_seed, m["name"], field, value))
                    for m in task_metrics
                },
            }
            for value, group in sorted(groups.items(), key=lambda kv: _sort_key(kv[0]))
        }
    fresh = [r for r in ok + errors if not r.get("cached")]
    costs = [r.get("cost_usd") for r in ok]
    cost_known = all(c is not None for c in costs)
    tokens = {
        field: sum(int(r["usage"].get(field) or 0) for r in ok)
        for field in TOKEN_FIELDS
        if any(r["usage"].get(field) is not None for r in ok)
    }
    latency = [r["latency"].get("total_s") for r in ok if not r.get("cached")]
    latency_values = [v for v in latency if v is not None]
    flags = Counter(flag for r in ok for flag in r.get("flags", []))
    cell: dict[str, Any] = {
        "task": task["name"],
        "kind": task.get("kind"),
        "backend": backend["name"],
        "backend_type": backend.get("type"),
        "backend_kind": backend.get("kind"),
        "model": backend.get("model"),
        "n_total": len(records),
        "n_scored": len(ok),
        "n_errors": len(errors),
        "n_not_run": len(not_run),
        "error_rate": (len(errors) / attempted) if attempted else 0.0,
        "errors_by_kind": dict(Counter(r["error"]["kind"] for r in errors if r.get("error"))),
        "flags": dict(flags),
        "cache_hits": sum(1 for r in ok if r.get("cached")),
        "cost_usd": float(sum(c for c in costs if c is not None)) if cost_known else None,
        "spent_usd": float(sum(r.get("cost_usd") or 0.0 for r in fresh)),
        "cost_per_sample_usd": (
            float(sum(c for c in costs if c is not None)) / len(ok) if cost_known and ok else None
        ),
        "tokens": tokens,
        "latency_s": {
            **percentiles(latency_values),
            "mean": float(np.mean(latency_values)) if latency_values else None,
            "n": len(latency_values),
        },
        "metrics": metrics,
        "breakdowns": breakdowns,
    }
    classification = classification_summary(ok)
    if classification:
        cell["classification"] = classification
    return cell


def _sort_key(value: str) -> tuple[int, float | str]:
    try:
        return (0, float(value))
    except ValueError:
        return (1, value)


def summarize(run: dict[str, Any], records: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """The whole summary.json from run.json's task/backends and the latest journal records."""
    by_cell: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for record in records:
        by_cell[(record["task"], record["backend"])].append(record)
    backends = {b["name"]: b for b in run.get("backends", [])}
    cells = []
    for task in run.get("tasks", []):
        for backend_name in task.get("backends", []):
            cells.append(
                summarize_cell(
                    task,
                    backends.get(backend_name, {"name": backend_name}),
                    by_cell.get((task["name"], backend_name), []),
                    seed=run.get("seed", 0),
                )
            )
    return {
        "schema_version": run.get("schema_version", 1),
        "run_id": run.get("run_id"),
        "cells": cells,
    }
