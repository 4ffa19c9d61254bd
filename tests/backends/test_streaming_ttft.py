"""Streaming time to first token for Anthropic and Gemini through their SDKs against the fake
provider's server-sent events: the text, usage and stop reason match the unstreamed answer."""

from __future__ import annotations

import pytest
from backend_support import make_backend, request, run, text

from evals.testing.fake_provider import FakeConfig, FakeProvider

ANSWER = "a streamed answer of several words"


@pytest.mark.parametrize(
    ("backend_type", "model"), [("anthropic", "claude-haiku-4-5"), ("gemini", "gemini-2.5-flash")]
)
def test_streaming_measures_ttft_and_keeps_the_answer(
    fake: FakeProvider, backend_type: str, model: str
) -> None:
    fake.answer = lambda req: ANSWER
    fake.configure(FakeConfig(latency_ms=80))
    streamed = make_backend(fake, backend_type, model, options={"stream": True})
    streamed.check()
    streamed.warm_up()  # imports the SDK before the clock starts, as a run does
    got = run(streamed, lambda: streamed.generate(request(text("Go [sample:st]"))))
    plain = make_backend(fake, backend_type, model)
    whole = run(plain, lambda: plain.generate(request(text("Go [sample:st]"))))
    assert got.text == whole.text == ANSWER
    assert got.ttft_s is not None and 0.079 <= got.ttft_s < 2.0 and whole.ttft_s is None
    assert got.usage == whole.usage and got.usage.output_tokens
    assert got.finish_reason == whole.finish_reason
    assert [h.outcome for h in fake.state.snapshot()] == ["ok", "ok"]
