"""Ray executor against the in-process pool (issue 24): OCR throughput on this machine.

    python benchmarks/bench_ray.py [--samples N] [--repeats R]

Runs the built-in ocr-lines task (tesseract) through `start_run` twice per repeat: with this
machine's process pool, and with `executor="ray"` on a local Ray cluster (loopback, one CPU per
actor, as many actors as pool workers). The cluster is started once, before the timed runs; its
start-up is reported apart. Reported: wall time and samples a second (medians), and whether the
two runs' summaries and answers are equal. Appends to results.md; exits 1 if they differ.
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
from typing import Any

from _common import append_results

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")  # every Ray server on loopback

from evals.config import RunConfig  # noqa: E402
from evals.machine import usable_cores  # noqa: E402
from evals.session import RunOptions, start_run  # noqa: E402


def outcome(rundir: Path) -> tuple[Any, Any]:
    summary = json.loads((rundir / "summary.json").read_text())
    cells = [{k: v for k, v in c.items() if k != "latency_s"} for c in summary["cells"]]
    answers = {}
    for line in (rundir / "samples.jsonl").read_text().splitlines():
        record = json.loads(line)
        answers[record["sample_id"]] = (record["prediction"], record["scores"])
    return cells, answers


def one(executor: str, samples: int, workers: int, folder: Path) -> tuple[float, Any]:
    config = RunConfig.model_validate(
        {
            "name": f"bench-{executor}",
            "tasks": [str(ROOT / "tasks" / "ocr-lines.yaml")],
            "backends": [{"name": "tess", "type": "tesseract", "options": {"workers": workers}}],
            "limit": samples,
        }
    )
    options = RunOptions(out=folder / executor, use_cache=False, quiet=True, executor=executor)
    started = time.perf_counter()
    run = start_run(config, ROOT, options)
    return time.perf_counter() - started, outcome(run.rundir.path)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    import ray

    workers = usable_cores()
    load = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    started = time.perf_counter()
    ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False)
    ray_start = time.perf_counter() - started
    walls: dict[str, list[float]] = {"local": [], "ray": []}
    same = True
    for _ in range(args.repeats):
        with tempfile.TemporaryDirectory() as tmp:
            results = {}
            for executor in ("local", "ray"):
                wall, result = one(executor, args.samples, workers, Path(tmp))
                walls[executor].append(wall)
                results[executor] = result
            same = same and results["local"] == results["ray"]
    ray.shutdown()
    after = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    lines = [
        f"Load at start: `{load}`; at the end: `{after}` (a shared machine).",
        f"ocr-lines, {args.samples} samples, tesseract, {workers} workers (pool processes or Ray actors "
        f"of 1 CPU each), no cache, {args.repeats} repeats each, alternating; Ray cluster start-up "
        f"(local, loopback) {ray_start:.1f} s, not in the figures below.",
        "",
        "| executor | wall (median) | samples/s | runs |",
        "| --- | --- | --- | --- |",
    ]
    for executor, values in walls.items():
        median = statistics.median(values)
        runs = ", ".join(f"{v:.1f}" for v in values)
        lines.append(f"| {executor} | {median:.1f} s | {args.samples / median:.2f} | {runs} |")
    lines.append("")
    lines.append(f"Summaries and per-sample answers equal in every repeat: {'yes' if same else 'NO'}.")
    append_results("Ray executor vs the in-process pool (bench_ray.py)", lines)
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
