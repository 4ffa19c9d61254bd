"""The fake provider itself: counting, scripts, random faults by seed, control endpoints, and
the separate-process mode used by benchmarks."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from evals.testing.fake_provider import FakeConfig, FakeProvider, FakeProviderProcess
from evals.testing.fake_provider.config import FaultPicker


def post(url: str, body: dict[str, object], key: str = "k") -> tuple[int, dict[str, object]]:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def chat(text: str) -> dict[str, object]:
    return {"model": "gpt-4o", "messages": [{"role": "user", "content": text}]}


def test_counts_per_sample_marker_or_body_hash(fake: FakeProvider) -> None:
    post(f"{fake.openai_url}/chat/completions", chat("a [sample:x1]"))
    post(f"{fake.openai_url}/chat/completions", chat("b [sample:x1]"))
    post(f"{fake.openai_url}/chat/completions", chat("no marker"))
    samples = fake.state.samples()
    assert samples["x1"] == {"requests": 2, "ok": 2}
    assert [k for k in samples if k.startswith("sha:")] and fake.state.requests() == 3


def test_script_then_normal_and_protocol_errors(fake: FakeProvider) -> None:
    fake.script("x", ["429", "500"])
    url = f"{fake.openai_url}/chat/completions"
    statuses = [post(url, chat("[sample:x]"))[0] for _ in range(3)]
    assert statuses == [429, 500, 200]
    status, body = post(url, {"model": "gpt-4o"})
    assert status == 400 and "messages" in body["error"]["message"]  # type: ignore[index]
    with pytest.raises(ValueError, match="unknown fault"):
        FakeConfig(script={"x": ["boom"]})


def test_random_faults_follow_the_seed() -> None:
    config = FakeConfig(seed=7, rate_limit=0.3, drop=0.2)
    first = [FaultPicker(config).pick("s", 1) for _ in range(1)]
    picker_a, picker_b = FaultPicker(config), FaultPicker(config)
    draws_a = [picker_a.pick("s", i) for i in range(200)]
    draws_b = [picker_b.pick("s", i) for i in range(200)]
    assert draws_a == draws_b and first[0] == draws_a[0]
    share = draws_a.count("429") / 200
    assert 0.2 < share < 0.4 and "drop" in draws_a


def test_wrong_key_is_401(fake: FakeProvider) -> None:
    fake.api_key = "right"
    status, body = post(f"{fake.openai_url}/chat/completions", chat("[sample:k]"), key="wrong")
    assert status == 401 and body["error"]["code"] == "invalid_api_key"  # type: ignore[index]


def test_separate_process_with_control_endpoints() -> None:
    with FakeProviderProcess(FakeConfig(latency_ms=1)) as server:
        assert server.url.startswith("http://127.0.0.1:")
        status, body = post(f"{server.openai_url}/chat/completions", chat("hi [sample:p]"))
        assert status == 200 and body["choices"][0]["message"]["content"] == "fake answer"  # type: ignore[index]
        server.configure(FakeConfig(script={"q": ["503"]}))  # attempts count from the server's start
        assert post(f"{server.openai_url}/chat/completions", chat("hi [sample:q]"))[0] == 503
        assert post(f"{server.openai_url}/chat/completions", chat("hi [sample:q]"))[0] == 200
        assert server.stats()["samples"] == {"p": {"requests": 1, "ok": 1}, "q": {"requests": 2, "ok": 1}}
