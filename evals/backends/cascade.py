"""The speech cascade that speech-to-speech models are measured against: transcribe the spoken
question, answer its text with a chat model, speak the answer — three configured backends
(`asr`, `chat`, `tts`) called in turn.

Times, from when the cascade has the whole question (the end of the input speech: it cannot
start before): `stages` per stage, `ttft_s` when the answer's text is known (transcription plus
the chat model's time, or its time to first token when it streams), and `ttfa_s` when the
first audio byte is there — after all three stages, since the speech endpoint returns the
whole clip. The answer text is the chat model's; the spoken answer is an output medium.
"""

from __future__ import annotations

import time
from typing import Any

from pydantic import Field

from evals.backends.base import BackendConfig, BackendOptions
from evals.backends.composite import CompositeBackend, StageSpec
from evals.records import ErrorInfo, MediaPart, Message, OutputMedia, Part, Request, Response, TextPart, Usage


class CascadeOptions(BackendOptions):
    asr: StageSpec = Field(
        StageSpec(type="openai-transcribe", model="whisper-1"), description="speech to text"
    )
    chat: StageSpec = Field(StageSpec(type="openai", model="gpt-4o-mini"), description="text to answer")
    tts: StageSpec = Field(
        StageSpec(type="openai-tts", model="gpt-4o-mini-tts"), description="answer to speech"
    )


class CascadeBackend(CompositeBackend):
    type_name = "cascade"
    modalities = frozenset({"text", "audio"})
    outputs = frozenset({"text", "audio"})
    Options = CascadeOptions
    options: CascadeOptions

    def __init__(self, config: BackendConfig) -> None:
        super().__init__(config)
        self.asr = self.add_stage("asr", self.options.asr)
        self.chat = self.add_stage("chat", self.options.chat)
        self.tts = self.add_stage("tts", self.options.tts)
        if "audio" not in self.asr.modalities or "text" not in self.asr.outputs:
            raise self.refuse(
                "asr", f"{self.options.asr.type} does not turn audio into text", "asr: a speech recogniser"
            )
        if "text" not in self.chat.outputs:
            raise self.refuse(
                "chat", f"{self.options.chat.type} does not answer with text", "chat: a chat model"
            )
        if "audio" not in self.tts.outputs:
            raise self.refuse(
                "tts", f"{self.options.tts.type} does not produce audio", "tts: a speech synthesiser"
            )

    @property
    def model(self) -> str:
        return self.config.model or f"{self.asr.model}→{self.chat.model}→{self.tts.model}"

    async def generate(self, request: Request) -> Response:
        started = time.perf_counter()
        audio = [p for p in request.media_parts() if p.kind == "audio"]
        listen = Request(
            task=request.task,
            sample_id=request.sample_id,
            messages=(Message("user", tuple(audio[:1])),),
        )
        heard = await self.call_stage("asr", listen)
        answers = {"asr": heard}
        if not heard.ok:
            return self.finish(heard.response, answers)
        ask = _with_transcript(request, heard.response.text)
        answered = await self.call_stage("chat", ask)
        answers["chat"] = answered
        if not answered.ok:
            return self.finish(answered.response, answers)
        chat = answered.response
        first_text = heard.seconds + (chat.ttft_s if chat.ttft_s is not None else answered.seconds)
        say = Request(
            task=request.task,
            sample_id=request.sample_id,
            messages=(Message("user", (TextPart(chat.text),)),),
        )
        spoken = await self.call_stage("tts", say)
        answers["tts"] = spoken
        if not spoken.ok:
            return self.finish(spoken.response, answers)
        if not spoken.response.audio:
            error = ErrorInfo(kind="bad_response", message="tts: the synthesiser returned no audio")
            return self.finish(Response(error=error), answers)
        outputs = [
            OutputMedia(kind=o.kind, data=o.data, mime=o.mime, name="reply") for o in spoken.response.outputs
        ]
        usage = chat.usage.model_copy()
        usage.audio_seconds = heard.response.usage.audio_seconds
        usage.output_audio_seconds = spoken.response.usage.audio_seconds
        response = Response(
            text=chat.text,
            outputs=outputs,
            usage=usage,
            model=self.model,
            finish_reason=chat.finish_reason,
            ttft_s=first_text,
            ttfa_s=time.perf_counter() - started,
            raw={"asr": heard.response.text, "chat": chat.raw, "tts": spoken.response.raw},
        )
        return self.finish(response, answers)

    def cost(self, usage: Usage) -> float | None:
        """For estimates: every stage's cost for the usage (a run prices each stage's answer)."""
        costs = [
            self.asr.cost(Usage(audio_seconds=usage.audio_seconds)),
            self.chat.cost(usage),
            self.tts.cost(Usage(audio_seconds=usage.output_audio_seconds)),
        ]
        return None if any(c is None for c in costs) else float(sum(c or 0.0 for c in costs))

    def cache_identity(self) -> dict[str, Any]:
        return {"type": self.type_name, **{role: s.cache_identity() for role, s in self.stages.items()}}


def _with_transcript(request: Request, transcript: str) -> Request:
    """The request with its audio replaced by what was heard (system and text parts kept)."""
    messages = []
    for message in request.messages:
        parts: list[Part] = []
        for part in message.parts:
            if isinstance(part, MediaPart) and part.kind == "audio":
                parts.append(TextPart(transcript))
            elif isinstance(part, TextPart) or part.kind != "audio":
                parts.append(part)
        messages.append(Message(message.role, tuple(parts)))
    return Request(
        task=request.task,
        sample_id=request.sample_id,
        messages=tuple(messages),
        params=request.params,
        hints=request.hints,
    )
