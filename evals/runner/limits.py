"""Per-backend limits: requests in flight (a semaphore) and requests per minute (spacing)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class RequestLimiter:
    def __init__(self, concurrency: int, rpm: float | None) -> None:
        self._slots = asyncio.Semaphore(concurrency)
        self._interval = 60.0 / rpm if rpm else 0.0
        self._next = 0.0
        self._lock = asyncio.Lock()
        self.in_flight = 0

    async def _pace(self) -> None:
        if not self._interval:
            return
        async with self._lock:
            now = time.monotonic()
            wait = self._next - now
            self._next = max(now, self._next) + self._interval
        if wait > 0:
            await asyncio.sleep(wait)

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        async with self._slots:
            await self._pace()
            self.in_flight += 1
            try:
                yield
            finally:
                self.in_flight -= 1
