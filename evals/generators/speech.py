"""Spoken English sentences synthesised by espeak-ng at 16 kHz, clean or mixed with noise.

Voices vary by accent (en-us, en-gb) and espeak-ng's male/female variants, and speeds by words
per minute. Noisy rows add seeded white noise, or babble (six espeak talkers reading other
sentences at once), at a stated SNR. Audio is FLAC. Synthesis needs the espeak-ng program, so
the built-in speech dataset ships the audio and records the espeak-ng version it was made with.
"""

from __future__ import annotations

from functools import lru_cache, partial
from typing import Any, Literal

import numpy as np

from evals.generators import GeneratorParams, IndexedGenerator
from evals.generators.audio import SAMPLE_RATE, mix_at_snr, power, resample, synthesize, to_flac, trim_silence
from evals.generators.seeding import row_np_rng, row_rng
from evals.generators.words import spoken_sentence

NoiseKind = Literal["white", "babble"]
_BABBLE_TALKERS = 6


def speech(text: str, voice: str, speed: int) -> np.ndarray:
    """The sentence spoken by espeak-ng, at SAMPLE_RATE, with 0.1 s of silence each side."""
    signal, rate = synthesize(text, voice, speed)
    return trim_silence(resample(signal, rate, SAMPLE_RATE), SAMPLE_RATE)


@lru_cache(maxsize=4)
def babble_bed(seed: int, voices: tuple[str, ...]) -> np.ndarray:
    """About half a minute of several talkers at once, each at the same level (from the seed)."""
    talkers = []
    for talker in range(_BABBLE_TALKERS):
        rng = row_rng(seed, talker, "babble")
        text = " ".join(spoken_sentence(rng) for _ in range(12))
        signal = speech(text, voices[talker % len(voices)], 170)
        talkers.append(signal / np.sqrt(power(signal)))
    length = min(len(t) for t in talkers)
    bed: np.ndarray = np.sum([t[:length] for t in talkers], axis=0)
    return bed


def clip_flac(
    text: str,
    voice: str,
    speed: int,
    noise: str,
    snr_db: float | None,
    seed: int,
    index: int,
    babble_voices: tuple[str, ...],
) -> bytes:
    clean = speech(text, voice, speed)
    if noise == "white" and snr_db is not None:
        white = row_np_rng(seed, index, "white").standard_normal(len(clean))
        return to_flac(mix_at_snr(clean, white, snr_db))
    if noise == "babble" and snr_db is not None:
        bed = babble_bed(seed, babble_voices)
        if len(bed) <= len(clean):
            bed = np.tile(bed, len(clean) // len(bed) + 2)
        offset = row_rng(seed, index, "babble-offset").randrange(len(bed) - len(clean))
        return to_flac(mix_at_snr(clean, bed[offset:], snr_db))
    return to_flac(clean)


class SpeechParams(GeneratorParams):
    voices: tuple[str, ...] = ("en-us+m1", "en-us+f2", "en-gb+m3", "en-gb+f4")
    speeds: tuple[int, ...] = (140, 170, 200)
    noisy_share: float = 0.5
    noise_kinds: tuple[NoiseKind, ...] = ("white", "babble")
    snrs_db: tuple[int, ...] = (20, 10, 5)


class SpeechClips(IndexedGenerator):
    """A spoken sentence per row (FLAC, 16 kHz mono) and its transcript."""

    name = "speech_clips"
    description = "English sentences spoken by espeak-ng, clean or in white/babble noise"
    columns = ("id", "audio", "answer", "voice", "accent", "gender", "speed", "noise", "snr_db", "n_words")
    Params = SpeechParams
    params: SpeechParams

    def row(self, seed: int, index: int) -> dict[str, Any]:
        rng = row_rng(seed, index, "speech")
        text = spoken_sentence(rng)
        voice = rng.choice(self.params.voices)
        speed = rng.choice(self.params.speeds)
        noise, snr_db = "clean", None
        if rng.random() < self.params.noisy_share:
            noise, snr_db = rng.choice(self.params.noise_kinds), rng.choice(self.params.snrs_db)
        accent, _, variant = voice.partition("+")
        render = partial(clip_flac, text, voice, speed, noise, snr_db, seed, index, self.params.voices)
        return {
            "id": f"utt-{index:04d}",
            "audio": render,
            "answer": text,
            "voice": voice,
            "accent": accent,
            "gender": {"m": "male", "f": "female"}.get(variant[:1], "default"),
            "speed": speed,
            "noise": noise,
            "snr_db": "clean" if snr_db is None else snr_db,
            "n_words": len(text.split()),
        }
