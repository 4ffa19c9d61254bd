"""Video perturbations: dropped frames, and any image perturbation applied frame by frame.

The video is decoded whole, changed, and encoded again as H.264 MP4 at its own frame rate and
size (the audio track, if any, is kept as 16 kHz mono AAC). `frame_drop` shows the previous
frame in place of each dropped one, as a stalled stream does, so the clip keeps its length and
every event its time. An image perturbation draws the same geometry for every frame (a rotated
camera stays rotated, an occluding patch stays put) and fresh noise for each frame (sensor
noise changes from frame to frame).
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import soundfile
from PIL import Image

from evals.errors import MediaError
from evals.generators.video_encode import encode_mp4
from evals.media import Media
from evals.perturb.image import IMAGE_FUNCTIONS
from evals.video import Sampling, audio_wav

# name → (what the parameter is, its five values)
VIDEO_LEVELS: dict[str, tuple[str, tuple[float, ...]]] = {
    "frame_drop": ("share of frames dropped (the previous frame shown again)", (0.1, 0.2, 0.35, 0.5, 0.7)),
}
# Frames are held decoded while perturbed: enough for clips of a few minutes at low rates.
MAX_FRAMES = 3600
# Image perturbations whose randomness is noise, drawn afresh for every frame.
_PER_FRAME_NOISE = frozenset({"gaussian_noise", "salt_pepper", "low_light"})


def level(name: str, severity: int) -> float:
    return VIDEO_LEVELS[name][1][severity - 1]


def _decode(data: bytes) -> tuple[list[Image.Image], float]:
    import av

    try:
        with av.open(io.BytesIO(data), mode="r") as container:
            stream: Any = container.streams.video[0]
            rate = float(stream.average_rate or stream.guessed_rate or 8)
            frames: list[Image.Image] = []
            for frame in container.decode(stream):
                if len(frames) == MAX_FRAMES:
                    raise MediaError(
                        f"the video is too long to perturb (over {MAX_FRAMES} frames): "
                        "video perturbations decode the whole clip; cut it shorter"
                    )
                frames.append(frame.to_image())
    except (IndexError, av.error.FFmpegError) as exc:  # no video stream, or not a video
        raise MediaError(f"cannot read the video to perturb it ({exc})") from None
    if not frames:
        raise MediaError("the video to perturb has no frames")
    return frames, rate


def _audio(data: bytes) -> np.ndarray[Any, np.dtype[np.float64]] | None:
    wav = audio_wav(Media.from_bytes("video", data), Sampling())
    if wav is None:
        return None
    samples, _ = soundfile.read(io.BytesIO(wav), dtype="float64")
    return np.asarray(samples, dtype=np.float64)


def _even(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    """Frames of one size with even sides (4:2:0 video needs them)."""
    return image if image.size == size else image.resize(size, Image.Resampling.BILINEAR)


def perturb_video(data: bytes, name: str, severity: int, rng: np.random.Generator) -> bytes:
    frames, rate = _decode(data)
    if name == "frame_drop":
        dropped = rng.random(len(frames)) < level(name, severity)
        dropped[0] = False  # the first frame is always there to repeat
        for index in range(1, len(frames)):
            if dropped[index]:
                frames[index] = frames[index - 1]
    else:
        function = IMAGE_FUNCTIONS[name]
        seed = int(rng.integers(2**63))
        frames = [
            function(
                frame,
                severity,
                np.random.default_rng([seed, index] if name in _PER_FRAME_NOISE else [seed]),
            )
            for index, frame in enumerate(frames)
        ]
    width, height = frames[0].size
    size = (max(2, width // 2 * 2), max(2, height // 2 * 2))
    fps = max(1, round(rate))
    return encode_mp4((_even(f, size) for f in frames), fps, size, audio=_audio(data))
