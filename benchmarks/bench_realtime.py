"""Realtime speech-to-speech against the cascade, through the fake provider: 200 spoken questions
streamed at real-time pace to `openai-realtime`, the same questions through `cascade`
(transcribe → chat → speak), one run. Prints TTFA per backend against the fake's configured
delays, the error of the realtime TTFA against its configured first-delta delay, and the run's
wall time; appends them to benchmarks/results.md.

    .venv/bin/python benchmarks/bench_realtime.py [--n 200] [--delay-ms 200] [--http-ms 300]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests" / "backends"))

from _common import append_results  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=200, help="spoken questions")
    parser.add_argument("--seconds", type=float, default=1.5, help="length of each question")
    parser.add_argument("--delay-ms", type=float, default=200.0, help="the fake's realtime first-delta delay")
    parser.add_argument(
        "--http-ms", type=float, default=300.0, help="the fake's latency per HTTP call (cascade)"
    )
    parser.add_argument("--concurrency", type=int, default=25)
    parser.add_argument("--only", choices=("realtime", "cascade"), default=None, help="run one backend")
    parser.add_argument("--no-append", action="store_true", help="print only")
    args = parser.parse_args()

    from realtime_support import cascade_backend, realtime_backend, write_spoken_task

    from evals.config import RunConfig
    from evals.session import RunOptions, start_run
    from evals.testing.fake_provider import FakeConfig
    from evals.testing.fake_realtime import RealtimeSettings
    from evals.testing.fake_realtime_process import FakeRealtimeProcess

    os.environ.setdefault("OPENAI_API_KEY", "sk-bench-0123456789")
    load = os.getloadavg()[0]
    fake = FakeRealtimeProcess(
        "realtime_support:answer",
        realtime=RealtimeSettings(first_delta_ms=args.delay_ms),
        config=FakeConfig(latency_ms=args.http_ms),
        paths=(str(HERE.parent / "tests" / "backends"), str(HERE.parent / "tests" / "core")),
    )
    with fake, tempfile.TemporaryDirectory(prefix="bench-realtime-") as folder:
        base = Path(folder)
        task = write_spoken_task(base, n=args.n, seconds=args.seconds)
        realtime = realtime_backend(fake.openai_url, concurrency=args.concurrency)
        cascade = {**cascade_backend(fake.openai_url), "concurrency": args.concurrency}
        chosen = [b for b in (realtime, cascade) if args.only in (None, b["name"])]
        config = RunConfig.model_validate({"name": "bench", "tasks": [str(task)], "backends": chosen})
        started = time.perf_counter()
        outcome = start_run(config, base, RunOptions(reports=base / "reports", quiet=True, use_cache=False))
        wall = time.perf_counter() - started
        records = [
            json.loads(line) for line in outcome.rundir.journal.read_text().splitlines() if line.strip()
        ]
        rows = _rows(outcome.summary.cells, records, args)
    lines = [
        f"### {args.n} spoken questions of {args.seconds:g} s, "
        f"{'realtime at real-time pace vs cascade' if args.only is None else f'--only {args.only}'} "
        f"(fake: realtime first delta {args.delay_ms:g} ms, HTTP {args.http_ms:g} ms a call; "
        f"concurrency {args.concurrency}; load average at start {load:.1f}; fake in its own process)",
        *rows,
        f"- whole run (both backends, scoring, report): {wall:.1f} s",
    ]
    print("\n".join(lines))
    if not args.no_append:
        append_results("Realtime vs cascade TTFA (bench_realtime.py)", lines)
    return 0


def _rows(cells: Any, records: list[dict[str, Any]], args: argparse.Namespace) -> list[str]:
    rows = []
    for cell in cells:
        found = cell.ttfa_s
        if found is None:
            continue
        ci = found.p95_ci or (float("nan"), float("nan"))
        rows.append(
            f"- {cell.backend}: n={cell.n_scored}, errors {cell.n_errors}, exact_match "
            f"{cell.metrics['exact_match'].value:.3f}; TTFA p50 {found.p50 * 1000:.1f} ms, "
            f"p95 {found.p95 * 1000:.1f} ms [95% CI {ci[0] * 1000:.1f}, {ci[1] * 1000:.1f}], "
            f"p99 {found.p99 * 1000:.1f} ms"
        )
        ttfa = [
            r["latency"]["ttfa_s"] for r in records if r["backend"] == cell.backend and r["status"] == "ok"
        ]
        if cell.backend == "realtime":
            errors = [abs(t - args.delay_ms / 1000) * 1000 for t in ttfa]
            within = sum(e <= 10.0 for e in errors) / len(errors)
            rows.append(
                f"  - TTFA minus the configured {args.delay_ms:g} ms: median {statistics.median(errors):.1f} ms, "
                f"max {max(errors):.1f} ms; {within:.1%} of samples within ±10 ms"
            )
            speech = [r["latency"]["stages"]["speech_in"] for r in records if r["backend"] == "realtime"]
            rows.append(
                f"  - streaming each {args.seconds:g} s question took median {statistics.median(speech):.3f} s"
            )
        else:
            stages: dict[str, list[float]] = {}
            for r in records:
                if r["backend"] == cell.backend and r["status"] == "ok":
                    for name, value in r["latency"]["stages"].items():
                        stages.setdefault(name, []).append(value)
            per = ", ".join(f"{k} {statistics.median(v) * 1000:.0f} ms" for k, v in stages.items())
            rows.append(f"  - median per stage: {per}")
    return rows


if __name__ == "__main__":
    sys.exit(main())
