"""A cacheable test backend that describes the media it is sent: an image's size, an audio
clip's frame count, a video's duration. Its answer depends on the bytes, so a stale or poisoned
cache entry would show as a wrong answer. Loaded by path: `type: probe_backend:MediaProbe`."""

from __future__ import annotations

import io
import struct
from collections import Counter
from typing import ClassVar

from evals.backends.base import Backend
from evals.records import Request, Response, Sample, Usage


def describe(kind: str, data: bytes) -> str:
    if kind == "image":
        from PIL import Image

        with Image.open(io.BytesIO(data)) as image:
            return f"{image.width}x{image.height}"
    if kind == "audio":
        import soundfile

        return f"{soundfile.info(io.BytesIO(data)).frames} frames"
    position = data.find(b"mvhd")  # duration / timescale from the movie header
    scale, duration = struct.unpack(">II", data[position + 16 : position + 24])
    return f"mp4 of {duration / scale:g} s"


class MediaProbe(Backend):
    type_name = "media-probe"
    kind = "provider"
    modalities = frozenset({"text", "image", "audio", "video"})
    calls: ClassVar[Counter[str]] = Counter()

    async def answer(self, request: Request, sample: Sample) -> Response:
        MediaProbe.calls[sample.id] += 1
        part = request.media_parts()[0]
        return Response(text=describe(part.kind, part.media.data), usage=Usage(input_tokens=1))

    async def generate(self, request: Request) -> Response:
        raise NotImplementedError

    def cost(self, usage: Usage) -> float | None:
        return 0.0
