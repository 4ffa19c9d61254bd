"""Kill `run-eval run` with SIGKILL at chosen points and resume it, in one run directory.

Kill points are drawn by a seeded RNG: `lines` (once the journal reaches a drawn line count,
i.e. between and during journal writes), `time` (a drawn delay after requests start flowing)
and `report` (a drawn delay once the journal is complete, before report.html is rewritten).
After some kills the journal's last line is torn (a partial record, as a kill mid-write leaves)
and the cache's write-ahead log is cut short (a torn write) before the next resume.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crash_backend import calls_in
from records_support import read_journal

HERE = Path(__file__).parent
# summary.json fields that legitimately differ between a run killed and resumed and one that was
# not: `run_id` names the run's folder; `latency_s` are wall-clock timings; `cache_hits` and
# `spent_usd` count answers a resume took from the cache instead of the provider (an answer
# that arrived and was cached before a kill, but not yet journaled, is a cache hit on resume,
# so it is not paid again) — where the kills land decides them. Everything else must be equal.
EXCLUDED = ("run_id", "latency_s", "cache_hits", "spent_usd")


def comparable(summary: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in summary.items() if k not in EXCLUDED}
    out["cells"] = [{k: v for k, v in cell.items() if k not in EXCLUDED} for cell in summary["cells"]]
    return out


def write_run(
    folder: Path, n: int, delay_s: float, concurrency: int, errors: bool = True, hold_file: str = ""
) -> tuple[Path, Path]:
    """A text task of `n` samples and a run config with the scripted backend; (config, calls)."""
    data = folder / "data"
    data.mkdir(parents=True, exist_ok=True)
    rows = [{"id": f"s{i:03d}", "question": f"Item {i}?", "answer": f"a{i % 3}"} for i in range(n)]
    (data / "rows.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (folder / "crash.yaml").write_text(
        "name: crash\nkind: custom\n"
        "dataset: {source: jsonl, path: data/rows.jsonl}\n"
        'prompt:\n  parts:\n    - text: "{{ question }}"\n'
        "scorers: [exact_match]\n"
    )
    calls = folder / "calls.txt"
    config = folder / "run.yaml"
    config.write_text(
        "name: crash\ntasks: [crash.yaml]\nmax_error_rate: 0.5\nbackends:\n"
        f"  - {{name: scripted, type: 'crash_backend:Scripted', concurrency: {concurrency},\n"
        f"     options: {{calls_file: '{calls}', delay_s: {delay_s}, errors: {str(errors).lower()},\n"
        f"               hold_file: '{hold_file}'}}}}\n"
    )
    return config, calls


def child_env() -> dict[str, str]:
    path = os.pathsep.join(p for p in (str(HERE), os.environ.get("PYTHONPATH", "")) if p)
    return {**os.environ, "PYTHONPATH": path}


def journal_ids(path: Path) -> list[str]:
    return [r["sample_id"] for r in read_journal(path)[0]] if path.exists() else []


def line_count(path: Path) -> int:
    """Complete lines, cheaply (the test polls this while the child writes)."""
    try:
        return path.read_bytes().count(b"\n")
    except FileNotFoundError:
        return 0


@dataclass
class Kill:
    mode: str
    at_lines: int
    after_s: float
    torn_journal: bool = False
    torn_wal: bool = False
    in_report: bool = False  # summary.json was rewritten by this attempt, report.html not yet


@dataclass
class CrashLog:
    kills: list[Kill] = field(default_factory=list)
    completed_attempts: int = 0
    # After each kill: what was journaled, and how often each sample had been requested.
    checkpoints: list[tuple[set[str], Counter[str]]] = field(default_factory=list)
    stderr: list[str] = field(default_factory=list)


def launch(args: list[str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as sink:
        return subprocess.Popen(
            [sys.executable, "-m", "evals", *args], env=child_env(), stdout=sink, stderr=subprocess.STDOUT
        )


def kill_and_resume(
    config: Path, calls: Path, out: Path, cache: Path, n: int, kills: int, seed: int, deadline_s: float
) -> CrashLog:
    """Start the run, then kill and resume it until `kills` kills have landed; the last resume
    is left to finish."""
    rng = random.Random(seed)
    log = CrashLog()
    journal = out / "samples.jsonl"
    report = out / "report.html"
    started = time.monotonic()
    attempt = 0
    while len(log.kills) < kills:
        assert time.monotonic() - started < deadline_s, f"only {len(log.kills)} kills in {deadline_s} s"
        attempt += 1
        common = ["--cache-dir", str(cache), "--quiet"]
        args = (
            ["run", str(config), "--out", str(out), *common]
            if attempt == 1
            else ["run", "--resume", str(out), *common]
        )
        lines = line_count(journal)
        complete = len(set(journal_ids(journal))) >= n
        mode = "report" if complete else rng.choice(["lines", "time"])
        report_before = report.stat().st_mtime if report.exists() else None
        summary = out / "summary.json"
        summary_before = summary.stat().st_mtime if summary.exists() else None
        output = out.parent / f"attempt-{attempt}.log"
        process = launch(args, output)
        launched = time.monotonic()
        kill = Kill(mode, lines, 0.0)
        if mode == "lines":
            target = min(n, lines + rng.randint(1, 4))
            while process.poll() is None and line_count(journal) < target:
                time.sleep(0.002)
        elif mode == "time":
            while process.poll() is None and line_count(journal) <= lines:
                time.sleep(0.002)
            time.sleep(rng.uniform(0.0, 0.12))
        else:
            # Kill while the run finalizes: half the time before summary.json is rewritten (at a
            # drawn point of start-up), half the time after it and before report.html (which
            # takes seconds to draw), so both sides of the summary are hit whatever the load.
            if rng.random() < 0.5:
                pause = rng.uniform(0.3, 1.2)
                while process.poll() is None and time.monotonic() - launched < pause:
                    time.sleep(0.005)
            else:
                while process.poll() is None and _mtime(summary) == summary_before:
                    time.sleep(0.005)
                time.sleep(rng.uniform(0.0, 0.5))
            rewritten = report.exists() and report.stat().st_mtime != report_before
            if rewritten:  # the report was already written: this attempt cannot be killed in time
                process.wait(30)
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            process.wait(10)
            kill.after_s = time.monotonic() - launched
            kill.at_lines = line_count(journal)
            summary_now = summary.stat().st_mtime if summary.exists() else None
            report_now = report.stat().st_mtime if report.exists() else None
            kill.in_report = summary_now != summary_before and report_now == report_before
            if rng.random() < 0.3 and journal.exists():
                kill.torn_journal = tear_journal(journal, rng)
            wal = cache / "responses.sqlite-wal"
            if rng.random() < 0.5 and wal.exists() and wal.stat().st_size > 64:
                with wal.open("r+b") as handle:
                    handle.truncate(rng.randint(32, wal.stat().st_size - 1))
                kill.torn_wal = True
            log.kills.append(kill)
            log.checkpoints.append((set(journal_ids(journal)), calls_in(calls)))
        else:
            log.completed_attempts += 1
        log.stderr.append(output.read_text(errors="replace"))
        assert process.returncode in (0, -signal.SIGKILL), log.stderr[-1][-3000:]
    return log


def tear_journal(journal: Path, rng: random.Random) -> bool:
    """Leave a partial record at the end, as a kill in the middle of a write would."""
    records = read_journal(journal)[0]
    if not records:
        return False
    line = json.dumps(records[-1]).encode()
    with journal.open("ab") as handle:
        handle.write(line[: rng.randint(1, len(line) - 1)])
    return True


def _mtime(path: Path) -> float | None:
    return path.stat().st_mtime if path.exists() else None
