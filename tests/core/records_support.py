"""Journal records as the JSON dicts the file holds, for tests that assert on the on-disk format."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from evals import journal


def read_journal(path: Path) -> tuple[list[dict[str, Any]], int]:
    records, valid = journal.read_journal(path)
    return [r.model_dump(mode="json") for r in records], valid


def latest(records: list[dict[str, Any]]) -> dict[tuple[str, str, str], dict[str, Any]]:
    return {(r["task"], r["backend"], r["sample_id"]): r for r in records}


def no_latency(record: dict[str, Any]) -> bool:
    """True when the record carries no latency measurement (cache hits, baselines)."""
    latency = record["latency"]
    return (
        all(latency[k] is None for k in ("total_s", "queue_s", "ttft_s", "ttfa_s")) and not latency["stages"]
    )
