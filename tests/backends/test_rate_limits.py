"""Rate limits: the providers' headers read into one snapshot, the fake provider's quotas, and a
run that adapts to a quota instead of storming it with retries."""

from __future__ import annotations

import asyncio
import json
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from backend_support import journal, run_config, run_options, write_task

from evals.ratelimits import RateSignal, duration_seconds, read_headers
from evals.runner.limits import RequestLimiter
from evals.session import start_run
from evals.testing.fake_provider import FakeConfig, FakeProvider


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("1s", 1.0),
        ("6m0s", 360.0),
        ("20ms", 0.02),
        ("1h2m3.5s", 3723.5),
        ("0.5", 0.5),
        ("", None),
        ("1x", None),
    ],
)
def test_openai_reset_durations(text: str, seconds: float | None) -> None:
    assert duration_seconds(text) == (pytest.approx(seconds) if seconds is not None else None)


def test_openai_and_anthropic_headers_read_alike() -> None:
    openai = read_headers(
        {
            "X-RateLimit-Limit-Requests": "600",
            "x-ratelimit-remaining-requests": "59",
            "x-ratelimit-reset-requests": "6s",
            "x-ratelimit-limit-tokens": "200000",
            "x-ratelimit-remaining-tokens": "150000",
            "x-ratelimit-reset-tokens": "15s",
        }
    )
    assert openai is not None
    assert (openai.limit_requests, openai.remaining_requests, openai.reset_requests_s) == (600, 59, 6.0)
    assert (openai.limit_tokens, openai.remaining_tokens, openai.reset_tokens_s) == (200000, 150000, 15.0)
    assert openai.low()  # 59 of 600 requests left: under a tenth
    anthropic = read_headers(
        {
            "anthropic-ratelimit-requests-limit": "50",
            "anthropic-ratelimit-requests-remaining": "40",
            "anthropic-ratelimit-requests-reset": "2026-12-02T10:00:30Z",
        },
        now=1_796_205_600.0,  # 2026-12-02T10:00:00Z
    )
    assert anthropic is not None and anthropic.reset_requests_s == pytest.approx(30.0)
    assert not anthropic.low()
    assert read_headers({"content-type": "application/json"}) is None
    assert read_headers({"x-ratelimit-limit-requests": "-5"}) is None  # hostile values ignored


def test_limiter_halves_on_429_once_per_burst_and_grows_back() -> None:
    async def body() -> tuple[float, float, float, int]:
        limiter = RequestLimiter(16, None)
        for _ in range(5):  # one burst of 429s: halved once
            await limiter.record(rate_limited=True)
        after_burst = limiter.window
        limiter._last_decrease -= 2.0  # a second later, another 429 halves again
        await limiter.record(rate_limited=True)
        after_second = limiter.window
        for _ in range(200):
            await limiter.record(rate_limited=False)
        return after_burst, after_second, limiter.window, limiter.decreases

    after_burst, after_second, grown, decreases = asyncio.run(body())
    assert (after_burst, after_second, decreases) == (8.0, 4.0, 2)
    assert grown == 16.0  # back to the configured concurrency, never beyond


def test_limiter_paces_at_the_quota_once_it_runs_low() -> None:
    signal = RateSignal()
    signal.observe({"x-ratelimit-limit-requests": "1200", "x-ratelimit-remaining-requests": "3"})

    async def body() -> float:
        limiter = RequestLimiter(64, None, signal)
        started = time.monotonic()

        async def one() -> None:
            async with limiter.slot():
                pass

        await asyncio.gather(*(one() for _ in range(11)))
        return time.monotonic() - started

    # 1,200 a minute is one request every 50 ms: 11 requests span at least 10 intervals.
    assert asyncio.run(body()) >= 0.45


class Answer:
    def __init__(self, status_code: int, headers: dict[str, str]) -> None:
        self.status_code, self.headers = status_code, {k.lower(): v for k, v in headers.items()}


def post(url: str, body: dict[str, object], headers: dict[str, str]) -> Answer:
    request = urllib.request.Request(
        url, json.dumps(body).encode(), {"Content-Type": "application/json", **headers}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return Answer(answer.status, dict(answer.headers))
    except urllib.error.HTTPError as refused:
        return Answer(refused.code, dict(refused.headers))


def test_fake_quota_answers_429_with_the_providers_headers(fake: FakeProvider) -> None:
    fake.configure(FakeConfig(quota_rpm=120, quota_window_s=1.0))  # holds 2 requests
    body = {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}
    answers = [
        post(f"{fake.openai_url}/chat/completions", body, {"Authorization": "Bearer sk-t"}) for _ in range(3)
    ]
    anthropic = post(
        f"{fake.url}/v1/messages",
        {"model": "claude", "max_tokens": 5, "messages": [{"role": "user", "content": "hi"}]},
        {"x-api-key": "k", "anthropic-version": "2023-06-01"},
    )
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[0].headers["x-ratelimit-limit-requests"] == "120"
    assert answers[1].headers["x-ratelimit-remaining-requests"] == "0"
    assert 0 < float(answers[2].headers["retry-after"]) <= 0.5
    assert anthropic.status_code == 429 and "anthropic-ratelimit-requests-limit" in anthropic.headers
    assert "x-ratelimit-limit-requests" not in anthropic.headers


def test_a_run_under_a_quota_adapts_instead_of_storming(fake: FakeProvider, tmp_path: Path) -> None:
    # 600 requests a minute (10 a second); the bucket holds 32, so the first 32 go at once.
    # Without adapting, every later wave of 32 would meet an empty bucket (and its retries
    # another); adapting, the run reads the headers and paces itself at the quota.
    fake.configure(FakeConfig(latency_ms=20, quota_rpm=600, quota_window_s=3.2))
    task = write_task(tmp_path, 72)
    backend = {
        "name": "gpt",
        "type": "openai",
        "model": "gpt-4o",
        "base_url": fake.openai_url,
        "concurrency": 32,
    }
    outcome = start_run(run_config(task, backend), tmp_path, run_options(tmp_path))
    lines = journal(outcome)
    assert len(lines) == 72 and all(line["status"] == "ok" for line in lines.values())
    outcomes = [hit.outcome for hit in fake.state.snapshot()]
    refused = outcomes.count("quota")
    assert outcomes.count("ok") == 72
    assert refused <= 7, f"{refused} requests refused for the quota: the run did not adapt"
