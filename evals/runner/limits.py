"""Per-backend limits: requests in flight, requests per minute, and adaptation to the
provider's own quota.

Three controls, all per backend:
- a window of requests in flight, at most the configured concurrency. It halves on a 429 (at
  most once a second, so one burst of 429s counts once) and grows back by one request per
  window of successes (additive increase, multiplicative decrease, as TCP does);
- spacing from the run config's `rpm`, when set;
- spacing from the provider's rate-limit headers (evals/ratelimits.py): once a quota is down to
  its last tenth, or after a 429, requests are spaced at the quota's per-minute rate for
  requests and, given each request's estimated tokens, for tokens; so a run uses its quota
  fully without a storm of 429s. Spacing stops when the quota has recovered past half.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from evals.ratelimits import RateLimitSnapshot, RateSignal

_DECREASE_EVERY_S = 1.0
_RECOVERED = 0.5  # share of a quota left at which header pacing stops


class RequestLimiter:
    def __init__(self, concurrency: int, rpm: float | None, signal: RateSignal | None = None) -> None:
        self.max_window = concurrency
        self.window = float(concurrency)
        self._interval = 60.0 / rpm if rpm else 0.0
        self._signal = signal
        self._next_request = 0.0
        self._next_tokens = 0.0
        self._pacing = False
        self._last_decrease = -_DECREASE_EVERY_S
        self._room = asyncio.Condition()
        self._lock = asyncio.Lock()
        self.in_flight = 0
        self.decreases = 0  # times the window was halved (reported in progress logs and tests)

    # --- the quota as the provider reports it ------------------------------------------------

    @property
    def snapshot(self) -> RateLimitSnapshot | None:
        return self._signal.latest if self._signal is not None else None

    def wants_tokens(self) -> bool:
        """Whether a request's token estimate is needed to pace it (a tokens quota is known)."""
        snapshot = self.snapshot
        return snapshot is not None and bool(snapshot.limit_tokens)

    def _update_pacing(self, snapshot: RateLimitSnapshot | None) -> None:
        if snapshot is None:
            return
        if snapshot.low():
            self._pacing = True
        elif self._pacing and not snapshot.low(_RECOVERED):
            self._pacing = False

    # --- waiting for a slot ------------------------------------------------------------------

    async def _pace(self, tokens: int) -> None:
        snapshot = self.snapshot
        self._update_pacing(snapshot)
        request_interval = self._interval
        token_interval = 0.0
        if self._pacing and snapshot is not None:
            if snapshot.limit_requests:
                request_interval = max(request_interval, 60.0 / snapshot.limit_requests)
            if snapshot.limit_tokens and tokens:
                token_interval = tokens * 60.0 / snapshot.limit_tokens
        if not request_interval and not token_interval:
            return
        async with self._lock:
            now = time.monotonic()
            wait = max(self._next_request - now, self._next_tokens - now if token_interval else 0.0)
            self._next_request = max(now, self._next_request) + request_interval
            if token_interval:
                self._next_tokens = max(now, self._next_tokens) + token_interval
        if wait > 0:
            await asyncio.sleep(wait)

    @asynccontextmanager
    async def slot(self, tokens: int = 0) -> AsyncIterator[None]:
        async with self._room:
            await self._room.wait_for(lambda: self.in_flight < max(1, int(self.window)))
            self.in_flight += 1
        try:
            await self._pace(tokens)
            yield
        finally:
            async with self._room:
                self.in_flight -= 1
                self._room.notify()

    # --- what the answer said ----------------------------------------------------------------

    async def record(self, *, rate_limited: bool) -> None:
        """Adapt the window to one answer: halve on a 429, grow by 1/window on success."""
        if not rate_limited and self.window >= self.max_window:
            return  # the common case: nothing to adapt, no lock taken
        async with self._room:
            if rate_limited:
                self._pacing = True
                now = time.monotonic()
                if now - self._last_decrease >= _DECREASE_EVERY_S:
                    self._last_decrease = now
                    self.window = max(1.0, self.window / 2)
                    self.decreases += 1
                return
            if self.window < self.max_window:
                before = int(self.window)
                self.window = min(float(self.max_window), self.window + 1.0 / self.window)
                if int(self.window) > before:
                    self._room.notify(int(self.window) - before)
