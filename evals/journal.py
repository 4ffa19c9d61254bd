"""The journal: `samples.jsonl`, one `SampleRecord` per line, appended and flushed as it goes.

It is the resume point. A torn last line (a crash mid-write) is detected, ignored and cut off
before the next append; a damaged line elsewhere is an error, because a journal that was
edited cannot be trusted silently. When a sample appears twice (a retried error), the last
line wins.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO

from pydantic import ValidationError

from evals.errors import InputError
from evals.fileio import write_bytes_atomic
from evals.rundata import SampleRecord, upgrade_record

log = logging.getLogger(__name__)

Key = tuple[str, str, str]


def _lines(path: Path) -> Iterator[tuple[int, bytes, bool]]:
    """(line number, bytes, complete) for each line; only the last can be incomplete."""
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            yield number, raw, raw.endswith(b"\n")


def _parse(raw: bytes, upgrade: bool) -> SampleRecord:
    if upgrade:
        data = json.loads(raw)
        if not isinstance(data, dict):
            raise ValueError("not a journal record")
        return SampleRecord.model_validate(upgrade_record(data))
    return SampleRecord.model_validate_json(raw)


def read_journal(path: Path, *, upgrade: bool = False) -> tuple[list[SampleRecord], int]:
    """All complete records in order, and the byte length of the valid prefix. `upgrade` reads
    lines written with schema 1."""
    records: list[SampleRecord] = []
    valid = 0
    if not path.exists():
        return records, 0
    lines = list(_lines(path))
    for number, raw, complete in lines:
        last = number == len(lines)
        try:
            record = _parse(raw, upgrade)
        except (ValueError, ValidationError) as exc:
            if last:
                log.warning("%s: ignoring a torn last line %d (a crash mid-write)", path, number)
                break
            reason = exc.errors()[0]["msg"] if isinstance(exc, ValidationError) else str(exc)
            raise InputError(
                f"damaged journal line: {reason}",
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


def latest(records: Iterable[SampleRecord]) -> dict[Key, SampleRecord]:
    """The last record per (task, backend, sample)."""
    return {r.key: r for r in records}


def encode(record: SampleRecord) -> bytes:
    """One journal line, every field written (readers such as jq or pandas see all columns)."""
    return record.model_dump_json().encode() + b"\n"


class JournalWriter:
    """Appends one JSON line per result, flushed to the OS at once (a SIGKILL loses nothing)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        _, valid = read_journal(path)
        if path.exists() and path.stat().st_size > valid:
            with path.open("r+b") as handle:
                handle.truncate(valid)
        self._handle: IO[bytes] = path.open("ab")

    def append(self, record: SampleRecord) -> None:
        self._handle.write(encode(record))
        self._handle.flush()

    def sync(self) -> None:
        self._handle.flush()
        os.fsync(self._handle.fileno())

    def close(self) -> None:
        if not self._handle.closed:
            self.sync()
            self._handle.close()


def write_journal(path: Path, records: Iterable[SampleRecord]) -> None:
    """A whole journal at once (rescore, merge), atomically: readers see the old or the new."""
    write_bytes_atomic(path, b"".join(encode(r) for r in records))
