"""Harness overhead, re-run and resume, and streaming memory (issue: performance).

    python benchmarks/bench_harness.py [--quick]

1. overhead: samples/s end to end with the in-process `echo` backend (load, hash and check each
   image, render the prompt, answer, score, journal), and where the time goes (a profile);
2. re-run and resume (200 ms per request, as in bench_throughput.py): a finished run repeated
   with the cache sends 0 requests; a run killed at 50% and resumed sends only the missing half;
3. memory: peak RSS of 1k/5k/10k 512×512 image tasks streamed through the runner.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import signal
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from _common import append_results, median_of
from PIL import Image

HERE = Path(__file__).resolve().parent
ENV = {**os.environ, "PYTHONPATH": f"{HERE}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}


def image_task(folder: Path, n: int) -> Path:
    data = folder / "data"
    data.mkdir(parents=True, exist_ok=True)
    with (data / "items.jsonl").open("w") as rows:
        for i in range(n):
            Image.new("RGB", (64, 64), (i % 256, (i * 7) % 256, 99)).save(data / f"{i}.png")
            rows.write(
                json.dumps({"id": f"s{i}", "image": f"{i}.png", "question": f"What is {i}?", "answer": "x"})
                + "\n"
            )
    task = folder / "task.yaml"
    task.write_text(
        "name: bench\nkind: custom\n"
        "dataset: {source: jsonl, path: data/items.jsonl, images: [image]}\n"
        "prompt: {parts: [{image: image}, {text: '{{ question }}'}]}\nscorers: [exact_match]\n"
    )
    return task


def run(args: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "evals", *args], env=ENV, capture_output=True, text=True, check=True, **kwargs
    )  # type: ignore[call-overload]


def runner_seconds(run_dir: Path) -> float:
    attempt = json.loads((run_dir / "run.json").read_text())["attempts"][-1]
    return float(attempt["finished_at"] - attempt["started_at"])


def run_echo(task: Path, out: Path) -> None:
    run(
        [
            "run",
            str(task),
            "--backends",
            "echo",
            "--no-cache",
            "--quiet",
            "--concurrency",
            "64",
            "--out",
            str(out),
        ]
    )


def overhead(work: Path, n: int, repeats: int) -> list[str]:
    task = image_task(work / "overhead", n)

    def once() -> float:
        out = Path(tempfile.mkdtemp(dir=work)) / "r"
        run_echo(task, out)
        return n / runner_seconds(out)

    rate, rates = median_of(repeats, once)
    started = time.perf_counter()
    run_echo(task, work / "whole")
    whole = time.perf_counter() - started
    return [
        f"### Harness overhead ({n} image samples, in-process echo backend, concurrency 64)",
        f"- runner: median {rate:,.0f} samples/s (runs: {', '.join(f'{r:,.0f}' for r in rates)}); target ≥ 1,000",
        f"- whole command including start-up, summary, parquet and report: {whole:.2f} s ({n / whole:,.0f} samples/s)",
        "",
        *profile(task, work),
    ]


def profile(task: Path, work: Path) -> list[str]:
    """Where the runner's time goes, grouped by module family."""
    from evals.config import RunConfig
    from evals.session import RunOptions, start_run

    config = RunConfig.model_validate(
        {"name": "p", "tasks": [str(task)], "backends": [{"name": "echo", "type": "echo", "concurrency": 64}]}
    )
    profiler = cProfile.Profile()
    profiler.enable()
    start_run(config, task.parent, RunOptions(out=work / "profiled", use_cache=False, quiet=True))
    profiler.disable()
    stats = pstats.Stats(profiler)
    groups: dict[str, float] = defaultdict(float)
    for (file, _, _), (_, _, tottime, _, _) in stats.stats.items():  # type: ignore[attr-defined]
        groups[_family(file)] += tottime
    total = sum(groups.values())
    top = sorted(groups.items(), key=lambda kv: -kv[1])[:8]
    return [
        "Profile (share of time by module family):",
        *[f"- {name}: {100 * t / total:.0f}%" for name, t in top],
    ]


def _family(file: str) -> str:
    if "site-packages/" in file:
        package = file.split("site-packages/", 1)[1].split("/", 1)[0]
        return {"PIL": "PIL (image checks)", "pyarrow": "pandas/pyarrow", "pandas": "pandas/pyarrow"}.get(
            package, package
        )
    for marker, name in (
        ("/evals/runner", "evals runner"),
        ("/evals/media", "media read/hash/check"),
        ("/evals/data", "dataset rows"),
        ("/evals/task", "prompt rendering"),
        ("/evals/scor", "scoring"),
        ("/evals/aggregate", "summary + bootstrap"),
        ("/evals/stats", "summary + bootstrap"),
        ("/evals/report", "report + plots"),
        ("/evals/", "evals (other)"),
        ("PIL", "PIL (image checks)"),
        ("asyncio", "asyncio"),
        ("json", "json"),
        ("jinja2", "jinja2"),
        ("pandas", "pandas/pyarrow"),
        ("pyarrow", "pandas/pyarrow"),
        ("matplotlib", "report + plots"),
    ):
        if marker in file:
            return name
    return "python (builtins and stdlib)"


def rerun_and_resume(work: Path, n: int) -> list[str]:
    task = image_task(work / "rerun", n)
    folder = work / "rerun"
    config = folder / "run.yaml"
    config.write_text(
        f"name: rerun\ntasks: [{task}]\nbackends:\n"
        "  - {name: sleepy, type: 'bench_backends:SleepBackend', concurrency: 64, options: {latency_s: 0.2}}\n"
    )
    cache = ["--cache-dir", str(folder / "cache")]
    started = time.perf_counter()
    run(["run", str(config), "--quiet", "--out", str(folder / "first"), *cache])
    first = time.perf_counter() - started
    repeats = []
    for index in range(3):
        started = time.perf_counter()
        run(["run", str(config), "--quiet", "--out", str(folder / f"repeat{index}"), *cache])
        repeats.append((runner_seconds(folder / f"repeat{index}"), time.perf_counter() - started))
    phase_second, second = sorted(repeats)[1]
    attempt = json.loads((folder / "repeat0" / "run.json").read_text())["attempts"][-1]
    phase_first = runner_seconds(folder / "first")

    crash = folder / "crash"
    process = subprocess.Popen(
        [sys.executable, "-m", "evals", "run", str(config), "--quiet", "--no-cache", "--out", str(crash)],
        env=ENV,
    )
    journal = crash / "samples.jsonl"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if journal.exists() and journal.read_bytes().count(b"\n") >= n // 2:
            break
        time.sleep(0.005)
    process.send_signal(signal.SIGKILL)
    process.wait()
    done_at_kill = journal.read_bytes().count(b"\n")
    run(["run", "--resume", str(crash), "--quiet", "--no-cache"])
    resumed = json.loads((crash / "run.json").read_text())["attempts"][-1]
    lines = journal.read_bytes().count(b"\n")
    return [
        f"### Re-run and resume ({n} samples, in-process backend with 200 ms latency, concurrency 64)",
        f"- requests sent by the repeat: {attempt['requests']} (cache hits {attempt['cache_hits']}); target 0",
        f"- runner phase: first {phase_first:.2f} s, repeat (median of 3) {phase_second:.3f} s = "
        f"{100 * phase_second / phase_first:.1f}% of the first; target ≤ 5%",
        f"- whole command: first {first:.2f} s, repeat {second:.2f} s (both include ≈1 s of interpreter start-up and "
        "imports, and the summary and report, which a repeat redoes)",
        f"- killed at {done_at_kill} journaled of {n}; the resume sent {resumed['requests']} requests "
        f"(missing: {n - done_at_kill}; the difference is what was in flight at the kill), journal lines at the end {lines}",
    ]


# The peak resident set of this process: VmHWM, not ru_maxrss, which Linux carries over from
# the parent through fork and exec (the benchmark's own process is larger than the run's).
MEMORY_CHILD = """
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


def memory(work: Path, sizes: list[int]) -> list[str]:
    lines = ["### Streaming memory (512×512 noise PNGs rendered on demand, echo backend, concurrency 64)"]
    for n in sizes:
        folder = work / f"mem{n}"
        folder.mkdir()
        task = folder / "task.yaml"
        task.write_text(
            "name: mem\nkind: custom\n"
            f"dataset: {{source: generator, name: 'bench_backends:NoiseImages', n: {n}, id: id, images: [image]}}\n"
            "prompt: {parts: [{image: image}, {text: '{{ question }}'}]}\nscorers: [exact_match]\n"
        )
        started = time.perf_counter()
        done = subprocess.run(
            [
                sys.executable,
                "-c",
                MEMORY_CHILD,
                "run",
                str(task),
                "--backends",
                "echo",
                "--no-cache",
                "--quiet",
                "--concurrency",
                "64",
                "--out",
                str(folder / "r"),
            ],
            env=ENV,
            capture_output=True,
            text=True,
            check=True,
        )
        peak = int(done.stdout.split("PEAK_RSS_KB")[1].split()[0]) / 1024
        streaming = int(done.stdout.split("STREAM_RSS_KB")[1].split()[0]) / 1024
        lines.append(
            f"- {n:>6,} images: peak RSS while streaming {streaming:,.0f} MB; whole command {peak:,.0f} MB; "
            f"{time.perf_counter() - started:.1f} s"
        )
    lines.append("- target: ≤ 500 MB and flat as the dataset grows")
    lines.append(
        "- the whole-command peak is the end of the run (summary, parquet, report and plots import pandas "
        "and matplotlib and hold one row per result, not any media)"
    )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="smaller counts, for a smoke run")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        lines = overhead(work, 1000 if args.quick else 5000, 1 if args.quick else 3)
        lines += ["", *rerun_and_resume(work, 400 if args.quick else 2000)]
        lines += ["", *memory(work, [200, 400] if args.quick else [1000, 5000, 10000])]
    append_results("Harness: overhead, re-run/resume, memory" + (" (quick)" if args.quick else ""), lines)


if __name__ == "__main__":
    sys.stdout = io.TextIOWrapper(sys.stdout.buffer, line_buffering=True)
    main()
