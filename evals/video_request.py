"""A request's video parts as each backend receives them: kept as video (native), or turned
into frame parts — each frame an image, its time in a text part before it — plus the audio
track as WAV for backends that take audio.

Frames are decoded once per sample and sampling, not per backend or retry: `prepare` (run by
the runner in a worker thread before any backend is called) probes every video, checks its
limits and decodes the frames each backend's sampling needs, into the request's memo;
`for_backend` then only assembles parts. The sampling is part of the request's cache key
(`MediaPart.video` in `Request.canonical`), so changing it never reuses an old answer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any, Literal

from evals.media import Media
from evals.records import MediaPart, Message, Part, Request, TextPart
from evals.video import Frame, Sampling, VideoInfo, VideoPlan, audio_wav, frame_times, keyframe_times, probe

Mode = Literal["native", "frames"]


@dataclass(frozen=True, slots=True)
class Receiver:
    """What decides how a backend gets a video: its name and type (the task's per-backend
    variants), what it accepts, and the run config's own sampling changes for it (which win)."""

    name: str
    type_name: str
    modalities: frozenset[str]
    changes: tuple[tuple[str, Any], ...] = ()

    @property
    def takes_video(self) -> bool:
        return "video" in self.modalities

    @property
    def takes_audio(self) -> bool:
        return "audio" in self.modalities


@dataclass(frozen=True, slots=True)
class VideoSend:
    """How one video part goes to one backend."""

    mode: Mode
    sampling: Sampling
    info: VideoInfo
    times: tuple[float, ...]  # the frames' planned times (empty when native)
    audio: bool  # the audio track goes along as WAV

    def key(self, media: Media) -> str:
        return f"{media.sha256}:{sorted(self.sampling.record().items())!r}"


def plan_of(part: MediaPart) -> VideoPlan:
    return part.video or VideoPlan()


def sampling_for(part: MediaPart, receiver: Receiver) -> Sampling:
    sampling = plan_of(part).for_backend(receiver.name, receiver.type_name)
    return sampling.merged(dict(receiver.changes)) if receiver.changes else sampling


def info_of(request: Request, part: MediaPart, where: str = "video") -> VideoInfo:
    """The video's header facts (checked against its limits), read once per request."""
    key = f"video-info:{part.media.sha256}:{plan_of(part).max_seconds}:{plan_of(part).max_pixels}"
    info = request.memo.get(key)
    if not isinstance(info, VideoInfo):
        info = probe(part.media, where, plan_of(part))
        request.memo[key] = info
    return info


def _keyframes(request: Request, media: Media, where: str) -> list[float]:
    key = f"video-keyframes:{media.sha256}"
    times = request.memo.get(key)
    if not isinstance(times, list):
        times = keyframe_times(media, where)
        request.memo[key] = times
    return times


def send_of(request: Request, part: MediaPart, receiver: Receiver, where: str = "video") -> VideoSend:
    """How the part goes to this backend, from the header alone (no frame is decoded)."""
    sampling = sampling_for(part, receiver)
    info = info_of(request, part, where)
    native = sampling.send == "native" or (sampling.send == "auto" and receiver.takes_video)
    if native:
        return VideoSend("native", sampling, info, (), False)
    keys = _keyframes(request, part.media, where) if sampling.keyframes else None
    times = tuple(frame_times(sampling, info, keys))
    audio = sampling.audio_track and receiver.takes_audio and info.has_audio
    return VideoSend("frames", sampling, info, times, audio)


def frames(request: Request, part: MediaPart, send: VideoSend, where: str = "video") -> list[Frame]:
    """The decoded frames of one send, once per request and sampling."""
    from evals.video import sample_frames

    key = f"video-frames:{send.key(part.media)}"
    found = request.memo.get(key)
    if not isinstance(found, list):
        found = sample_frames(part.media, send.sampling, plan_of(part), where)
        request.memo[key] = found
    return found


def _audio(request: Request, part: MediaPart, send: VideoSend, where: str) -> bytes | None:
    start, end = send.sampling.window(send.info.seconds)
    key = f"video-audio:{part.media.sha256}:{start}:{end}"
    if key not in request.memo:
        request.memo[key] = audio_wav(part.media, send.sampling, plan_of(part), where)
    data = request.memo[key]
    return data if isinstance(data, bytes) else None


def video_parts(request: Request) -> list[MediaPart]:
    return [p for p in request.media_parts() if p.kind == "video"]


def prepare(request: Request, receivers: list[Receiver]) -> None:
    """Probe every video of the request, check its limits, and decode what each receiver will
    be sent (raises MediaError for the sample). Blocking: run it in a worker thread."""
    for index, part in enumerate(video_parts(request)):
        where = f"sample {request.sample_id!r} video {index}"
        for receiver in receivers:
            send = send_of(request, part, receiver, where)
            if send.mode == "frames":
                frames(request, part, send, where)
                if send.audio:
                    _audio(request, part, send, where)
        if not receivers:
            info_of(request, part, where)


def for_backend(request: Request, receiver: Receiver) -> Request:
    """The request as this backend gets it; the same object for every retry (kept in the memo),
    with its own memo so backends' per-request caches do not mix."""
    if not video_parts(request):
        return request
    key = f"video-request:{receiver.name}"
    built = request.memo.get(key)
    if isinstance(built, Request):
        return built
    messages = []
    for message in request.messages:
        parts: list[Part] = []
        for part in message.parts:
            if isinstance(part, MediaPart) and part.kind == "video":
                parts.extend(_expanded(request, part, receiver))
            else:
                parts.append(part)
        messages.append(Message(message.role, tuple(parts)))
    built = replace(request, messages=tuple(messages), memo={})
    request.memo[key] = built
    return built


def _expanded(request: Request, part: MediaPart, receiver: Receiver) -> list[Part]:
    where = f"sample {request.sample_id!r} video"
    send = send_of(request, part, receiver, where)
    if send.mode == "native":
        return [part]
    out: list[Part] = []
    for frame in frames(request, part, send, where):
        if send.sampling.timestamps:
            out.append(TextPart(send.sampling.text(frame.time)))
        out.append(MediaPart(Media.from_bytes("image", frame.data, mime="image/jpeg"), send.sampling.detail))
    if send.audio:
        track = _audio(request, part, send, where)
        if track is not None:
            out.append(MediaPart(Media.from_bytes("audio", track, mime="audio/wav")))
    return out


def window_seconds(send: VideoSend) -> float:
    start, end = send.sampling.window(send.info.seconds)
    return max(0.0, end - start)


def frame_text_tokens(send: VideoSend, chars_per_token: float = 4.0) -> int:
    """Tokens of the timestamp texts (by the ~4 characters a token rule), from planned times."""
    if not send.sampling.timestamps:
        return 0
    return sum(math.ceil(len(send.sampling.text(t)) / chars_per_token) for t in send.times)


def preview_frames(request: Request, part: MediaPart) -> list[Frame]:
    """Frames to show for a video in reports: those a backend was sent (the most of them), else
    the part's default sampling decoded for the picture."""
    prefix = f"video-frames:{part.media.sha256}:"
    sent = [v for k, v in request.memo.items() if k.startswith(prefix) and isinstance(v, list)]
    if sent:
        return max(sent, key=len)
    plan = plan_of(part)
    send = VideoSend("frames", plan.default, info_of(request, part), (), False)
    return frames(request, part, send)
