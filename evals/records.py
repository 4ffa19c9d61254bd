"""The plain records that move forward through the pipeline (DESIGN.md, "Core records")."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Literal

from evals.media import Media, MediaKind
from evals.rundata import ErrorInfo, ErrorKind, Latency, Usage
from evals.video import VideoPlan

__all__ = [
    "ErrorInfo",
    "ErrorKind",
    "GenerationParams",
    "Latency",
    "MediaPart",
    "Message",
    "OutputMedia",
    "Part",
    "Request",
    "Response",
    "Sample",
    "TextPart",
    "Usage",
    "stable_hash",
]

Role = Literal["system", "user", "assistant"]


@dataclass(frozen=True, slots=True)
class TextPart:
    text: str


@dataclass(frozen=True, slots=True)
class MediaPart:
    """An image, audio clip or video in a message; `detail` is an image hint (low/high/auto)."""

    media: Media
    detail: str | None = None
    # What the medium is for, when a backend must tell inputs apart (an edit's "source" image
    # and its "mask"); None for ordinary content.
    role: str | None = None
    # A video's sampling plan (frames, window, limits, per-backend variants); None: defaults.
    video: VideoPlan | None = None

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
        return [media for _, media in self.media_fields()]

    def media_fields(self) -> list[tuple[str, Media]]:
        """(field name, medium) for every medium of the sample, in field order."""
        found: list[tuple[str, Media]] = []
        for name, value in self.fields.items():
            if isinstance(value, Media):
                found.append((name, value))
            elif isinstance(value, list):
                found.extend((name, v) for v in value if isinstance(v, Media))
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
    logprobs: bool = False
    # Options of a produced medium (image: size, quality, style, background, n; speech: voice,
    # format), sorted pairs so the request stays hashable and canonical.
    output_options: tuple[tuple[str, str | int | float | bool], ...] = ()

    def option(self, name: str, default: Any = None) -> Any:
        return dict(self.output_options).get(name, default)

    def as_dict(self) -> dict[str, Any]:
        out = {}
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            if value is None or value == () or value is False:
                continue
            out[name] = dict(value) if name == "output_options" else value
        return out


@dataclass(frozen=True, slots=True)
class Request:
    """A provider-neutral request; `canonical()` (media by content hash) is the cache key."""

    task: str
    sample_id: str
    messages: tuple[Message, ...]
    params: GenerationParams = GenerationParams()
    output: Literal["text", "audio", "image"] = "text"
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
                    if part.role:
                        ref["role"] = part.role
                    if part.video is not None:
                        ref["video"] = part.video.record()
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


# Usage, Latency and ErrorInfo are the run directory's own typed records (evals/rundata.py):
# one definition from the backend that fills them to the report that reads them.
USAGE_FIELDS: tuple[str, ...] = tuple(Usage.model_fields)

RETRYABLE_KINDS: frozenset[str] = frozenset({"rate_limit", "server", "timeout", "connection"})


@dataclass(frozen=True, slots=True)
class OutputMedia:
    """A medium a backend produced (an image, a spoken reply): bytes and their MIME type.

    The runner stores it once in the run directory (`media/<sha256>.<ext>`) and journals a
    reference; `name` says which output it is when there are several (e.g. "reply", "edit")."""

    kind: MediaKind
    data: bytes
    mime: str
    name: str | None = None

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass(slots=True)
class Response:
    """What a backend returns. `outputs` holds produced media; `refusal` the model's reason when
    it declined (journaled as an error of kind `refusal`, never as an empty answer)."""

    text: str = ""
    usage: Usage = field(default_factory=Usage)
    model: str | None = None
    finish_reason: str | None = None
    ttft_s: float | None = None
    ttfa_s: float | None = None
    stages: dict[str, float] = field(default_factory=dict)
    outputs: list[OutputMedia] = field(default_factory=list)
    logprobs: list[float] | None = None
    # The backend's own confidence in the whole answer (0–1) when it has one that is not token
    # log-probabilities (an engine's estimate); journaled for review routing (evals/review.py).
    confidence: float | None = None
    # Per stage of a composite backend: what it cost (`cost_usd`) and, for a stage that routes the
    # sample (a document classifier), its `answer`; journaled as `SampleRecord.stages`.
    stage_details: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Dollars, when the backend knows them better than its usage can say (a composite of stages
    # priced by different rules); None: priced from `usage` by the backend's own rule.
    cost_usd: float | None = None
    raw: dict[str, Any] | None = None
    error: ErrorInfo | None = None
    surrogates_replaced: bool = False  # the text held lone surrogates, replaced by U+FFFD

    @property
    def audio(self) -> bytes | None:
        """The first audio output's bytes (a spoken answer), if any."""
        return next((o.data for o in self.outputs if o.kind == "audio"), None)

    def output(self, kind: str) -> OutputMedia | None:
        return next((o for o in self.outputs if o.kind == kind), None)
