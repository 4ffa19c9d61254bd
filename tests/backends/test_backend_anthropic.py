"""Anthropic Messages through the real SDK against the fake provider."""

from __future__ import annotations

import pytest
from backend_support import bmp, make_backend, media_part, png, request, run, text

from evals.backends import _tokens
from evals.records import GenerationParams
from evals.testing.fake_provider import FakeConfig, FakeProvider, FakeRequest


def test_text_images_and_system(fake: FakeProvider) -> None:
    seen: list[FakeRequest] = []

    def answer(req: FakeRequest) -> str:
        seen.append(req)
        return f"{len(req.images)} images"

    fake.answer = answer
    backend = make_backend(fake, "anthropic", "claude-sonnet-4-6")
    req = request(
        media_part("image", png(1000, 1000)),
        media_part("image", bmp(200, 200)),  # not a type Anthropic takes: converted to PNG
        text("Count [sample:an]"),
        system="You count.",
    )
    response = run(backend, lambda: backend.generate(req))
    assert response.text == "2 images"
    body = seen[0].body
    assert body["system"] == "You count." and body["max_tokens"] == 16
    sources = [b["source"]["media_type"] for b in body["messages"][0]["content"] if b["type"] == "image"]
    assert sources == ["image/png", "image/png"]
    # w*h/750: 1000x1000 -> 1333, 200x200 -> 53 (the docs' table rounds to 1334 and 54)
    image_tokens = _tokens.anthropic_image_tokens(1000, 1000) + _tokens.anthropic_image_tokens(200, 200)
    assert (
        response.usage.input_tokens == _tokens.text_tokens("You count.\nCount [sample:an]") + 4 + image_tokens
    )
    assert backend.cost(response.usage) == pytest.approx(
        (response.usage.input_tokens * 3.0 + response.usage.output_tokens * 15.0) / 1e6  # type: ignore[operator]
    )


def test_max_tokens_default_structured_output_and_no_sampling_params(fake: FakeProvider) -> None:
    seen: list[FakeRequest] = []
    fake.answer = lambda req: seen.append(req) or "{}"  # type: ignore[func-returns-value]
    schema = {"type": "object", "properties": {"n": {"type": "integer"}}}
    params = GenerationParams(max_tokens=None, temperature=0.0, response_schema=schema)
    backend = make_backend(fake, "anthropic", "claude-haiku-4-5", options={"max_tokens": 77})
    run(backend, lambda: backend.generate(request(text("n?"), params=params)))
    body = seen[0].body
    assert body["max_tokens"] == 77
    assert body["output_config"]["format"] == {"type": "json_schema", "schema": schema}
    assert "temperature" not in body  # anthropic 2.x has no temperature parameter
    sampling = make_backend(fake, "anthropic", "claude-3-5-haiku", options={"sampling": True})
    run(sampling, lambda: sampling.generate(request(text("n?"), params=params)))
    assert seen[1].body["temperature"] == 0.0


def test_cached_tokens_counted_in_input_and_priced_apart(fake: FakeProvider) -> None:
    fake.configure(FakeConfig(cached_tokens=10))
    backend = make_backend(fake, "anthropic", "claude-3-5-haiku-20241022")
    response = run(backend, lambda: backend.generate(request(text("a fairly long prompt " * 10))))
    usage = response.usage
    assert usage.cached_input_tokens == 10
    fresh = usage.input_tokens - 10  # type: ignore[operator]
    assert backend.cost(usage) == pytest.approx((fresh * 0.80 + 10 * 0.08 + usage.output_tokens * 4.0) / 1e6)  # type: ignore[operator]


def test_audio_and_video_are_not_declared() -> None:
    from evals.backends.anthropic_messages import AnthropicBackend

    assert AnthropicBackend.modalities == frozenset({"text", "image"})
