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

from pydantic import BaseModel, ConfigDict, Field

from evals.backends.base import Backend, BackendConfig, BackendOptions, TaskInfo, backend_registry
from evals.errors import InputError, MediaError
from evals.media import Media
from evals.records import ErrorInfo, MediaPart, Message, Request, Response, TextPart, Usage


class StageSpec(BaseModel):
    """One stage: a backend type with its own model and options (as in a run config)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: str
    model: str | None = None
    base_url: str | None = None
    api_key_env: str | None = None
    options: dict[str, Any] = Field(default_factory=dict)


class RoundTripOptions(BackendOptions):
    tts: StageSpec = Field(
        description="the synthesiser under test, e.g. {type: espeak, options: {voice: en-us}}"
    )
    asr: StageSpec = Field(StageSpec(type="pocketsphinx"), description="the recogniser that listens")
    instruction: str = Field(
        "Transcribe this audio. Reply with the transcript only.",
        description="text sent with the audio to the recogniser (model-based recognisers read it)",
    )


class RoundTripBackend(Backend):
    type_name = "tts-roundtrip"
    kind = "engine"
    cpu_bound = True
    modalities = frozenset({"text"})
    outputs = frozenset({"audio", "text"})  # the audio, and the transcript that wer scores
    Options = RoundTripOptions
    options: RoundTripOptions

    def __init__(self, config: BackendConfig) -> None:
        super().__init__(config)
        self.tts = self._stage("tts", self.options.tts)
        self.asr = self._stage("asr", self.options.asr)
        if not {"audio"} <= self.tts.outputs:
            raise self._refuse(
                "tts", f"{self.options.tts.type} does not produce audio (outputs: {_names(self.tts.outputs)})"
            )
        if "audio" not in self.asr.modalities or "text" not in self.asr.outputs:
            raise self._refuse(
                "asr",
                f"{self.options.asr.type} does not turn audio into text "
                f"(accepts {_names(self.asr.modalities)}; outputs {_names(self.asr.outputs)})",
            )

    def default_concurrency(self) -> int:
        # Each sample goes through both stages: keep no more in flight than the slower takes.
        return min(self.tts.concurrency, self.asr.concurrency)

    def _stage(self, role: str, spec: StageSpec) -> Backend:
        try:
            cls = backend_registry.get(spec.type)
            stage = BackendConfig(
                name=f"{self.name}.{role}",
                type=spec.type,
                model=spec.model,
                base_url=spec.base_url,
                api_key_env=spec.api_key_env,
                options=spec.options,
            )
            return cls(stage)
        except InputError as exc:
            raise exc.located(field=f"backends.{self.name}.options.{role}") from None

    def _refuse(self, role: str, why: str) -> InputError:
        return InputError(
            f"backend {self.name!r}: the {role} stage cannot work: {why}",
            field=f"backends.{self.name}.options.{role}.type",
            fix="tts: a backend producing audio (espeak, openai-tts); asr: one transcribing (pocketsphinx)",
        )

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

    def check(self) -> None:
        self.tts.check()
        self.asr.check()

    def versions(self) -> dict[str, str]:
        found = {f"tts.{k}": v for k, v in self.tts.versions().items()}
        return found | {f"asr.{k}": v for k, v in self.asr.versions().items()}

    async def setup(self, task: TaskInfo) -> None:
        await self.tts.setup(task)
        await self.asr.setup(task)

    async def generate(self, request: Request) -> Response:
        spoken = await _call(self.tts, request, "tts")
        if spoken.error is not None:
            return spoken
        if not spoken.audio:
            return Response(
                error=ErrorInfo(kind="bad_response", message="tts: the synthesiser returned no audio"),
                usage=spoken.usage,
            )
        listen = Request(
            task=request.task,
            sample_id=request.sample_id,
            messages=(
                Message(
                    "user",
                    (MediaPart(Media.from_bytes("audio", spoken.audio)), TextPart(self.options.instruction)),
                ),
            ),
        )
        heard = await _call(self.asr, listen, "asr")
        if heard.error is not None:
            heard.usage = spoken.usage
            return heard
        return Response(
            text=heard.text,
            outputs=list(spoken.outputs),
            usage=spoken.usage,
            model=self.model,
            raw={"tts": spoken.raw, "asr": heard.raw},
        )

    def cost(self, usage: Usage) -> float | None:
        """The synthesiser's cost for its usage plus the recogniser's for the audio's length.

        The response carries the synthesiser's usage; the recogniser is priced by the audio's
        duration alone (engines cost nothing; a per-minute transcription API is exact; one
        priced by tokens is not covered). Unknown if either stage's cost is unknown.
        """
        speak = self.tts.cost(usage)
        listen = self.asr.cost(Usage(audio_seconds=usage.audio_seconds))
        return None if speak is None or listen is None else speak + listen

    async def aclose(self) -> None:
        try:
            await self.tts.aclose()
        finally:
            await self.asr.aclose()


async def _call(stage: Backend, request: Request, role: str) -> Response:
    """One stage's answer; its exceptions become errors classified by that stage."""
    try:
        response = await stage.generate(request)
    except MediaError as exc:
        return Response(
            error=ErrorInfo(kind="media" if role == "tts" else "bad_response", message=f"{role}: {exc}")
        )
    except Exception as exc:
        error = stage.classify_error(exc)
        error.message = f"{role}: {error.message}"
        return Response(error=error)
    if response.error is not None:
        response.error.message = f"{role}: {response.error.message}"
    return response


def _names(values: frozenset[str]) -> str:
    return ", ".join(sorted(values)) or "nothing"
