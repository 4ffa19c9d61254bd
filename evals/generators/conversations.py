"""Conversations of 2-4 talkers for speaker diarization, with exact "who spoke when" references.

Each talker is an espeak-ng persona: a voice variant, a pitch and a speed, all distinct within a
conversation. Turns are sentences of the speech dataset's kind, one talker after another with a
seeded pause between them (no overlap). A turn's reference segment is where its audio is louder
than the trim threshold, so the reference is exact by construction: RTTM text, one line a turn.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np

from evals.generators import GeneratorParams, IndexedGenerator
from evals.generators.audio import SAMPLE_RATE, resample, synthesize, to_flac, trim_silence
from evals.generators.seeding import row_rng
from evals.generators.words import spoken_sentence
from evals.segments import Segment, to_rttm

# (voice with variant, pitch 0-99, words per minute): male and female variants far apart in pitch.
Persona = tuple[str, int, int]
PERSONAS: tuple[Persona, ...] = (
    ("en-us+m1", 30, 150),
    ("en-gb+f2", 70, 175),
    ("en-us+m3", 45, 190),
    ("en-gb+f4", 85, 160),
    ("en-us+m7", 20, 170),
    ("en-us+f5", 65, 200),
    ("en-gb+m2", 55, 145),
    ("en-us+f1", 95, 185),
)


class ConversationParams(GeneratorParams):
    personas: tuple[Persona, ...] = PERSONAS
    min_speakers: int = 2
    max_speakers: int = 4
    min_turns: int = 6
    max_turns: int = 10
    min_pause_s: float = 0.3
    max_pause_s: float = 0.9
    lead_s: float = 0.5  # silence before the first turn and after the last


def _native_turn(text: str, persona: Persona) -> tuple[np.ndarray, int]:
    """The turn at espeak-ng's own rate, cut where the sound starts and ends (margin 0: the
    reference marks exactly this stretch)."""
    voice, pitch, speed = persona
    signal, rate = synthesize(text, voice, speed, pitch)
    return trim_silence(signal, rate, margin_s=0.0), rate


def _turn_audio(text: str, persona: Persona) -> np.ndarray:
    signal, rate = _native_turn(text, persona)
    return resample(signal, rate, SAMPLE_RATE)


@cache
def _turn_length(text: str, persona: Persona) -> int:
    """Samples in the turn's audio at SAMPLE_RATE, as `resample` makes it, without resampling:
    listing rows (the references) then costs one espeak-ng call a turn and no FFT."""
    signal, rate = _native_turn(text, persona)
    return len(signal) if rate == SAMPLE_RATE else round(len(signal) * SAMPLE_RATE / rate)


def _plan(params: ConversationParams, seed: int, index: int) -> list[tuple[int, str, float]]:
    """(talker, sentence, pause before it) for every turn; every talker speaks at least once."""
    rng = row_rng(seed, index, "conversation")
    talkers = rng.randint(params.min_speakers, params.max_speakers)
    turns = max(talkers, rng.randint(params.min_turns, params.max_turns))
    order = list(range(talkers))
    rng.shuffle(order)
    while len(order) < turns:
        order.append(rng.choice([t for t in range(talkers) if t != order[-1]]))
    return [(t, spoken_sentence(rng), rng.uniform(params.min_pause_s, params.max_pause_s)) for t in order]


def _layout(params: ConversationParams, seed: int, index: int) -> list[tuple[str, Persona, int, Segment]]:
    """(sentence, persona, pause before it in samples, reference segment) for every turn."""
    cast = row_rng(seed, index, "cast").sample(list(params.personas), params.max_speakers)
    at = round(params.lead_s * SAMPLE_RATE)
    turns = []
    for number, (talker, text, pause) in enumerate(_plan(params, seed, index)):
        gap = round(pause * SAMPLE_RATE) if number else 0
        at += gap
        length = _turn_length(text, cast[talker])
        turns.append(
            (
                text,
                cast[talker],
                gap,
                Segment(at / SAMPLE_RATE, (at + length) / SAMPLE_RATE, f"S{talker + 1}"),
            )
        )
        at += length
    return turns


def render(params: ConversationParams, seed: int, index: int) -> tuple[np.ndarray, tuple[Segment, ...]]:
    """The conversation's samples at SAMPLE_RATE and its reference turns (labels S1, S2, …)."""
    lead = np.zeros(round(params.lead_s * SAMPLE_RATE))
    pieces: list[np.ndarray] = [lead]
    turns = _layout(params, seed, index)
    for text, persona, gap, _ in turns:
        pieces += [np.zeros(gap), _turn_audio(text, persona)]
    pieces.append(lead)
    return np.concatenate(pieces), tuple(t[3] for t in turns)


class Conversations(IndexedGenerator):
    """A conversation per row (FLAC, 16 kHz mono) and its reference turns as RTTM text."""

    name = "conversations"
    description = "2-4 espeak-ng talkers taking turns, with exact speaker segments (diarization)"
    columns = ("id", "audio", "answer", "n_speakers", "n_turns", "seconds", "voices")
    Params = ConversationParams
    params: ConversationParams

    def row(self, seed: int, index: int) -> dict[str, Any]:
        turns = _layout(self.params, seed, index)
        segments = [t[3] for t in turns]
        uri = f"conv-{index:04d}"
        voices = {t[3].speaker: t[1][0] for t in turns}
        return {
            "id": uri,
            "audio": lambda: to_flac(render(self.params, seed, index)[0]),
            "answer": to_rttm(segments, uri),
            "n_speakers": len(voices),
            "n_turns": len(segments),
            "seconds": round(segments[-1].end + self.params.lead_s, 3),
            "voices": " ".join(voices[s] for s in sorted(voices)),
        }
