"""DNSMOS through speechmos: clean espeak-ng speech against the same speech in white noise;
the speaking-rate check against clips of known length."""

from __future__ import annotations

import io
import shutil

import numpy as np
import pytest
import soundfile
from speech_support import score_media

from evals.errors import InputError
from evals.scoring import ScorerFailed, build_scorer

needs_espeak = pytest.mark.skipif(
    shutil.which("espeak-ng") is None, reason="needs espeak-ng: apt-get install espeak-ng"
)
TEXTS = (
    "The green camera counted across the bicycle on Wednesday.",
    "Please close the window before the meeting starts tomorrow morning.",
    "Hugo and Grace closed the gentle station in September.",
)


def wav(samples: np.ndarray, rate: int = 16_000) -> bytes:
    buffer = io.BytesIO()
    soundfile.write(buffer, samples, rate, format="WAV", subtype="PCM_16")
    return buffer.getvalue()


def clip(text: str, voice: str = "en-us", speed: int = 150) -> np.ndarray:
    from evals.generators.speech import speech

    return speech(text, voice, speed)


def noisy(samples: np.ndarray, snr_db: float, seed: int) -> np.ndarray:
    from evals.generators.audio import mix_at_snr

    mixed = mix_at_snr(samples, np.random.default_rng(seed).standard_normal(len(samples)), snr_db)
    return mixed * (0.95 / max(0.95, float(np.max(np.abs(mixed)))))


@needs_espeak
@pytest.mark.slow  # DNSMOS on many clips: pytest -m slow
def test_noise_costs_more_than_one_mos_point() -> None:
    # Measured here (speechmos 0.0.1.1, espeak-ng 1.51, en-us at 150 wpm; white noise at -5 dB SNR):
    # OVRL clean 2.36 / 2.36 / 2.96 vs noisy 1.28 / 1.34 / 1.27 (drops 1.08, 1.02, 1.69; mean 1.26);
    # BAK 3.09 / 2.74 / 3.82 vs 1.25 / 1.30 / 1.24. At 0 dB the OVRL drop was 0.9-1.2, at 5 dB 0.3-0.8:
    # espeak-ng's clean speech itself rates only ~2.1-3.0 overall.
    scorer = build_scorer("mos")
    clean, dirty = [], []
    for seed, text in enumerate(TEXTS):
        samples = clip(text)
        clean.append(score_media(scorer, wav(samples)).values)
        dirty.append(score_media(scorer, wav(noisy(samples, -5.0, seed))).values)
    for values in clean + dirty:
        assert all(1.0 <= values[key] <= 5.0 for key in ("mos_ovrl", "mos_sig", "mos_bak", "mos_p808"))
    drops = [c["mos_ovrl"] - d["mos_ovrl"] for c, d in zip(clean, dirty, strict=True)]
    assert float(np.mean(drops)) >= 1.0 and min(drops) >= 0.8
    assert all(
        2.0 <= c["mos_ovrl"] <= 3.3 and d["mos_ovrl"] <= 1.6 for c, d in zip(clean, dirty, strict=True)
    )
    assert all(c["mos_bak"] - d["mos_bak"] >= 1.2 for c, d in zip(clean, dirty, strict=True))


@needs_espeak
def test_speaking_rate_of_known_speeds() -> None:
    slow = build_scorer("speaking_rate", {"min_wpm": 120, "max_wpm": 200})
    words = len(TEXTS[1].split())
    at_140 = score_media(slow, wav(clip(TEXTS[1], speed=140)), [TEXTS[1]])
    at_260 = score_media(slow, wav(clip(TEXTS[1], speed=260)), [TEXTS[1]])
    assert at_140.details["words"] == words
    assert at_260.values["words_per_minute"] > at_140.values["words_per_minute"] * 1.4
    assert at_140.values["rate_in_range"] == 1.0 and at_140.flags == ()
    assert at_260.values["rate_in_range"] == 0.0 and at_260.flags == ("too_fast",)


def test_speaking_rate_counts_from_first_to_last_sound() -> None:
    rate = 16_000
    tone = 0.5 * np.sin(np.arange(3 * rate) * 2 * np.pi * 220 / rate)
    padded = np.concatenate([np.zeros(rate), tone, np.zeros(2 * rate)])  # 3 s of sound in 6 s
    scored = score_media(build_scorer("speaking_rate"), wav(padded), ["one two three four five six"])
    assert scored.details["seconds"] == pytest.approx(3.0, abs=0.01)
    assert scored.values["words_per_minute"] == pytest.approx(120.0, rel=0.01)
    silent = score_media(build_scorer("speaking_rate"), wav(np.zeros(rate)), ["a b"])
    assert silent.flags == ("silent",) and silent.values["rate_in_range"] == 0.0


def test_unscorable_audio_and_bad_options() -> None:
    with pytest.raises(ScorerFailed, match="cannot be decoded"):
        score_media(build_scorer("mos"), b"not audio at all")
    with pytest.raises(InputError, match="min_wpm"):
        build_scorer("speaking_rate", {"min_wpm": 220, "max_wpm": 200})
