"""After the samples: summary.json, samples.parquet and the reports, all from the journal."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

from evals.aggregate import summarize
from evals.journal import latest, read_journal
from evals.records import USAGE_FIELDS
from evals.rundir import RunDir, write_json_atomic

log = logging.getLogger(__name__)


def latest_records(rundir: RunDir) -> list[dict[str, Any]]:
    records, _ = read_journal(rundir.journal)
    return list(latest(records).values())


def flat_row(record: dict[str, Any]) -> dict[str, Any]:
    """One wide row per sample × backend: plain columns, scores as `score.<metric>`."""
    error = record.get("error") or {}
    latency = record.get("latency") or {}
    usage = record.get("usage") or {}
    row: dict[str, Any] = {
        "task": record["task"],
        "backend": record["backend"],
        "model": record.get("model"),
        "sample_id": record["sample_id"],
        "status": record["status"],
        "prediction": record.get("prediction"),
        "targets": [str(t) for t in record.get("targets", [])],
        "error_kind": error.get("kind"),
        "error_message": error.get("message"),
        "cached": bool(record.get("cached")),
        "attempts": int(record.get("attempts") or 0),
        "cost_usd": record.get("cost_usd"),
        "latency_s": latency.get("total_s"),
        "queue_s": latency.get("queue_s"),
        "ttft_s": latency.get("ttft_s"),
        "prompt": record.get("prompt"),
        "flags": list(record.get("flags", [])),
        "metadata": json.dumps(record.get("metadata") or {}, sort_keys=True, default=str),
        "details": json.dumps(record.get("details") or {}, sort_keys=True, default=str),
        "media": json.dumps(record.get("media") or [], default=str),
        "finished_at": record.get("finished_at"),
    }
    for name in USAGE_FIELDS:
        row[name] = usage.get(name)
    for metric, value in (record.get("scores") or {}).items():
        row[f"score.{metric}"] = value
    return row


_TEXT = (
    "task",
    "backend",
    "model",
    "sample_id",
    "status",
    "prediction",
    "error_kind",
    "error_message",
    "prompt",
    "metadata",
    "details",
    "media",
)
_FLOAT = ("cost_usd", "latency_s", "queue_s", "ttft_s", "finished_at", "audio_seconds")


def parquet_schema(score_columns: list[str]) -> Any:
    """A fixed column type for every column, so a column that is empty in one run (no errors,
    no usage) has the same type as in another, and runs concatenate in pandas, polars, DuckDB."""
    import pyarrow as pa

    types: dict[str, Any] = dict.fromkeys(_TEXT, pa.string())
    types.update(dict.fromkeys(_FLOAT, pa.float64()))
    types.update(targets=pa.list_(pa.string()), flags=pa.list_(pa.string()), cached=pa.bool_())
    types["attempts"] = pa.int64()
    for name in USAGE_FIELDS:
        types.setdefault(name, pa.int64())
    order = list(flat_row({"task": "", "backend": "", "sample_id": "", "status": ""}))
    fields = [pa.field(name, types[name]) for name in order]
    fields += [pa.field(name, pa.float64()) for name in sorted(score_columns)]
    return pa.schema(fields)


def write_parquet(records: list[dict[str, Any]], path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = [flat_row(r) for r in records]
    scores = sorted({key for row in rows for key in row if key.startswith("score.")})
    table = pa.Table.from_pylist(rows, schema=parquet_schema(scores))
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    pq.write_table(table, tmp)
    tmp.replace(path)


def finalize(rundir: RunDir, *, reports: bool = True) -> dict[str, Any]:
    """Write summary.json, samples.parquet and (when available) the reports; return the summary."""
    run = rundir.read_run()
    records = latest_records(rundir)
    summary = summarize(run, records)
    write_json_atomic(rundir.summary_file, summary)
    write_parquet(records, rundir.parquet_file)
    if reports:
        write_reports(rundir, run, summary, records)
    return summary


def write_reports(
    rundir: RunDir, run: dict[str, Any], summary: dict[str, Any], records: list[dict[str, Any]]
) -> None:
    """Reports are written by `evals.report` when it is present; a report bug never loses a run."""
    try:
        from evals.report import write_run_report
    except ImportError:
        return
    try:
        write_run_report(rundir.path, run, summary, records)
    except Exception:  # the numbers are already safe in summary.json
        log.exception("writing the report failed; summary.json and samples.parquet are complete")
