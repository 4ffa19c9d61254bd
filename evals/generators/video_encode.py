"""Encode rendered frames (PIL images) as a small MP4 with PyAV: H.264 (libx264, one thread, so
the same frames give the same bytes), the `moov` box first (faststart, as providers prefer), and
optionally a mono AAC audio track."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from PIL.Image import Image


def encode_mp4(
    frames: Iterable[Image],
    fps: int,
    size: tuple[int, int],
    *,
    audio: Any = None,
    audio_rate: int = 16_000,
    gop: int | None = None,
) -> bytes:
    """MP4 bytes of the frames at `fps`; `audio` is a float array in [-1, 1] (mono) or None.
    `gop`: frames between keyframes (default: one a second)."""
    import av
    import numpy as np

    codec = "libx264" if "libx264" in av.codecs_available else "mpeg4"
    handle, path = tempfile.mkstemp(suffix=".mp4")
    os.close(handle)
    try:
        # faststart rewrites the file at the end, so it needs a real file, not a buffer.
        with av.open(path, "w", format="mp4", options={"movflags": "faststart"}) as container:
            stream: Any = container.add_stream(codec, rate=fps)  # PyAV's stream types are loose
            stream.width, stream.height = size
            stream.pix_fmt = "yuv420p"
            stream.thread_count = 1
            keyint = str(gop or fps)
            stream.options = (
                {"preset": "veryfast", "crf": "23", "g": keyint, "keyint_min": keyint, "sc_threshold": "0"}
                if codec == "libx264"
                else {"g": keyint}
            )
            sound: Any = None
            if audio is not None:
                sound = container.add_stream("aac", rate=audio_rate)
                sound.layout = "mono"
            for image in frames:
                frame: Any = av.VideoFrame
                for packet in stream.encode(frame.from_image(image.convert("RGB"))):
                    container.mux(packet)
            for packet in stream.encode():
                container.mux(packet)
            if sound is not None:
                samples = (np.clip(np.asarray(audio, dtype=np.float64), -1, 1) * 32767).astype(np.int16)
                for at in range(0, samples.size, 1024):
                    chunk = av.AudioFrame.from_ndarray(
                        samples[None, at : at + 1024], format="s16", layout="mono"
                    )
                    chunk.sample_rate = audio_rate
                    chunk.pts = at
                    for packet in sound.encode(chunk):
                        container.mux(packet)
                for packet in sound.encode():
                    container.mux(packet)
        with open(path, "rb") as finished:
            return finished.read()
    finally:
        os.remove(path)
