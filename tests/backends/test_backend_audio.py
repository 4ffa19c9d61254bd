"""OpenAI transcription and speech through the real SDK against the fake provider."""

from __future__ import annotations

import pytest
from backend_support import make_backend, media_part, request, run, text, wav

from evals.backends import _tokens
from evals.testing.fake_provider import FakeProvider, FakeRequest


def test_transcription_json_usage_in_seconds(fake: FakeProvider) -> None:
    seen: list[FakeRequest] = []

    def answer(req: FakeRequest) -> str:
        seen.append(req)
        return "hello world"

    fake.answer = answer
    backend = make_backend(fake, "openai-transcribe", "whisper-1", options={"language": "en"})
    req = request(media_part("audio", wav(30.0)), text("Transcribe this audio."))
    response = run(backend, lambda: backend.generate(req))
    assert response.text == "hello world"
    assert seen[0].body["language"] == "en" and "prompt" not in seen[0].body  # text not sent by default
    assert response.usage.audio_seconds == pytest.approx(30.0)
    assert backend.cost(response.usage) == pytest.approx(0.003)  # $0.006 per minute


def test_transcription_verbose_json_and_prompt(fake: FakeProvider) -> None:
    seen: list[FakeRequest] = []
    fake.answer = lambda req: seen.append(req) or "some words"  # type: ignore[func-returns-value]
    backend = make_backend(
        fake,
        "openai-transcribe",
        "whisper-1",
        options={"response_format": "verbose_json", "prompt_from_text": True},
    )
    req = request(media_part("audio", wav(2.5)), text("Names: Zoë, Łukasz."))
    response = run(backend, lambda: backend.generate(req))
    assert seen[0].text == "Names: Zoë, Łukasz."
    assert response.raw is not None and response.raw["segments"][0]["end"] == pytest.approx(2.5)
    assert response.usage.audio_seconds == pytest.approx(2.5)


def test_token_billed_transcription_model(fake: FakeProvider) -> None:
    backend = make_backend(fake, "openai-transcribe", "gpt-4o-transcribe")
    response = run(backend, lambda: backend.generate(request(media_part("audio", wav(6.0)), text("x"))))
    assert response.usage.audio_tokens == 60 and response.usage.output_tokens
    assert response.usage.audio_seconds == pytest.approx(6.0)
    assert backend.cost(response.usage) == pytest.approx(0.0006)  # published $0.006/min estimate


def test_speech_returns_audio(fake: FakeProvider) -> None:
    seen: list[FakeRequest] = []
    fake.answer = lambda req: seen.append(req) or ""  # type: ignore[func-returns-value]
    backend = make_backend(fake, "openai-tts", "gpt-4o-mini-tts", options={"voice": "nova"})
    spoken = "The quick brown fox jumps over the lazy dog."
    response = run(backend, lambda: backend.generate(request(text(spoken))))
    assert seen[0].body["voice"] == "nova" and seen[0].body["response_format"] == "wav"
    assert response.audio is not None and response.audio[:4] == b"RIFF"
    seconds = _tokens.audio_seconds(response.audio)
    assert response.usage.audio_seconds == pytest.approx(seconds)
    assert backend.cost(response.usage) == pytest.approx(seconds / 60 * 0.015)  # type: ignore[operator]
    assert backend.outputs == frozenset({"audio"})


def test_character_priced_speech_is_charged_per_input_character(fake: FakeProvider) -> None:
    backend = make_backend(fake, "openai-tts", "tts-1")
    response = run(backend, lambda: backend.generate(request(text("Hi there."))))
    assert response.audio and response.usage.input_characters == 9
    assert backend.cost(response.usage) == pytest.approx(9 * 15.00 / 1e6)  # $15 per million characters
