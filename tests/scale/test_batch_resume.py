"""A batch-mode run killed with SIGKILL after its batch was submitted, then resumed: the resumed
process polls the same batch id and submits nothing again (counted by the fake provider)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from backend_support import write_task

from evals.testing.fake_provider import BatchConfig, FakeProvider


def run_eval(args: list[str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "evals", *args],
        env=dict(os.environ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


@pytest.mark.parametrize(
    ("kind", "model"),
    [("openai", "gpt-4o-mini"), ("anthropic", "claude-haiku-4-5"), ("gemini", "gemini-2.5-flash")],
)
def test_sigkill_after_submission_then_resume_submits_nothing_again(
    fake: FakeProvider, tmp_path: Path, kind: str, model: str
) -> None:
    fake.batches.configure(BatchConfig(polls_to_complete=10**9))  # the batch never ends while killed
    task = write_task(tmp_path, 20)
    config = tmp_path / "run.yaml"
    config.write_text(
        "name: batchkill\n"
        f"tasks: [{task}]\n"
        "backends:\n"
        f"  - name: {kind}\n"
        f"    type: {kind}\n"
        f"    model: {model}\n"
        f"    base_url: {fake.openai_url if kind == 'openai' else fake.url}\n"
        "    batch: {linger_s: 0.05, poll_s: 0.05, poll_max_s: 0.1}\n"
    )
    out = tmp_path / "run"
    ledger = out / "batches" / f"{kind}.json"
    process = run_eval(["run", str(config), "--out", str(out), "--quiet", "--no-cache"])
    deadline = time.monotonic() + 300  # generous: the machine may be loaded
    while time.monotonic() < deadline and process.poll() is None:
        if ledger.is_file() and fake.batches.counts["polls"] >= 2:
            break
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    assert process.returncode == -signal.SIGKILL
    submitted = json.loads(ledger.read_text())["batches"]
    assert len(submitted) == 1 and len(submitted[0]["custom_ids"]) == 20
    assert not (out / "samples.jsonl").exists() or (out / "samples.jsonl").read_text() == ""
    polls_before = fake.batches.counts["polls"]
    assert fake.batches.counts["batches"] == 1 and fake.state.requests() == 20

    fake.batches.configure(BatchConfig(polls_to_complete=1))  # the batch has ended meanwhile
    resumed = run_eval(["run", "--resume", str(out), "--quiet", "--no-cache"])
    assert resumed.wait(timeout=600) == 0, resumed.stderr.read() if resumed.stderr else ""

    assert fake.batches.counts["batches"] == 1, "the resumed run submitted a batch again"
    assert fake.state.requests() == 20, "a request was sent twice"
    assert fake.batches.counts["polls"] > polls_before  # it polled the batch it found
    assert list(fake.batches.batches) == [submitted[0]["id"]]
    records = [json.loads(line) for line in (out / "samples.jsonl").read_text().splitlines()]
    assert sorted(r["sample_id"] for r in records) == [f"s{i:02d}" for i in range(20)]
    assert all(r["status"] == "ok" and r["scores"] == {"exact_match": 1.0} for r in records)
    assert json.loads(ledger.read_text())["batches"][0]["state"] == "ended"
