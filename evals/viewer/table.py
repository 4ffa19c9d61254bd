"""A run's samples as one DuckDB table, read through the typed run records.

A finished run is read from `samples.parquet` (one columnar scan); a run that is still being
written, or has no parquet yet, from its journal — and then followed: each `refresh()` parses
only the lines appended since the last one, so a live run costs what it adds, not what it has.
Queries (paging, filters, sorting) run in DuckDB, never as a Python loop over samples.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
from pydantic import ValidationError

from evals.parquet import flat_row, parquet_schema
from evals.rundata import SCHEMA_VERSION, SampleRecord, upgrade_record
from evals.rundir import RunDir

SCORE_PREFIX = "score."


def quote(name: str) -> str:
    """A SQL identifier, quoted (column names come from metric names)."""
    return '"' + name.replace('"', '""') + '"'


@dataclass
class JournalCursor:
    """How far the journal has been read: its identity and the bytes consumed."""

    inode: int = -1
    offset: int = 0
    lines: int = 0


@dataclass
class SampleTable:
    """`samples`: one row per (task, backend, sample), the latest record of each."""

    rundir: RunDir
    source: str = "none"  # parquet | journal
    cursor: JournalCursor = field(default_factory=JournalCursor)
    version: int = 0  # bumped whenever the rows change
    cache: dict[str, tuple[int, Any]] = field(default_factory=dict)  # (version, value) by name

    def __post_init__(self) -> None:
        import duckdb

        self.con = duckdb.connect(":memory:")
        self.columns: list[str] = []

    # ---- loading ----------------------------------------------------------------------------

    def open(self, *, live: bool) -> None:
        """Read the run: the parquet when the run is over and the parquet is current."""
        parquet = self.rundir.parquet_file
        journal = self.rundir.journal
        fresh = parquet.is_file() and (
            not journal.is_file() or parquet.stat().st_mtime >= journal.stat().st_mtime
        )
        if not live and fresh:
            # A view, not a copy: each query scans only the columns it names (opening costs
            # nothing; a filter over 100,000 rows is one columnar scan).
            literal = "'" + str(parquet).replace("'", "''") + "'"
            self.con.execute(
                f"CREATE OR REPLACE VIEW samples AS SELECT * FROM read_parquet({literal})"
            ).fetchall()
            self.source = "parquet"
        else:
            schema = parquet_schema(())
            self.con.register("empty_rows", pa.Table.from_pylist([], schema=schema))
            self.con.execute("DROP VIEW IF EXISTS samples").fetchall()
            self.con.execute("CREATE OR REPLACE TABLE samples AS SELECT * FROM empty_rows").fetchall()
            self.con.unregister("empty_rows")
            self.source = "journal"
            self.cursor = JournalCursor()
            self.refresh()
        self._read_columns()
        self.version += 1

    def _read_columns(self) -> None:
        rows = self.con.execute("SELECT name FROM pragma_table_info('samples')").fetchall()
        self.columns = [str(r[0]) for r in rows]

    def refresh(self) -> bool:
        """Take in the lines appended to the journal since the last call; True if rows changed."""
        if self.source != "journal":
            return False
        path = self.rundir.journal
        try:
            stat = os.stat(path)
        except FileNotFoundError:
            return False
        if stat.st_ino != self.cursor.inode or stat.st_size < self.cursor.offset:
            if self.cursor.inode != -1:  # replaced (rescore, merge): read it again from the start
                self.open(live=True)
                return True
            self.cursor.inode = stat.st_ino
        if stat.st_size == self.cursor.offset:
            return False
        with path.open("rb") as handle:
            handle.seek(self.cursor.offset)
            chunk = handle.read(stat.st_size - self.cursor.offset)
        end = chunk.rfind(b"\n")
        if end < 0:
            return False  # only a partial line so far
        fresh = self._parse(chunk[: end + 1])
        self.cursor.offset += end + 1
        if not fresh:
            return False
        self._append(fresh)
        self.version += 1
        return True

    def _parse(self, data: bytes) -> list[SampleRecord]:
        upgrade = self.rundir.schema_version != SCHEMA_VERSION
        out = []
        for line in data.splitlines():
            self.cursor.lines += 1
            if not line.strip():
                continue
            try:
                if upgrade:
                    out.append(SampleRecord.model_validate(upgrade_record(json.loads(line))))
                else:
                    out.append(SampleRecord.model_validate_json(line))
            except (ValueError, ValidationError):
                continue  # a damaged line: the journal reader reports it; the viewer shows the rest
        return out

    def _append(self, records: list[SampleRecord]) -> None:
        latest: dict[tuple[str, str, str], SampleRecord] = {}
        for record in records:
            latest[record.key] = record
        scores = sorted({m for r in latest.values() for m in r.scores})
        schema = parquet_schema(SCORE_PREFIX + m for m in scores)
        table = pa.Table.from_pylist([flat_row(r) for r in latest.values()], schema=schema)
        for name in scores:
            column = SCORE_PREFIX + name
            if column not in self.columns:
                self.con.execute(f"ALTER TABLE samples ADD COLUMN {quote(column)} DOUBLE").fetchall()
                self.columns.append(column)
        self.con.register("new_rows", table)
        self.con.execute(
            "DELETE FROM samples USING new_rows AS n WHERE samples.task = n.task "
            "AND samples.backend = n.backend AND samples.sample_id = n.sample_id"
        ).fetchall()
        self.con.execute("INSERT INTO samples BY NAME SELECT * FROM new_rows").fetchall()
        self.con.unregister("new_rows")

    # ---- reading ----------------------------------------------------------------------------

    def score_columns(self) -> list[str]:
        return [c[len(SCORE_PREFIX) :] for c in self.columns if c.startswith(SCORE_PREFIX)]

    def fetch(self, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
        cursor = self.con.execute(sql, params or [])
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def scalar(self, sql: str, params: list[Any] | None = None) -> Any:
        rows = self.con.execute(sql, params or []).fetchall()
        return rows[0][0] if rows else None
