"""Requests- and tokens-per-minute quotas, enforced as providers do, with their headers.

Each quota is a bucket that refills continuously at its per-minute rate and holds at most
`window_s` seconds of it (60 s: the whole minute, as a provider's; less in tests, so a short run
meets the limit). A request takes one request and its tokens (prompt estimate plus the most it
may answer, as OpenAI counts); if either bucket lacks them it is answered 429 with Retry-After.
Every answer, 429s included, carries the remaining quota in the provider's header names.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from evals.testing.fake_provider.request import FakeRequest


def _go_duration(seconds: float) -> str:
    """OpenAI's reset format: "20ms", "1.5s", "6m0s"."""
    if seconds < 1:
        return f"{max(0, round(seconds * 1000))}ms"
    if seconds < 60:
        return f"{seconds:.3g}s"
    minutes, rest = divmod(seconds, 60)
    return f"{int(minutes)}m{rest:.3g}s"


def request_tokens(request: FakeRequest) -> int:
    """What the quota counts for a request: ~4 characters a token, 85 per image (a low-detail
    tile), 100 per audio or video part, plus its max output tokens."""
    body = request.body
    limit = body.get("max_completion_tokens") or body.get("max_tokens") or body.get("max_output_tokens")
    config = body.get("generationConfig") or {}
    limit = limit or config.get("maxOutputTokens") or 0
    media = len(request.images) + len(request.image_urls)
    return len(request.text) // 4 + 85 * media + 100 * (len(request.audio) + len(request.video)) + int(limit)


@dataclass
class _Bucket:
    per_minute: float
    capacity: float
    level: float
    at: float

    def refill(self, now: float) -> None:
        self.level = min(self.capacity, self.level + (now - self.at) * self.per_minute / 60.0)
        self.at = now

    def wait_for(self, amount: float) -> float:
        missing = amount - self.level
        return 0.0 if missing <= 0 else missing * 60.0 / self.per_minute

    def until_full(self) -> float:
        return (self.capacity - self.level) * 60.0 / self.per_minute


class Quota:
    """Both buckets of one server (shared by every model and provider it serves)."""

    def __init__(self, rpm: float, tpm: float, window_s: float = 60.0) -> None:
        now = time.monotonic()
        self._lock = threading.Lock()
        self._requests = _Bucket(rpm, rpm * window_s / 60.0, rpm * window_s / 60.0, now) if rpm else None
        self._tokens = _Bucket(tpm, tpm * window_s / 60.0, tpm * window_s / 60.0, now) if tpm else None

    def take(self, tokens: int) -> tuple[float, dict[str, str]]:
        """Seconds to wait before this request would be admitted (0: admitted, and taken), and
        the headers describing what is left."""
        with self._lock:
            now = time.monotonic()
            wait = 0.0
            for bucket, amount in ((self._requests, 1.0), (self._tokens, float(tokens))):
                if bucket is not None:
                    bucket.refill(now)
                    wait = max(wait, bucket.wait_for(min(amount, bucket.capacity)))
            if wait == 0.0:
                if self._requests is not None:
                    self._requests.level -= 1.0
                if self._tokens is not None:
                    self._tokens.level -= min(float(tokens), self._tokens.capacity)
            return wait, self._headers()

    def _headers(self) -> dict[str, str]:
        headers: dict[str, str] = {}
        epoch = time.time()
        for name, bucket in (("requests", self._requests), ("tokens", self._tokens)):
            if bucket is None:
                continue
            limit, remaining = f"{bucket.per_minute:.0f}", f"{max(0, int(bucket.level))}"
            reset = bucket.until_full()
            headers[f"x-ratelimit-limit-{name}"] = limit
            headers[f"x-ratelimit-remaining-{name}"] = remaining
            headers[f"x-ratelimit-reset-{name}"] = _go_duration(reset)
            headers[f"anthropic-ratelimit-{name}-limit"] = limit
            headers[f"anthropic-ratelimit-{name}-remaining"] = remaining
            at = datetime.fromtimestamp(epoch + reset, UTC)
            headers[f"anthropic-ratelimit-{name}-reset"] = at.isoformat().replace("+00:00", "Z")
        return headers


def provider_headers(provider: str, headers: dict[str, str]) -> dict[str, Any]:
    """Only the header names the provider itself sends (Gemini sends none)."""
    if provider == "openai":
        return {k: v for k, v in headers.items() if k.startswith("x-ratelimit-")}
    if provider == "anthropic":
        return {k: v for k, v in headers.items() if k.startswith("anthropic-ratelimit-")}
    return {}
