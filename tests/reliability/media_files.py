"""Good and broken media, made in the test (binary files are not committed)."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import soundfile
from PIL import Image


def png(width: int = 32, height: int = 16) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def jpeg(width: int = 32, height: int = 16) -> bytes:
    buffer = io.BytesIO()
    noise = np.random.default_rng(0).integers(0, 255, (height, width, 3), dtype=np.uint8)
    Image.fromarray(noise).save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def gigapixel_png(side: int = 100_000) -> bytes:
    """A 100-byte PNG whose header declares side × side pixels (a decompression bomb)."""
    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00" + b"\x00" * 3)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", pixels) + _chunk(b"IEND", b"")


def corrupt_png() -> bytes:
    """A PNG whose pixel data was damaged (its checksum no longer matches)."""
    data = bytearray(png())
    start = data.index(b"IDAT") + 4
    for i in range(start, start + 8):
        data[i] ^= 0x5A
    return bytes(data)


def wav(frames: int = 1600, rate: int = 16_000) -> bytes:
    buffer = io.BytesIO()
    samples = np.sin(np.arange(frames) / 8.0).astype("float32") * 0.1
    soundfile.write(buffer, samples, rate, format="WAV", subtype="PCM_16")
    return buffer.getvalue()


def corrupt_wav() -> bytes:
    return b"RIFF" + struct.pack("<I", 64) + b"WAVEfmt " + struct.pack("<I", 16) + bytes(range(16)) * 3


def mp4(seconds: float = 2.0, payload: int = 512, moov: bool = True) -> bytes:
    """A playable MP4 of `seconds` (4 frames a second, 32×32, PyAV) with a `free` box of
    `payload` bytes; `moov=False` drops its moov box (a file no player can open)."""
    from PIL import Image

    from evals.generators.video_encode import encode_mp4

    frames = [Image.new("RGB", (32, 32), (i * 20 % 255, 90, 160)) for i in range(round(seconds * 4))]
    data = encode_mp4(frames, 4, (32, 32)) + struct.pack(">I", 8 + payload) + b"free" + bytes(payload)
    if moov:
        return data
    at, out = 0, b""
    while at < len(data):
        size, kind = struct.unpack(">I4s", data[at : at + 8])
        out += b"" if kind == b"moov" else data[at : at + size]
        at += size
    return out
