"""The provider-neutral view of a request the fake provider received, given to answer functions."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class FakeRequest:
    provider: str  # "openai", "anthropic" or "gemini"
    endpoint: str  # "chat", "responses", "transcriptions", "speech", "messages", "generateContent"
    model: str | None
    text: str = ""  # every text part (system included), joined by newlines
    system: str | None = None
    images: list[bytes] = field(default_factory=list)
    image_details: list[str | None] = field(default_factory=list)
    image_urls: list[str] = field(default_factory=list)  # http(s) images sent by reference
    audio: list[bytes] = field(default_factory=list)
    video: list[bytes] = field(default_factory=list)
    # Each video's (start, end) offsets in seconds from its videoMetadata (None: the whole clip).
    video_windows: list[tuple[float | None, float | None]] = field(default_factory=list)
    stream: bool = False
    body: dict[str, Any] = field(default_factory=dict)
    sample: str = ""


# What a test plugs in: the parsed request in, the answer text out.
AnswerFn = Callable[[FakeRequest], str]


def default_answer(request: FakeRequest) -> str:
    """A fixed, obviously simulated answer."""
    return "fake answer"


class BadRequest(ValueError):
    """The request does not follow the provider's protocol: answered with a 400."""


def b64decode(data: str, what: str) -> bytes:
    """Standard or URL-safe base64 (Google's JSON mapping of bytes accepts both)."""
    if "-" in data or "_" in data:
        data = data.replace("-", "+").replace("_", "/")
    data += "=" * (-len(data) % 4)
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise BadRequest(f"{what} is not valid base64") from exc


def data_url_bytes(url: str) -> bytes | None:
    """Bytes of a `data:...;base64,` URL; None for an http(s) URL."""
    if url.startswith("data:"):
        head, _, payload = url.partition(",")
        if ";base64" not in head:
            raise BadRequest("data URLs must be base64")
        return b64decode(payload, "the image data URL")
    if url.startswith(("http://", "https://")):
        return None
    raise BadRequest(f"unsupported image url scheme: {url[:16]!r}")
