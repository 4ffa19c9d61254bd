"""OpenAI Chat Completions and Responses through the real SDK against the fake provider."""

from __future__ import annotations

import math

import pytest
from backend_support import make_backend, media_part, png, request, run, text, wav

from evals.backends import _media, _tokens
from evals.backends.openai_chat import OpenAIBackend
from evals.errors import InputError
from evals.records import GenerationParams
from evals.testing.fake_provider import FakeProvider, FakeRequest


def test_text_and_image_usage_and_cost(fake: FakeProvider) -> None:
    seen: list[FakeRequest] = []

    def answer(req: FakeRequest) -> str:
        seen.append(req)
        size = _tokens.image_size(req.images[0])
        return f"{size[0]}x{size[1]} {req.image_details[0]}" if size else "?"

    fake.answer = answer
    backend = make_backend(fake, "openai", "gpt-4o")
    req = request(media_part("image", png(1024, 1024), "high"), text("Size? [sample:a]"), system="Be brief.")
    response = run(backend, lambda: backend.generate(req))
    assert response.text == "1024x1024 high"
    assert seen[0].system == "Be brief." and seen[0].sample == "a"
    # The fake counts text at ~4 chars/token plus 7 tokens of message overhead, and the image by
    # OpenAI's tile rule: 1024x1024 at high detail is 765 tokens.
    expected_in = _tokens.text_tokens("Be brief.\nSize? [sample:a]") + 7 + 765
    assert response.usage.input_tokens == expected_in
    assert response.usage.output_tokens == _tokens.text_tokens("1024x1024 high")
    assert response.usage.cached_input_tokens == 0
    cost = backend.cost(response.usage)
    assert cost == pytest.approx((expected_in * 2.50 + response.usage.output_tokens * 10.0) / 1e6)
    assert response.raw is not None and "sk-test" not in repr(response.raw)
    assert fake.state.requests("a") == 1


def test_several_images_in_one_message(fake: FakeProvider) -> None:
    fake.answer = lambda req: f"{len(req.images)} images, details {req.image_details}"
    backend = make_backend(fake, "openai", "gpt-4o-mini")
    req = request(
        media_part("image", png(64, 64), "low"),
        media_part("image", png(600, 300, (1, 1, 1)), "low"),
        media_part("image", png(32, 32, (9, 9, 9))),
        text("Compare."),
    )
    response = run(backend, lambda: backend.generate(req))
    assert response.text == "3 images, details ['low', 'low', None]"
    # gpt-4o-mini's tile rule: 2833 for a low-detail image; the third (no detail: auto/high) is
    # one tile: 2833 + 5667.
    assert response.usage.input_tokens == _tokens.text_tokens("Compare.") + 7 + 2 * 2833 + 2833 + 5667


def test_image_from_url_is_sent_by_reference(fake: FakeProvider) -> None:
    fake.answer = lambda req: f"urls={req.image_urls} inline={len(req.images)}"
    backend = make_backend(fake, "openai", "gpt-4o")
    req = request(media_part("image", png(8, 8), path="https://example.org/cat.png"), text("What?"))
    response = run(backend, lambda: backend.generate(req))
    assert response.text == "urls=['https://example.org/cat.png'] inline=0"


def test_audio_input(fake: FakeProvider) -> None:
    fake.answer = lambda req: f"{len(req.audio)} clip of {_tokens.audio_seconds(req.audio[0]):.1f}s"
    backend = make_backend(fake, "openai", "gpt-4o-audio-preview")
    req = request(media_part("audio", wav(2.0)), text("Transcribe."))
    response = run(backend, lambda: backend.generate(req))
    assert response.text == "1 clip of 2.0s"
    assert response.usage.audio_tokens == 20  # ~10 audio tokens per second
    # audio tokens are priced at the audio rate, the rest at the text rate
    plain = response.usage.input_tokens - 20  # type: ignore[operator]
    expected = (plain * 2.5 + 20 * 40.0 + response.usage.output_tokens * 10.0) / 1e6  # type: ignore[operator]
    assert backend.cost(response.usage) == pytest.approx(expected)


def test_video_is_refused_as_unsupported(fake: FakeProvider) -> None:
    backend = make_backend(fake, "openai", "gpt-4o")
    req = request(media_part("video", b"\x00\x00\x00\x18ftypisom" + bytes(32)), text("?"))
    with pytest.raises(Exception) as caught:
        run(backend, lambda: backend.generate(req))
    assert backend.classify_error(caught.value).kind == "unsupported"
    assert fake.state.requests() == 0
    assert "video" not in OpenAIBackend.modalities


def test_streaming_measures_ttft_and_reads_usage(fake: FakeProvider) -> None:
    fake.answer = lambda req: "a streamed answer of several words"
    fake.configure(fake.config.__class__(latency_ms=30))
    backend = make_backend(fake, "openai", "gpt-4o", options={"stream": True})
    response = run(backend, lambda: backend.generate(request(text("Go [sample:st]"))))
    assert response.text == "a streamed answer of several words"
    assert response.ttft_s is not None and 0.03 <= response.ttft_s < 2.0
    assert response.usage.input_tokens and response.usage.output_tokens
    assert response.finish_reason == "stop"


def test_responses_api_with_structured_output(fake: FakeProvider) -> None:
    seen: list[FakeRequest] = []

    def answer(req: FakeRequest) -> str:
        seen.append(req)
        return '{"answer": "red"}'

    fake.answer = answer
    schema = {"type": "object", "properties": {"answer": {"type": "string"}}, "required": ["answer"]}
    backend = make_backend(fake, "openai", "gpt-4.1-mini", options={"api": "responses"})
    params = GenerationParams(max_tokens=20, temperature=0.0, response_schema=schema)
    req = request(
        media_part("image", png(1024, 1024), "high"), text("Colour?"), system="JSON only.", params=params
    )
    response = run(backend, lambda: backend.generate(req))
    assert response.text == '{"answer": "red"}'
    body = seen[0].body
    assert body["instructions"] == "JSON only." and body["max_output_tokens"] == 20
    assert body["text"]["format"]["schema"] == schema and body["store"] is False
    # gpt-4.1-mini uses the 32-px patch rule: 1024 patches x 1.62
    patches = math.floor(1024 * 1.62)
    assert response.usage.input_tokens == _tokens.text_tokens("JSON only.\nColour?") + 7 + patches


def test_chat_structured_output_and_reasoning_params(fake: FakeProvider) -> None:
    seen: list[FakeRequest] = []
    fake.answer = lambda req: seen.append(req) or "{}"  # type: ignore[func-returns-value]
    schema = {"type": "object", "properties": {}}
    params = GenerationParams(max_tokens=50, temperature=0.0, seed=3, response_schema=schema, stop=("END",))
    backend = make_backend(fake, "openai", "o4-mini", options={"reasoning_effort": "low"})
    run(backend, lambda: backend.generate(request(text("Hi"), params=params)))
    body = seen[0].body
    assert body["max_completion_tokens"] == 50 and "max_tokens" not in body
    assert "temperature" not in body and body["reasoning_effort"] == "low"
    assert body["response_format"]["json_schema"]["schema"] == schema
    assert body["seed"] == 3 and body["stop"] == ["END"]

    seen.clear()
    backend = make_backend(fake, "openai", "gpt-4o")
    run(backend, lambda: backend.generate(request(text("Hi"), params=params)))
    assert seen[0].body["max_tokens"] == 50 and seen[0].body["temperature"] == 0.0


def test_media_is_encoded_once_per_request(fake: FakeProvider, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    real = _media.base64.b64encode

    def counting(data: bytes) -> bytes:
        calls.append(len(data))
        return real(data)

    monkeypatch.setattr(_media.base64, "b64encode", counting)
    backend = make_backend(fake, "openai", "gpt-4o")
    req = request(media_part("image", png(40, 40)), text("x [sample:m]"))

    async def twice() -> None:
        await backend.generate(req)
        await backend.generate(req)  # a retry of the same request

    run(backend, twice)
    assert len(calls) == 1 and fake.state.requests("m") == 2


def test_compatible_backend_needs_no_key_and_keeps_base_url_in_identity(
    fake: FakeProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY")
    fake.answer = lambda req: f"model={req.model}"
    backend = make_backend(fake, "openai-compatible", "llava-hf/llava-1.5-7b-hf")
    backend.check()
    response = run(backend, lambda: backend.generate(request(media_part("image", png(16, 16)), text("?"))))
    assert response.text == "model=llava-hf/llava-1.5-7b-hf"
    assert backend.cache_identity()["base_url"] == fake.openai_url
    assert backend.cost(response.usage) is None  # unknown, never 0
    free = make_backend(fake, "openai-compatible", "llava", options={"free": True})
    assert free.cost(response.usage) == 0.0


def test_compatible_backend_never_sends_the_openai_key(fake: FakeProvider) -> None:
    backend = make_backend(fake, "openai-compatible", "m")
    client = run(backend, lambda: _client_key(backend))
    assert client == "not-needed"


async def _client_key(backend: object) -> str:
    return str(backend.client.api_key)  # type: ignore[attr-defined]


def test_compatible_backend_checks_base_url_and_model(fake: FakeProvider) -> None:
    with pytest.raises(InputError, match="base_url"):
        make_backend(fake, "openai-compatible", "m", base_url=None).check()
    with pytest.raises(InputError, match="model"):
        make_backend(fake, "openai-compatible").check()
