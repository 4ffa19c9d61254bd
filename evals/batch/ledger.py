"""The batches a backend submitted, kept in the run directory (`batches/<backend>.json`), so a
resumed run polls the same batch ids and never submits a request a second time.

Written whole and atomically (evals/fileio.py) after each submission and each batch's end. The
one gap: a process killed between the provider accepting a batch and this file being written
cannot know that batch's id, and its requests are submitted again on resume.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from evals.fileio import write_json_atomic

BatchState = Literal["submitted", "ended", "failed"]


class BatchEntry(BaseModel):
    id: str
    provider: str
    endpoint: str
    custom_ids: list[str]
    state: BatchState = "submitted"
    submitted_at: float = Field(default_factory=time.time)
    ended_at: float | None = None
    bytes: int = 0


class LedgerFile(BaseModel):
    version: int = 1
    backend: str
    batches: list[BatchEntry] = Field(default_factory=list)


class BatchLedger:
    """Batch ids and states for one backend; in memory only until `bind` gives it a file."""

    def __init__(self, backend: str) -> None:
        self.data = LedgerFile(backend=backend)
        self.path: Path | None = None
        self._latest: dict[str, str] = {}  # custom id → the latest batch holding it

    def bind(self, path: Path) -> None:
        self.path = path
        if path.is_file():
            self.data = LedgerFile.model_validate_json(path.read_bytes())
            for entry in self.data.batches:
                for custom_id in entry.custom_ids:
                    self._latest[custom_id] = entry.id

    def latest(self, custom_id: str) -> BatchEntry | None:
        batch_id = self._latest.get(custom_id)
        return self.get(batch_id) if batch_id is not None else None

    def get(self, batch_id: str) -> BatchEntry | None:
        return next((b for b in self.data.batches if b.id == batch_id), None)

    def add(self, entry: BatchEntry) -> None:
        self.data.batches.append(entry)
        for custom_id in entry.custom_ids:
            self._latest[custom_id] = entry.id
        self._save()

    def mark(self, batch_id: str, state: BatchState) -> None:
        entry = self.get(batch_id)
        if entry is not None and entry.state != state:
            entry.state = state
            entry.ended_at = time.time()
            self._save()

    def _save(self) -> None:
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            write_json_atomic(self.path, self.data)
