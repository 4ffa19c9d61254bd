"""The plain records that move forward through the pipeline (DESIGN.md, "Core records")."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Literal

from evals.media import Media

Role = Literal["system", "user", "assistant"]


@dataclass(frozen=True, slots=True)
class TextPart:
    text: str


@dataclass(frozen=True, slots=True)
class MediaPart:
    """An image, audio clip or video in a message; `detail` is an image hint (low/high/auto)."""

    media: Media
    detail: str | None = None

    @property
    def kind(self) -> str:
        return self.media.kind


Part = TextPart | MediaPart


@dataclass(slots=True)
class Sample:
    """One dataset item: template fields (media fields hold `Media`), references, metadata."""

    id: str
    fields: dict[str, Any]
    targets: list[str]
    metadata: dict[str, Any] = field(default_factory=dict)
    choices: list[str] | None = None

    def media(self) -> list[Media]:
        found: list[Media] = []
        for value in self.fields.values():
            if isinstance(value, Media):
                found.append(value)
            elif isinstance(value, list):
                found.extend(v for v in value if isinstance(v, Media))
        return found

    def release_media(self) -> None:
        for media in self.media():
            media.release()


@dataclass(frozen=True, slots=True)
class Message:
    role: Role
    parts: tuple[Part, ...]

    @property
    def text(self) -> str:
        return "".join(p.text for p in self.parts if isinstance(p, TextPart))


@dataclass(frozen=True, slots=True)
class GenerationParams:
    max_tokens: int | None = None
    temperature: float | None = None
    seed: int | None = None
    top_p: float | None = None
    stop: tuple[str, ...] = ()
    response_schema: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k in self.__dataclass_fields__ if (v := getattr(self, k)) is not None and v != ()}


@dataclass(frozen=True, slots=True)
class Request:
    """A provider-neutral request; `canonical()` (media by content hash) is the cache key."""

    task: str
    sample_id: str
    messages: tuple[Message, ...]
    params: GenerationParams = GenerationParams()
    output: Literal["text", "audio"] = "text"
    # Facts about the input from the task (e.g. text_layout: line) that local engines may use.
    hints: dict[str, Any] = field(default_factory=dict)
    # Per-request memo shared by retries and backends (e.g. base64 of an image in one format),
    # so media are encoded once per sample per format, not once per attempt.
    memo: dict[str, Any] = field(default_factory=dict, compare=False, hash=False, repr=False)

    @property
    def system(self) -> str | None:
        texts = [m.text for m in self.messages if m.role == "system"]
        return "\n\n".join(texts) if texts else None

    @property
    def user_messages(self) -> tuple[Message, ...]:
        return tuple(m for m in self.messages if m.role != "system")

    def media_parts(self) -> list[MediaPart]:
        return [p for m in self.messages for p in m.parts if isinstance(p, MediaPart)]

    def modalities(self) -> set[str]:
        kinds = {"text"} if any(m.text for m in self.messages) else set()
        return kinds | {p.kind for p in self.media_parts()}

    def canonical(self) -> dict[str, Any]:
        messages = []
        for message in self.messages:
            parts: list[dict[str, Any]] = []
            for part in message.parts:
                if isinstance(part, TextPart):
                    parts.append({"text": part.text})
                else:
                    ref: dict[str, Any] = {part.kind: part.media.sha256}
                    if part.detail:
                        ref["detail"] = part.detail
                    parts.append(ref)
            messages.append({"role": message.role, "parts": parts})
        canonical = {"messages": messages, "params": self.params.as_dict(), "output": self.output}
        if self.hints:
            canonical["hints"] = self.hints
        return canonical

    def prompt_text(self, limit: int = 2000) -> str:
        """The text of the user turn, for reports (media shown as placeholders)."""
        chunks = []
        for message in self.user_messages:
            for part in message.parts:
                chunks.append(part.text if isinstance(part, TextPart) else f"<{part.kind}>")
        text = "".join(chunks)
        return text if len(text) <= limit else text[:limit] + "…"


def stable_hash(payload: Any) -> str:
    """sha256 of the canonical JSON of a value (sorted keys, no spaces)."""
    encoded = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(encoded.encode()).hexdigest()


USAGE_FIELDS = (
    "input_tokens",
    "output_tokens",
    "cached_input_tokens",
    "image_tokens",
    "audio_tokens",
    "reasoning_tokens",
    "audio_seconds",
    "input_characters",
)


@dataclass(slots=True)
class Usage:
    """Tokens as the provider reported them (None where it did not)."""

    input_tokens: int | None = None
    output_tokens: int | None = None
    cached_input_tokens: int | None = None
    image_tokens: int | None = None
    audio_tokens: int | None = None
    reasoning_tokens: int | None = None
    audio_seconds: float | None = None
    input_characters: int | None = None  # for services priced by characters (text to speech)

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k in USAGE_FIELDS if (v := getattr(self, k)) is not None}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Usage:
        return cls(**(data or {}))


ErrorKind = Literal[
    "rate_limit",  # 429
    "server",  # 5xx, overloaded
    "timeout",  # no answer within the request timeout
    "connection",  # refused, reset, dropped
    "bad_request",  # 400, 413, 422: the request must change
    "auth",  # 401: the key is missing or wrong
    "permission",  # 403
    "not_found",  # 404: wrong model or URL
    "bad_response",  # malformed or empty body
    "media",  # the sample's media could not be read or decoded
    "unsupported",  # the backend cannot take this input
    "budget",  # not sent: the run's budget was spent
    "internal",  # a bug in a backend or scorer; see the message
]

RETRYABLE_KINDS: frozenset[str] = frozenset({"rate_limit", "server", "timeout", "connection"})


@dataclass(slots=True)
class ErrorInfo:
    """Why a sample has no answer: a failed call is an error, never a wrong answer."""

    kind: ErrorKind
    message: str
    retryable: bool = False
    status: int | None = None
    retry_after: float | None = None

    def as_dict(self) -> dict[str, Any]:
        fields = ("kind", "message", "retryable", "status", "retry_after")
        return {k: v for k in fields if (v := getattr(self, k)) is not None}


@dataclass(slots=True)
class Latency:
    total_s: float | None = None
    queue_s: float | None = None
    ttft_s: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k in ("total_s", "queue_s", "ttft_s") if (v := getattr(self, k)) is not None}


@dataclass(slots=True)
class Response:
    text: str = ""
    usage: Usage = field(default_factory=Usage)
    model: str | None = None
    finish_reason: str | None = None
    ttft_s: float | None = None
    audio: bytes | None = None
    raw: dict[str, Any] | None = None
    error: ErrorInfo | None = None


Status = Literal["ok", "error", "not_run"]


@dataclass(slots=True)
class Result:
    """One line of the journal: a sample's outcome on one backend."""

    task: str
    backend: str
    sample_id: str
    status: Status
    prediction: str | None = None
    targets: list[str] = field(default_factory=list)
    scores: dict[str, float] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)
    flags: list[str] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)
    usage: dict[str, Any] = field(default_factory=dict)
    cost_usd: float | None = None
    latency: dict[str, Any] = field(default_factory=dict)
    cached: bool = False
    attempts: int = 0
    error: dict[str, Any] | None = None
    request_hash: str | None = None
    prompt: str | None = None
    media: list[dict[str, Any]] = field(default_factory=list)
    model: str | None = None
    finished_at: float | None = None

    def as_dict(self) -> dict[str, Any]:
        # By hand: dataclasses.asdict deep-copies recursively and is the runner's largest cost.
        return {name: getattr(self, name) for name in self.__dataclass_fields__}
