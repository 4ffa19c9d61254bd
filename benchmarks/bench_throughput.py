"""Latency-bound throughput through the real SDK path (issue: performance, item 1 and 2).

    python benchmarks/bench_throughput.py [--quick]

2,000 image requests (512×512 PNG) through the `openai` backend (AsyncOpenAI over aiohttp) to
the fake provider in its own process, which answers after 200 ms. With latency L and C requests
in flight, N samples cannot finish faster than N·L/C (6.25 s at C = 64): the ratio of the runner's
wall time to that ideal is the harness's overhead. Also at C = 8, 16, 32, 128 (a curve), and with
zero latency (how many samples a second the whole path can carry on this machine).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from _common import append_results
from PIL import Image

from evals.testing.fake_provider.config import FakeConfig
from evals.testing.fake_provider.process import FakeProviderProcess

HERE = Path(__file__).resolve().parent


def png_512(i: int, photo_like: bool) -> bytes:
    """A 512×512 PNG: 8×8-pixel blocks of noise (≈ 21 KB), or smooth noise like a photo (≈ 300 KB)."""
    rng = np.random.default_rng(i)
    if photo_like:
        base = rng.integers(0, 256, (64, 64, 3)).astype(np.float32)
        smooth = np.asarray(
            Image.fromarray(base.astype(np.uint8)).resize((512, 512), Image.Resampling.BICUBIC)
        )
        pixels = np.clip(smooth + rng.normal(0, 6, smooth.shape), 0, 255).astype(np.uint8)
    else:
        pixels = rng.integers(0, 256, (64, 64, 3), dtype=np.uint8).repeat(8, 0).repeat(8, 1)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()


def image_task(folder: Path, n: int, photo_like: bool) -> tuple[Path, float]:
    data = folder / "data"
    data.mkdir(parents=True)
    sizes = []
    with (data / "items.jsonl").open("w") as rows:
        for i in range(n):
            payload = png_512(i, photo_like)
            sizes.append(len(payload))
            (data / f"{i}.png").write_bytes(payload)
            rows.write(
                json.dumps(
                    {
                        "id": f"s{i}",
                        "image": f"{i}.png",
                        "question": f"What is shown in {i}?",
                        "answer": "fake answer",
                    }
                )
                + "\n"
            )
    task = folder / "task.yaml"
    task.write_text(
        "name: throughput\nkind: custom\n"
        "dataset: {source: jsonl, path: data/items.jsonl, images: [image]}\n"
        "prompt: {parts: [{image: image, detail: low}, {text: '{{ question }}'}]}\n"
        "scorers: [exact_match]\ngeneration: {max_tokens: 16}\n"
    )
    return task, statistics.median(sizes) / 1024


def run_once(task: Path, url: str, concurrency: int, work: Path) -> float:
    """The runner's wall time (from run.json), one fresh run with no cache."""
    config = work / f"c{concurrency}-{len(list(work.glob('c*.yaml')))}.yaml"
    config.write_text(
        f"name: bench\ntasks: [{task}]\nbackends:\n"
        f"  - {{name: gpt, type: openai, model: gpt-4o-mini, base_url: '{url}', concurrency: {concurrency}, timeout: 30}}\n"
        "max_error_rate: 0\n"
    )
    out = work / config.stem
    env = {**os.environ, "OPENAI_API_KEY": "sk-bench-not-a-real-key"}
    subprocess.run(
        [sys.executable, "-m", "evals", "run", str(config), "--out", str(out), "--quiet", "--no-cache"],
        env=env,
        check=True,
    )
    attempt = json.loads((out / "run.json").read_text())["attempts"][-1]
    return float(attempt["finished_at"] - attempt["started_at"])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="fewer samples and repeats")
    args = parser.parse_args()
    n = 400 if args.quick else 2000
    repeats = 1 if args.quick else 3
    latency = 0.2
    lines = [
        f"### Latency-bound throughput: {n} image requests, openai backend (AsyncOpenAI over aiohttp) → fake provider in its own process"
    ]
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for label, photo_like in (
            ("512×512 PNG of 8-px noise blocks", False),
            ("512×512 photo-like PNG", True),
        ):
            task, size_kb = image_task(work / ("photo" if photo_like else "blocks"), n, photo_like)
            lines += [
                "",
                f"{label}, median {size_kb:.0f} KB (base64 in the request body), server latency 200 ms:",
                "",
                "| concurrency | ideal N·L/C | wall (median) | ratio to ideal |",
                "| --- | --- | --- | --- |",
            ]
            server = FakeProviderProcess(FakeConfig(latency_ms=latency * 1000)).start()
            try:
                for concurrency in [64] if photo_like else [8, 16, 32, 64, 128]:
                    ideal = n * latency / concurrency
                    times = [
                        run_once(task, server.openai_url, concurrency, work)
                        for _ in range(repeats if concurrency == 64 else 1)
                    ]
                    wall = statistics.median(times)
                    lines.append(
                        f"| {concurrency} | {ideal:.2f} s | {wall:.2f} s ({', '.join(f'{t:.2f}' for t in times)}) | {wall / ideal:.3f} |"
                    )
            finally:
                server.stop()
            if not photo_like:
                server = FakeProviderProcess(FakeConfig(latency_ms=0)).start()
                try:
                    times = [run_once(task, server.openai_url, 64, work) for _ in range(repeats)]
                finally:
                    server.stop()
                wall = statistics.median(times)
                lines += [
                    "",
                    f"Zero server latency, concurrency 64: median {wall:.2f} s = {n / wall:,.0f} samples/s "
                    "end to end through the SDK (load, hash, check, encode, request, parse, score, journal).",
                ]
    lines.append("")
    lines.append("Target: wall ≤ 1.11 × ideal at concurrency 64.")
    append_results("Throughput through the real SDK" + (" (quick)" if args.quick else ""), lines)


if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    main()
