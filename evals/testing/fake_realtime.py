"""OpenAI's Realtime API, faked: a WebSocket endpoint (`/v1/realtime`) on the fake provider.

It speaks the event protocol the openai SDK's realtime client uses — `session.update` →
`session.updated`, `input_audio_buffer.append`/`commit` → `input_audio_buffer.committed`,
`response.create` → `response.created`, audio, transcript and text deltas, `response.done` with
usage by modality, and `error` events — with the GA event names (`response.output_audio.delta`,
`response.output_audio_transcript.delta`, `response.output_text.delta`) or the beta ones
(`response.audio.delta`, `response.audio_transcript.delta`, `response.text.delta`).

Timing is the point of this fake: the first delta of a response is sent `first_delta_ms` after
the response was asked for (`response.create`, or the end of speech under server VAD), so a
client's time to first audio can be checked against a known delay. Faults, per sample attempt
like the HTTP fakes: `drop` (the socket closes after the first audio delta, mid-response),
`error` (a `server_error` event instead of a response), `rate_limit` (a `rate_limit_exceeded`
error event), `slow` (the first delta after `slow_first_delta_ms`).

Usage follows OpenAI's published token rates (realtime costs guide): input audio 1 token per
100 ms, output audio 1 token per 50 ms; text at ~4 characters a token.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import io
import json
import math
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any, Literal

import numpy as np
from aiohttp import WSMsgType, web

from evals.testing.fake_provider.config import FakeConfig
from evals.testing.fake_provider.request import AnswerFn, FakeRequest
from evals.testing.fake_provider.server import FakeProvider
from evals.testing.fake_provider.state import Hit, sample_key

RATE = 24_000  # the Realtime API's PCM16 rate (audio/pcm, 24 kHz mono, little-endian)
REALTIME_FAULTS = ("ok", "drop", "error", "rate_limit", "slow")

# What each kind of delta is called in each generation of the protocol.
EVENT_NAMES: dict[str, dict[str, str]] = {
    "ga": {
        "audio": "response.output_audio.delta",
        "audio_done": "response.output_audio.done",
        "transcript": "response.output_audio_transcript.delta",
        "transcript_done": "response.output_audio_transcript.done",
        "text": "response.output_text.delta",
        "text_done": "response.output_text.done",
    },
    "beta": {
        "audio": "response.audio.delta",
        "audio_done": "response.audio.done",
        "transcript": "response.audio_transcript.delta",
        "transcript_done": "response.audio_transcript.done",
        "text": "response.text.delta",
        "text_done": "response.text.done",
    },
}

# The reply audio for an answer: PCM16 at 24 kHz. Tests that transcribe it plug in a synthesiser.
SpeakFn = Callable[[str], bytes]


@dataclass
class RealtimeSettings:
    """How the fake realtime endpoint behaves. `script` as in FakeConfig, with REALTIME_FAULTS."""

    first_delta_ms: float = 50.0  # response asked for → first audio (or text) delta
    delta_interval_ms: float = 0.0  # between later deltas
    delta_audio_ms: int = 200  # audio per delta
    slow_first_delta_ms: float = 1000.0  # the `slow` fault's first delta
    vad_silence_ms: float = 200.0  # server VAD: no audio for this long ends the speech
    protocol: Literal["ga", "beta"] = "ga"
    ms_per_char: float = 60.0  # length of the default (tone) reply audio per answer character
    script: dict[str, list[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.protocol not in EVENT_NAMES:
            raise ValueError(f"unknown protocol {self.protocol!r}; use ga or beta")
        for faults in self.script.values():
            for fault in faults:
                if fault not in REALTIME_FAULTS:
                    raise ValueError(
                        f"unknown realtime fault {fault!r}; use one of {', '.join(REALTIME_FAULTS)}"
                    )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RealtimeSettings:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown fake realtime settings: {', '.join(unknown)}")
        return cls(**data)

    def fault(self, sample: str, attempt: int) -> str:
        for key in (sample, "*"):
            planned = self.script.get(key)
            if planned and attempt <= len(planned):
                return planned[attempt - 1]
        return "ok"


@dataclass(frozen=True, slots=True)
class Turn:
    """One response the fake produced: when it was asked for and when its first delta left."""

    sample: str
    attempt: int
    fault: str
    asked_at: float  # time.perf_counter() in this process
    first_delta_at: float | None
    input_seconds: float
    output_seconds: float


def tone(answer: str, ms_per_char: float) -> bytes:
    """A quiet 220 Hz tone as long as the answer would take to say: PCM16, 24 kHz."""
    seconds = max(0.2, len(answer) * ms_per_char / 1000.0)
    t = np.arange(int(seconds * RATE), dtype=np.float32) / RATE
    wave = 0.2 * np.sin(2 * np.pi * 220.0 * t)
    return (wave * 32767.0).astype("<i2").tobytes()


def wav_of_pcm16(pcm: bytes, rate: int = RATE) -> bytes:
    """PCM16 mono wrapped in a WAV header (what answer functions are given as the audio)."""
    import wave

    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(pcm)
    return buffer.getvalue()


def _event_id() -> str:
    return "event_" + uuid.uuid4().hex[:20]


def text_tokens(text: str) -> int:
    return max(1, math.ceil(len(text) / 4)) if text else 0


class FakeRealtimeProvider(FakeProvider):
    """The fake provider with a Realtime WebSocket endpoint beside its HTTP ones.

    settings = RealtimeSettings(first_delta_ms=80)
    with FakeRealtimeProvider(answer=lambda req: "Paris", realtime=settings) as fake:
        client = AsyncOpenAI(base_url=fake.openai_url, api_key="test")
        async with client.realtime.connect(model="gpt-realtime") as conn: ...
    """

    def __init__(
        self,
        answer: AnswerFn | None = None,
        config: FakeConfig | None = None,
        *,
        realtime: RealtimeSettings | None = None,
        speak: SpeakFn | None = None,
        api_key: str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        super().__init__(answer, config, api_key=api_key, host=host, port=port)
        self.realtime = realtime or RealtimeSettings()
        self.speak = speak
        self.turns: list[Turn] = []

    def configure_realtime(self, settings: RealtimeSettings) -> None:
        self.realtime = settings

    def app(self) -> web.Application:
        app = super().app()
        app.router.add_get("/v1/realtime", self._realtime)
        return app

    async def _realtime(self, request: web.Request) -> web.StreamResponse:
        if not self._authorized(request, "openai"):
            return self._error("openai", 401, "Incorrect API key provided (simulated by the fake provider).")
        ws = web.WebSocketResponse(max_msg_size=64 * 1024 * 1024)
        await ws.prepare(request)
        session = _Session(self, ws, request, request.query.get("model"))
        with contextlib.suppress(_Dropped):
            await session.run()
        return ws


class _Dropped(Exception):
    """The `drop` fault closed the socket."""


class _Session:
    """One WebSocket connection: its session config, audio buffer and responses."""

    def __init__(
        self, fake: FakeRealtimeProvider, ws: web.WebSocketResponse, request: web.Request, model: str | None
    ):
        self.fake = fake
        self.ws = ws
        self.request = request
        self.model = model
        self.config: dict[str, Any] = {"type": "realtime", "model": model, "output_modalities": ["audio"]}
        self.buffer = bytearray()  # appended, not yet committed
        self.committed = bytearray()  # the conversation's user audio
        self.names = EVENT_NAMES[fake.realtime.protocol]

    @property
    def settings(self) -> RealtimeSettings:
        return self.fake.realtime

    async def send(self, payload: dict[str, Any]) -> None:
        await self.ws.send_str(json.dumps({"event_id": _event_id(), **payload}))

    async def error(self, kind: str, message: str, code: str | None = None, param: str | None = None) -> None:
        await self.send(
            {"type": "error", "error": {"type": kind, "code": code, "message": message, "param": param}}
        )

    def server_vad(self) -> bool:
        audio = self.config.get("audio") or {}
        detection = (audio.get("input") or {}).get("turn_detection", "absent")
        if detection == "absent":  # the beta shape: turn_detection at the top of the session
            detection = self.config.get("turn_detection")
        return isinstance(detection, dict) and detection.get("type") == "server_vad"

    async def run(self) -> None:
        await self.send({"type": "session.created", "session": self.config})
        while not self.ws.closed:
            timeout = self.settings.vad_silence_ms / 1000.0 if self.server_vad() and self.buffer else None
            try:
                message = await asyncio.wait_for(self.ws.receive(), timeout)
            except TimeoutError:
                await self.send(
                    {"type": "input_audio_buffer.speech_stopped", "audio_end_ms": self.buffer_ms()}
                )
                asked = time.perf_counter()
                await self.commit()
                await self.respond(asked, {})
                continue
            if message.type in (WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.CLOSED, WSMsgType.ERROR):
                return
            if message.type != WSMsgType.TEXT:
                await self.error("invalid_request_error", "binary frames are not part of the protocol")
                continue
            asked = time.perf_counter()
            try:
                event = json.loads(message.data)
                kind = event["type"]
            except (ValueError, KeyError, TypeError):
                await self.error("invalid_request_error", "the event is not JSON with a type")
                continue
            await self.handle(kind, event, asked)

    def buffer_ms(self) -> int:
        return int(len(self.buffer) / 2 / RATE * 1000)

    async def handle(self, kind: str, event: dict[str, Any], asked: float) -> None:
        if kind == "session.update":
            session = event.get("session")
            if not isinstance(session, dict):
                await self.error(
                    "invalid_request_error", "session.update needs a session object", param="session"
                )
                return
            self.config.update(session)
            await self.send({"type": "session.updated", "session": self.config})
        elif kind == "input_audio_buffer.append":
            try:
                chunk = base64.b64decode(event["audio"], validate=True)
            except (KeyError, TypeError, ValueError):
                await self.error("invalid_request_error", "audio must be base64 PCM16", param="audio")
                return
            if not self.buffer and self.server_vad():
                await self.send({"type": "input_audio_buffer.speech_started", "audio_start_ms": 0})
            self.buffer.extend(chunk)
        elif kind == "input_audio_buffer.commit":
            if not self.buffer:
                await self.error(
                    "invalid_request_error",
                    "Error committing input audio buffer: buffer too small.",
                    code="input_audio_buffer_commit_empty",
                )
                return
            await self.commit()
        elif kind == "input_audio_buffer.clear":
            self.buffer.clear()
            await self.send({"type": "input_audio_buffer.cleared"})
        elif kind == "response.create":
            await self.respond(asked, event.get("response") or {})
        elif kind == "conversation.item.create":
            await self.send({"type": "conversation.item.added", "item": event.get("item")})
        else:
            await self.error(
                "invalid_request_error", f"unknown event type {kind!r} (fake provider)", param="type"
            )

    async def commit(self) -> None:
        self.committed.extend(self.buffer)
        self.buffer.clear()
        await self.send({"type": "input_audio_buffer.committed", "item_id": "item_" + uuid.uuid4().hex[:12]})

    async def respond(self, asked: float, overrides: dict[str, Any]) -> None:
        fake = self.fake
        settings = self.settings
        instructions = str(overrides.get("instructions") or self.config.get("instructions") or "")
        modalities = list(
            overrides.get("output_modalities")
            or overrides.get("modalities")
            or self.config.get("output_modalities")
            or self.config.get("modalities")
            or ["audio"]
        )
        spoken = "audio" in modalities
        input_seconds = len(self.committed) / 2 / RATE
        parsed = FakeRequest(
            provider="openai",
            endpoint="realtime",
            model=self.model,
            text=instructions,
            system=instructions or None,
            audio=[wav_of_pcm16(bytes(self.committed))],
            body={"session": self.config, "response": overrides},
        )
        parsed.sample = sample_key(instructions, bytes(self.committed))
        attempt = fake.state.next_attempt(parsed.sample)
        fault = settings.fault(parsed.sample, attempt)
        fake.state.record(
            Hit(time.monotonic(), "openai", "realtime", parsed.sample, attempt, fault, self.model, audio=1)
        )
        response_id = "resp_" + uuid.uuid4().hex[:16]
        item_id = "item_" + uuid.uuid4().hex[:12]
        await self.send(
            {"type": "response.created", "response": {"id": response_id, "status": "in_progress"}}
        )
        delay = settings.slow_first_delta_ms if fault == "slow" else settings.first_delta_ms
        await _sleep_until(asked + delay / 1000.0)
        if fault in ("error", "rate_limit"):
            fake.turns.append(Turn(parsed.sample, attempt, fault, asked, None, input_seconds, 0.0))
            if fault == "error":
                await self.error(
                    "server_error", "The server had an error while processing your request (simulated)."
                )
            else:
                await self.error(
                    "invalid_request_error", "Rate limit reached (simulated).", code="rate_limit_exceeded"
                )
            await self.done(response_id, "failed", [], input_seconds, instructions, "", 0.0)
            return
        try:
            answer = fake.answer(parsed)
        except Exception as exc:  # a bug in the test's answer function: visible as an error event
            await self.error("server_error", f"answer function failed: {type(exc).__name__}: {exc}")
            return
        pcm = (fake.speak(answer) if fake.speak else tone(answer, settings.ms_per_char)) if spoken else b""
        output_seconds = len(pcm) / 2 / RATE
        base = {"response_id": response_id, "item_id": item_id, "output_index": 0, "content_index": 0}
        item = {"id": item_id, "type": "message", "role": "assistant", "status": "in_progress", "content": []}
        await self.send(
            {
                "type": "response.output_item.added",
                "response_id": response_id,
                "output_index": 0,
                "item": item,
            }
        )
        step = max(2, int(RATE * settings.delta_audio_ms / 1000) * 2)
        chunks = [pcm[i : i + step] for i in range(0, len(pcm), step)] if spoken else []
        words = _pieces(answer, max(1, len(chunks)))
        first_at: float | None = None
        count = max(len(chunks), len(words))
        for index in range(count):
            if index and settings.delta_interval_ms:
                await asyncio.sleep(settings.delta_interval_ms / 1000.0)
            if index < len(chunks):
                await self.send(
                    {"type": self.names["audio"], **base, "delta": base64.b64encode(chunks[index]).decode()}
                )
            if index < len(words):
                await self.send(
                    {"type": self.names["transcript" if spoken else "text"], **base, "delta": words[index]}
                )
            if first_at is None:
                first_at = time.perf_counter()
                fake.turns.append(
                    Turn(parsed.sample, attempt, fault, asked, first_at, input_seconds, output_seconds)
                )
                if fault == "drop":
                    if self.request.transport is not None:
                        self.request.transport.abort()
                    raise _Dropped
        if spoken:
            await self.send({"type": self.names["audio_done"], **base})
            await self.send({"type": self.names["transcript_done"], **base, "transcript": answer})
        else:
            await self.send({"type": self.names["text_done"], **base, "text": answer})
        kind = "output_audio" if spoken else "output_text"
        content = [{"type": kind, "transcript" if spoken else "text": answer}]
        done_item = {**item, "status": "completed", "content": content}
        await self.send(
            {
                "type": "response.output_item.done",
                "response_id": response_id,
                "output_index": 0,
                "item": done_item,
            }
        )
        await self.done(
            response_id, "completed", [done_item], input_seconds, instructions, answer, output_seconds
        )

    async def done(
        self,
        response_id: str,
        status: str,
        output: list[dict[str, Any]],
        input_seconds: float,
        instructions: str,
        answer: str,
        output_seconds: float,
    ) -> None:
        audio_in = math.ceil(input_seconds * 10)  # 1 token per 100 ms of user audio
        text_in = text_tokens(instructions)
        audio_out = math.ceil(output_seconds * 20)  # 1 token per 50 ms of assistant audio
        text_out = text_tokens(answer)
        usage = {
            "total_tokens": audio_in + text_in + audio_out + text_out,
            "input_tokens": audio_in + text_in,
            "output_tokens": audio_out + text_out,
            "input_token_details": {
                "text_tokens": text_in,
                "audio_tokens": audio_in,
                "cached_tokens": 0,
                "cached_tokens_details": {"text_tokens": 0, "audio_tokens": 0},
            },
            "output_token_details": {"text_tokens": text_out, "audio_tokens": audio_out},
        }
        response = {
            "id": response_id,
            "object": "realtime.response",
            "status": status,
            "output": output,
            "usage": usage,
        }
        await self.send({"type": "response.done", "response": response})


def _pieces(text: str, parts: int) -> list[str]:
    """The text cut at word boundaries into at most `parts` deltas (joined, they give it back)."""
    words = text.split(" ")
    if not text:
        return []
    size = max(1, math.ceil(len(words) / parts))
    pieces = [" ".join(words[i : i + size]) for i in range(0, len(words), size)]
    return [p if i == 0 else " " + p for i, p in enumerate(pieces)]


async def _sleep_until(deadline: float) -> None:
    """Sleep to a perf_counter deadline; the last millisecond is spun for precision."""
    remaining = deadline - time.perf_counter()
    if remaining > 0.002:
        await asyncio.sleep(remaining - 0.0015)
    while time.perf_counter() < deadline:
        await asyncio.sleep(0)
