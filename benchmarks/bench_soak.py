"""Fault soak at full count (issue: reliability): ≥ 5,000 requests through each real SDK backend.

    python benchmarks/bench_soak.py [--samples N] [--seed S] [--quick]

openai, anthropic, gemini, openai-compatible and openai-transcribe, in one run, against the
fake provider (in a thread of this process: the test needs every request's outcome) serving
10% 429 (Retry-After 0.05 s), 2.5% 500 + 2.5% 503, 2% hangs past the 1.5 s timeout, 1% dropped
connections, 1% malformed bodies, plus one scripted 400/401/403/404 per backend. The same books
as tests/reliability/test_soak.py: requests and faults from the server's own counts; lost,
duplicate successful requests, retries over the bound, attempt and error-kind mismatches from
the journal. Prints them and appends them to results.md; exits 1 if any guarantee failed.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from _common import append_results

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests" / "reliability"))

from soak_support import (  # noqa: E402  (the soak's books live with its test)
    BACKENDS,
    KEYS,
    MAX_RETRIES,
    TIMEOUT_S,
    answer,
    run_soak,
    script_final_faults,
    soak_faults,
    table,
)

from evals.testing.fake_provider import FakeProvider  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--samples", type=int, default=4300, help="samples per backend (default 4300)")
    parser.add_argument("--seed", type=int, default=7, help="the fault draws' seed")
    parser.add_argument("--quick", action="store_true", help="400 samples per backend, a smoke run")
    args = parser.parse_args()
    n = 400 if args.quick else args.samples
    os.environ.update(KEYS)
    os.environ.pop("GOOGLE_API_KEY", None)
    config = soak_faults(args.seed)
    script_final_faults(config.script, BACKENDS)
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["EVALS_CACHE_DIR"] = str(Path(tmp) / "cache")
        with FakeProvider(answer=answer, config=config) as fake:
            started = time.perf_counter()
            result = run_soak(Path(tmp), fake.url, n, fake.state.snapshot)
            total_s = time.perf_counter() - started

    books = list(result.books.values())
    requests = sum(b.requests for b in books)
    lost = sum(b.lost for b in books)
    duplicates = sum(b.duplicates for b in books)
    broken = sum(
        b.over_bound + b.attempts_mismatch + b.kind_mismatch + b.scored_errors + b.final_retried
        for b in books
    )
    faults = {f: sum(b.faults[f] for b in books) for f in ("429", "500", "503", "hang", "drop", "malformed")}
    fault_share = ", ".join(f"{f} {v} ({v / requests:.1%})" for f, v in faults.items())
    lines = [
        f"{len(books)} backends × {n} samples in one run; concurrency 32 per backend; timeout {TIMEOUT_S} s; "
        f"max_retries {MAX_RETRIES}; fault seed {args.seed}; fake provider in-thread (shares the GIL).",
        "",
        *table(result),
        "",
        f"Totals: {requests} requests ({requests / result.wall_s:.0f} req/s), {result.wall_s:.1f} s for the run "
        f"({total_s:.1f} s with start-up and report). Faults served: {fault_share}.",
        f"Samples lost = {lost}; duplicate successful requests = {duplicates}; retry bound, attempt-count, "
        f"error-kind or scored-error violations = {broken}; exit code {result.outcome.exit_code}.",
    ]
    append_results("Fault soak (bench_soak.py)" + (" (quick)" if args.quick else ""), lines)
    ok = (
        lost == 0
        and duplicates == 0
        and broken == 0
        and all(b.requests >= (5000 if not args.quick else 400) for b in books)
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
