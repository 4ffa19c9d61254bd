"""A run killed with SIGKILL half-way and continued with --resume completes, with one journal
line per sample and no request sent again for a sample that was already journaled."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from counting_backend import calls_in
from records_support import read_journal

HERE = Path(__file__).parent


def run_eval(args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "evals", *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )


def test_sigkill_then_resume_completes_without_resending(image_dataset: Path, tmp_path: Path) -> None:
    calls = tmp_path / "calls.txt"
    config = tmp_path / "run.yaml"
    config.write_text(
        "name: crash\n"
        f"tasks: [{image_dataset}]\n"
        "backends:\n"
        "  - name: counter\n"
        "    type: counting_backend:CountingBackend\n"
        "    concurrency: 2\n"
        f"    options: {{calls_file: {calls}, delay_s: 0.05}}\n"
    )
    env = {**os.environ, "PYTHONPATH": f"{HERE}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    out = tmp_path / "run"
    process = run_eval(["run", str(config), "--out", str(out), "--quiet"], env)
    deadline = time.monotonic() + 30
    while len(calls_in(calls)) < 12 and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    assert process.returncode == -signal.SIGKILL
    journaled = {r["sample_id"] for r in read_journal(out / "samples.jsonl")[0]}
    assert 5 <= len(journaled) < 30, "the kill should land half-way"

    resumed = run_eval(["run", "--resume", str(out), "--quiet"], env)
    assert resumed.wait(timeout=60) == 0, resumed.stderr.read() if resumed.stderr else ""
    records = read_journal(out / "samples.jsonl")[0]
    assert sorted(r["sample_id"] for r in records) == [f"s{i:02d}" for i in range(30)]  # one line each
    counts = calls_in(calls)
    assert all(counts[sample] == 1 for sample in journaled), "a journaled sample was requested again"
    assert all(r["status"] == "ok" for r in records)
    assert (out / "summary.json").exists() and (out / "samples.parquet").exists()
