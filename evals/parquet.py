"""`samples.parquet`: one wide row per sample × backend, with a fixed column type for every
column, so a column that is empty in one run (no errors, no usage) has the same type as in
another, and runs concatenate in pandas, polars and DuckDB."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from evals.fileio import atomic_path
from evals.rundata import SampleRecord, Usage

USAGE_COLUMNS = tuple(Usage.model_fields)

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
    "outputs",
    "scorer_errors",
    "stages",
)
_FLOAT = (
    "cost_usd",
    "confidence",
    "judge_cost_usd",
    "latency_s",
    "queue_s",
    "ttft_s",
    "ttfa_s",
    "finished_at",
    "audio_seconds",
    "output_audio_seconds",
)


def flat_row(record: SampleRecord) -> dict[str, Any]:
    """One wide row: plain columns, scores as `score.<metric>`, nested parts as JSON text."""
    error = record.error
    latency = record.latency
    row: dict[str, Any] = {
        "task": record.task,
        "backend": record.backend,
        "model": record.model,
        "sample_id": record.sample_id,
        "status": record.status,
        "prediction": record.prediction,
        "targets": list(record.targets),
        "error_kind": error.kind if error else None,
        "error_message": error.message if error else None,
        "cached": record.cached,
        "attempts": record.attempts,
        "cost_usd": record.cost_usd,
        "judge_cost_usd": record.judge_cost_usd if record.scorer_calls else None,
        "latency_s": latency.total_s,
        "queue_s": latency.queue_s,
        "ttft_s": latency.ttft_s,
        "ttfa_s": latency.ttfa_s,
        "prompt": record.prompt,
        "flags": list(record.flags),
        "metadata": json.dumps(record.metadata, sort_keys=True),
        "details": json.dumps(record.details, sort_keys=True),
        "media": json.dumps([m.model_dump(exclude_none=True) for m in record.inputs]),
        "outputs": json.dumps([m.model_dump(exclude_none=True) for m in record.outputs]),
        "scorer_errors": (
            json.dumps({k: v.model_dump(exclude_none=True) for k, v in record.scorer_errors.items()})
            if record.scorer_errors
            else None
        ),
        "finished_at": record.finished_at,
        # Review routing and pipelines (docs/documents.md): the backend's confidence, and each
        # stage's seconds, dollars and routing answer.
        "confidence": record.confidence,
        "stages": json.dumps(record.stages, sort_keys=True) if record.stages else None,
    }
    for name in USAGE_COLUMNS:
        row[name] = getattr(record.usage, name)
    for metric, value in record.scores.items():
        row[f"score.{metric}"] = value
    return row


def parquet_schema(score_columns: Iterable[str]) -> Any:
    import pyarrow as pa

    types: dict[str, Any] = dict.fromkeys(_TEXT, pa.string())
    types.update(dict.fromkeys(_FLOAT, pa.float64()))
    types.update(targets=pa.list_(pa.string()), flags=pa.list_(pa.string()), cached=pa.bool_())
    types["attempts"] = pa.int64()
    for name in USAGE_COLUMNS:
        types.setdefault(name, pa.int64())
    empty = SampleRecord(task="", backend="", sample_id="", status="ok")
    fields = [pa.field(name, types[name]) for name in flat_row(empty)]
    fields += [pa.field(name, pa.float64()) for name in sorted(score_columns)]
    return pa.schema(fields)


def write_parquet(records: Iterable[SampleRecord], path: Path, *, row_group: int = 20_000) -> None:
    """Write in row groups, so memory stays bounded by the group, not by the run."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    records = list(records)
    scores = sorted({metric for r in records for metric in r.scores})
    schema = parquet_schema(f"score.{m}" for m in scores)
    with atomic_path(path) as tmp, pq.ParquetWriter(tmp, schema) as writer:
        for start in range(0, max(len(records), 1), row_group):
            rows = [flat_row(r) for r in records[start : start + row_group]]
            writer.write_table(pa.Table.from_pylist(rows, schema=schema))
