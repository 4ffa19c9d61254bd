"""Batch mode at full size (issue 24): a 2,000-sample task through each provider's batch API.

    python benchmarks/bench_batch.py [--samples N] [--expire SHARE]

openai, anthropic and gemini in batch mode against the fake provider (in a thread of this
process: the books need its counts). Each batch ends after 3 status reads; a share of the items
(default 5%) expire in their first batch and must come back in a new one. Reported per
provider: wall time, batches, items the fake answered, lost samples (journal vs task), requests
answered twice, and the run's cost at the batch rate beside the same usage at the direct rate.
Appends the table to results.md; exits 1 if a sample was lost or answered twice.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

from _common import append_results

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests" / "backends"))
sys.path.insert(0, str(HERE.parent / "tests" / "core"))

from backend_support import KEYS, run_config, run_options, write_task  # noqa: E402

from evals.pricing import cost_of  # noqa: E402
from evals.records import Usage  # noqa: E402
from evals.session import start_run  # noqa: E402
from evals.testing.fake_provider import BatchConfig, FakeProvider  # noqa: E402

PROVIDERS = [("openai", "gpt-4o-mini"), ("anthropic", "claude-haiku-4-5"), ("gemini", "gemini-2.5-flash")]


def one(kind: str, model: str, n: int, expire: float, folder: Path) -> list[str]:
    rng = random.Random(24)
    expiring = {f"s{i:02d}" for i in range(n) if rng.random() < expire}
    with FakeProvider() as fake:
        fake.batches.configure(BatchConfig(polls_to_complete=3, script={s: ["expired"] for s in expiring}))
        task = write_task(folder, n)
        backend = {
            "name": kind,
            "type": kind,
            "model": model,
            "base_url": fake.openai_url if kind == "openai" else fake.url,
            "batch": {"linger_s": 0.5, "poll_s": 0.2, "poll_max_s": 1.0},
            "max_retry_wait": 0.1,
        }
        started = time.perf_counter()
        outcome = start_run(run_config(task, backend), folder, run_options(folder))
        wall = time.perf_counter() - started
        lines = [json.loads(x) for x in outcome.rundir.journal.read_text().splitlines() if x.strip()]
        ok = {r["sample_id"] for r in lines if r["status"] == "ok"}
        samples = fake.state.samples()
        twice = sum(1 for s in samples.values() if s["ok"] > 1)
        batches = json.loads((outcome.rundir.path / "batches" / f"{kind}.json").read_text())["batches"]
        batch_usd = sum(r["cost_usd"] or 0.0 for r in lines)
        direct_usd = sum(cost_of(model, Usage.model_validate(r["usage"])) or 0.0 for r in lines)
        return [
            kind,
            str(n),
            f"{len(expiring)}",
            f"{wall:.1f} s",
            str(len(batches)),
            str(fake.state.requests()),
            str(n - len(ok)),
            str(twice),
            f"${batch_usd:.4f}",
            f"${direct_usd:.4f}",
        ]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument(
        "--expire", type=float, default=0.05, help="share of items expiring in their first batch"
    )
    args = parser.parse_args()
    os.environ.update(KEYS)
    os.environ.pop("GOOGLE_API_KEY", None)
    load = os.getloadavg()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for kind, model in PROVIDERS:
            rows.append(one(kind, model, args.samples, args.expire, Path(tmp) / kind))
    header = "| provider | samples | expired first | wall | batches | items answered | lost | answered twice | cost (batch) | same usage direct |"
    lines = [
        f"Load average at start {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} (a shared machine). Fake provider in a "
        "thread; each batch ends after 3 status reads (poll 0.2 s, backoff ×1.5 to 1 s); expired items go "
        "again in a new batch. Small PNG + text per sample.",
        "",
        header,
        "| " + " | ".join(["---"] * 10) + " |",
        *("| " + " | ".join(row) + " |" for row in rows),
    ]
    append_results(f"Batch mode, {args.samples:,} samples per provider (bench_batch.py)", lines)
    failed = any(row[6] != "0" or row[7] != "0" for row in rows)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
