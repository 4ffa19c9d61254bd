"""Frame sampling: which frames each plan takes (from the header alone, so estimates match),
that the decoder returns those frames, resized, with their times, and that every kind of bad
file is a MediaError."""

from __future__ import annotations

import io
import sys
import wave
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
pytest.importorskip("av")

from video_support import clip, ten_hour_header, truncated, unsupported_codec

from evals.errors import MediaError
from evals.media import Media
from evals.video import Sampling, VideoInfo, VideoPlan, audio_wav, clock, frame_times, probe, sample_frames


@pytest.fixture(scope="module")
def four_seconds() -> bytes:
    return clip(4.0, fps=8)


def video(data: bytes) -> Media:
    return Media.from_bytes("video", data)


INFO = VideoInfo(seconds=10.0, width=640, height=360, rate=30.0, codec="h264", has_audio=False)


def test_uniform_frames_sit_at_the_centres_of_equal_spans() -> None:
    assert frame_times(Sampling(frames=4), INFO) == [1.25, 3.75, 6.25, 8.75]
    assert frame_times(Sampling(frames=1), INFO) == [5.0]  # the middle frame
    assert len(frame_times(Sampling(), INFO)) == 8  # the default plan


def test_fps_steps_from_the_window_start_and_max_frames_thins_evenly() -> None:
    assert frame_times(Sampling(fps=1), INFO) == [float(k) for k in range(10)]
    assert frame_times(Sampling(fps=2, start=2, end=4), INFO) == [2.0, 2.5, 3.0, 3.5]
    thinned = frame_times(Sampling(fps=10, max_frames=5), INFO)
    assert thinned == [1.0, 3.0, 5.0, 7.0, 9.0]


def test_a_plan_never_takes_more_frames_than_the_video_has() -> None:
    short = VideoInfo(seconds=0.5, width=64, height=64, rate=4.0, codec="h264", has_audio=False)
    assert len(frame_times(Sampling(frames=16), short)) == 2
    assert frame_times(Sampling(fps=30), short) == [0.0, 0.25]


def test_keyframes_are_taken_from_the_index_and_thinned() -> None:
    keys = [0.0, 2.0, 4.0, 6.0, 8.0]
    assert frame_times(Sampling(keyframes=True), INFO, keys) == keys
    assert frame_times(Sampling(keyframes=True, start=3, end=9), INFO, keys) == [4.0, 6.0, 8.0]
    assert frame_times(Sampling(keyframes=True, max_frames=2), INFO, keys) == [0.0, 4.0]


def test_frames_are_resized_to_the_longer_side_keeping_the_aspect() -> None:
    assert Sampling(max_side=320).frame_size(640, 360) == (320, 180)
    assert Sampling(max_side=512).frame_size(96, 64) == (96, 64)  # never scaled up


def test_decoded_frames_are_the_planned_ones_with_their_times(four_seconds: bytes) -> None:
    frames = sample_frames(video(four_seconds), Sampling(fps=2, max_side=48))
    assert [round(f.time, 3) for f in frames] == [0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5]
    assert all((f.width, f.height) == (48, 32) and f.data[:3] == b"\xff\xd8\xff" for f in frames)
    # The ball moves right: its red pixels' mean x grows frame by frame (real decoded content).
    from PIL import Image

    def ball_x(data: bytes) -> float:
        image = Image.open(io.BytesIO(data)).convert("RGB")
        xs = [
            x
            for x in range(image.width)
            for y in range(image.height)
            if image.getpixel((x, y))[0] > 150 > image.getpixel((x, y))[1]
        ]
        return sum(xs) / len(xs)

    positions = [ball_x(f.data) for f in frames]
    assert positions == sorted(positions) and positions[-1] - positions[0] > 20


def test_seeking_and_streaming_give_the_same_frames(four_seconds: bytes) -> None:
    """Far-apart frames are reached by seeking; near ones by decoding on: same pictures."""
    sparse = sample_frames(video(four_seconds), Sampling(frames=2))
    dense = sample_frames(video(four_seconds), Sampling(fps=8))
    by_time = {round(f.time, 3): f.data for f in dense}
    for frame in sparse:
        assert frame.data == by_time[round(frame.time, 3)]


def test_the_window_and_keyframes_are_honoured(four_seconds: bytes) -> None:
    windowed = sample_frames(video(four_seconds), Sampling(fps=1, start=1.0, end=3.0))
    assert [f.time for f in windowed] == [1.0, 2.0]
    keys = sample_frames(video(four_seconds), Sampling(keyframes=True))
    assert [f.time for f in keys] == [0.0, 1.0, 2.0, 3.0]  # one keyframe a second (gop = fps)


def test_a_file_backed_video_is_hashed_and_decoded_without_being_read_whole(
    four_seconds: bytes, tmp_path: Path
) -> None:
    path = tmp_path / "clip.mp4"
    path.write_bytes(four_seconds)
    media = Media.from_file("video", lambda: path, path=str(path))
    assert len(sample_frames(media, Sampling(frames=3))) == 3
    assert media.mime == "video/mp4" and media.size() == len(four_seconds)
    import hashlib

    assert media.sha256 == hashlib.sha256(four_seconds).hexdigest()
    assert media._data is None  # never loaded into memory


def test_the_audio_track_becomes_16k_mono_wav_for_the_window() -> None:
    data = clip(3.0, audio=True)
    assert probe(video(data)).has_audio
    wav = audio_wav(video(data), Sampling(start=1.0, end=2.5))
    assert wav is not None
    with wave.open(io.BytesIO(wav)) as reader:
        assert (reader.getnchannels(), reader.getframerate(), reader.getsampwidth()) == (1, 16_000, 2)
        assert reader.getnframes() == pytest.approx(1.5 * 16_000, abs=1100)
    assert audio_wav(video(clip(1.0)), Sampling()) is None  # no track


@pytest.mark.parametrize(
    ("name", "make", "message"),
    [
        ("zero-length", lambda good: b"", "empty"),
        ("truncated", truncated, "corrupt"),
        ("ten-hour-header", ten_hour_header, "10:00:00.0 long"),
        ("unsupported-codec", unsupported_codec, "codec is not supported"),
        ("garbage", lambda good: bytes(range(256)) * 8, "not a readable video"),
    ],
)
def test_every_bad_file_is_a_media_error(four_seconds: bytes, name: str, make, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(MediaError, match=message):
        sample_frames(video(make(four_seconds)), Sampling())


def test_limits_are_checked_from_the_header(four_seconds: bytes) -> None:
    with pytest.raises(MediaError, match=r"limit is 0:02\.0"):
        probe(video(four_seconds), plan=VideoPlan(max_seconds=2.0))
    with pytest.raises(MediaError, match="megapixels"):
        probe(video(four_seconds), plan=VideoPlan(max_pixels=1000))


def test_clock_reads_like_a_player() -> None:
    assert clock(3.04) == "0:03.0" and clock(62.25) == "1:02.2" and clock(3725) == "1:02:05.0"
