"""Perturbation overhead: a 6-level sweep (blur 0..5) over N images against the same number of
requests without perturbation, both through the real runner and SDK to the fake provider in its
own process (server latency L, concurrency C); and the CPU cost of each perturbation per image.

Target (issue 23): a sweep of 1,000 images × 6 levels adds ≤ 10% to the runner's time beyond
the model calls. The sweep runs twice with a perturbed-media store (EVALS_PERTURB_CACHE): cold
(every medium perturbed, then kept) and warm (a repeated sweep: read back); the response cache
is off in every run, so each sends all its requests.

    python benchmarks/bench_perturb.py            # 1,000 images × 6 levels
    python benchmarks/bench_perturb.py --quick    # 200 images
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import append_results
from bench_throughput import png_512

from evals.perturb import perturb_bytes
from evals.perturb.audio import AUDIO_LEVELS
from evals.perturb.image import IMAGE_LEVELS
from evals.testing.fake_provider.config import FakeConfig
from evals.testing.fake_provider.process import FakeProviderProcess

ROOT = Path(__file__).resolve().parents[1]


def write_task(folder: Path, n: int, copies: int, perturb: str | None) -> Path:
    """N images; `copies` rows per image (distinct ids and questions) when not perturbed."""
    data = folder / "data"
    data.mkdir(parents=True, exist_ok=True)
    # Each task has its own rows file (they share the images).
    rows_file = "sweep.jsonl" if perturb else "plain.jsonl"
    with (data / rows_file).open("w") as rows:
        for i in range(n):
            if not (data / f"{i}.png").exists():
                (data / f"{i}.png").write_bytes(png_512(i, photo_like=True))
            for copy in range(copies):
                row = {
                    "id": f"s{i}-{copy}",
                    "image": f"{i}.png",
                    "question": f"Item {i} {copy}?",
                    "answer": "x",
                }
                rows.write(json.dumps(row) + "\n")
    task = folder / ("sweep.yaml" if perturb else "plain.yaml")
    task.write_text(
        f"name: bench\nkind: custom\ndataset: {{source: jsonl, path: data/{rows_file}, images: [image]}}\n"
        "prompt: {parts: [{image: image, detail: low}, {text: '{{ question }}'}]}\n"
        "scorers: [exact_match]\ngeneration: {max_tokens: 8}\n" + (f"perturb: {perturb}\n" if perturb else "")
    )
    return task


def run_once(
    task: Path, url: str, concurrency: int, out: Path, store: Path | None = None
) -> tuple[float, float]:
    """(the run's own wall time from run.json, the whole command's wall time)."""
    config = out.parent / f"{out.name}-run.yaml"
    config.write_text(
        f"name: bench\ntasks: [{task}]\nbackends:\n"
        f"  - {{name: gpt, type: openai, model: gpt-4o-mini, base_url: '{url}', concurrency: {concurrency}, timeout: 60}}\n"
        "max_error_rate: 0\n"
    )
    env = {**os.environ, "OPENAI_API_KEY": "sk-bench-not-a-real-key"}
    env.pop("EVALS_PERTURB_CACHE", None)
    if store is not None:
        env["EVALS_PERTURB_CACHE"] = str(store)
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "evals", "run", str(config), "--out", str(out), "--quiet", "--no-cache"],
        env=env,
        check=True,
    )
    outer = time.perf_counter() - started
    attempt = json.loads((out / "run.json").read_text())["attempts"][-1]
    return float(attempt["finished_at"] - attempt["started_at"]), outer


def cpu_costs(sample_image: bytes, clip: bytes) -> list[str]:
    lines = ["| perturbation | kind | ms at level 3 (median of 5) |", "| --- | --- | --- |"]
    for names, data, kind in (
        (IMAGE_LEVELS, sample_image, "image 512×512"),
        (AUDIO_LEVELS, clip, "audio clip"),
    ):
        for name in names:
            times = []
            for seed in range(5):
                started = time.perf_counter()
                perturb_bytes(data, name, 3, seed)
                times.append(time.perf_counter() - started)
            lines.append(f"| {name} | {kind} | {statistics.median(times) * 1000:.1f} |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="200 images instead of 1,000")
    parser.add_argument("--latency", type=float, default=1.0, help="server latency, seconds (default 1)")
    parser.add_argument("--concurrency", type=int, default=64)
    args = parser.parse_args()
    n = 200 if args.quick else 1000
    load = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        plain = write_task(work, n, 6, None)
        sweep = write_task(work, n, 1, "{blur: 0..5}")
        server = FakeProviderProcess(FakeConfig(latency_ms=args.latency * 1000)).start()
        store = work / "perturbed"
        try:
            base = run_once(plain, server.openai_url, args.concurrency, work / "plain")
            cold = run_once(sweep, server.openai_url, args.concurrency, work / "cold", store)
            warm = run_once(sweep, server.openai_url, args.concurrency, work / "warm", store)
        finally:
            server.stop()
        image = (work / "data/0.png").read_bytes()
    clip = (ROOT / "datasets/speech/audio/utt-0004.flac").read_bytes()
    ideal = 6 * n * args.latency / args.concurrency
    lines = [
        f"{n} photo-like 512×512 PNGs × 6 levels of blur (0..5) = {6 * n} requests, against {6 * n} "
        f"unperturbed requests (each image 6 times); openai backend → fake provider in its own process, "
        f"latency {args.latency:g} s, concurrency {args.concurrency} (ideal {ideal:.1f} s). Load average at "
        f"start {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} (a shared machine).",
        "",
        "| run | run wall | beyond ideal | command wall | added to the run's wall |",
        "| --- | --- | --- | --- | --- |",
        *(
            f"| {label} | {wall:.1f} s | {wall - ideal:+.1f} s | {outer:.1f} s | "
            + ("—" if label == "unperturbed" else f"{100 * (wall - base[0]) / base[0]:+.1f}%")
            + " |"
            for label, (wall, outer) in (
                ("unperturbed", base),
                ("sweep blur=0..5, cold store", cold),
                ("sweep blur=0..5, warm store", warm),
            )
        ),
        "",
        "Target: ≤ +10%. Run wall: the run's own attempt in run.json; command wall: the whole "
        "`run-eval` command (start-up and report included).",
        "",
        *cpu_costs(image, clip),
    ]
    append_results(
        "Perturbation sweep overhead (bench_perturb.py)" + (" (quick)" if args.quick else ""), lines
    )


if __name__ == "__main__":
    main()
