"""`run-eval view` on a 100,000-sample run: how long it takes to open and to page/filter.

Builds a synthetic run directory (2 tasks × 4 backends × 12,500 samples = 100,000 journal
records, with samples.parquet and summary.json as a finished run has them), then times over
HTTP against a fresh viewer each time:
- open: a new viewer's first runs list + run page + first samples page (cold: reads the parquet);
- open live: the same while the run says `running` (reads and follows the journal instead);
- page/filter: samples pages with filters, search, sorts and a deep page (warm), median of 5.
Targets (issue 25): open ≤ 2 s, page/filter ≤ 200 ms.

    python benchmarks/view_bench.py [--samples 12500] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "viewer"))

from _common import append_results
from viewer_support import serve

from evals.aggregate import summarize
from evals.journal import JournalWriter
from evals.parquet import write_parquet
from evals.rundata import (
    BackendInfo,
    ErrorInfo,
    Latency,
    MetricDecl,
    RunInfo,
    SampleRecord,
    TaskInfo,
    Usage,
)
from evals.rundir import RunDir
from evals.viewer.live import live_summary
from evals.viewer.table import SampleTable

BACKENDS = ("alpha", "beta", "gamma", "delta")
TASKS = ("ocr", "vqa")
WORDS = [
    "the",
    "a",
    "receipt",
    "total",
    "chart",
    "bar",
    "red",
    "blue",
    "circle",
    "square",
    "left",
    "right",
    "yes",
    "no",
    "seven",
]


def build(folder: Path, per_task: int, *, running: bool = False) -> Path:
    """The run directory (reused when --keep already holds one)."""
    rng = random.Random(0)
    rundir = RunDir(folder / ("live" if running else "big"))
    if rundir.run_file.is_file():
        return rundir.path
    rundir.path.mkdir(parents=True)
    metric = MetricDecl(name="exact_match", scorer="exact_match", binary=True)
    info = RunInfo(
        run_id=rundir.path.name,
        name="bench-100k",
        status="running" if running else "finished",
        started_at=time.time(),
        tasks=[
            TaskInfo(name=t, kind="vqa", metrics=[metric], breakdowns=["level"], backends=list(BACKENDS))
            for t in TASKS
        ],
        backends=[BackendInfo(name=b, type="fake", kind="provider") for b in BACKENDS],
    )
    records = []
    for task in TASKS:
        for i in range(per_task):
            target = rng.choice(WORDS)
            for b, backend in enumerate(BACKENDS):
                error = rng.random() < 0.02
                right = rng.random() < 0.5 + 0.1 * b
                prediction = target if right else rng.choice(WORDS)
                records.append(
                    SampleRecord(
                        task=task,
                        backend=backend,
                        sample_id=f"{task}-{i:06d}",
                        status="error" if error else "ok",
                        prediction=None if error else f"The answer is {prediction}.",
                        targets=[target],
                        metadata={"level": i % 5},
                        scores={} if error else {"exact_match": float(prediction == target)},
                        usage=Usage(input_tokens=300 + i % 50, output_tokens=8),
                        cost_usd=1e-5 * (1 + b),
                        latency=Latency(total_s=0.2 + rng.random()),
                        error=ErrorInfo(kind="rate_limit", message="429") if error else None,
                        prompt=f"Question {i}: what does the image say about the {target}?",
                        finished_at=time.time(),
                    )
                )
    writer = JournalWriter(rundir.journal)
    for record in records:
        writer.append(record)
    writer.close()
    rundir.write_info(info)
    if not running:
        write_parquet(records, rundir.parquet_file)
        rundir.write_summary(summarize(info, records))
        os.utime(rundir.parquet_file)  # written after the journal, as finalize does
    return rundir.path


def timed_open(path: Path) -> float:
    start = time.perf_counter()
    with serve([path]) as server:
        server.page("/")
        server.page(f"/runs/{path.name}")
        server.page(f"/runs/{path.name}/samples")
        return time.perf_counter() - start


def timed_live_open(path: Path) -> float:
    start = time.perf_counter()
    table = SampleTable(RunDir(path))
    table.open(live=True)
    live_summary(RunDir(path).read_info(), table)
    return time.perf_counter() - start


QUERIES = {
    "first page": "",
    "failed of one backend": "?backend=beta&outcome=failed",
    "task + error kind": "?task=ocr&error=rate_limit",
    "score range + breakdown": "?min=1&max=1&field=level&value=3",
    "text search": "?q=receipt",
    "sort by latency, desc": "?sort=latency&order=desc",
    "two backends side by side": "?backend=alpha&vs=delta&outcome=failed",
    "page 1000 of 2000": "?page=1000",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--samples", type=int, default=12_500, help="samples per task (× 8 records)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--keep", type=Path, help="build the runs here and keep them")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="view-bench-"))
    t0 = time.perf_counter()
    finished = build(folder, args.samples)
    live = build(folder, args.samples, running=True)
    n = args.samples * len(TASKS) * len(BACKENDS)
    print(f"built two runs of {n} records in {time.perf_counter() - t0:.1f} s under {folder}")
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    opens = [timed_open(finished) for _ in range(3)]
    live_opens = [timed_live_open(live)]
    lines = [
        f"### `run-eval view` on {n:,} sample × backend records (2 tasks × 4 backends; load average {load})",
        f"- open (new viewer: runs list + run page + first samples page, from samples.parquet): "
        f"median {statistics.median(opens):.2f} s ({', '.join(f'{x:.2f}' for x in opens)}) — target ≤ 2 s",
        f"- open a running run in journal mode (parse every journal line into typed records, load "
        f"them into DuckDB, live summary; in-process, no HTTP): "
        f"median {statistics.median(live_opens):.2f} s ({', '.join(f'{x:.2f}' for x in live_opens)})",
    ]
    with serve([finished]) as server:
        base = f"/runs/{finished.name}/samples"
        server.page(base)
        for label, query in QUERIES.items():
            times = []
            for _ in range(args.repeats):
                start = time.perf_counter()
                server.page(base + query)
                times.append(time.perf_counter() - start)
            lines.append(
                f"- page/filter, {label} (`{query or '/samples'}`): median {statistics.median(times) * 1000:.0f} ms,"
                f" max {max(times) * 1000:.0f} ms — target ≤ 200 ms"
            )
    lines.append(
        "- times are whole HTTP requests (query + rendering 50 rows), client and server on the same 2 cores"
    )
    append_results("Viewer (view_bench.py)", lines)


if __name__ == "__main__":
    main()
