"""Speech synthesis with espeak-ng, and TTS evaluated by round trip through a recogniser."""

from __future__ import annotations

import asyncio
import io
from typing import Any

import jiwer
import pytest
import soundfile
from engine_samples import ASR_VOICE, SENTENCES, make, needs, run, speech_request

from evals.backends.base import Backend, BackendConfig
from evals.engines.espeak import EspeakBackend
from evals.engines.roundtrip import RoundTripBackend
from evals.errors import InputError
from evals.records import Request, Sample, Usage

pytestmark = [pytest.mark.engines, needs("espeak-ng")]

# Round trip espeak-ng → pocketsphinx on the first three SENTENCES (38 words), measured on this
# machine: corpus WER 0.34 with the en-us+f5 voice and 0.82 with the default en-us voice (on all
# five: 0.38 and 0.83, the figures of pocketsphinx on espeak-ng's own 22 kHz WAV in
# test_speech.py: the backend's 16 kHz output loses nothing the recogniser needs). Bound 0.50 for
# f5, as in test_speech.py; the default voice must come out clearly worse.
SAID = SENTENCES[:3]
ROUNDTRIP_WER = 0.50


def roundtrip(voice: str, workers: int | None = None) -> RoundTripBackend:
    pool = {"workers": workers} if workers else {}
    options = {
        "tts": {"type": "espeak", "options": {"voice": voice, **pool}},
        "asr": {"type": "pocketsphinx", "options": pool},
    }
    return RoundTripBackend(BackendConfig(name="rt", type="tts-roundtrip", options=options))


async def both(*coroutines: Any) -> list[Any]:
    return list(await asyncio.gather(*coroutines))


async def say_all(backend: Backend, texts: list[str]) -> list[str]:
    responses = await asyncio.gather(*(backend.generate(speech_request(t)) for t in texts))
    assert all(r.error is None and r.audio for r in responses), [r.error for r in responses]
    return [r.text for r in responses]


def test_espeak_speaks_16khz_mono_16bit_wav() -> None:
    backend = make(EspeakBackend, voice="en-us", workers=1)
    fast = make(EspeakBackend, voice="en-us", speed=300, workers=1)
    try:
        slow, quick = run(both(*(b.generate(speech_request(SENTENCES[1])) for b in (backend, fast))))
    finally:
        run(backend.aclose())
        run(fast.aclose())
    assert slow.audio is not None and quick.audio is not None and slow.text == ""
    info = soundfile.info(io.BytesIO(slow.audio))
    assert (info.samplerate, info.channels, info.subtype, info.format) == (16_000, 1, "PCM_16", "WAV")
    assert slow.usage.audio_seconds == pytest.approx(info.duration, abs=0.01)
    # 15 words at espeak's 175 words a minute take about 5 s; at 300, well under 4 s.
    assert 3.5 < info.duration < 7
    assert quick.usage.audio_seconds is not None and quick.usage.audio_seconds < 0.75 * info.duration


def test_espeak_alone_is_refused_on_a_task_pointing_to_the_round_trip() -> None:
    backend = make(EspeakBackend)
    assert "text" not in backend.outputs and "audio" in backend.outputs
    sample = Sample("s1", {"text": "hello"}, ["hello"])
    response = run(backend.answer(speech_request("hello"), sample))
    assert response.error is not None and response.error.kind == "unsupported"
    assert "tts-roundtrip" in response.error.message
    assert run(backend.generate(Request("t", "s", ()))).error is not None  # nothing to speak


def test_round_trip_transcribes_what_espeak_said() -> None:
    backend = roundtrip(ASR_VOICE, workers=1)  # two round trips side by side: one worker a stage
    plain = roundtrip("en-us", workers=1)
    try:
        backend.check()
        heard, heard_plain = run(both(say_all(backend, SAID), say_all(plain, SAID)))
    finally:
        run(backend.aclose())
        run(plain.aclose())
    wer, wer_plain = jiwer.wer(SAID, heard), jiwer.wer(SAID, heard_plain)
    print(f"round trip WER {ASR_VOICE} {wer:.3f}, en-us {wer_plain:.3f}: {heard}")
    assert wer <= ROUNDTRIP_WER
    assert wer_plain > wer + 0.2  # the round trip tells a more intelligible voice from a less one


def test_round_trip_declares_and_names_its_stages() -> None:
    backend = roundtrip("en-us")
    assert backend.outputs == {"audio", "text"}
    assert backend.model == "espeak-ng→pocketsphinx-en-us"
    assert backend.concurrency == min(backend.tts.concurrency, backend.asr.concurrency)
    assert set(backend.versions()) == {"tts.espeak-ng", "asr.pocketsphinx", "asr.decoding"}
    assert backend.cost(Usage(audio_seconds=2.0)) == 0.0  # engines on both sides cost nothing
    other = roundtrip("en-us+f5")
    assert backend.cache_identity() != other.cache_identity()  # the voice is part of the cache key


def test_round_trip_refuses_stages_that_cannot_do_their_part() -> None:
    with pytest.raises(InputError, match="does not produce audio") as caught:
        RoundTripBackend(
            BackendConfig(name="rt", type="tts-roundtrip", options={"tts": {"type": "pocketsphinx"}})
        )
    assert caught.value.field == "backends.rt.options.tts.type"
    with pytest.raises(InputError, match="does not turn audio into text"):
        RoundTripBackend(
            BackendConfig(
                name="rt",
                type="tts-roundtrip",
                options={"tts": {"type": "espeak"}, "asr": {"type": "tesseract"}},
            )
        )
    with pytest.raises(InputError, match="unknown backend") as caught:
        RoundTripBackend(BackendConfig(name="rt", type="tts-roundtrip", options={"tts": {"type": "nope"}}))
    assert caught.value.field == "backends.rt.options.tts"
    with pytest.raises(InputError, match="voice"):
        roundtrip("nosuchvoice").check()
