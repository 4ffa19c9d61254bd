"""Helpers for the viewer tests: a viewer served from a background thread, and a run that is
written while a test watches (through the runner's own writers: RunDir and JournalWriter)."""

from __future__ import annotations

import asyncio
import http.client
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from evals.journal import JournalWriter
from evals.rundata import SampleRecord
from evals.rundir import RunDir
from evals.viewer.catalog import Catalog
from evals.viewer.serve import Server, start


@dataclass
class Served:
    url: str
    port: int

    def get(self, path: str, host: str | None = None) -> tuple[int, dict[str, str], str]:
        """A GET with the path sent exactly as given (no client-side normalising of `..`)."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            connection.putrequest("GET", path, skip_host=True, skip_accept_encoding=True)
            connection.putheader("Host", host or f"127.0.0.1:{self.port}")
            connection.endheaders()
            response = connection.getresponse()
            body = response.read().decode("utf-8", "replace")
            return response.status, {k.lower(): v for k, v in response.getheaders()}, body
        finally:
            connection.close()

    def page(self, path: str) -> str:
        status, _, body = self.get(path)
        assert status == 200, (path, status, body[:500])
        return body


@contextmanager
def serve(paths: list[Path]) -> Iterator[Served]:
    catalog = Catalog.from_paths(paths)
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    holder: dict[str, Server] = {}

    def run() -> None:
        asyncio.set_event_loop(loop)
        holder["server"] = loop.run_until_complete(start(catalog))
        ready.set()
        loop.run_forever()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert ready.wait(30)
    server = holder["server"]
    try:
        yield Served(server.url, server.port)
    finally:
        asyncio.run_coroutine_threadsafe(server.close(), loop).result(30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(30)


class GrowingRun:
    """A copy of a finished run's records, journaled again into a new run directory one batch
    at a time, with run.json saying `running` until `finish()`."""

    def __init__(self, source: Path, reports: Path, name: str = "live-run") -> None:
        origin = RunDir.existing(source)
        self.origin = origin
        self.info = origin.read_info().model_copy(update={"status": "running", "finished_at": None})
        self.records: list[SampleRecord] = origin.records()
        self.rundir = RunDir(reports / name)
        self.rundir.path.mkdir(parents=True)
        self.rundir.write_info(self.info.model_copy(update={"started_at": time.time()}))
        self.writer = JournalWriter(self.rundir.journal)
        self.written = 0

    def add(self, n: int) -> int:
        for record in self.records[self.written : self.written + n]:
            self.writer.append(record)
        self.written = min(len(self.records), self.written + n)
        return self.written

    def finish(self) -> None:
        """As finalize ends a run: summary.json and samples.parquet (the same records as the
        source's, so its files), then run.json says `finished`."""
        self.writer.close()
        summary = self.origin.read_summary()
        assert summary is not None
        self.rundir.write_summary(summary)
        shutil.copyfile(self.origin.parquet_file, self.rundir.parquet_file)
        self.rundir.update_info(status="finished", finished_at=time.time())
