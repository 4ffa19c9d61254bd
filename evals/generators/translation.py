"""French, German and Spanish sentences spoken by espeak-ng, with English reference translations.

Row i speaks language i mod 3, so every language has an equal share; the sentence is drawn
from a seeded permutation of the parallel sentences (evals/generators/parallel.py), the voice
variant and speed from the seed.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from evals.generators import GeneratorParams, IndexedGenerator
from evals.generators.audio import to_flac
from evals.generators.parallel import LANGUAGES, SENTENCES
from evals.generators.seeding import row_rng
from evals.generators.speech import speech

# espeak-ng voice names of the languages (its "fr" is French as spoken in France)
VOICES = {"fr": "fr", "de": "de", "es": "es"}


class TranslationParams(GeneratorParams):
    variants: tuple[str, ...] = ("m1", "f2", "m3", "f4")
    speeds: tuple[int, ...] = (140, 155, 170)


def _spoken(text: str, voice: str, speed: int) -> bytes:
    return to_flac(speech(text, voice, speed))


class SpokenTranslations(IndexedGenerator):
    """A spoken non-English sentence per row (FLAC, 16 kHz mono) and its English translation."""

    name = "spoken_translations"
    description = "French, German and Spanish sentences spoken by espeak-ng, English references"
    columns = ("id", "audio", "answer", "source_text", "language", "voice", "speed")
    Params = TranslationParams
    params: TranslationParams

    def row(self, seed: int, index: int) -> dict[str, Any]:
        language = LANGUAGES[index % len(LANGUAGES)]
        rounds, _ = divmod(index, len(LANGUAGES))
        order = list(range(len(SENTENCES)))
        row_rng(seed, 0, f"order-{language}").shuffle(order)
        english, *others = SENTENCES[order[rounds % len(order)]]
        source = others[LANGUAGES.index(language)]
        rng = row_rng(seed, index, "translation")
        voice = f"{VOICES[language]}+{rng.choice(self.params.variants)}"
        speed = rng.choice(self.params.speeds)
        return {
            "id": f"st-{language}-{index:04d}",
            "audio": partial(_spoken, source, voice, speed),
            "answer": english,
            "source_text": source,
            "language": language,
            "voice": voice,
            "speed": speed,
        }
