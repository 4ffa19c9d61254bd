"""Video as backends take it: a sampling plan, a header probe checked against limits, frames
decoded by streaming (PyAV), and the audio track as WAV.

A video is never held whole: the decoder reads its file (or bytes) as it goes and seeks to the
keyframe before each wanted time when the next one is far ahead, so sampling 8 frames from an
hour costs 8 short decodes, not an hour of them. Everything that can go wrong with a file — empty,
truncated, corrupt, a header that claims hours the data does not hold, a codec nobody can decode,
over the limits — is a `MediaError` for that sample only.

Which frames a plan takes is a function of the header alone (duration, frame rate, and for
`keyframes` the keyframe index), so `--dry-run` counts exactly the frames a run will send.
"""

from __future__ import annotations

import io
import math
import wave
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, fields, replace
from fractions import Fraction
from typing import TYPE_CHECKING, Any, BinaryIO, Literal

from evals.errors import MediaError
from evals.media import Media

if TYPE_CHECKING:
    import av.container
    import av.video.frame
    import av.video.stream

SendMode = Literal["auto", "frames", "native"]

DEFAULT_FRAMES = 8  # a plan that names neither fps, frames nor keyframes: 8 frames, evenly spread
MAX_SECONDS = 4 * 3600.0  # longer than any benchmark's video; a 10-hour header is refused
MAX_PIXELS = 35_000_000  # above 8K (33.2 MP)
SEEK_AHEAD_S = 2.0  # seek instead of decoding on when the next wanted frame is this far ahead
AUDIO_RATE = 16_000
TIMESTAMP_FORMAT = "[{time}]"


def clock(seconds: float) -> str:
    """0:03.5 / 1:02:03.0: minutes and seconds with one decimal (hours when there are any)."""
    tenths = round(seconds * 10)
    whole, tenth = divmod(tenths, 10)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}.{tenth}"
    return f"{minutes}:{secs:02d}.{tenth}"


@dataclass(frozen=True, slots=True)
class Sampling:
    """Which frames of a video a backend gets, and how.

    `frames: N` takes N frames at the centres of N equal spans of the window (so `frames: 1` is
    the middle frame); `fps: F` one frame every 1/F s from the window's start; `keyframes` the
    video's own keyframes. Each is capped by `max_frames` (evenly thinned), and by the frames
    the video has. `send`: `native` sends the file itself (backends that take video), `frames`
    sends images, `auto` picks native where the backend takes video."""

    fps: float | None = None
    frames: int | None = None
    keyframes: bool = False
    max_frames: int = 32
    start: float | None = None
    end: float | None = None
    max_side: int = 512
    detail: str | None = None
    timestamps: bool = True
    timestamp_format: str = TIMESTAMP_FORMAT
    audio_track: bool = False
    send: SendMode = "auto"

    def record(self) -> dict[str, Any]:
        """The fields that differ from the defaults (part of the request's cache key)."""
        default = Sampling()
        return {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if getattr(self, f.name) != getattr(default, f.name)
        }

    def merged(self, changes: dict[str, Any]) -> Sampling:
        """These settings with changes applied; a change naming a rule (fps, frames,
        keyframes) replaces this one's rule."""
        if any(rule in changes for rule in ("fps", "frames", "keyframes")):
            changes = {"fps": None, "frames": None, "keyframes": False, **changes}
        return replace(self, **changes)

    def window(self, seconds: float) -> tuple[float, float]:
        start = min(max(0.0, self.start or 0.0), seconds)
        end = seconds if self.end is None else min(max(self.end, start), seconds)
        return start, end

    def text(self, seconds: float) -> str:
        return self.timestamp_format.format(time=clock(seconds), seconds=f"{seconds:.1f}")

    def frame_size(self, width: int, height: int) -> tuple[int, int]:
        """The frame's size after scaling down (never up) so its longer side is `max_side`;
        even sides, as the scaler gives for 4:2:0 video."""
        longest = max(width, height)
        if longest <= self.max_side:
            return width, height
        scale = self.max_side / longest
        return max(2, round(width * scale / 2) * 2), max(2, round(height * scale / 2) * 2)


@dataclass(frozen=True, slots=True)
class VideoPlan:
    """A video part's sampling: the default, variants by backend name or type, and the limits a
    file must meet before anything is sent."""

    default: Sampling = field(default_factory=Sampling)
    backends: tuple[tuple[str, Sampling], ...] = ()
    max_seconds: float = MAX_SECONDS
    max_pixels: int = MAX_PIXELS

    def for_backend(self, name: str, type_name: str) -> Sampling:
        """The variant named for the backend's name, else for its type, else the default."""
        variants = dict(self.backends)
        return variants.get(name) or variants.get(type_name) or self.default

    def record(self) -> dict[str, Any]:
        out: dict[str, Any] = {"sampling": self.default.record()}
        if self.backends:
            out["backends"] = {name: s.record() for name, s in self.backends}
        if self.max_seconds != MAX_SECONDS:
            out["max_seconds"] = self.max_seconds
        if self.max_pixels != MAX_PIXELS:
            out["max_pixels"] = self.max_pixels
        return out


@dataclass(frozen=True, slots=True)
class VideoInfo:
    """What a video's header says."""

    seconds: float
    width: int
    height: int
    rate: float  # frames per second
    codec: str
    has_audio: bool
    start_time: float = 0.0  # the first frame's presentation time
    declared_seconds: float = 0.0  # the longest duration any header claims (checked by limits)

    @property
    def frame_count(self) -> int:
        return max(1, math.floor(self.seconds * self.rate + 1e-6))

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Frame:
    """One sampled frame: when it is shown (seconds from the video's start) and its JPEG."""

    time: float
    data: bytes
    width: int
    height: int


def _av() -> Any:
    try:
        import av
    except ImportError as exc:  # pragma: no cover - the video extra is part of `all`
        raise MediaError("video needs PyAV: pip install 'multimodal-evals[video]'") from exc
    return av


def _open(media: Media, where: str) -> tuple[av.container.InputContainer, BinaryIO]:
    """The container reading the medium's file (or bytes) as it goes."""
    av = _av()
    try:
        handle = media.open()
    except MediaError:
        raise
    except FileNotFoundError:
        raise MediaError(f"{where}: the video file is missing") from None
    except OSError as exc:
        raise MediaError(f"{where}: cannot read the video: {exc.strerror}") from exc
    handle.seek(0, io.SEEK_END)
    if handle.tell() == 0:
        handle.close()
        raise MediaError(f"{where}: the video file is empty")
    handle.seek(0)
    try:
        container = av.open(handle, mode="r")
    except Exception as exc:  # FFmpeg's errors come as several types
        handle.close()
        raise MediaError(f"{where}: not a readable video ({_first_line(exc)})") from exc
    return container, handle


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _video_stream(container: av.container.InputContainer, where: str) -> av.video.stream.VideoStream:
    if not container.streams.video:
        raise MediaError(f"{where}: the file has no video stream")
    stream = container.streams.video[0]
    codec = stream.codec_context
    if codec is None or not getattr(codec, "name", None) or codec.name == "none":
        raise MediaError(f"{where}: the video's codec is not supported (no decoder for it)")
    return stream


def _time_base(stream: Any) -> Fraction:
    return Fraction(stream.time_base) if stream.time_base is not None else Fraction(1, 1_000_000)


def _stream_info(container: av.container.InputContainer, where: str) -> VideoInfo:
    stream = _video_stream(container, where)
    rate = float(stream.average_rate or stream.guessed_rate or 0) or 0.0
    base = _time_base(stream)
    start = float(stream.start_time * base) if stream.start_time is not None else 0.0
    if stream.duration is not None:
        seconds = float(stream.duration * base)
    elif container.duration is not None:
        seconds = container.duration / 1_000_000
    else:
        raise MediaError(f"{where}: the video's header gives no duration")
    width, height = int(stream.codec_context.width or 0), int(stream.codec_context.height or 0)
    if seconds <= 0 or width <= 0 or height <= 0:
        raise MediaError(f"{where}: the video has no frames (zero length or zero size)")
    if rate <= 0:
        rate = 25.0  # a header without a rate: FFmpeg's own fallback guess
    return VideoInfo(
        seconds=seconds,
        width=width,
        height=height,
        rate=rate,
        codec=str(stream.codec_context.name),
        has_audio=bool(container.streams.audio),
        start_time=start,
        declared_seconds=max(seconds, (container.duration or 0) / 1_000_000),
    )


def probe(media: Media, where: str = "video", plan: VideoPlan | None = None) -> VideoInfo:
    """The header's facts, checked against the plan's limits (reads the header only)."""
    container, handle = _open(media, where)
    try:
        info = _stream_info(container, where)
    finally:
        container.close()
        handle.close()
    check_limits(info, plan or VideoPlan(), where)
    return info


def check_limits(info: VideoInfo, plan: VideoPlan, where: str) -> None:
    if max(info.seconds, info.declared_seconds) > plan.max_seconds:
        length = clock(max(info.seconds, info.declared_seconds))
        raise MediaError(
            f"{where}: the video is {length} long by its header; the limit is "
            f"{clock(plan.max_seconds)} (raise max_seconds on the video part to allow it)"
        )
    if info.width * info.height > plan.max_pixels:
        raise MediaError(
            f"{where}: the video is {info.width}×{info.height}; the limit is "
            f"{plan.max_pixels / 1e6:.0f} megapixels a frame"
        )


def _thin(times: list[float], limit: int) -> list[float]:
    """At most `limit` of the times, evenly spread (the first of each of `limit` equal spans)."""
    if len(times) <= limit:
        return times
    return [times[math.floor(i * len(times) / limit)] for i in range(limit)]


def frame_times(sampling: Sampling, info: VideoInfo, keyframes: list[float] | None = None) -> list[float]:
    """The times (seconds from the start) of the frames a plan takes, from the header alone."""
    start, end = sampling.window(info.seconds)
    span = end - start
    available = max(1, math.floor(span * info.rate + 1e-6))
    limit = max(1, min(sampling.max_frames, available))
    if sampling.keyframes:
        inside = [t for t in keyframes or [] if start - 1e-6 <= t < end + 1e-6] or [start]
        return _thin(inside, limit)
    if sampling.fps is not None:
        count = max(1, math.ceil(span * min(sampling.fps, info.rate) - 1e-9))
        if count <= limit:
            step = 1.0 / min(sampling.fps, info.rate)
            return [start + k * step for k in range(count)]
        return [start + (k + 0.5) * span / limit for k in range(limit)]
    count = min(sampling.frames or DEFAULT_FRAMES, limit)
    return [start + (k + 0.5) * span / count for k in range(count)]


def keyframe_times(media: Media, where: str = "video") -> list[float]:
    """The keyframes' times, read from the packets (demuxed, not decoded)."""
    container, handle = _open(media, where)
    try:
        stream = _video_stream(container, where)
        base = _time_base(stream)
        start = float(stream.start_time * base) if stream.start_time is not None else 0.0
        times = []
        for packet in container.demux(stream):
            if packet.is_keyframe and packet.pts is not None:
                times.append(float(packet.pts * base) - start)
        return sorted(times)
    except MediaError:
        raise
    except Exception as exc:
        raise MediaError(f"{where}: corrupt video ({_first_line(exc)})") from exc
    finally:
        container.close()
        handle.close()


def plan_times(media: Media, sampling: Sampling, info: VideoInfo, where: str = "video") -> list[float]:
    keys = keyframe_times(media, where) if sampling.keyframes else None
    return frame_times(sampling, info, keys)


def sample_frames(
    media: Media, sampling: Sampling, plan: VideoPlan | None = None, where: str = "video"
) -> list[Frame]:
    """Decode the plan's frames (JPEG, longer side at most `max_side`), streaming."""
    info = probe(media, where, plan)
    times = plan_times(media, sampling, info, where)
    container, handle = _open(media, where)
    try:
        stream = _video_stream(container, where)
        if sampling.keyframes:
            stream.codec_context.skip_frame = "NONKEY"
        size = sampling.frame_size(info.width, info.height)
        return [_jpeg(frame, t, size) for t, frame in _frames_at(container, stream, times, info, where)]
    except MediaError:
        raise
    except Exception as exc:  # FFmpeg decode errors: a corrupt stream
        raise MediaError(f"{where}: corrupt video ({_first_line(exc)})") from exc
    finally:
        container.close()
        handle.close()


def _frames_at(
    container: av.container.InputContainer,
    stream: av.video.stream.VideoStream,
    times: list[float],
    info: VideoInfo,
    where: str,
) -> Iterator[tuple[float, av.video.frame.VideoFrame]]:
    """For each wanted time, the frame on screen then (the last one shown at or before it)."""
    base = _time_base(stream)
    frames: Iterator[av.video.frame.VideoFrame] | None = None
    shown: av.video.frame.VideoFrame | None = None  # the latest frame at or before the target
    ahead: av.video.frame.VideoFrame | None = None  # the first frame after it
    ended = False
    slack = 2.0 / info.rate

    def when(frame: av.video.frame.VideoFrame) -> float:
        return float(frame.pts * base) - info.start_time if frame.pts is not None else 0.0

    for target in times:
        position = when(ahead) if ahead is not None else (when(shown) if shown is not None else -math.inf)
        if frames is None or (target - position > SEEK_AHEAD_S and not ended):
            offset = int((target + info.start_time) / base)
            container.seek(max(0, offset), stream=stream, backward=True, any_frame=False)
            frames, shown, ahead, ended = container.decode(stream), None, None, False
        while not ended and (ahead is None or when(ahead) <= target):
            if ahead is not None:
                shown = ahead
            ahead = next(frames, None)
            if ahead is None:
                ended = True
        chosen = shown if shown is not None and when(shown) <= target else ahead
        if chosen is None:
            chosen = shown
        if chosen is None:
            raise MediaError(f"{where}: no frame could be decoded near {clock(target)} (corrupt video)")
        if ended and ahead is None and target - when(chosen) > slack:
            raise MediaError(
                f"{where}: the video's data ends at {clock(when(chosen))}, but its header says "
                f"{clock(info.seconds)} (truncated, or a header that overstates the length)"
            )
        yield when(chosen), chosen


def _jpeg(frame: av.video.frame.VideoFrame, time: float, size: tuple[int, int]) -> Frame:
    width, height = size
    decoded: Any = frame  # PyAV's to_image is untyped
    image = (
        decoded.to_image(width=width, height=height)
        if (frame.width, frame.height) != size
        else decoded.to_image()
    )
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="JPEG", quality=85)
    return Frame(time=max(0.0, time), data=buffer.getvalue(), width=width, height=height)


def audio_wav(
    media: Media, sampling: Sampling, plan: VideoPlan | None = None, where: str = "video"
) -> bytes | None:
    """The audio track inside the plan's window as 16 kHz mono 16-bit WAV; None without one."""
    av = _av()
    info = probe(media, where, plan)
    if not info.has_audio:
        return None
    start, end = sampling.window(info.seconds)
    container, handle = _open(media, where)
    pcm = io.BytesIO()
    try:
        stream = container.streams.audio[0]
        resampler = av.AudioResampler(format="s16", layout="mono", rate=AUDIO_RATE)
        if start > SEEK_AHEAD_S:
            container.seek(int(start / _time_base(stream)), stream=stream, backward=True)
        wanted = int((end - start) * AUDIO_RATE)
        skip = None
        for decoded in container.decode(stream):
            for chunk in resampler.resample(decoded):
                samples = chunk.to_ndarray().reshape(-1)
                if skip is None:
                    at = float(chunk.pts / AUDIO_RATE) if chunk.pts is not None else 0.0
                    skip = max(0, int((start - at) * AUDIO_RATE))
                if skip:
                    dropped = min(skip, samples.size)
                    samples, skip = samples[dropped:], skip - dropped
                pcm.write(samples.astype("<i2").tobytes())
            if pcm.tell() >= wanted * 2:
                break
    except MediaError:
        raise
    except Exception as exc:
        raise MediaError(f"{where}: corrupt audio track ({_first_line(exc)})") from exc
    finally:
        container.close()
        handle.close()
    body = pcm.getvalue()[: wanted * 2]
    out = io.BytesIO()
    with wave.open(out, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(AUDIO_RATE)
        writer.writeframes(body)
    return out.getvalue()
