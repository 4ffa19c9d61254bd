"""Small, bounded previews of a sample's media for the HTML report, as data URIs.

The journal keeps a reference to each medium (sha256, and its stored copy in `media/` or the
path it was read from), never its bytes. A preview is made from the run's stored copy, else
from the file when it still holds the same bytes (sha256 checked); the report never reads a
task's dataset again. Either way the preview shows exactly what the backends were sent (or what
they produced), or nothing.

Images become a thumbnail (at most 240 px a side, PNG or JPEG, whichever is smaller, at most
~40 KB); audio becomes a waveform picture and a short Ogg Vorbis clip (first 6 s, 16 kHz mono,
at most ~64 KB). A budget for the whole report stops adding media once it is spent.
"""

from __future__ import annotations

import base64
import hashlib
import io
import logging
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evals.report.samples import Preview, SampleView
from evals.rundata import MediaRef
from evals.rundir import MediaStore

log = logging.getLogger(__name__)

THUMB_SIDE = 240
THUMB_BYTES = 40_000
CLIP_SECONDS = 6.0
CLIP_RATE = 16_000
CLIP_BYTES = 64_000
WAVE_SIZE = (240, 56)


def data_uri(mime: str, data: bytes) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


@dataclass
class Budget:
    """Bytes of media the report may still embed."""

    remaining: int
    refused: int = 0

    def take(self, size: int) -> bool:
        if size > self.remaining:
            self.refused += 1
            return False
        self.remaining -= size
        return True


class MediaLookup:
    """Finds the bytes of journaled media: the run's own copy (`media/`), else the file the
    input was read from, each only when its sha256 still matches the journal."""

    def __init__(self, store: MediaStore | None) -> None:
        self.store = store

    def read(self, ref: MediaRef) -> bytes | None:
        if ref.stored and self.store is not None:
            data = self.store.read(ref)
            if data is not None:
                return data
        if ref.path:
            try:
                data = Path(ref.path).read_bytes()
            except OSError:
                return None
            if ref.sha256 is None or hashlib.sha256(data).hexdigest() == ref.sha256:
                return data
        return None


def image_thumbnail(data: bytes, side: int = THUMB_SIDE, limit: int = THUMB_BYTES) -> bytes | None:
    """A PNG or JPEG thumbnail of at most `side` px a side and about `limit` bytes, or None."""
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image: Image.Image = Image.open(io.BytesIO(data))
            image.draft("RGB", (side * 2, side * 2))
            image.load()
    except Exception:
        return None
    if image.mode not in ("RGB", "L"):
        rgba = image.convert("RGBA")
        image = Image.new("RGB", rgba.size, (255, 255, 255))
        image.paste(rgba, mask=rgba.getchannel("A"))
    for size in (side, side * 2 // 3, side // 2):
        small = image.copy()
        small.thumbnail((size, size))
        encoded = []
        for fmt, options in (("PNG", {"optimize": True}), ("JPEG", {"quality": 75})):
            out = io.BytesIO()
            small.save(out, fmt, **options)
            encoded.append(out.getvalue())
        best = min(encoded, key=len)
        if len(best) <= limit:
            return best
    return None


def _decode_audio(data: bytes) -> tuple[Any, int] | None:
    import numpy as np
    import soundfile as sf

    try:
        samples, rate = sf.read(io.BytesIO(data), dtype="float32", always_2d=True)
    except Exception:
        return None
    mono = np.asarray(samples).mean(axis=1)
    return (mono, int(rate)) if mono.size else None


def waveform_png(mono: Any, size: tuple[int, int] = WAVE_SIZE) -> bytes:
    """The min/max envelope of a signal drawn as a small PNG."""
    import numpy as np
    from PIL import Image, ImageDraw

    width, height = size
    columns = np.array_split(np.asarray(mono, dtype=np.float32), width)
    peak = float(np.max(np.abs(mono))) or 1.0
    image = Image.new("RGB", size, (246, 248, 250))
    draw = ImageDraw.Draw(image)
    middle = (height - 1) / 2
    draw.line([(0, middle), (width, middle)], fill=(200, 205, 212))
    for x, column in enumerate(columns):
        if column.size:
            low, high = float(column.min()) / peak, float(column.max()) / peak
            draw.line([(x, middle - high * middle), (x, middle - low * middle)], fill=(31, 95, 168))
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def audio_clip(mono: Any, rate: int, seconds: float = CLIP_SECONDS, limit: int = CLIP_BYTES) -> bytes | None:
    """The first seconds as 16 kHz mono Ogg Vorbis, or None if larger than `limit`."""
    import numpy as np
    import soundfile as sf

    head = np.asarray(mono[: int(seconds * rate)], dtype=np.float64)
    if rate != CLIP_RATE and head.size:
        positions = np.arange(0, head.size, rate / CLIP_RATE)
        head = np.interp(positions, np.arange(head.size), head)
    out = io.BytesIO()
    try:
        sf.write(out, np.clip(head, -1, 1).astype(np.float32), CLIP_RATE, format="OGG", subtype="VORBIS")
    except Exception:
        return None
    data = fixed_ogg_serial(out.getvalue())
    return data if len(data) <= limit else None


def _ogg_crc(page: bytes) -> int:
    """The CRC-32 of an Ogg page (polynomial 0x04C11DB7, unreflected, as RFC 3533 specifies)."""
    crc = 0
    for byte in page:
        crc ^= byte << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7) if crc & 0x80000000 else crc << 1
            crc &= 0xFFFFFFFF
    return crc


def fixed_ogg_serial(data: bytes, serial: int = 0x45564C53) -> bytes:
    """The same Ogg stream with a fixed serial number: libvorbis picks a random one, which would
    make two renderings of one report differ. Each page's CRC is recomputed (RFC 3533, §6)."""
    out = bytearray(data)
    offset = 0
    while offset + 27 <= len(out) and out[offset : offset + 4] == b"OggS":
        segments = out[offset + 26]
        size = 27 + segments + sum(out[offset + 27 : offset + 27 + segments])
        out[offset + 14 : offset + 18] = serial.to_bytes(4, "little")
        out[offset + 22 : offset + 26] = b"\0\0\0\0"
        crc = _ogg_crc(bytes(out[offset : offset + size]))
        out[offset + 22 : offset + 26] = crc.to_bytes(4, "little")
        offset += size
    return bytes(out)


def preview(kind: str, data: bytes, budget: Budget) -> Preview:
    """A preview of one medium within the budget; a caption says what was left out and why."""
    if kind == "image":
        thumb = image_thumbnail(data)
        if thumb is None:
            return Preview(kind, caption="image (no preview: cannot decode)")
        if not budget.take(len(thumb)):
            return Preview(kind, caption="image (preview left out: the report's media budget is spent)")
        mime = "image/png" if thumb.startswith(b"\x89PNG") else "image/jpeg"
        return Preview(kind, image_uri=data_uri(mime, thumb))
    if kind == "audio":
        decoded = _decode_audio(data)
        if decoded is None:
            return Preview(kind, caption="audio (no preview: cannot decode)")
        mono, rate = decoded
        caption = f"audio, {mono.size / rate:.1f} s"
        wave = waveform_png(mono)
        if not budget.take(len(wave)):
            return Preview(kind, caption=f"{caption} (preview left out: the media budget is spent)")
        clip = audio_clip(mono, rate)
        if clip is not None and budget.take(len(clip)):
            head = f", first {CLIP_SECONDS:.0f} s playable" if mono.size / rate > CLIP_SECONDS else ""
            return Preview(kind, data_uri("image/png", wave), data_uri("audio/ogg", clip), caption + head)
        return Preview(kind, data_uri("image/png", wave), caption=caption + " (no clip: size bound)")
    return Preview(kind, caption=f"{kind} (no preview)")


def attach_previews(
    views: list[SampleView], lookup: MediaLookup, budget: Budget, per_sample: int = 2
) -> None:
    """Fill the previews of each view's inputs (at most `per_sample` each) and of its answers'
    outputs (a generated image, a spoken reply), in order, within the budget."""
    for view in views:
        for ref in view.media[:per_sample]:
            view.previews.append(_preview_of(ref, lookup, budget))
        if len(view.media) > per_sample:
            view.previews.append(Preview("more", caption=f"+{len(view.media) - per_sample} more media"))
        for answer in view.answers:
            for ref in answer.outputs[:per_sample]:
                answer.previews.append(_preview_of(ref, lookup, budget))


def video_preview(ref: MediaRef, lookup: MediaLookup, budget: Budget) -> Preview:
    """A video's poster frame and strip of the frames sampled from it (drawn at run time and
    kept in the run directory), with its length."""
    length = f"video, {ref.seconds:.1f} s" if ref.seconds is not None else "video"
    frames = ref.frames
    picture = lookup.read(frames) if frames is not None else None
    if frames is None or picture is None:
        return Preview("video", caption=f"{length} (no preview: frames not kept)")
    if not budget.take(len(picture)):
        return Preview("video", caption=f"{length} (preview left out: the report's media budget is spent)")
    return Preview(
        "video",
        image_uri=data_uri(frames.mime or "image/jpeg", picture),
        caption=length + ", sampled frames",
    )


def _preview_of(ref: MediaRef, lookup: MediaLookup, budget: Budget) -> Preview:
    if ref.kind == "video":
        return video_preview(ref, lookup, budget)
    data = lookup.read(ref)
    if data is None:
        return Preview(ref.kind, caption=f"{ref.kind} (not available to preview)")
    return preview(ref.kind, data, budget)
