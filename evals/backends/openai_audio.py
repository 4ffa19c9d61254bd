"""OpenAI's audio endpoints: `/v1/audio/transcriptions` (whisper-1 and successors) and
`/v1/audio/speech` (text to speech, audio out in `Response.audio`).

Transcription takes the request's first audio part. The request's text is *not* sent by
default: a task's instruction ("Transcribe this audio…") is not what the API's `prompt` is for
(it primes vocabulary and style, as if it were preceding transcript). Set `prompt_from_text: true`
to send the text parts as `prompt` anyway. Usage is the audio's length in seconds, for
per-minute pricing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import Field

from evals.backends import _tokens
from evals.backends._errors import BadResponse, UnsupportedInput
from evals.backends._provider import StainlessBackend, request_facts
from evals.backends.base import BackendOptions
from evals.media import sniff_mime
from evals.records import MediaPart, OutputMedia, Request, Response, TextPart, Usage

if TYPE_CHECKING:
    from openai import AsyncOpenAI  # noqa: F401 (named in the generic base as a string)

_EXTENSIONS = {
    "audio/wav": "wav",
    "audio/mpeg": "mp3",
    "audio/flac": "flac",
    "audio/ogg": "ogg",
    "audio/mp4": "m4a",
    "video/webm": "webm",
    "video/mp4": "mp4",
}


class _OpenAIAudioBackend(StainlessBackend["AsyncOpenAI"]):
    key_env: ClassVar[tuple[str, ...]] = ("OPENAI_API_KEY",)
    sdk_module: ClassVar[str] = "openai"
    sdk_distribution: ClassVar[str] = "openai"
    extra: ClassVar[str] = "openai"
    client_class: ClassVar[str] = "AsyncOpenAI"


class TranscribeOptions(BackendOptions):
    language: str | None = Field(None, description="ISO-639-1 code of the speech, e.g. en (None: detect)")
    response_format: Literal["json", "verbose_json"] = Field(
        "json", description="verbose_json also returns segments and the duration"
    )
    prompt_from_text: bool = Field(False, description="send the request's text parts as the API's prompt")
    temperature: float | None = Field(None, ge=0.0, le=1.0)


class OpenAITranscribeBackend(_OpenAIAudioBackend):
    """Speech to text. Key: OPENAI_API_KEY (or `api_key_env`)."""

    type_name: ClassVar[str] = "openai-transcribe"
    default_model: ClassVar[str | None] = "whisper-1"
    modalities: ClassVar[frozenset[str]] = frozenset({"text", "audio"})
    Options = TranscribeOptions
    options: TranscribeOptions

    def estimate_usage(self, request: Request) -> Usage | None:
        """The audio's length (billing is per minute); None when the header does not say."""
        audio = [p for p in request.media_parts() if p.kind == "audio"]
        if not audio:
            return Usage()
        seconds = request_facts(request, audio[0].media).seconds
        return Usage(audio_seconds=seconds) if seconds is not None else None

    async def generate(self, request: Request) -> Response:
        audio = [p for p in request.media_parts() if p.kind == "audio"]
        if not audio:
            raise UnsupportedInput("a transcription request needs an audio part")
        part: MediaPart = audio[0]
        media = part.media
        name = f"{request.sample_id or 'audio'}.{_EXTENSIONS.get(media.mime, 'wav')}"
        kwargs: dict[str, Any] = {
            "model": self.model,
            "file": (name, media.data, media.mime),
            "response_format": self.options.response_format,
        }
        language = getattr(self.options, "language", None)  # translations take none
        if language:
            kwargs["language"] = language
        if self.options.temperature is not None:
            kwargs["temperature"] = self.options.temperature
        if self.options.prompt_from_text:
            prompt = " ".join(
                p.text for m in request.user_messages for p in m.parts if isinstance(p, TextPart)
            )
            if prompt.strip():
                kwargs["prompt"] = prompt.strip()
        result = await self.create(**kwargs)
        text = getattr(result, "text", None)
        if not isinstance(text, str):
            raise BadResponse("the transcription has no text")
        seconds = getattr(result, "duration", None)
        usage_block = getattr(result, "usage", None)
        usage = Usage()
        if usage_block is not None and getattr(usage_block, "type", None) == "tokens":
            details = getattr(usage_block, "input_token_details", None)
            usage.input_tokens = usage_block.input_tokens
            usage.output_tokens = usage_block.output_tokens
            usage.audio_tokens = getattr(details, "audio_tokens", None)
        elif usage_block is not None and seconds is None:
            seconds = getattr(usage_block, "seconds", None)
        if seconds is None:
            seconds = _tokens.audio_seconds(media.data)
        usage.audio_seconds = float(seconds) if seconds is not None else None
        raw: dict[str, Any] = {"model": self.model, "duration": seconds}
        segments = getattr(result, "segments", None)
        if segments:
            raw["segments"] = [{"start": s.start, "end": s.end, "text": s.text} for s in segments]
        language = getattr(result, "language", None)
        if language:
            raw["language"] = language
        return Response(text=text, usage=usage, model=self.model, finish_reason="stop", raw=raw)

    async def create(self, **kwargs: Any) -> Any:
        """The endpoint's call (the translations backend calls its own)."""
        return await self.client.audio.transcriptions.create(**kwargs)


SPOKEN_CHARS_PER_S = 15.0  # a typical speaking rate (~150 words a minute), for estimates only


class SpeechOptions(BackendOptions):
    voice: str = Field("alloy", description="one of the API's voices")
    response_format: Literal["wav", "mp3", "flac", "opus", "aac", "pcm"] = "wav"
    speed: float | None = Field(None, ge=0.25, le=4.0)
    instructions: str | None = Field(None, description="voice instructions (gpt-4o-mini-tts and later)")


# The formats the speech endpoint can return, for answers whose bytes carry no magic number.
_MIMES = {
    "mp3": "audio/mpeg",
    "opus": "audio/ogg",
    "aac": "audio/aac",
    "flac": "audio/flac",
    "wav": "audio/wav",
    "pcm": "audio/L16",
}


class OpenAISpeechBackend(_OpenAIAudioBackend):
    """Text to speech: the request's text in, audio bytes out (`Response.audio`). Usage is the
    produced audio's length when the format has a readable header (wav, flac)."""

    type_name: ClassVar[str] = "openai-tts"
    default_model: ClassVar[str | None] = "gpt-4o-mini-tts"
    modalities: ClassVar[frozenset[str]] = frozenset({"text"})
    outputs: ClassVar[frozenset[str]] = frozenset({"audio"})
    Options = SpeechOptions
    options: SpeechOptions

    def estimate_usage(self, request: Request) -> Usage | None:
        """Output audio at a typical ~15 characters of text per second of speech."""
        text = "\n".join(m.text for m in request.user_messages if m.text)
        return Usage(audio_seconds=len(text) / SPOKEN_CHARS_PER_S, input_characters=len(text))

    async def generate(self, request: Request) -> Response:
        text = "\n".join(m.text for m in request.user_messages if m.text).strip()
        if not text:
            raise UnsupportedInput("a speech request needs text")
        kwargs: dict[str, Any] = {
            "model": self.model,
            "voice": self.options.voice,
            "input": text,
            "response_format": self.options.response_format,
        }
        if self.options.speed is not None:
            kwargs["speed"] = self.options.speed
        if self.options.instructions:
            kwargs["instructions"] = self.options.instructions
        result = await self.client.audio.speech.create(**kwargs)
        audio = result.content
        if not audio:
            raise BadResponse("the speech response has no audio")
        seconds = _tokens.audio_seconds(audio) if self.options.response_format in ("wav", "flac") else None
        return Response(
            text="",
            outputs=[
                OutputMedia(
                    kind="audio",
                    data=audio,
                    mime=sniff_mime(audio) or _MIMES.get(self.options.response_format, "audio/mpeg"),
                    name="speech",
                )
            ],
            usage=Usage(audio_seconds=seconds, input_characters=len(text)),
            model=self.model,
            finish_reason="stop",
            raw={
                "model": self.model,
                "format": self.options.response_format,
                "bytes": len(audio),
                "characters": len(text),
            },
        )
