"""The runner: streams each task's samples once, fans every sample out to its backends, and
journals one line per sample × backend as soon as it is done.

Per backend: a limit on requests in flight, a requests-per-minute pace, a timeout, bounded
retries (the SDKs' own retries are off). A call that still fails is journaled as an error with
its kind, never scored. A response is cached before it is journaled, so a crash between the two
costs nothing on resume. Samples already in the journal are never requested again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from rich.progress import TaskID

from evals.backends.base import Backend, TaskInfo
from evals.cache import ResponseCache
from evals.data.samples import Shard
from evals.errors import InputError, MediaError
from evals.journal import JournalWriter, Key
from evals.machine import usable_cores
from evals.records import ErrorInfo, Latency, Request, Response, Result, Sample, stable_hash
from evals.runner.limits import RequestLimiter
from evals.runner.progress import ProgressBoard
from evals.runner.retry import RetryPolicy
from evals.secrets import scrub
from evals.task.loader import Task

log = logging.getLogger(__name__)


class Budget:
    """Dollars spent by this run (cache hits cost nothing); None means no limit."""

    def __init__(self, limit: float | None, spent: float = 0.0) -> None:
        self.limit = limit
        self.spent = spent

    @property
    def exhausted(self) -> bool:
        return self.limit is not None and self.spent >= self.limit - 1e-12

    def add(self, cost: float | None) -> None:
        if cost:
            self.spent += cost


@dataclass
class RunStats:
    requests: int = 0
    cache_hits: int = 0
    journaled: int = 0
    skipped: int = 0
    not_run: int = 0
    unknown_cost: set[str] = field(default_factory=set)


class Runner:
    def __init__(
        self,
        tasks: list[Task],
        backends: dict[str, Backend],
        pairs: dict[str, list[str]],
        journal: JournalWriter,
        done: set[Key],
        *,
        cache: ResponseCache | None = None,
        refresh_cache: bool = False,
        progress: ProgressBoard | None = None,
        budget: Budget | None = None,
        limit: int | None = None,
        shard: Shard | None = None,
        seed: int = 0,
    ) -> None:
        self.tasks = tasks
        self.backends = backends
        self.pairs = pairs
        self.journal = journal
        self.done = done
        self.cache = cache
        self.refresh_cache = refresh_cache
        self.progress = progress or ProgressBoard(enabled=False)
        self.budget = budget or Budget(None)
        self.limit = limit
        self.shard = shard
        self.stats = RunStats()
        self._rng = random.Random(seed)
        self._limiters = {name: RequestLimiter(b.concurrency, b.config.rpm) for name, b in backends.items()}
        self._policies = {
            name: RetryPolicy(
                max_retries=b.config.max_retries,
                base_delay=min(1.0, b.config.max_retry_wait),
                max_delay=b.config.max_retry_wait,
            )
            for name, b in backends.items()
        }
        self._identity = {name: b.cache_identity() for name, b in backends.items()}
        self._cores = asyncio.Semaphore(usable_cores())  # shared by every CPU-bound backend
        self._bars: dict[tuple[str, str], TaskID] = {}

    async def run(self) -> RunStats:
        try:
            async with asyncio.TaskGroup() as group:
                for task in self.tasks:
                    group.create_task(self._run_task(task))
        except BaseExceptionGroup as group:
            # A bad row met while streaming (a hub dataset) is bad input, not a crash: surface
            # the InputError itself (exit 2 with its one line), not the task groups around it.
            found = _first_input_error(group)
            if found is None:
                raise
            raise found from None
        return self.stats

    async def _run_task(self, task: Task) -> None:
        backends = [self.backends[name] for name in self.pairs.get(task.name, [])]
        if not backends:
            return
        info = TaskInfo(task.name, task.spec.kind, task.targets)
        for backend in backends:
            await backend.setup(info)
        total = task.count(limit=self.limit, shard=self.shard) if self.progress.enabled else None
        for backend in backends:
            self._bars[(task.name, backend.name)] = self.progress.add(f"{task.name} · {backend.name}", total)
        window = asyncio.Semaphore(max(4, 2 * max(b.concurrency for b in backends)))
        async with asyncio.TaskGroup() as group:
            for sample in task.samples(limit=self.limit, shard=self.shard):
                todo = [b for b in backends if (task.name, b.name, sample.id) not in self.done]
                self.stats.skipped += len(backends) - len(todo)
                for backend in backends:
                    if backend not in todo:  # journaled by an earlier attempt: counts as done
                        self.progress.advance(self._bars[(task.name, backend.name)])
                if not todo:
                    continue
                await window.acquire()
                group.create_task(self._run_sample(task, sample, todo, window))

    async def _run_sample(
        self, task: Task, sample: Sample, backends: list[Backend], window: asyncio.Semaphore
    ) -> None:
        try:
            try:
                request = task.builder.build(sample)
                canonical = request.canonical()  # reads and hashes the media, once
            except InputError as exc:  # a template that fails on this row: the task must change
                raise exc.located(file=str(task.path) if task.path else None) from None
            except MediaError as exc:
                error = ErrorInfo("media", scrub(str(exc)))
                for backend in backends:
                    self._record(task, backend, sample, None, Response(error=error), 0, Latency(), False)
                return
            await asyncio.gather(*(self._run_one(task, b, sample, request, canonical) for b in backends))
        finally:
            sample.release_media()
            window.release()

    async def _run_one(
        self,
        task: Task,
        backend: Backend,
        sample: Sample,
        request: Request,
        canonical: dict[str, object],
    ) -> None:
        key: str | None = None
        response: Response | None = None
        if backend.cacheable and self.cache is not None:
            key = stable_hash({"backend": self._identity[backend.name], "request": canonical})
            if not self.refresh_cache:
                response = self.cache.get(key)
        if response is not None:
            self.stats.cache_hits += 1
            self._record(task, backend, sample, request, response, 0, Latency(), True, key)
            return
        response, attempts, latency = await self._call(backend, request, sample)
        if response.error is None and key is not None and self.cache is not None:
            self.cache.put(key, response)
        self._record(task, backend, sample, request, response, attempts, latency, False, key)

    async def _call(
        self, backend: Backend, request: Request, sample: Sample
    ) -> tuple[Response, int, Latency]:
        limiter = self._limiters[backend.name]
        policy = self._policies[backend.name]
        timeout = backend.config.timeout
        attempt = 0
        while True:
            attempt += 1
            queued_at = time.perf_counter()
            response: Response | None = None
            async with limiter.slot(), self._cores if backend.cpu_bound else contextlib.nullcontext():
                if attempt == 1 and self.budget.exhausted:  # checked in the slot, not before it
                    return self._budget_spent(), 0, Latency()
                started = time.perf_counter()
                self.stats.requests += 1
                try:
                    response = await asyncio.wait_for(backend.answer(request, sample), timeout)
                    error = response.error
                except MediaError as exc:
                    error = ErrorInfo("media", str(exc))
                except Exception as exc:  # classified below; cancellation still propagates
                    error = backend.classify_error(exc)
                elapsed = time.perf_counter() - started
            latency = Latency(elapsed, started - queued_at, response.ttft_s if response else None)
            if error is None and response is not None:
                return response, attempt, latency
            assert error is not None
            error.message = scrub(error.message)
            decision = policy.decide(error, attempt, self._rng)
            if not decision.retry:
                failed = Response(error=error)
                if response is not None:
                    failed.usage = response.usage
                return failed, attempt, latency
            log.debug("%s %s attempt %d: %s", backend.name, request.sample_id, attempt, decision.reason)
            await asyncio.sleep(decision.delay)

    def _budget_spent(self) -> Response:
        self.stats.not_run += 1
        limit = self.budget.limit or 0.0
        return Response(error=ErrorInfo("budget", f"not sent: the budget of ${limit:.2f} was spent"))

    def _record(
        self,
        task: Task,
        backend: Backend,
        sample: Sample,
        request: Request | None,
        response: Response,
        attempts: int,
        latency: Latency,
        cached: bool,
        key: str | None = None,
    ) -> None:
        error = response.error
        result = Result(
            task=task.name,
            backend=backend.name,
            sample_id=sample.id,
            status="ok" if error is None else ("not_run" if error.kind == "budget" else "error"),
            targets=list(sample.targets),
            metadata=sample.metadata,
            usage=response.usage.as_dict(),
            # Cache hits took no time; baselines answer in-process from the sample, so their
            # "latency" would only measure the event loop. Neither is a latency sample.
            latency={} if cached or backend.kind == "baseline" else latency.as_dict(),
            cached=cached,
            attempts=attempts,
            request_hash=key,
            prompt=request.prompt_text() if request is not None else None,
            media=[m.describe() for m in sample.media()],
            model=response.model or backend.model,
            finished_at=time.time(),
        )
        if error is None:
            result.prediction = response.text
            result.cost_usd = backend.cost(response.usage)
            if result.cost_usd is None:
                self.stats.unknown_cost.add(backend.name)
            self._score(task, sample, result)
        else:
            result.error = error.as_dict()
            if response.usage.as_dict():
                result.cost_usd = backend.cost(response.usage)
        if not cached:
            self.budget.add(result.cost_usd)
        self.journal.append(result.as_dict())
        self.done.add((task.name, backend.name, sample.id))
        self.stats.journaled += 1
        bar = self._bars.get((task.name, backend.name))
        if bar is not None:
            self.progress.advance(
                bar,
                error=result.status != "ok",
                spent=0.0 if cached else (result.cost_usd or 0.0),
            )

    @staticmethod
    def _score(task: Task, sample: Sample, result: Result) -> None:
        prediction = result.prediction or ""
        for scorer in task.scorers:
            try:
                scored = scorer.score(
                    prediction, sample.targets, choices=sample.choices, metadata=sample.metadata
                )
            except Exception as exc:  # a scorer bug must not turn into a wrong answer
                result.status = "error"
                result.error = ErrorInfo(
                    "internal", f"scorer {scorer.name} failed: {type(exc).__name__}: {exc}"
                ).as_dict()
                result.scores = {}
                return
            result.scores.update(scored.values)
            if scored.details:
                result.details[scorer.name] = scored.details
            result.flags.extend(f for f in scored.flags if f not in result.flags)


def _first_input_error(group: BaseExceptionGroup[BaseException]) -> InputError | None:
    for exc in group.exceptions:
        if isinstance(exc, InputError):
            return exc
        if isinstance(exc, BaseExceptionGroup):
            found = _first_input_error(exc)
            if found is not None:
                return found
    return None


def backends_needing(tasks: Iterable[Task], pairs: dict[str, list[str]]) -> set[str]:
    return {name for task in tasks for name in pairs.get(task.name, [])}
