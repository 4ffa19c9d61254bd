"""OpenAI's Realtime API (gpt-realtime, gpt-4o-realtime-preview): speech in, speech out over a
WebSocket, through the openai SDK's realtime client (`client.realtime.connect`).

Per sample it opens a session, configures it (`session.update`: voice, output modalities,
turn detection off or server VAD, PCM16 at 24 kHz both ways), streams the question's audio as
`input_audio_buffer.append` chunks of `chunk_ms` at real-time pace (chunk k leaves when its
audio would have been spoken, as from a microphone; `pace: fast` sends them back to back),
then commits and asks for a response (with turn detection off; under server VAD the server
decides the turn is over). It collects the reply's audio and transcript and reads
`response.done` for usage by modality.

Times, from the end of the input speech (the moment the last chunk leaves):
- `ttfa_s`: first audio delta; `ttft_s`: first text delta (the audio's transcript, or text);
- `stages`: `speech_in` (streaming the question), `reply` (end of speech → response.done),
  and `transcribe` when the reply is transcribed locally.

The answer text is the provider's transcript of its own reply, or, with `transcribe:` set to a
speech-recognition backend (e.g. `{type: faster-whisper}`), what that backend hears in the reply
audio — so text scorers judge what was said. The reply audio is an output medium (`reply`, WAV).

The event names differ between the API's beta (`response.audio.delta`, `response.text.delta`)
and GA (`response.output_audio.delta`, `response.output_text.delta`) generations; both are read,
from the raw frames, so the backend does not depend on which the installed SDK's types know.
"""

from __future__ import annotations

import asyncio
import base64
import importlib
import json
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import Field

from evals.backends._errors import BadResponse, UnsupportedInput, classify
from evals.backends._provider import StainlessBackend, StainlessOptions, request_facts
from evals.backends.base import Backend, BackendConfig
from evals.backends.composite import StageSpec, build_stage
from evals.errors import InputError
from evals.media import Media
from evals.records import ErrorInfo, MediaPart, Message, OutputMedia, Request, Response, TextPart, Usage

if TYPE_CHECKING:
    from openai import AsyncOpenAI  # noqa: F401 (named in the generic base as a string)

RATE = 24_000  # audio/pcm in the Realtime API: 16-bit mono at 24 kHz
AUDIO_DELTAS = frozenset({"response.output_audio.delta", "response.audio.delta"})
TEXT_DELTAS = frozenset(
    {
        "response.output_audio_transcript.delta",
        "response.audio_transcript.delta",
        "response.output_text.delta",
        "response.text.delta",
    }
)
TRANSCRIPT_DELTAS = frozenset({"response.output_audio_transcript.delta", "response.audio_transcript.delta"})
# Published token rates (OpenAI's realtime costs guide): user audio 1 token per 100 ms,
# assistant audio 1 token per 50 ms. Used for estimates only; runs use response.done's usage.
INPUT_AUDIO_TOKENS_PER_S = 10.0
OUTPUT_AUDIO_TOKENS_PER_S = 20.0
_WAV_MIME = "audio/wav"


class RealtimeServerError(Exception):
    """An `error` event from the server (or a response that ended `failed`)."""

    def __init__(self, kind: str, code: str | None, message: str) -> None:
        super().__init__(f"{kind}{f' ({code})' if code else ''}: {message}")
        self.kind = kind
        self.code = code


class RealtimeOptions(StainlessOptions):
    voice: str = Field("alloy", description="the reply's voice")
    output: Literal["audio", "text"] = Field(
        "audio", description="reply with speech (and its transcript) or text"
    )
    turn_detection: Literal["none", "server_vad"] = Field(
        "none", description="none: commit and ask for a response; server_vad: the server ends the turn"
    )
    vad_silence_ms: int = Field(500, ge=0, le=5000, description="server VAD: silence that ends the speech")
    chunk_ms: int = Field(40, ge=20, le=100, description="audio per input_audio_buffer.append")
    pace: Literal["realtime", "fast"] = Field(
        "realtime", description="realtime: each chunk when it would have been spoken; fast: back to back"
    )
    instructions: str | None = Field(
        None, description="session instructions (default: the request's system and text parts)"
    )
    transcribe: StageSpec | None = Field(
        None,
        description="a speech recogniser to transcribe the reply locally, e.g. {type: faster-whisper}",
    )


@dataclass(slots=True)
class _Reply:
    """What came back for one response, with the times of its first deltas."""

    audio: bytearray = field(default_factory=bytearray)
    text: list[str] = field(default_factory=list)
    transcript_final: str | None = None
    first_audio: float | None = None
    first_text: float | None = None
    done: dict[str, Any] | None = None


class OpenAIRealtimeBackend(StainlessBackend["AsyncOpenAI"]):
    """Speech to speech over the Realtime API. Key: OPENAI_API_KEY (or `api_key_env`)."""

    type_name: ClassVar[str] = "openai-realtime"
    default_model: ClassVar[str | None] = "gpt-realtime"
    modalities: ClassVar[frozenset[str]] = frozenset({"text", "audio"})
    outputs: ClassVar[frozenset[str]] = frozenset({"text", "audio"})
    key_env: ClassVar[tuple[str, ...]] = ("OPENAI_API_KEY",)
    sdk_module: ClassVar[str] = "openai"
    sdk_distribution: ClassVar[str] = "openai"
    extra: ClassVar[str] = "openai"
    client_class: ClassVar[str] = "AsyncOpenAI"
    Options = RealtimeOptions
    options: RealtimeOptions

    def __init__(self, config: BackendConfig) -> None:
        super().__init__(config)
        self.transcriber: Backend | None = None
        spec = self.options.transcribe
        if spec is not None:
            self.transcriber = build_stage(self.name, "transcribe", spec)
            if "audio" not in self.transcriber.modalities or "text" not in self.transcriber.outputs:
                raise InputError(
                    f"backend {self.name!r}: {spec.type} cannot transcribe the reply",
                    field=f"backends.{self.name}.options.transcribe.type",
                    fix="use a speech recogniser: faster-whisper, pocketsphinx, openai-transcribe",
                )

    def check(self) -> None:
        super().check()
        try:
            import websockets  # noqa: F401
        except ImportError:
            raise InputError(
                f"backend {self.name!r} needs the websockets package (the SDK's realtime client uses it)",
                field=f"backends.{self.name}",
                fix="pip install 'multimodal-evals[openai]'",
            ) from None
        # Import now what the first sample would otherwise import inside its measured time (on
        # a loaded two-core machine, seconds each): the SDK's realtime resources and websocket
        # client, and the resampler.
        from evals.engines.audio import warm_up

        for module in ("openai.resources.realtime", "websockets.asyncio.client"):
            importlib.import_module(module)
        warm_up()
        if self.transcriber is not None:
            self.transcriber.check()

    def cache_identity(self) -> dict[str, Any]:
        identity = super().cache_identity()
        if self.transcriber is not None:
            identity["transcribe"] = self.transcriber.cache_identity()
        return identity

    def versions(self) -> dict[str, str]:
        found = super().versions()
        if self.transcriber is not None:
            found.update({f"transcribe.{k}": v for k, v in self.transcriber.versions().items()})
        return found

    # --- the session ---------------------------------------------------------------------------

    def _session(self, request: Request) -> dict[str, Any]:
        pcm = {"type": "audio/pcm", "rate": RATE}
        detection: dict[str, Any] | None = None
        if self.options.turn_detection == "server_vad":
            detection = {"type": "server_vad", "silence_duration_ms": self.options.vad_silence_ms}
        session: dict[str, Any] = {
            "type": "realtime",
            "output_modalities": [self.options.output],
            "audio": {
                "input": {"format": pcm, "turn_detection": detection},
                "output": {"format": pcm, "voice": self.options.voice},
            },
        }
        instructions = self.options.instructions or _instructions(request)
        if instructions:
            session["instructions"] = instructions
        if request.params.max_tokens:
            session["max_output_tokens"] = request.params.max_tokens
        return session

    def _connect(self) -> Any:
        realtime = getattr(self.client, "realtime", None) or self.client.beta.realtime
        return realtime.connect(model=self.model)

    async def generate(self, request: Request) -> Response:
        audio = [p for p in request.media_parts() if p.kind == "audio"]
        if not audio:
            raise UnsupportedInput("a realtime request needs an audio part (the spoken question)")
        pcm = await asyncio.to_thread(_pcm16_24k, audio[0].media.data, request.sample_id)
        input_seconds = len(pcm) / 2 / RATE
        step = RATE * self.options.chunk_ms // 1000 * 2
        async with self._connect() as conn:
            await conn.session.update(session=self._session(request))
            started = time.perf_counter()
            for offset in range(0, len(pcm), step):
                chunk = pcm[offset : offset + step]
                if self.options.pace == "realtime":
                    # A chunk exists only once it has been spoken: send it at the end of its audio.
                    await _sleep_until(started + (offset + len(chunk)) / 2 / RATE)
                # The SDK's typed `input_audio_buffer.append` transforms each event through its
                # TypedDict machinery (the dominant CPU cost at dozens of sessions × 25 chunks a
                # second); the frame is the same sent raw on the SDK's connection.
                event = {"type": "input_audio_buffer.append", "audio": base64.b64encode(chunk).decode()}
                await conn.send_raw(json.dumps(event))
            speech_end = time.perf_counter()
            if self.options.turn_detection == "none":
                await conn.input_audio_buffer.commit()
                await conn.response.create()
            reply = await _collect(conn)
        finished = time.perf_counter()
        return await self._response(request, reply, input_seconds, started, speech_end, finished)

    async def _response(
        self,
        request: Request,
        reply: _Reply,
        input_seconds: float,
        started: float,
        speech_end: float,
        finished: float,
    ) -> Response:
        done = reply.done or {}
        transcript = reply.transcript_final if reply.transcript_final is not None else "".join(reply.text)
        outputs: list[OutputMedia] = []
        output_seconds = len(reply.audio) / 2 / RATE
        if reply.audio:
            outputs.append(
                OutputMedia(kind="audio", data=_wav(bytes(reply.audio)), mime=_WAV_MIME, name="reply")
            )
        elif self.options.output == "audio":
            raise BadResponse("the realtime response has no audio")
        usage = _usage(done.get("usage"), input_seconds, output_seconds if reply.audio else None)
        stages = {"speech_in": speech_end - started, "reply": finished - speech_end}
        text = transcript
        raw: dict[str, Any] = {
            "model": self.model,
            "response_id": done.get("id"),
            "status": done.get("status"),
            "transcript": transcript,
            "input_seconds": round(input_seconds, 3),
            "output_seconds": round(output_seconds, 3),
        }
        if self.transcriber is not None and reply.audio:
            heard_at = time.perf_counter()
            text = await self._transcribe(request, outputs[0].data)
            stages["transcribe"] = time.perf_counter() - heard_at
            raw["heard"] = text
        return Response(
            text=text,
            usage=usage,
            model=self.model,
            finish_reason=str(done.get("status") or "completed"),
            ttft_s=None if reply.first_text is None else reply.first_text - speech_end,
            ttfa_s=None if reply.first_audio is None else reply.first_audio - speech_end,
            stages=stages,
            outputs=outputs,
            raw=raw,
        )

    async def _transcribe(self, request: Request, wav: bytes) -> str:
        assert self.transcriber is not None
        listen = Request(
            task=request.task,
            sample_id=request.sample_id,
            messages=(Message("user", (MediaPart(Media.from_bytes("audio", wav)),)),),
        )
        heard = await self.transcriber.generate(listen)
        if heard.error is not None:
            raise BadResponse(f"transcribe: {heard.error.message}")
        return heard.text

    # --- errors, cost, estimates -----------------------------------------------------------------

    def classify_error(self, exc: BaseException) -> ErrorInfo:
        if isinstance(exc, RealtimeServerError):
            code = exc.code or ""
            if "rate_limit" in code or "rate_limit" in exc.kind:
                return ErrorInfo(kind="rate_limit", message=str(exc), retryable=True)
            if exc.kind == "server_error":
                return ErrorInfo(kind="server", message=str(exc), retryable=True)
            return ErrorInfo(kind="bad_request", message=str(exc), retryable=False)
        names = {cls.__name__ for cls in type(exc).__mro__}
        if "ConnectionClosed" in names:  # websockets: the socket closed (dropped) mid-session
            return ErrorInfo(kind="connection", message=f"the realtime socket closed: {exc}", retryable=True)
        if "InvalidStatus" in names:  # websockets: the upgrade was refused with an HTTP status
            status = getattr(getattr(exc, "response", None), "status_code", None)
            if status == 401:
                return ErrorInfo(
                    kind="auth",
                    message=f"authentication failed (401): set {self.key_variable} to a valid key",
                    status=401,
                )
            if isinstance(status, int):
                retryable = status == 429 or status >= 500
                kind = "rate_limit" if status == 429 else "server" if status >= 500 else "bad_request"
                return ErrorInfo(kind=kind, message=str(exc), retryable=retryable, status=status)
        return classify(exc, key_env=self.key_variable)

    def estimate_usage(self, request: Request) -> Usage | None:
        """Input audio at 10 tokens a second; the reply at the request's max_tokens as audio."""
        audio = [p for p in request.media_parts() if p.kind == "audio"]
        if not audio:
            return Usage()
        seconds = request_facts(request, audio[0].media).seconds
        if seconds is None:
            return None
        audio_in = round(seconds * INPUT_AUDIO_TOKENS_PER_S)
        text_in = max(1, len(_instructions(request)) // 4)
        out = request.params.max_tokens or 256
        return Usage(
            input_tokens=audio_in + text_in,
            audio_tokens=audio_in,
            output_tokens=out,
            output_audio_tokens=out if self.options.output == "audio" else None,
            audio_seconds=seconds,
        )

    async def aclose(self) -> None:
        await super().aclose()
        if self.transcriber is not None:
            await self.transcriber.aclose()


async def _collect(conn: Any) -> _Reply:
    """Read events until response.done; an error event (or a failed response) raises."""
    reply = _Reply()
    while True:
        raw = await conn.recv_bytes()
        now = time.perf_counter()
        event = json.loads(raw)
        kind = event.get("type")
        if kind in AUDIO_DELTAS:
            if reply.first_audio is None:
                reply.first_audio = now
            reply.audio.extend(base64.b64decode(event.get("delta") or ""))
        elif kind in TEXT_DELTAS:
            if reply.first_text is None:
                reply.first_text = now
            reply.text.append(str(event.get("delta") or ""))
        elif kind in ("response.output_audio_transcript.done", "response.audio_transcript.done"):
            reply.transcript_final = str(event.get("transcript") or "")
        elif kind in ("response.output_text.done", "response.text.done"):
            reply.transcript_final = str(event.get("text") or "")
        elif kind == "error":
            error = event.get("error") or {}
            raise RealtimeServerError(
                str(error.get("type") or "error"), error.get("code"), str(error.get("message") or "")
            )
        elif kind == "response.done":
            done = event.get("response") or {}
            if done.get("status") == "failed":
                details = (done.get("status_details") or {}).get("error") or {}
                raise RealtimeServerError(
                    str(details.get("type") or "server_error"), details.get("code"), "the response failed"
                )
            reply.done = done
            return reply


def _usage(block: Any, input_seconds: float, output_seconds: float | None) -> Usage:
    """response.done's usage by modality: input audio/text/cached, output audio/text."""
    usage = Usage(audio_seconds=input_seconds, output_audio_seconds=output_seconds)
    if not isinstance(block, dict):
        return usage
    details_in = block.get("input_token_details") or {}
    details_out = block.get("output_token_details") or {}
    usage.input_tokens = block.get("input_tokens")
    usage.output_tokens = block.get("output_tokens")
    usage.audio_tokens = details_in.get("audio_tokens")
    usage.cached_input_tokens = details_in.get("cached_tokens") or None
    usage.output_audio_tokens = details_out.get("audio_tokens")
    return usage


def _instructions(request: Request) -> str:
    texts = [p.text for m in request.messages for p in m.parts if isinstance(p, TextPart) and p.text.strip()]
    return "\n\n".join(texts)


def _pcm16_24k(data: bytes, sample_id: str) -> bytes:
    from evals.engines.audio import decode, resample, to_pcm16

    samples, rate = decode(data, f"sample {sample_id}: audio")
    return to_pcm16(resample(samples, rate, RATE))


def _wav(pcm: bytes) -> bytes:
    import io
    import wave

    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(pcm)
    return buffer.getvalue()


async def _sleep_until(deadline: float) -> None:
    """Sleep to a perf_counter deadline (pacing errors do not accumulate across chunks)."""
    remaining = deadline - time.perf_counter()
    if remaining > 0:
        await asyncio.sleep(remaining)
