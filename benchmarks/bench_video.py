"""Peak memory while streaming videos through the runner: 50, 100 and 200 files of 60 s each
(240×180, 12 fps, a keyframe a second; each a distinct file), 16 frames sampled from each (the
seek path) and sent as images to an in-process backend that counts them, at concurrency 8.

    .venv/bin/python benchmarks/bench_video.py [--sizes 50,100,200]

The peak resident set (VmHWM) is read in the child process just before the summary and report
(the streaming phase) and at the end. Target: flat as the number of videos grows — a video is
read from its file as it is decoded, never whole, and its frames are released with the sample.
"""

from __future__ import annotations

import argparse
import json
import os
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import ClassVar

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE), str(HERE.parent)])}

from _common import append_results  # noqa: E402

from evals.backends.base import Backend  # noqa: E402
from evals.records import Request, Response  # noqa: E402


class FrameCounter(Backend):
    """Answers with the number of images it was sent (the frames of the video)."""

    type_name: ClassVar[str] = "frame-counter"
    kind = "engine"
    modalities: ClassVar[frozenset[str]] = frozenset({"text", "image"})

    async def generate(self, request: Request) -> Response:
        return Response(text=str(sum(1 for p in request.media_parts() if p.kind == "image")))


CHILD = """
import re, sys
def peak_kb():
    with open("/proc/self/status") as status:
        return int(re.search(r"VmHWM:\\s+(\\d+)", status.read()).group(1))
import evals.session as session
finalize = session.finalize
def measured(rundir, **options):
    print("STREAM_RSS_KB", peak_kb())
    return finalize(rundir, **options)
session.finalize = measured
from evals.cli.main import main
code = main(sys.argv[1:])
print("PEAK_RSS_KB", peak_kb())
"""


def sixty_seconds() -> bytes:
    from PIL import Image, ImageDraw

    from evals.generators.video_encode import encode_mp4

    def frames():  # type: ignore[no-untyped-def]
        for index in range(60 * 12):
            image = Image.new("RGB", (240, 180), (30 + index % 200, 60, 90))
            ImageDraw.Draw(image).ellipse((index % 220, 80, index % 220 + 20, 100), fill=(240, 240, 40))
            yield image

    return encode_mp4(frames(), 12, (240, 180))


def make_videos(folder: Path, n: int, clip: bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for i in range(n):
        # A `free` box with the index makes each file distinct (its own hash) and still playable.
        marker = f"video {i}".encode()
        (folder / f"v{i}.mp4").write_bytes(clip + struct.pack(">I", 8 + len(marker)) + b"free" + marker)
        rows.append({"id": f"v{i}", "video": f"v{i}.mp4", "answer": "16"})
    (folder / "rows.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    task = folder / "task.yaml"
    task.write_text(
        "name: videos\nkind: custom\n"
        "dataset: {source: jsonl, path: rows.jsonl, video: [video]}\n"
        "prompt: {parts: [{video: video, frames: 16, max_side: 240}, {text: 'How many frames?'}]}\n"
        "scorers: [exact_match]\n"
    )
    config = folder / "run.yaml"
    config.write_text(
        "name: videos\ntasks: [task.yaml]\n"
        "backends: [{name: frames, type: 'bench_video:FrameCounter', concurrency: 8}]\n"
    )
    return config


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="50,100,200")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    clip = sixty_seconds()
    lines = [
        f"### Streaming video memory (60 s clips, 240×180 at 12 fps, {len(clip) / 1e6:.2f} MB each; "
        "16 frames each as images; in-process backend, concurrency 8)"
    ]
    with tempfile.TemporaryDirectory() as work:
        for n in sizes:
            task = make_videos(Path(work) / f"n{n}", n, clip)
            started = time.perf_counter()
            done = subprocess.run(
                [
                    sys.executable, "-c", CHILD, "run", str(task),
                    "--no-cache", "--quiet", "--out", str(Path(work) / f"r{n}"),
                ],
                env=ENV, capture_output=True, text=True, check=False,
            )  # fmt: skip
            if "STREAM_RSS_KB" not in done.stdout:
                raise SystemExit(f"the run failed:\n{done.stdout}\n{done.stderr}")
            streaming = int(done.stdout.split("STREAM_RSS_KB")[1].split()[0]) / 1024
            peak = int(done.stdout.split("PEAK_RSS_KB")[1].split()[0]) / 1024
            records = [
                json.loads(x) for x in (Path(work) / f"r{n}" / "samples.jsonl").read_text().splitlines()
            ]
            right = sum(1 for r in records if r["status"] == "ok" and r["prediction"] == "16")
            lines.append(
                f"- {n:>4} videos ({n} min of video): peak RSS while streaming {streaming:,.0f} MB; whole command "
                f"{peak:,.0f} MB; {time.perf_counter() - started:.1f} s; {right}/{n} answered 16 frames"
            )
    lines.append(
        "- target: flat as the number of videos grows (a video is read as it is decoded, never whole)"
    )
    append_results("Video streaming memory (bench_video.py)", lines)


if __name__ == "__main__":
    main()
