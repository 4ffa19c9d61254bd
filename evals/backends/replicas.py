"""One backend served by several replicas of the same server (`base_urls:`, e.g. vLLM or Ollama
on several machines): each request goes to the healthy replica with the fewest requests in
flight; a replica that fails to answer (connection refused or reset, timeout, 5xx) several times
in a row is taken out for `retry_after_s` and then tried again with one request; a request whose
replica fails goes straight to another one, so a replica lost mid-run loses no sample.

Per-replica requests, errors, failovers and latency are written to `replicas.json` in the run
directory and shown in the summary (docs/scale.md).
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from evals.backends.base import Backend, TaskInfo, wrapper_class
from evals.fileio import write_json_atomic
from evals.records import ErrorInfo, Request, Response, Usage

FAILOVER_KINDS = frozenset({"connection", "timeout", "server"})


@dataclass
class Replica:
    url: str
    backend: Backend
    outstanding: int = 0
    requests: int = 0
    errors: int = 0
    failovers: int = 0  # requests it failed that another replica then answered
    ejections: int = 0
    failures_in_row: int = 0
    out_until: float = 0.0
    latencies: list[float] = field(default_factory=list)

    def healthy(self, now: float) -> bool:
        return now >= self.out_until

    def stats(self) -> dict[str, Any]:
        ordered = sorted(self.latencies)
        return {
            "url": self.url,
            "requests": self.requests,
            "ok": len(self.latencies),
            "errors": self.errors,
            "failovers": self.failovers,
            "ejections": self.ejections,
            "mean_latency_s": sum(ordered) / len(ordered) if ordered else None,
            "p95_latency_s": ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))] if ordered else None,
        }


class ReplicaBackend(Backend):
    """Built by `replicated(backend)` from a backend whose config lists `base_urls`."""

    inner_type: ClassVar[type[Backend]]

    def __init__(self, first: Backend) -> None:
        self.config = first.config
        self.options = first.options
        self.first = first
        urls = list(first.config.base_urls or [])
        cls = type(first)
        self.replicas = [
            Replica(url, first if i == 0 else cls(first.config.model_copy(update={"base_url": url})))
            for i, url in enumerate(urls)
        ]
        first.config = first.config.model_copy(update={"base_url": urls[0]})
        self.settings = first.config.replicas
        self.path: Path | None = None

    # --- delegated ---------------------------------------------------------------------------

    @property
    def model(self) -> str:
        return self.first.model

    @property
    def concurrency(self) -> int:
        """Requests in flight over all replicas: each replica's share times their number."""
        return self.config.concurrency or self.first.default_concurrency() * len(self.replicas)

    def check(self) -> None:
        for replica in self.replicas:
            replica.backend.check()

    def warm_up(self) -> None:
        for replica in self.replicas:
            replica.backend.warm_up()

    def bind_run(self, folder: Path) -> None:
        self.path = folder / "replicas.json"

    async def setup(self, task: TaskInfo) -> None:
        for replica in self.replicas:
            await replica.backend.setup(task)

    def cache_identity(self) -> dict[str, Any]:
        identity = self.first.cache_identity()
        identity["base_url"] = sorted(u.rstrip("/") for u in self.config.base_urls or [])
        return identity

    def attribute_video(self, request: Request, sent: Request, response: Response) -> Response:
        return self.first.attribute_video(request, sent, response)

    def estimate_usage(self, request: Request) -> Usage | None:
        return self.first.estimate_usage(request)

    def cost(self, usage: Usage) -> float | None:
        return self.first.cost(usage)

    def versions(self) -> dict[str, str]:
        return self.first.versions()

    def classify_error(self, exc: BaseException) -> ErrorInfo:
        return self.first.classify_error(exc)

    async def aclose(self) -> None:
        self._save()
        for replica in self.replicas:
            await replica.backend.aclose()

    # --- routing -----------------------------------------------------------------------------

    def _pick(self, tried: set[str]) -> Replica | None:
        now = time.monotonic()
        candidates = [r for r in self.replicas if r.url not in tried and r.healthy(now)]
        if not candidates:  # every replica is out: try the one that comes back first
            candidates = sorted((r for r in self.replicas if r.url not in tried), key=lambda r: r.out_until)[
                :1
            ]
        return min(candidates, key=lambda r: (r.outstanding, r.requests), default=None)

    async def generate(self, request: Request) -> Response:
        tried: set[str] = set()
        failed: list[Replica] = []
        last: Exception | None = None
        while True:
            replica = self._pick(tried)
            if replica is None:
                assert last is not None  # every replica was tried, and each failed
                raise last
            tried.add(replica.url)
            replica.outstanding += 1
            replica.requests += 1
            started = time.perf_counter()
            try:
                response = await replica.backend.generate(request)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                replica.errors += 1
                info = replica.backend.classify_error(exc)
                if info.kind not in FAILOVER_KINDS:
                    raise
                self._failed(replica)
                failed.append(replica)
                last = exc
                continue
            finally:
                replica.outstanding -= 1
            replica.failures_in_row = 0
            replica.out_until = 0.0
            replica.latencies.append(time.perf_counter() - started)
            for earlier in failed:
                earlier.failovers += 1
            return response

    def _failed(self, replica: Replica) -> None:
        replica.failures_in_row += 1
        if replica.failures_in_row >= self.settings.failures_to_eject:
            if replica.healthy(time.monotonic()):
                replica.ejections += 1
            replica.out_until = time.monotonic() + self.settings.retry_after_s

    def stats(self) -> list[dict[str, Any]]:
        return [r.stats() for r in self.replicas]

    def _save(self) -> None:
        """Add this attempt's figures to the run's replicas.json (a resumed run adds its own)."""
        if self.path is None:
            return
        data: dict[str, Any] = json.loads(self.path.read_text()) if self.path.is_file() else {}
        earlier = {r["url"]: r for r in data.get(self.name, [])}
        merged = []
        for now in self.stats():
            before = earlier.get(now["url"])
            if before is not None:
                for key in ("requests", "ok", "errors", "failovers", "ejections"):
                    now[key] += before.get(key, 0)
            merged.append(now)
        data[self.name] = merged
        write_json_atomic(self.path, data)


def replicated(backend: Backend) -> Backend:
    """The backend spread over its config's `base_urls` (the backend itself when none)."""
    if not backend.config.base_urls:
        return backend
    cls = wrapper_class("Replicated", ReplicaBackend, backend)
    wrapper: Backend = cls(backend)
    return wrapper
