"""The journal: `samples.jsonl`, one line per finished sample, appended and flushed as it goes.

It is the resume point. A torn last line (a crash mid-write) is detected, ignored and cut off
before the next append; a damaged line elsewhere is an error, because a journal that was
edited cannot be trusted silently. When a sample appears twice (a retried error), the last
line wins.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from evals.errors import InputError

log = logging.getLogger(__name__)

JOURNAL_FILE = "samples.jsonl"
Key = tuple[str, str, str]


def key_of(record: dict[str, Any]) -> Key:
    return (record["task"], record["backend"], record["sample_id"])


def _lines(path: Path) -> Iterator[tuple[int, bytes, bool]]:
    """(line number, bytes, complete) for each line; only the last can be incomplete."""
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            yield number, raw, raw.endswith(b"\n")


def read_journal(path: Path) -> tuple[list[dict[str, Any]], int]:
    """All complete records in order, and the byte length of the valid prefix."""
    records: list[dict[str, Any]] = []
    valid = 0
    if not path.exists():
        return records, 0
    lines = list(_lines(path))
    for number, raw, complete in lines:
        last = number == len(lines)
        try:
            record = json.loads(raw)
            if not isinstance(record, dict) or "sample_id" not in record:
                raise ValueError("not a journal record")
        except ValueError as exc:
            if last:
                log.warning("%s: ignoring a torn last line %d (a crash mid-write)", path, number)
                break
            raise InputError(
                f"damaged journal line: {exc}",
                file=str(path),
                line=number,
                fix="restore the file, or start a new run (do not edit journals by hand)",
            ) from exc
        if not complete:
            log.warning("%s: ignoring an unterminated last line %d", path, number)
            break
        records.append(record)
        valid += len(raw)
    return records, valid


def latest(records: list[dict[str, Any]]) -> dict[Key, dict[str, Any]]:
    """The last record per (task, backend, sample)."""
    return {key_of(r): r for r in records}


class JournalWriter:
    """Appends one JSON line per result, flushed to the OS at once (a SIGKILL loses nothing)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        _, valid = read_journal(path)
        if path.exists() and path.stat().st_size > valid:
            with path.open("r+b") as handle:
                handle.truncate(valid)
        self._handle: IO[bytes] = path.open("ab")

    def append(self, record: dict[str, Any]) -> None:
        line = json.dumps(record, ensure_ascii=False, separators=(",", ":"), default=str)
        self._handle.write(line.encode() + b"\n")
        self._handle.flush()

    def sync(self) -> None:
        self._handle.flush()
        os.fsync(self._handle.fileno())

    def close(self) -> None:
        if not self._handle.closed:
            self.sync()
            self._handle.close()
