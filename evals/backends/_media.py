"""Media as providers want them, encoded once per sample and format (cached in `request.memo`,
which every retry of the request shares)."""

from __future__ import annotations

import base64
import io

from evals.errors import MediaError
from evals.media import Media
from evals.records import Request

AUDIO_FORMATS = {"audio/wav": "wav", "audio/x-wav": "wav", "audio/mpeg": "mp3"}


def b64(request: Request, media: Media) -> str:
    """Base64 of the media's bytes, computed once per request."""
    key = f"b64:{media.sha256}"
    cached = request.memo.get(key)
    if cached is None:
        cached = base64.b64encode(media.data).decode("ascii")
        request.memo[key] = cached
    return str(cached)


def data_url(request: Request, media: Media, mime: str | None = None) -> str:
    return f"data:{mime or media.mime};base64,{b64(request, media)}"


def remote_url(media: Media) -> str | None:
    """The http(s) URL the media came from, if it came from one (sent by reference then)."""
    path = media.path or ""
    return path if path.startswith(("http://", "https://")) else None


def audio_format(media: Media) -> str:
    """OpenAI's `input_audio.format` (wav or mp3) from the sniffed bytes."""
    found = AUDIO_FORMATS.get(media.mime)
    if found is None:
        raise MediaError(f"audio in {media.mime} cannot be sent as input_audio (wav or mp3 only)")
    return found


def image_in(request: Request, media: Media, accepted: frozenset[str]) -> tuple[str, str]:
    """(mime, base64) in a format the provider accepts; others are converted to PNG once."""
    if media.mime in accepted:
        return media.mime, b64(request, media)
    key = f"png-b64:{media.sha256}"
    cached = request.memo.get(key)
    if cached is None:
        from PIL import Image

        try:
            with Image.open(io.BytesIO(media.data)) as image:
                buffer = io.BytesIO()
                image.save(buffer, format="PNG")
        except Exception as exc:
            raise MediaError(f"image in {media.mime} could not be converted to PNG: {exc}") from exc
        cached = base64.b64encode(buffer.getvalue()).decode("ascii")
        request.memo[key] = cached
    return "image/png", str(cached)
