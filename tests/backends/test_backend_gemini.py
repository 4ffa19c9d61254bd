"""Gemini through google-genai against the fake provider: inline media, the Files API, usage."""

from __future__ import annotations

import asyncio
import hashlib

import pytest
from backend_support import make_backend, media_part, mp4, png, request, run, text, wav

from evals.backends import _tokens
from evals.backends.gemini import GeminiBackend
from evals.testing.fake_provider import FakeProvider, FakeRequest


def test_image_and_audio_inline_with_modality_usage(fake: FakeProvider) -> None:
    seen: list[FakeRequest] = []

    def answer(req: FakeRequest) -> str:
        seen.append(req)
        return f"{len(req.images)} image, {len(req.audio)} audio"

    fake.answer = answer
    backend = make_backend(fake, "gemini", "gemini-2.5-flash")
    req = request(
        media_part("image", png(1024, 1024)),
        media_part("audio", wav(3.0)),
        text("Describe [sample:g]"),
        system="Short answers.",
    )
    response = run(backend, lambda: backend.generate(req))
    assert response.text == "1 image, 1 audio"
    assert seen[0].system == "Short answers."
    config = seen[0].body["generationConfig"]
    assert config["maxOutputTokens"] == 16 and config["seed"] == 1
    usage = response.usage
    assert usage.image_tokens == 4 * 258  # 1024x1024 -> 2x2 tiles of 768
    assert usage.audio_tokens == 3 * 32
    assert usage.input_tokens == _tokens.text_tokens("Short answers.\nDescribe [sample:g]") + 1032 + 96
    plain = usage.input_tokens - 96  # type: ignore[operator]
    expected = (plain * 0.30 + 96 * 1.00 + usage.output_tokens * 2.50) / 1e6  # type: ignore[operator]
    assert backend.cost(usage) == pytest.approx(expected)


def test_small_video_goes_inline(fake: FakeProvider) -> None:
    fake.answer = lambda req: f"{len(req.video)} video"
    backend = make_backend(fake, "gemini", "gemini-2.0-flash")
    response = run(backend, lambda: backend.generate(request(media_part("video", mp4(2.0)), text("What?"))))
    assert response.text == "1 video"
    assert not fake.state.uploads


def test_video_through_files_api_uploaded_once_per_hash(fake: FakeProvider) -> None:
    fake.answer = lambda req: f"{len(req.video)} video of {len(req.video[0])} bytes"
    backend = make_backend(
        fake, "gemini", "gemini-2.0-flash", options={"inline_video_max_bytes": 0, "file_poll_s": 0.01}
    )
    shared = mp4(4.0, payload=50_000)
    other = mp4(1.0, payload=20_000, seed=7)
    requests = [
        request(media_part("video", shared), text("first [sample:v1]"), sample="v1"),
        request(media_part("video", shared), text("second [sample:v2]"), sample="v2"),
        request(media_part("video", other), text("third [sample:v3]"), sample="v3"),
    ]

    async def all_at_once() -> list[object]:
        return list(await asyncio.gather(*(backend.generate(r) for r in requests)))

    responses = run(backend, all_at_once)
    assert [r.text for r in responses] == [  # type: ignore[attr-defined]
        f"1 video of {len(shared)} bytes",
        f"1 video of {len(shared)} bytes",
        f"1 video of {len(other)} bytes",
    ]
    assert fake.state.uploads == {
        hashlib.sha256(shared).hexdigest(): 1,
        hashlib.sha256(other).hexdigest(): 1,
    }
    assert responses[0].usage.input_tokens >= 4 * 263  # type: ignore[attr-defined]

    # A retry, and a later sample with the same video, reuse the upload.
    again = make_backend(fake, "gemini", "gemini-2.0-flash", options={"inline_video_max_bytes": 0})
    retry = requests[0]
    run(again, lambda: again.generate(retry))
    assert sum(fake.state.uploads.values()) == 2  # found by its content-hash name: not uploaded again


def test_empty_candidates_is_a_bad_response(fake: FakeProvider) -> None:
    fake.script("*", ["empty"])
    backend = make_backend(fake, "gemini", "gemini-2.0-flash")
    with pytest.raises(Exception) as caught:
        run(backend, lambda: backend.generate(request(text("x"))))
    assert backend.classify_error(caught.value).kind == "bad_response"


def test_declares_all_modalities() -> None:
    assert GeminiBackend.modalities == frozenset({"text", "image", "audio", "video"})
