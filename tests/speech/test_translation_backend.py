"""openai-translate on the real SDK against the fake provider's /v1/audio/translations."""

from __future__ import annotations

import asyncio
import io

import aiohttp
import numpy as np
import pytest
import soundfile

from evals.backends.base import BackendConfig, backend_registry
from evals.media import Media
from evals.records import GenerationParams, MediaPart, Message, Request, TextPart
from evals.testing.fake_provider import FakeProvider, FakeRequest


def wav(seconds: float) -> bytes:
    buffer = io.BytesIO()
    soundfile.write(buffer, np.zeros(round(seconds * 16_000)), 16_000, format="WAV", subtype="PCM_16")
    return buffer.getvalue()


def translate(fake: FakeProvider, options: dict[str, object]) -> tuple[object, list[FakeRequest]]:
    seen: list[FakeRequest] = []
    fake.answer = lambda req: seen.append(req) or "Where is the station?"  # type: ignore[func-returns-value]
    config = {"name": "w", "type": "openai-translate", "base_url": fake.openai_url, "options": options}
    backend = backend_registry.get("openai-translate")(BackendConfig.model_validate(config))
    audio = MediaPart(Media.from_bytes("audio", wav(4.0), mime="audio/wav"))
    message = Message("user", (audio, TextPart("Translate this speech into English.")))
    request = Request(
        task="t", sample_id="s1", messages=(message,), params=GenerationParams(max_tokens=64, temperature=0.0)
    )

    async def body() -> object:
        try:
            return await backend.generate(request)
        finally:
            await backend.aclose()

    return asyncio.run(body()), seen


def test_translation_answer_and_usage(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-openai-0123456789")
    with FakeProvider() as fake:
        response, seen = translate(fake, {"response_format": "verbose_json"})
    assert seen[0].endpoint == "translations" and seen[0].model == "whisper-1"
    assert "language" not in seen[0].body and "prompt" not in seen[0].body
    assert response.text == "Where is the station?"  # type: ignore[attr-defined]
    assert response.usage.audio_seconds == pytest.approx(4.0)  # type: ignore[attr-defined]
    assert response.raw["segments"][0]["end"] == pytest.approx(4.0)  # type: ignore[attr-defined]


def test_fake_refuses_a_language_field() -> None:
    async def post(url: str) -> tuple[int, str]:
        form = aiohttp.FormData()
        form.add_field("file", wav(1.0), filename="a.wav", content_type="audio/wav")
        form.add_field("model", "whisper-1")
        form.add_field("language", "fr")
        headers = {"Authorization": "Bearer sk-test"}
        async with (
            aiohttp.ClientSession() as session,
            session.post(url, data=form, headers=headers) as answer,
        ):
            return answer.status, await answer.text()

    with FakeProvider() as fake:
        status, text = asyncio.run(post(f"{fake.openai_url}/audio/translations"))
    assert status == 400 and "language" in text
