"""PocketSphinx 5 (PyPI wheel, which ships the US-English acoustic model, dictionary and
language model): audio in, lower-case words out.

Audio of any common format is decoded, mixed to mono and resampled to 16 kHz 16-bit, the rate
the shipped acoustic model was trained on, then decoded as one utterance.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pydantic import Field

from evals.engines import install
from evals.engines.audio import SPEECH_RATE, speech_samples, to_pcm16, warm_up
from evals.engines.backend import EngineBackend, EngineOptions, transcribe_each
from evals.engines.pool import model
from evals.errors import InputError
from evals.records import Request, Response

_NOT_A_WORD = re.compile(r"^[<\[].*[>\]]$")  # <s>, <sil>, [NOISE]: fillers, never words
_VARIANT = re.compile(r"\(\d+\)$")  # read(2): the dictionary's second pronunciation


class PocketSphinxOptions(EngineOptions):
    hmm: str | None = Field(None, description="acoustic model folder (default: the wheel's en-us)")
    lm: str | None = Field(None, description="n-gram language model file (default: the wheel's en-us.lm.bin)")
    dictionary: str | None = Field(
        None, description="pronunciation dictionary (default: the wheel's cmudict-en-us.dict)"
    )


def _load(paths: dict[str, str]) -> Any:
    from pocketsphinx import Decoder

    warm_up()
    return Decoder(samprate=SPEECH_RATE, loglevel="FATAL", **paths)


def _transcribe(audio: bytes) -> tuple[str, float]:
    decoder = model()
    samples = speech_samples(audio)
    # The decoder carries state from one utterance to the next (not only its cepstral mean:
    # `cmn: none` still differs), so a clip's words depended on which clips the worker decoded
    # before it. Re-initialised per clip (~0.6 s), each clip decodes as on a fresh decoder.
    decoder.reinit()
    decoder.start_utt()
    decoder.process_raw(to_pcm16(samples), full_utt=True)
    decoder.end_utt()
    hypothesis = decoder.hyp()
    return words(hypothesis.hypstr if hypothesis is not None else ""), len(samples) / SPEECH_RATE


def words(hypothesis: str) -> str:
    """Lower-case words, fillers and pronunciation-variant marks removed."""
    kept = (_VARIANT.sub("", w) for w in hypothesis.split() if not _NOT_A_WORD.match(w))
    return " ".join(w.lower() for w in kept if w)


class PocketSphinxBackend(EngineBackend):
    """PocketSphinx speech recognition; several audio parts are transcribed in order and joined."""

    type_name = "pocketsphinx"
    default_model = "pocketsphinx-en-us"
    modalities = frozenset({"text", "audio"})
    outputs = frozenset({"text"})
    Options = PocketSphinxOptions
    options: PocketSphinxOptions

    def model_paths(self) -> dict[str, str]:
        given = {"hmm": self.options.hmm, "lm": self.options.lm, "dict": self.options.dictionary}
        return {key: value for key, value in given.items() if value}

    def loader(self) -> tuple[Any, tuple[Any, ...]]:
        return _load, (self.model_paths(),)

    def check(self) -> None:
        install.require_module(self.name, "pocketsphinx", "pip install 'multimodal-evals[local]'")
        for key, value in self.model_paths().items():
            if not Path(value).exists():
                raise InputError(
                    f"backend {self.name!r}: the {key} path {value!r} does not exist",
                    field=f"backends.{self.name}.options.{key}",
                    fix="give an existing path, or leave it out to use the model the wheel ships",
                )

    def versions(self) -> dict[str, str]:
        # "decoding" is part of the cache key: answers cached before the per-clip re-initialisation
        # depended on clip order and are not served again.
        version = install.package_version("pocketsphinx")
        return {"pocketsphinx": version, "decoding": "fresh-per-clip"} if version else {}

    async def generate(self, request: Request) -> Response:
        return await transcribe_each(self, request, _transcribe)
