"""One call to a backend, as generation and judging both make it: the response cache, the
backend's limiter (requests in flight and per minute), bounded retries, a timeout, the run's
budget and cost. The models under test and the judges share this one path, so a judge's
requests are limited, retried, cached and paid for exactly like the model's.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from dataclasses import dataclass, field

from evals.backends.base import Backend
from evals.cache import ResponseCache
from evals.errors import MediaError
from evals.machine import usable_cores
from evals.records import ErrorInfo, Latency, Request, Response, Sample, Usage, stable_hash
from evals.runner.limits import RequestLimiter
from evals.runner.retry import RetryPolicy
from evals.secrets import scrub
from evals.values import has_surrogates, safe_text

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


@dataclass(slots=True)
class CallResult:
    """What one call gave: the response (its `error` set when it failed), how it went, and
    what it cost. `sent` is False when nothing was sent because the budget was spent."""

    response: Response
    attempts: int = 0
    latency: Latency = field(default_factory=Latency)
    cached: bool = False
    cache_key: str | None = None
    cost_usd: float | None = None
    sent: bool = True
    flags: list[str] = field(default_factory=list)  # what the caller found wrong with an answer

    @property
    def ok(self) -> bool:
        return self.sent and self.response.error is None


@dataclass
class CallStats:
    requests: int = 0
    cache_hits: int = 0
    not_sent: int = 0
    unknown_cost: set[str] = field(default_factory=set)


class Caller:
    """Calls backends for one run; one limiter and retry policy per backend."""

    def __init__(
        self,
        backends: dict[str, Backend],
        *,
        cache: ResponseCache | None = None,
        refresh_cache: bool = False,
        budget: Budget | None = None,
        seed: int = 0,
        remote: set[str] | None = None,
    ) -> None:
        self.backends = backends
        # CPU-bound backends whose work runs on other machines (Ray actors): the cluster,
        # not this machine's cores, bounds them.
        self.remote = remote or set()
        self.cache = cache
        self.refresh_cache = refresh_cache
        self.budget = budget or Budget(None)
        self.stats = CallStats()
        self._rng = random.Random(seed)
        self._limiters = {
            name: RequestLimiter(b.concurrency, b.config.rpm, b.rate_signal) for name, b in backends.items()
        }
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
        self._warm: set[str] = set()  # backends whose warm_up ran (before their first request)

    def _local_cpu(self, backend: Backend) -> bool:
        return backend.cpu_bound and backend.name not in self.remote

    def cache_key(self, backend: Backend, canonical: dict[str, object]) -> str | None:
        if not backend.cacheable or self.cache is None:
            return None
        return stable_hash({"backend": self._identity[backend.name], "request": canonical})

    async def call(
        self,
        backend: Backend,
        request: Request,
        sample: Sample | None = None,
        *,
        canonical: dict[str, object] | None = None,
    ) -> CallResult:
        """The backend's answer to `request`: from the cache when it has it, else sent."""
        key = self.cache_key(backend, canonical if canonical is not None else request.canonical())
        if key is not None and self.cache is not None and not self.refresh_cache:
            cached = self.cache.get(key)
            if cached is not None:
                self.stats.cache_hits += 1
                safe_answer(cached)  # entries written before answers were made safe
                hit = CallResult(cached, cached=True, cache_key=key, flags=answer_flags(backend, cached))
                hit.cost_usd = None if _cost_unknown(hit.flags) else _price(backend, cached)
                return hit
        result = await self._send(backend, request, sample)
        result.cache_key = key
        response = result.response
        if result.ok:
            safe_answer(response)  # before the cache: nothing stored can crash a writer or leak
            result.flags = answer_flags(backend, response)
        if result.ok and key is not None and self.cache is not None:
            self.cache.put(key, response)
        if result.sent and (result.ok or not response.usage.is_empty() or response.cost_usd is not None):
            result.cost_usd = None if _cost_unknown(result.flags) else _price(backend, response)
            if result.cost_usd is None and result.ok:
                self.stats.unknown_cost.add(backend.name)
            self.budget.add(result.cost_usd)
        return result

    async def _send(self, backend: Backend, request: Request, sample: Sample | None) -> CallResult:
        if backend.name not in self._warm:  # once, before the first request's clock starts
            self._warm.add(backend.name)
            backend.warm_up()
        limiter = self._limiters[backend.name]
        policy = self._policies[backend.name]
        timeout = backend.config.timeout
        attempt = 0
        while True:
            attempt += 1
            queued_at = time.perf_counter()
            response: Response | None = None
            tokens = _estimated_tokens(backend, request) if limiter.wants_tokens() else 0
            cores = self._cores if self._local_cpu(backend) else contextlib.nullcontext()
            async with limiter.slot(tokens), cores:
                if attempt == 1 and self.budget.exhausted:  # checked in the slot, not before it
                    self.stats.not_sent += 1
                    limit = self.budget.limit or 0.0
                    reason = ErrorInfo(
                        kind="budget", message=f"not sent: the budget of ${limit:.2f} was spent"
                    )
                    return CallResult(Response(error=reason), sent=False)
                started = time.perf_counter()
                self.stats.requests += 1
                try:
                    answer = (
                        backend.answer(request, sample)
                        if sample is not None
                        else backend.generate(backend.prepare(request))
                    )
                    response = await asyncio.wait_for(answer, timeout)
                    error = response.error
                except MediaError as exc:
                    error = ErrorInfo(kind="media", message=str(exc))
                except Exception as exc:  # classified below; cancellation still propagates
                    error = backend.classify_error(exc)
                elapsed = time.perf_counter() - started
            latency = Latency(
                total_s=elapsed,
                queue_s=started - queued_at,
                ttft_s=response.ttft_s if response else None,
                ttfa_s=response.ttfa_s if response else None,
                stages=dict(response.stages) if response else {},
            )
            await limiter.record(rate_limited=error is not None and error.kind == "rate_limit")
            if error is None and response is not None:
                return CallResult(response, attempts=attempt, latency=latency)
            assert error is not None
            error.message = scrub(safe_text(error.message))
            decision = policy.decide(error, attempt, self._rng)
            if not decision.retry:
                failed = Response(error=error)
                if response is not None:
                    failed.usage = response.usage
                return CallResult(failed, attempts=attempt, latency=latency)
            log.debug("%s %s attempt %d: %s", backend.name, request.sample_id, attempt, decision.reason)
            await asyncio.sleep(decision.delay)


def _estimated_tokens(backend: Backend, request: Request) -> int:
    """What a tokens-per-minute quota will count for this request (prompt and the most it may
    answer, as providers count it); 0 when the backend cannot estimate it."""
    usage = backend.estimate_usage(request)
    if usage is None:
        return 0
    return (usage.input_tokens or 0) + (usage.output_tokens or 0)


def safe_answer(response: Response) -> None:
    """Make an answer safe to write, where it enters: lone surrogates replaced (flagged by the
    engine from the replacement) and keys scrubbed from its text."""
    text = response.text
    if text:
        if has_surrogates(text):
            response.surrogates_replaced = True
            text = safe_text(text)
        response.text = scrub(text)


def answer_flags(backend: Backend, response: Response) -> list[str]:
    """Why an answer's cost cannot be known: usage the provider reported as impossible values,
    or no usage at all from a backend whose model has a price per token."""
    flags = []
    if response.surrogates_replaced:
        flags.append("replaced_characters")
    if response.cost_usd is not None:
        return flags
    if response.usage.invalid:
        flags.append("invalid_usage")
    elif backend.kind == "provider" and response.usage.is_empty() and _priced(backend):
        flags.append("usage_missing")
    return flags


def _cost_unknown(flags: list[str]) -> bool:
    return "invalid_usage" in flags or "usage_missing" in flags


def _priced(backend: Backend) -> bool:
    probe = Usage(input_tokens=1_000_000, output_tokens=1_000_000, audio_seconds=3600.0)
    return (backend.cost(probe) or 0.0) > 0.0


def _price(backend: Backend, response: Response) -> float | None:
    """What the answer cost: the backend's own figure when it gives one, else its usage priced."""
    return response.cost_usd if response.cost_usd is not None else backend.cost(response.usage)
