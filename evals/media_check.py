"""Check media bytes before they are sent: truncated, corrupt, empty or oversized files are
per-sample errors with a reason, never a request."""

from __future__ import annotations

import io
import struct
import warnings
import zlib
from pathlib import Path

from evals.errors import MediaError
from evals.media import sniff_mime

# 50 megapixels: far above any benchmark image, far below a decompression bomb.
MAX_IMAGE_PIXELS = 50_000_000


def check_media(kind: str, data: bytes, where: str) -> bytes:
    if not data:
        raise MediaError(f"{where}: the {kind} file is empty")
    mime = sniff_mime(data)
    if kind == "image":
        _check_image(data, mime, where)
    elif kind == "audio":
        _check_audio(data, mime, where)
    elif kind == "video":
        _check_video(data, mime, where)
    return data


def _too_large(width: int, height: int, where: str) -> MediaError:
    return MediaError(
        f"{where}: image is {width}×{height} ({width * height / 1e6:.0f} megapixels); "
        f"the limit is {MAX_IMAGE_PIXELS / 1e6:.0f}"
    )


def _check_png(data: bytes, where: str) -> None:
    """Walk a PNG's chunks: IHDR first (its size checked), every chunk whole and its CRC right,
    IEND at the end. What PIL's verify() checks, without PIL's per-image set-up: this runs once
    per image on every run, cache hits included, so it must cost microseconds."""
    position, first = 8, True
    while True:
        if position + 12 > len(data):
            raise MediaError(f"{where}: corrupt or truncated image (the PNG ends before its IEND chunk)")
        length, kind = struct.unpack(">I4s", data[position : position + 8])
        end = position + 12 + length
        if end > len(data):
            raise MediaError(f"{where}: corrupt or truncated image (PNG chunk {kind!r} runs past the end)")
        body = data[position + 8 : end - 4]
        if zlib.crc32(kind + body) != struct.unpack(">I", data[end - 4 : end])[0]:
            raise MediaError(f"{where}: corrupt or truncated image (bad CRC in PNG chunk {kind!r})")
        if first:
            if kind != b"IHDR" or length < 8:
                raise MediaError(f"{where}: corrupt or truncated image (the PNG does not start with IHDR)")
            width, height = struct.unpack(">II", body[:8])
            if width * height > MAX_IMAGE_PIXELS:
                raise _too_large(width, height, where)
            first = False
        if kind == b"IEND":
            return
        position = end


def _check_image(data: bytes, mime: str | None, where: str) -> None:
    if mime is None or not mime.startswith("image/"):
        raise MediaError(f"{where}: not an image (unknown format)")
    if mime == "image/png":
        _check_png(data, where)
        return
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                width, height = image.size
                if width * height > MAX_IMAGE_PIXELS:
                    raise _too_large(width, height, where)
                if mime == "image/jpeg":
                    image.load()  # verify() does not read JPEG data: decode to find truncation
                else:
                    image.verify()
    except MediaError:
        raise
    except Image.DecompressionBombError as exc:  # PIL refuses to open it at all (> 2× its limit)
        raise MediaError(
            f"{where}: image is too large to open ({exc}); the limit is "
            f"{MAX_IMAGE_PIXELS / 1e6:.0f} megapixels"
        ) from exc
    except Exception as exc:  # PIL raises many types for corrupt files
        raise MediaError(f"{where}: corrupt or truncated image ({exc})") from exc


def _check_audio(data: bytes, mime: str | None, where: str) -> None:
    if mime is None or not (mime.startswith("audio/") or mime == "video/webm"):
        raise MediaError(f"{where}: not an audio file (unknown format)")
    if mime in ("audio/wav", "audio/flac", "audio/ogg"):
        import soundfile

        try:
            info = soundfile.info(io.BytesIO(data))
        except Exception as exc:
            raise MediaError(f"{where}: corrupt audio ({exc})") from exc
        if info.frames == 0:
            raise MediaError(f"{where}: the audio has no samples (zero length)")
        if mime == "audio/wav" and not _wav_complete(data):
            raise MediaError(f"{where}: truncated WAV (its data chunk is shorter than declared)")


def _wav_complete(data: bytes) -> bool:
    """True when the WAV's data chunk is as long as its header declares."""
    position = 12
    while position + 8 <= len(data):
        chunk, size = struct.unpack("<4sI", data[position : position + 8])
        if chunk == b"data":
            return bool(position + 8 + size <= len(data) or size == 0xFFFFFFFF)
        position += 8 + size + (size & 1)
    return False


def _check_video(data: bytes, mime: str | None, where: str) -> None:
    if mime is None or not mime.startswith("video/"):
        raise MediaError(f"{where}: not a video file (unknown format)")
    if mime == "video/mp4":
        boxes = _mp4_boxes(data)
        if boxes is None:
            raise MediaError(f"{where}: truncated or corrupt MP4 (a box runs past the end)")
        if b"moov" not in boxes:
            raise MediaError(f"{where}: MP4 without a 'moov' box (not playable)")


def check_video_file(path: Path, where: str) -> Path:
    """The checks `check_media` makes on a video's bytes, made on its file by reading only the
    top-level boxes' headers (an hour of video is not read to check it)."""
    size = path.stat().st_size
    if size == 0:
        raise MediaError(f"{where}: the video file is empty")
    with path.open("rb") as handle:
        head = handle.read(64)
        mime = sniff_mime(head)
        if mime is None or not mime.startswith("video/"):
            raise MediaError(f"{where}: not a video file (unknown format)")
        if mime != "video/mp4":
            return path
        seen: set[bytes] = set()
        position = 0
        while position < size:
            handle.seek(position)
            header = handle.read(16)
            if len(header) < 8:
                raise MediaError(f"{where}: truncated or corrupt MP4 (a box runs past the end)")
            box_size, box = struct.unpack(">I4s", header[:8])
            if box_size == 1 and len(header) == 16:
                box_size = struct.unpack(">Q", header[8:16])[0]
            elif box_size == 0:
                box_size = size - position
            if box_size < 8 or position + box_size > size:
                raise MediaError(f"{where}: truncated or corrupt MP4 (a box runs past the end)")
            seen.add(box)
            position += box_size
    if b"moov" not in seen:
        raise MediaError(f"{where}: MP4 without a 'moov' box (not playable)")
    return path


def _mp4_boxes(data: bytes) -> set[bytes] | None:
    """Top-level box types of an MP4, or None when the box sizes do not add up."""
    seen: set[bytes] = set()
    position = 0
    while position < len(data):
        if position + 8 > len(data):
            return None
        size, box = struct.unpack(">I4s", data[position : position + 8])
        if size == 1:
            if position + 16 > len(data):
                return None
            size = struct.unpack(">Q", data[position + 8 : position + 16])[0]
        elif size == 0:
            size = len(data) - position
        if size < 8 or position + size > len(data):
            return None
        seen.add(box)
        position += size
    return seen
