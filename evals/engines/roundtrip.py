"""Text-to-speech evaluated by round trip: synthesise with any TTS backend, transcribe with any
speech recogniser, and answer with the transcript, so `wer` against the input text measures
intelligibility (the lower, the more of the text a listener — here a recogniser — got back).

Both stages are ordinary backends built through the backend registry, so any backend whose
`outputs` include "audio" can be the synthesiser (espeak, openai-tts, a third party's), and any
backend that accepts audio and answers text can be the recogniser (pocketsphinx,
openai-transcribe, …). The recogniser's own errors count: pick a strong one to measure the
synthesiser, and keep it fixed when comparing synthesisers.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from evals.backends.base import BackendConfig, BackendOptions
from evals.backends.composite import CompositeBackend, StageSpec
from evals.media import Media
from evals.records import ErrorInfo, MediaPart, Message, Request, Response, TextPart, Usage


class RoundTripOptions(BackendOptions):
    tts: StageSpec = Field(
        description="the synthesiser under test, e.g. {type: espeak, options: {voice: en-us}}"
    )
    asr: StageSpec = Field(StageSpec(type="pocketsphinx"), description="the recogniser that listens")
    instruction: str = Field(
        "Transcribe this audio. Reply with the transcript only.",
        description="text sent with the audio to the recogniser (model-based recognisers read it)",
    )


class RoundTripBackend(CompositeBackend):
    type_name = "tts-roundtrip"
    kind = "engine"
    cpu_bound = True
    modalities = frozenset({"text"})
    outputs = frozenset({"audio", "text"})  # the audio, and the transcript that wer scores
    Options = RoundTripOptions
    options: RoundTripOptions

    def __init__(self, config: BackendConfig) -> None:
        super().__init__(config)
        self.tts = self.add_stage("tts", self.options.tts)
        self.asr = self.add_stage("asr", self.options.asr)
        fix = "tts: a backend producing audio (espeak, openai-tts); asr: one transcribing (pocketsphinx)"
        if not {"audio"} <= self.tts.outputs:
            why = f"{self.options.tts.type} does not produce audio (outputs: {_names(self.tts.outputs)})"
            raise self.refuse("tts", why, fix)
        if "audio" not in self.asr.modalities or "text" not in self.asr.outputs:
            why = (
                f"{self.options.asr.type} does not turn audio into text "
                f"(accepts {_names(self.asr.modalities)}; outputs {_names(self.asr.outputs)})"
            )
            raise self.refuse("asr", why, fix)

    @property
    def model(self) -> str:
        return self.config.model or f"{self.tts.model}→{self.asr.model}"

    def cache_identity(self) -> dict[str, Any]:
        return {
            "type": self.type_name,
            "instruction": self.options.instruction,
            "tts": self.tts.cache_identity(),
            "asr": self.asr.cache_identity(),
        }

    async def generate(self, request: Request) -> Response:
        spoken = await self.call_stage("tts", request)
        answers = {"tts": spoken}
        if not spoken.ok:
            return self.finish(spoken.response, answers)
        audio = spoken.response.audio
        if not audio:
            error = ErrorInfo(kind="bad_response", message="tts: the synthesiser returned no audio")
            return self.finish(Response(error=error, usage=spoken.response.usage), answers)
        listen = Request(
            task=request.task,
            sample_id=request.sample_id,
            messages=(
                Message(
                    "user", (MediaPart(Media.from_bytes("audio", audio)), TextPart(self.options.instruction))
                ),
            ),
        )
        heard = await self.call_stage("asr", listen)
        answers["asr"] = heard
        if not heard.ok:
            failed = heard.response.error
            if failed is not None and failed.kind == "media":
                failed.kind = "bad_response"  # audio the synthesiser made that cannot be read back
            heard.response.usage = spoken.response.usage
            return self.finish(heard.response, answers)
        response = Response(
            text=heard.response.text,
            outputs=list(spoken.response.outputs),
            usage=spoken.response.usage,
            model=self.model,
            raw={"tts": spoken.response.raw, "asr": heard.response.raw},
        )
        return self.finish(response, answers)

    def cost(self, usage: Usage) -> float | None:
        """For estimates: the synthesiser's cost for its usage plus the recogniser's for the
        audio's length (a run prices each stage's actual answer instead)."""
        speak = self.tts.cost(usage)
        listen = self.asr.cost(Usage(audio_seconds=usage.audio_seconds))
        return None if speak is None or listen is None else speak + listen


def _names(values: frozenset[str]) -> str:
    return ", ".join(sorted(values)) or "nothing"
