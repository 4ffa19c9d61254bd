"""Video perturbations: frame drops and image perturbations frame by frame, deterministic, the
clip's length and frame count kept, and a sweep of a built-in video task through the CLI."""

from __future__ import annotations

import io
import itertools
import json
from pathlib import Path

import av
import numpy as np
import pytest

from evals.cli.main import main
from evals.generators.videos import ColourOrder, DirectionParams, MotionDirection, OrderParams
from evals.perturb import perturb_bytes

ROOT = Path(__file__).resolve().parents[2]
CLIP = MotionDirection(DirectionParams()).row(0, 0)["video"]()  # a shape moving every frame
STILL = ColourOrder(OrderParams()).row(0, 0)["video"]()  # discs appearing: mostly still frames


def _frames(data: bytes) -> tuple[list[np.ndarray], float]:
    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.video[0]
        frames = [np.asarray(f.to_image(), dtype=np.float64) for f in container.decode(stream)]
        return frames, float(stream.average_rate or 0)


def _repeats(frames: list[np.ndarray]) -> int:
    """Frames (nearly) equal to the one before: what a drop leaves behind."""
    return sum(np.abs(b - a).mean() < 0.5 for a, b in itertools.pairwise(frames))


def test_frame_drop_repeats_frames_more_at_higher_levels_and_keeps_the_clip_length() -> None:
    clean, rate = _frames(CLIP)
    counts = []
    for level in (1, 3, 5):
        data = perturb_bytes(CLIP, "frame_drop", level, seed=3)
        assert data == perturb_bytes(CLIP, "frame_drop", level, seed=3)  # same seed, same bytes
        frames, new_rate = _frames(data)
        assert len(frames) == len(clean) and new_rate == rate
        counts.append(_repeats(frames))
    assert counts == sorted(counts) and counts[-1] > counts[0] > _repeats(clean)
    assert perturb_bytes(CLIP, "frame_drop", 0, seed=3) == CLIP


def test_image_perturbations_change_every_frame_with_fixed_geometry_and_fresh_noise() -> None:
    clean, _ = _frames(CLIP)
    rotated, _ = _frames(perturb_bytes(CLIP, "rotation", 3, seed=1))
    assert len(rotated) == len(clean) and rotated[0].shape[:2] != clean[0].shape[:2]
    assert len({f.shape for f in rotated}) == 1  # the camera stays rotated the same way
    still, _ = _frames(STILL)
    noisy, _ = _frames(perturb_bytes(STILL, "gaussian_noise", 4, seed=1))
    # The first two frames of the clip are the same picture: noise differs between them.
    assert np.abs(still[1] - still[0]).mean() < 0.5 < np.abs(noisy[1] - noisy[0]).mean()


def test_a_video_task_sweeps_frame_drop_and_blur(tmp_path: Path) -> None:
    out = tmp_path / "run"
    task = ROOT / "tasks" / "video-motion-direction.yaml"
    args = ["run", str(task), "--backends", "oracle", "--limit", "1", "--quiet", "--out", str(out)]
    assert main([*args, "--perturb", "frame_drop=0,2", "--perturb", "blur=3"]) == 0
    records = [json.loads(x) for x in (out / "samples.jsonl").read_text().splitlines()]
    assert sorted(r["sample_id"].split("@")[1] for r in records) == ["blur=3", "frame_drop=0", "frame_drop=2"]
    assert all(r["status"] == "ok" for r in records)
    hashes = {r["sample_id"]: r["inputs"][0]["sha256"] for r in records}
    ids = sorted({r["metadata"]["perturb_of"] for r in records})
    for base in ids:  # each level sends a video of its own; level 0 the clean file
        assert (
            len({hashes[f"{base}@frame_drop=0"], hashes[f"{base}@frame_drop=2"], hashes[f"{base}@blur=3"]})
            == 3
        )


@pytest.mark.parametrize("name", ["frame_drop"])
def test_a_video_perturbation_of_an_image_task_is_refused(name: str, tmp_path: Path) -> None:
    task = ROOT / "tasks" / "winoground-shapes.yaml"
    assert (
        main(
            ["run", str(task), "--backends", "oracle", "--perturb", f"{name}=1", "--out", str(tmp_path / "r")]
        )
        == 2
    )
