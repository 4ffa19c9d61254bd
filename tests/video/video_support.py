"""Small real videos for tests (drawn with PIL, encoded with PyAV), and the broken files a
dataset can hold: truncated, zero-length, a 10-hour header, an unsupported codec, garbage."""

from __future__ import annotations

import struct
from contextlib import suppress
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from evals.generators.video_encode import encode_mp4

SIZE = (96, 64)


def clip(seconds: float = 4.0, fps: int = 8, *, audio: bool = False, size: tuple[int, int] = SIZE) -> bytes:
    """A ball crossing the frame; each frame's index is drawn as a grey level in the corner."""
    width, height = size
    frames = int(seconds * fps)

    def images():  # type: ignore[no-untyped-def]
        for index in range(frames):
            image = Image.new("RGB", size, (235, 235, 235))
            draw = ImageDraw.Draw(image)
            x = 4 + (width - 16) * index / max(1, frames - 1)
            draw.ellipse((x, height / 2 - 6, x + 12, height / 2 + 6), fill=(200, 30, 30))
            yield image

    sound = None
    if audio:
        sound = 0.3 * np.sin(np.arange(int(16_000 * seconds)) * 2 * np.pi * 440 / 16_000)
    return encode_mp4(images(), fps, size, audio=sound)


def _child(data: bytes, start: int, end: int, kind: bytes, header: int = 8) -> tuple[int, int]:
    at = start + header
    while at + 8 <= end:
        size, found = struct.unpack(">I4s", data[at : at + 8])
        if found == kind:
            return at, at + size
        at += max(size, 8)
    raise KeyError(kind)


def _find_box(data: bytes, path: list[bytes]) -> tuple[int, int]:
    """(start, end) of a box by its path of types from the top level."""
    start, end = -8, len(data)
    for kind in path:
        start, end = _child(data, start, end, kind)
    return start, end


def truncated(data: bytes, keep: float = 0.5) -> bytes:
    """The file cut short: its header (first) whole, its frame data half gone."""
    return data[: int(len(data) * keep)]


def ten_hour_header(data: bytes) -> bytes:
    """The same frames, but every duration the file states (movie, track, media, edit list,
    and each sample's) stretched so it claims 10 hours."""
    out = bytearray(data)
    hours = 36_000

    def put(at: int, value: int) -> None:
        out[at : at + 4] = struct.pack(">I", value)

    def get(at: int) -> int:
        return int(struct.unpack(">I", data[at : at + 4])[0])

    trak = [b"moov", b"trak"]
    mvhd, _ = _find_box(data, [b"moov", b"mvhd"])
    movie_scale = get(mvhd + 20)
    put(mvhd + 24, hours * movie_scale)
    tkhd, _ = _find_box(data, [*trak, b"tkhd"])
    put(tkhd + 28, hours * movie_scale)
    with suppress(KeyError):
        elst, _ = _find_box(data, [*trak, b"edts", b"elst"])
        put(elst + 16, hours * movie_scale)
    mdhd, _ = _find_box(data, [*trak, b"mdia", b"mdhd"])
    media_scale = get(mdhd + 20)
    put(mdhd + 24, hours * media_scale)
    stts, _ = _find_box(data, [*trak, b"mdia", b"minf", b"stbl", b"stts"])
    count = get(stts + 12)
    frames = sum(get(stts + 16 + 8 * i) for i in range(count))
    for i in range(count):
        put(stts + 20 + 8 * i, hours * media_scale // frames)
    return bytes(out)


def unsupported_codec(data: bytes) -> bytes:
    """The same file with its video sample entry renamed to a codec no decoder knows."""
    assert data.count(b"avc1") >= 1
    start, _ = _find_box(data, [b"moov", b"trak", b"mdia", b"minf", b"stbl", b"stsd"])
    entry = start + 16 + 4  # size (4) then the entry's type
    assert data[entry : entry + 4] == b"avc1", data[entry : entry + 4]
    return data[:entry] + b"zzzz" + data[entry + 4 :]


def broken_files(folder: Path) -> dict[str, str]:
    """Write each kind of bad video next to a good one; name → file name."""
    good = clip()
    files = {
        "good": good,
        "truncated": truncated(good),
        "zero-length": b"",
        "ten-hour-header": ten_hour_header(good),
        "unsupported-codec": unsupported_codec(good),
        "garbage": bytes(range(256)) * 8,
    }
    folder.mkdir(parents=True, exist_ok=True)
    names = {}
    for name, data in files.items():
        (folder / f"{name}.mp4").write_bytes(data)
        names[name] = f"{name}.mp4"
    return names
