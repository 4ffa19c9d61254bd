"""The retry decision as a value, apart from the loop that waits (bounded by default)."""

from __future__ import annotations

import random
from dataclasses import dataclass

from evals.records import ErrorInfo


@dataclass(frozen=True, slots=True)
class RetryDecision:
    retry: bool
    delay: float
    reason: str


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Exponential backoff with jitter; a server's Retry-After wins, up to `max_delay`.

    Only errors classified retryable (429, 408, 409, 5xx, timeouts, connection failures) are
    retried, at most `max_retries` times; a 400/401/403/404 or a malformed body is final.
    """

    max_retries: int = 4
    base_delay: float = 1.0
    max_delay: float = 60.0

    def decide(self, error: ErrorInfo, attempt: int, rng: random.Random) -> RetryDecision:
        if not error.retryable:
            return RetryDecision(False, 0.0, f"{error.kind} is not retryable")
        if attempt > self.max_retries:
            return RetryDecision(False, 0.0, f"gave up after {attempt} attempts")
        if error.retry_after is not None and error.retry_after >= 0:
            delay = min(error.retry_after, self.max_delay)
            return RetryDecision(True, delay, f"server asked to retry after {error.retry_after:g}s")
        ceiling = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
        delay = ceiling * (0.5 + 0.5 * rng.random())
        return RetryDecision(True, delay, f"{error.kind}: backoff {delay:.2f}s")
