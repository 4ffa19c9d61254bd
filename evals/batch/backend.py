"""A backend that sends its requests through its provider's batch API.

`generate` queues the request; a batch is submitted when it is full (the provider's request or
byte limit, or the settings') or when no request came for `linger_s`. Each batch is polled with
backoff until it ends; then every waiting request gets its own answer, parsed by the wrapped
backend like a direct answer. The runner above is unchanged: it sees a slow backend whose
answers cost the batch price. An item that failed or expired raises a retryable error, and the
runner's retry sends it again, in a new batch (or directly with `retry: sync`).

Each request's custom id is a hash of the backend and the request, so a resumed run finds the
batch it was submitted in (batches/<backend>.json) and waits for that batch instead of
submitting the request again.
"""

from __future__ import annotations

import asyncio
import copy
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from evals.backends.base import Backend, TaskInfo, wrapper_class
from evals.backends.scale_config import BatchSettings
from evals.batch.apis import BatchApi, ItemResult, Status, batch_api, expired
from evals.batch.ledger import BatchEntry, BatchLedger
from evals.pricing import batch_cost_of
from evals.records import ErrorInfo, Request, Response, Usage, stable_hash

log = logging.getLogger(__name__)

MAX_IN_FLIGHT = 1024  # requests a batch backend holds open at once (the runner's window)
STATUS_FAILURES = 10  # status checks in a row that may fail before a batch is given up


class BatchItemError(Exception):
    """A batch gave this request an error (journaled with the error's own kind)."""

    def __init__(self, info: ErrorInfo) -> None:
        super().__init__(info.message)
        self.info = info


@dataclass
class _Pending:
    items: list[dict[str, Any]] = field(default_factory=list)
    ids: dict[str, asyncio.Future[str]] = field(default_factory=dict)  # custom id → its batch id
    size: int = 0


class BatchBackend(Backend):
    """Wraps a provider backend; built by `batched(backend)`."""

    inner_type: ClassVar[type[Backend]]

    def __init__(self, inner: Backend, settings: BatchSettings) -> None:
        config = inner.config.model_copy(update={"timeout": settings.wait_s, "rpm": None})
        self.config = config
        self.options = inner.options
        self.inner = inner
        self.settings = settings
        self.api: BatchApi = batch_api(inner)
        self.ledger = BatchLedger(inner.name)
        self._pending = _Pending()
        self._linger: asyncio.TimerHandle | None = None
        self._flushes: set[asyncio.Task[None]] = set()
        self._watchers: dict[str, asyncio.Future[dict[str, ItemResult]]] = {}
        self._consumed: set[tuple[str, str]] = set()  # (batch, custom id) whose error was taken

    # --- what the runner sees ------------------------------------------------------------------

    @property
    def model(self) -> str:
        return self.inner.model

    @property
    def concurrency(self) -> int:
        return min(MAX_IN_FLIGHT, self.settings.max_requests or MAX_IN_FLIGHT)

    def check(self) -> None:
        self.inner.check()

    def warm_up(self) -> None:
        self.inner.warm_up()

    def bind_run(self, folder: Path) -> None:
        self.ledger.bind(folder / "batches" / f"{self.inner.name}.json")

    async def setup(self, task: TaskInfo) -> None:
        await self.inner.setup(task)

    def cache_identity(self) -> dict[str, Any]:
        return self.inner.cache_identity()  # a batched answer is the same model's answer

    def attribute_video(self, request: Request, sent: Request, response: Response) -> Response:
        return self.inner.attribute_video(request, sent, response)

    def estimate_usage(self, request: Request) -> Usage | None:
        return self.inner.estimate_usage(request)

    def cost(self, usage: Usage) -> float | None:
        return batch_cost_of(self.inner.model, usage, self.api.provider)

    def sync_cost(self, usage: Usage) -> float | None:
        """What the same usage costs sent directly (shown beside the batch price)."""
        return self.inner.cost(usage)

    def versions(self) -> dict[str, str]:
        return self.inner.versions()

    def classify_error(self, exc: BaseException) -> ErrorInfo:
        if isinstance(exc, BatchItemError):
            return exc.info
        return self.inner.classify_error(exc)

    async def aclose(self) -> None:
        if self._linger is not None:
            self._linger.cancel()
        for waiter in self._watchers.values():
            waiter.cancel()
        for task in list(self._flushes):
            task.cancel()
        await self.inner.aclose()

    # --- one request ---------------------------------------------------------------------------

    def custom_id(self, request: Request) -> str:
        """Stable across processes (media by content hash), and within every provider's rules
        for ids (Anthropic: 1–64 of [a-zA-Z0-9_-])."""
        key = request.memo.get("batch-id")
        if not isinstance(key, str):
            key = (
                "r"
                + stable_hash({"backend": self.inner.cache_identity(), "request": request.canonical()})[:40]
            )
            request.memo["batch-id"] = key
        return key

    async def generate(self, request: Request) -> Response:
        custom_id = self.custom_id(request)
        batch_id = await self._batch_for(custom_id, request)
        results = await asyncio.shield(self._watch(batch_id))
        result = results.get(custom_id) or ItemResult(error=expired())
        if result.response is not None:
            return copy.deepcopy(result.response)
        assert result.error is not None
        self._consumed.add((batch_id, custom_id))
        if self.settings.retry == "sync" and result.error.retryable:
            response = await self.inner.generate(request)
            response.cost_usd = self.inner.cost(response.usage)  # the direct price, not the batch's
            return response
        raise BatchItemError(result.error.model_copy())

    async def _batch_for(self, custom_id: str, request: Request) -> str:
        """The batch this request is (or will be) in: one already submitted for it (this run or
        an earlier attempt) unless its error was taken, else the batch being filled."""
        known = self.ledger.latest(custom_id)
        if known is not None and (known.id, custom_id) not in self._consumed and known.state != "failed":
            return known.id
        waiting = self._pending.ids.get(custom_id)
        if waiting is None:
            item = await self.api.item(custom_id, request)
            size = len(json.dumps(item)) + 1
            limit = self.settings.max_bytes or self.api.max_bytes
            if self._pending.items and self._pending.size + size > limit:
                self._flush()
            pending = self._pending
            waiting = asyncio.get_running_loop().create_future()
            pending.items.append(item)
            pending.ids[custom_id] = waiting
            pending.size += size
            if len(pending.items) >= min(
                self.settings.max_requests or self.api.max_requests, self.api.max_requests
            ):
                self._flush()
            else:
                self._arm_linger()
        return await asyncio.shield(waiting)

    # --- batches -------------------------------------------------------------------------------

    def _arm_linger(self) -> None:
        if self._linger is not None:
            self._linger.cancel()
        self._linger = asyncio.get_running_loop().call_later(self.settings.linger_s, self._flush)

    def _flush(self) -> None:
        if self._linger is not None:
            self._linger.cancel()
            self._linger = None
        pending, self._pending = self._pending, _Pending()
        if pending.items:
            task = asyncio.get_running_loop().create_task(self._submit(pending))
            self._flushes.add(task)
            task.add_done_callback(self._flushes.discard)

    async def _submit(self, pending: _Pending) -> None:
        try:
            batch_id = await self.api.submit(pending.items)
        except Exception as exc:  # every request of the batch gets the error; the runner retries
            for waiting in pending.ids.values():
                if not waiting.done():
                    waiting.set_exception(exc)
            return
        self.ledger.add(
            BatchEntry(
                id=batch_id,
                provider=self.api.provider,
                endpoint=self.api.endpoint,
                custom_ids=list(pending.ids),
                bytes=pending.size,
            )
        )
        log.info("%s: submitted batch %s (%d requests)", self.name, batch_id, len(pending.ids))
        for waiting in pending.ids.values():
            if not waiting.done():
                waiting.set_result(batch_id)

    def _watch(self, batch_id: str) -> asyncio.Future[dict[str, ItemResult]]:
        """One watcher per batch, shared by every request in it."""
        watcher = self._watchers.get(batch_id)
        if watcher is None:
            watcher = asyncio.ensure_future(self._poll(batch_id))
            self._watchers[batch_id] = watcher
        return watcher

    async def _poll(self, batch_id: str) -> dict[str, ItemResult]:
        delay = self.settings.poll_s
        failures = 0
        entry = self.ledger.get(batch_id)
        while entry is None or entry.state == "submitted":
            try:
                status = await self.api.status(batch_id)
                failures = 0
            except Exception as exc:
                failures += 1
                if failures >= STATUS_FAILURES:
                    raise
                log.warning("%s: status of batch %s failed (%s); trying again", self.name, batch_id, exc)
                status = Status(False)
            if status.failed is not None:
                self.ledger.mark(batch_id, "failed")
                info = ErrorInfo(kind="bad_request", message=f"batch {batch_id} failed: {status.failed}")
                ids = entry.custom_ids if entry is not None else []
                return {custom_id: ItemResult(error=info) for custom_id in ids}
            if status.ended:
                self.ledger.mark(batch_id, "ended")
                break
            await asyncio.sleep(delay)
            delay = min(delay * 1.5, self.settings.poll_max_s)
        if entry is not None and entry.state == "failed":
            info = ErrorInfo(kind="bad_request", message=f"batch {batch_id} failed")
            return {custom_id: ItemResult(error=info) for custom_id in entry.custom_ids}
        custom_ids = entry.custom_ids if entry is not None else []
        return await self.api.results(batch_id, custom_ids)


def batched(backend: Backend) -> Backend:
    """The backend itself, or its batch-mode wrapper when its config asks for batches."""
    settings = backend.config.batch
    if settings is None:
        return backend
    cls = wrapper_class("Batch", BatchBackend, backend)
    wrapper: Backend = cls(backend, settings)
    return wrapper
