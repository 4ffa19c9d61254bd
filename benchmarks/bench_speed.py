"""The whole command the user waits for, and a provider's quota used in full (issue: speed).

    python benchmarks/bench_speed.py [--quick]

Prints, in one run, so a later change can be compared:
1. `run-eval --help` (start-up);
2. 2,000 image requests × 200 ms at concurrency 64 through the openai backend to the fake
   provider in its own process: the whole command's wall time, the runner phase, and N·L/C;
3. the same run again served by the cache: whole command, and requests the server saw (0);
4. 0 ms latency: samples a second through the whole command;
5. a quota of 600 requests/min and 200k tokens/min enforced by the fake (headers and 429s, the
   bucket holding a whole minute as a provider's), 2,000 image requests at the default
   concurrency: the sustained rate after the first minute's burst, as a share of the quota,
   and the share of requests answered 429. The model is gpt-4o, whose low-detail image is 85
   tokens both in our estimate and in the fake's count (gpt-4o-mini's images count 2,833
   tokens each, so its run is paced by the tokens quota, as OpenAI's would be).
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
from bench_throughput import image_task

from evals.testing.fake_provider.config import FakeConfig
from evals.testing.fake_provider.process import FakeProviderProcess

ENV = {**os.environ, "OPENAI_API_KEY": "sk-bench-not-a-real-key"}


def load() -> str:
    return "load average " + " ".join(f"{v:.1f}" for v in os.getloadavg())


def whole(args: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "evals", *args], env=ENV, check=True, capture_output=True)
    return time.perf_counter() - started


def config(work: Path, task: Path, url: str, concurrency: int | None, name: str) -> Path:
    path = work / f"{name}.yaml"
    limit = f", concurrency: {concurrency}" if concurrency else ""
    path.write_text(
        f"name: {name}\ntasks: [{task}]\nbackends:\n"
        f"  - {{name: gpt, type: openai, model: gpt-4o, base_url: '{url}', timeout: 60{limit}}}\n"
        "max_error_rate: 0\n"
    )
    return path


def runner_seconds(out: Path) -> float:
    attempt = json.loads((out / "run.json").read_text())["attempts"][-1]
    return float(attempt["finished_at"] - attempt["started_at"])


def requests_seen(server: FakeProviderProcess) -> tuple[int, int]:
    samples = server.stats()["samples"].values()
    return sum(s["requests"] for s in samples), sum(s["ok"] for s in samples)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--quick", action="store_true", help="400 samples, one repeat, a 6-second quota bucket"
    )
    args = parser.parse_args()
    n = 400 if args.quick else 2000
    repeats = 1 if args.quick else 3
    lines = [f"Load at start: {load()}", ""]

    helps = [whole(["--help"]) for _ in range(5)]
    lines.append(f"- `run-eval --help`: median {statistics.median(helps):.2f} s (target ≤ 0.3 s)")

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        task, _ = image_task(work / "task", n, photo_like=False)
        cache = work / "cache"

        with FakeProviderProcess(FakeConfig(latency_ms=200)) as server:
            path = config(work, task, server.openai_url, 64, "c64")
            walls, runners = [], []
            for i in range(repeats):
                out = work / f"first{i}"
                walls.append(whole(["run", str(path), "--out", str(out), "--quiet", "--no-cache"]))
                runners.append(runner_seconds(out))
            ideal = n * 0.2 / 64
            wall = statistics.median(walls)
            lines.append(
                f"- {n} × 200 ms at concurrency 64: whole command median {wall:.2f} s "
                f"({wall / ideal:.2f}× ideal {ideal:.2f} s; target ≤ 1.2×), runner phase "
                f"{statistics.median(runners):.2f} s"
            )
            whole(["run", str(path), "--out", str(work / "fill"), "--quiet", "--cache-dir", str(cache)])
            before, _ = requests_seen(server)
            cached = [
                whole(
                    ["run", str(path), "--out", str(work / f"again{i}"), "--quiet", "--cache-dir", str(cache)]
                )
                for i in range(repeats)
            ]
            after, _ = requests_seen(server)
            lines.append(
                f"- the same run served by the cache: whole command median {statistics.median(cached):.2f} s, "
                f"{after - before} requests (target ≤ 1.5 s, 0 requests)"
            )

        with FakeProviderProcess(FakeConfig(latency_ms=0)) as server:
            path = config(work, task, server.openai_url, 64, "zero")
            zero = [
                whole(["run", str(path), "--out", str(work / f"zero{i}"), "--quiet", "--no-cache"])
                for i in range(repeats)
            ]
            rate = n / statistics.median(zero)
            lines.append(f"- 0 ms latency: {rate:.0f} samples/s through the whole command (target ≥ 600)")

        window = 6.0 if args.quick else 60.0
        quota = FakeConfig(latency_ms=200, quota_rpm=600, quota_tpm=200_000, quota_window_s=window)
        with FakeProviderProcess(quota) as server:
            path = config(work, task, server.openai_url, None, "quota")
            out = work / "quota"
            started = time.perf_counter()
            whole(["run", str(path), "--out", str(out), "--quiet", "--no-cache"])
            wall = time.perf_counter() - started
            sent, ok = requests_seen(server)
            burst = 600 * window / 60  # what the full bucket admits at once
            sustained = (ok - burst) / max(1e-9, runner_seconds(out) - 0.0) * 60
            lines.append(
                f"- quota 600 requests/min, 200k tokens/min (bucket {window:g} s), {n} image requests at "
                f"the default concurrency: {ok}/{n} answered in {wall:.1f} s; {sent - ok} of {sent} "
                f"requests answered 429 ({(sent - ok) / sent:.1%}; target ≤ 2%); rate beyond the first "
                f"bucket {sustained:.0f}/min = {sustained / 600:.0%} of the quota (target ≥ 95%)"
            )

    lines += ["", f"Load at end: {load()}"]
    append_results("Whole command and quota use (bench_speed.py)", lines)


if __name__ == "__main__":
    main()
