"""Concurrency: two runs sharing one cache at once; a run resumed while other processes read
its directory and ask for its report in a loop; a second writer refused by the lock."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from crash_backend import calls_in
from crash_support import HERE, child_env, line_count, write_run
from records_support import read_journal

from evals.cache import CACHE_FILE


def evals_cli(args: list[str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "evals", *args],
        env=child_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def statuses(run_dir: Path) -> list[str]:
    """The attempts' statuses in run.json (an attempt is recorded once it holds the lock)."""
    run = json.loads((run_dir / "run.json").read_text())
    return [a["status"] for a in run.get("attempts", [])]


def finish(process: subprocess.Popen[str], timeout: float = 120) -> tuple[int, str]:
    _, err = process.communicate(timeout=timeout)
    return process.returncode, err


def test_two_runs_share_one_cache_at_once_and_a_third_is_served_by_it(tmp_path: Path) -> None:
    n = 40
    # 2 s of answers per run, so the second starts well before the first ends even when
    # starting a process is slow on a loaded machine.
    config, calls = write_run(tmp_path, n, delay_s=0.2, concurrency=4, errors=False)
    cache = tmp_path / "cache"
    both = [
        evals_cli(["run", str(config), "--out", str(tmp_path / name), "--cache-dir", str(cache), "--quiet"])
        for name in "AB"
    ]
    for process in both:
        code, err = finish(process)
        assert code == 0, err[-3000:]
    asked = calls_in(calls)
    assert set(asked) == {f"s{i:03d}" for i in range(n)}
    assert sum(1 for count in asked.values() if count == 2) >= n // 2, "the two runs overlapped"

    conn = sqlite3.connect(cache / CACHE_FILE)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    rows = conn.execute("SELECT count(*), count(DISTINCT key) FROM responses").fetchone()
    conn.close()
    assert rows == (n, n), "each answer held once"
    for name in "AB":
        records = read_journal(tmp_path / name / "samples.jsonl")[0]
        assert len(records) == n and all(r["status"] == "ok" for r in records)

    before = sum(asked.values())
    code, err = finish(
        evals_cli(["run", str(config), "--out", str(tmp_path / "C"), "--cache-dir", str(cache), "--quiet"])
    )
    assert code == 0, err
    assert sum(calls_in(calls).values()) == before, "the third run sent nothing"
    records = read_journal(tmp_path / "C" / "samples.jsonl")[0]
    assert len(records) == n and all(r["cached"] and r["status"] == "ok" for r in records)
    attempt = json.loads((tmp_path / "C" / "run.json").read_text())["attempts"][-1]
    assert (attempt["requests"], attempt["cache_hits"]) == (0, n)


def test_resume_while_readers_read_and_a_second_writer_is_refused(tmp_path: Path) -> None:
    n = 60
    # While `hold` exists the resume's answers wait, so it holds the lock for as long as the
    # refusals below take, however slowly processes start on a loaded machine.
    hold = tmp_path / "hold"
    config, calls = write_run(tmp_path, n, delay_s=0.1, concurrency=2, hold_file=str(hold))
    out, cache = tmp_path / "run", tmp_path / "cache"
    common = ["--cache-dir", str(cache), "--quiet"]
    first = evals_cli(["run", str(config), "--out", str(out), *common])
    deadline = time.monotonic() + 60
    while line_count(out / "samples.jsonl") < 12 and time.monotonic() < deadline:
        time.sleep(0.01)
    first.send_signal(signal.SIGKILL)
    first.wait(10)

    assert statuses(out) == ["running"]  # the killed attempt, as it was left
    hold.touch()
    resume = evals_cli(["run", "--resume", str(out), *common])
    while statuses(out) != ["killed", "running"]:  # the resume holds the lock
        assert time.monotonic() < deadline and resume.poll() is None
        time.sleep(0.01)
    stop, result = tmp_path / "stop", tmp_path / "reader.json"
    reader = subprocess.Popen(
        [sys.executable, str(HERE / "reader_loop.py"), str(out), str(stop), str(result)], env=child_env()
    )

    # A second writer is refused while the resume runs, and so is a new run into the folder.
    for args in (["run", "--resume", str(out), *common], ["run", str(config), "--out", str(out), *common]):
        code, err = finish(evals_cli(args))
        assert code == 2 and ("another run-eval process" in err or "already holds a run" in err), err
    # `run-eval report`: refused (exit 2, one line) while the run writes, and in a loop once it
    # moves on, never broken.
    reports = [finish(evals_cli(["report", str(out)]))]
    assert reports[0][0] == 2, reports[0][1]
    hold.unlink()
    while resume.poll() is None:
        reports.append(finish(evals_cli(["report", str(out)])))
    code, err = finish(resume)
    assert code == 0, err[-3000:]
    reports.append(finish(evals_cli(["report", str(out)])))
    stop.touch()
    reader.wait(60)

    seen = json.loads(result.read_text())
    assert seen["failures"] == [], seen["failures"][:5]
    assert seen["seen"]["load_run"] >= 5 and seen["seen"]["run.json"] >= 5
    # Written once the resume let go of the lock (the last one, at least).
    assert reports[-1][0] == 0
    for code, err in reports:
        assert code == 0 or ("another run-eval process" in err and err.count("\n") == 1), err
    records = read_journal(out / "samples.jsonl")[0]
    assert sorted(r["sample_id"] for r in records) == [f"s{i:03d}" for i in range(n)]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["cells"][0]["n_total"] == n
    assert max(calls_in(calls).values()) <= 2
