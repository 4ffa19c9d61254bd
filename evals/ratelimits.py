"""What a provider says about its rate limits in response headers, read into one value.

OpenAI sends `x-ratelimit-{limit,remaining,reset}-{requests,tokens}` with resets as Go-style
durations ("1s", "6m0s", "20ms"); Anthropic sends `anthropic-ratelimit-{requests,tokens}-
{limit,remaining,reset}` with resets as RFC 3339 times. Gemini sends none (its 429 is the only
signal). The runner's limiter paces a backend by the latest snapshot (evals/runner/limits.py).
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|h|m|s)")
_UNIT_SECONDS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}


def duration_seconds(text: str) -> float | None:
    """Seconds in an OpenAI reset duration ("1s", "6m0s", "1h2m3.5s", "20ms"); None if unreadable."""
    text = text.strip()
    if not text:
        return None
    position, total = 0, 0.0
    for part in _DURATION_PART.finditer(text):
        if part.start() != position:
            return None
        total += float(part.group(1)) * _UNIT_SECONDS[part.group(2)]
        position = part.end()
    if position != len(text):
        try:  # a bare number of seconds, which some compatible servers send
            return max(0.0, float(text))
        except ValueError:
            return None
    return total


def _until(timestamp: str, now: float) -> float | None:
    """Seconds from `now` (epoch) to an RFC 3339 time (Anthropic's resets)."""
    try:
        moment = datetime.fromisoformat(timestamp.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    return max(0.0, moment.timestamp() - now)


def _count(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        number = int(float(value))
    except ValueError:
        return None
    return number if 0 <= number < 10**15 else None  # a hostile header is ignored, not trusted


@dataclass(frozen=True, slots=True)
class RateLimitSnapshot:
    """One response's view of the quota. Limits are per minute; resets in seconds from `seen`."""

    seen: float  # time.monotonic() when read
    limit_requests: int | None = None
    remaining_requests: int | None = None
    reset_requests_s: float | None = None
    limit_tokens: int | None = None
    remaining_tokens: int | None = None
    reset_tokens_s: float | None = None

    @property
    def empty(self) -> bool:
        return self.limit_requests is None and self.limit_tokens is None

    def low(self, margin: float = 0.1) -> bool:
        """Whether either quota is down to its last `margin` share: time to pace, not burst."""
        for limit, remaining in (
            (self.limit_requests, self.remaining_requests),
            (self.limit_tokens, self.remaining_tokens),
        ):
            if limit and remaining is not None and remaining <= margin * limit:
                return True
        return False


def read_headers(headers: Mapping[str, str], *, now: float | None = None) -> RateLimitSnapshot | None:
    """The snapshot in a response's headers (either provider's names); None when it has none."""
    lower = {key.lower(): value for key, value in headers.items()}
    seen = time.monotonic()
    epoch = time.time() if now is None else now
    if "x-ratelimit-limit-requests" in lower or "x-ratelimit-limit-tokens" in lower:
        snapshot = RateLimitSnapshot(
            seen=seen,
            limit_requests=_count(lower.get("x-ratelimit-limit-requests")),
            remaining_requests=_count(lower.get("x-ratelimit-remaining-requests")),
            reset_requests_s=duration_seconds(lower.get("x-ratelimit-reset-requests", "")),
            limit_tokens=_count(lower.get("x-ratelimit-limit-tokens")),
            remaining_tokens=_count(lower.get("x-ratelimit-remaining-tokens")),
            reset_tokens_s=duration_seconds(lower.get("x-ratelimit-reset-tokens", "")),
        )
    elif "anthropic-ratelimit-requests-limit" in lower or "anthropic-ratelimit-tokens-limit" in lower:
        snapshot = RateLimitSnapshot(
            seen=seen,
            limit_requests=_count(lower.get("anthropic-ratelimit-requests-limit")),
            remaining_requests=_count(lower.get("anthropic-ratelimit-requests-remaining")),
            reset_requests_s=_until(lower.get("anthropic-ratelimit-requests-reset", ""), epoch),
            limit_tokens=_count(lower.get("anthropic-ratelimit-tokens-limit")),
            remaining_tokens=_count(lower.get("anthropic-ratelimit-tokens-remaining")),
            reset_tokens_s=_until(lower.get("anthropic-ratelimit-tokens-reset", ""), epoch),
        )
    else:
        return None
    return None if snapshot.empty else snapshot


class RateSignal:
    """The latest snapshot one backend's responses carried (written by its HTTP client's
    response hook, read by the runner's limiter; both on the run's event loop)."""

    def __init__(self) -> None:
        self.latest: RateLimitSnapshot | None = None

    def observe(self, headers: Mapping[str, str]) -> None:
        snapshot = read_headers(headers)
        if snapshot is not None:
            self.latest = snapshot
