"""SIGKILL at ≥ 20 seeded random points — while requests are in flight, as journal lines are
written, during the final report — each followed by `run-eval run --resume`, in one run
directory; torn journal lines and a torn cache log are left behind on purpose. The finished
run's summary.json equals an uninterrupted run's (minus the fields in crash_support.EXCLUDED,
with the reason there); one journal line per sample; samples lost = 0; no journaled sample is
requested again; at most the requests in flight at a kill are sent twice. Then the cache is
damaged (tampered entries, a smashed file): each damage is detected with a warning, never
trusted, and the results stay the same.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from crash_backend import calls_in
from crash_support import child_env, comparable, kill_and_resume, write_run
from records_support import read_journal

from evals.cache import CACHE_FILE

CONCURRENCY = 4


def run_to_end(args: list[str]) -> subprocess.CompletedProcess[str]:
    process = subprocess.run(
        [sys.executable, "-m", "evals", *args], env=child_env(), capture_output=True, text=True, timeout=120
    )
    assert process.returncode == 0, process.stderr[-3000:]
    return process


def summary_cell(folder: Path) -> dict[str, int]:
    cell: dict[str, int] = json.loads((folder / "summary.json").read_text())["cells"][0]
    return cell


def summary_of(folder: Path) -> dict[str, object]:
    data: dict[str, object] = json.loads((folder / "summary.json").read_text())
    return data


def crash_and_compare(tmp_path: Path, n: int, kills: int, seed: int, deadline_s: float) -> None:
    config, calls = write_run(tmp_path, n, delay_s=0.06, concurrency=CONCURRENCY)
    out, cache = tmp_path / "crashed", tmp_path / "cache"
    log = kill_and_resume(config, calls, out, cache, n, kills, seed, deadline_s)
    final = run_to_end(["run", "--resume", str(out), "--cache-dir", str(cache), "--quiet"])

    modes = [k.mode for k in log.kills]
    in_report = sum(k.in_report for k in log.kills)
    print(
        {m: modes.count(m) for m in set(modes)},
        "in report",
        in_report,
        "torn journal",
        sum(k.torn_journal for k in log.kills),
        "torn wal",
        sum(k.torn_wal for k in log.kills),
    )
    assert len(log.kills) >= kills
    assert {"lines", "time", "report"} <= set(modes), modes
    assert any(k.torn_journal for k in log.kills), "a torn journal line was left at least once"
    assert any(k.torn_wal for k in log.kills), "a torn cache log was left at least once"
    assert sum(k.mode != "report" and k.at_lines < n for k in log.kills) >= 5, "kills during requests"
    assert in_report >= 3, "kills after summary.json, before report.html"

    # Lost = 0: one complete journal line per sample, the run marked finished.
    records, _ = read_journal(out / "samples.jsonl")
    ids = [r["sample_id"] for r in records]
    assert sorted(ids) == [f"s{i:03d}" for i in range(n)], "one line per sample, none lost"
    run = json.loads((out / "run.json").read_text())
    statuses = [a["status"] for a in run["attempts"]]
    assert run["status"] == "finished" and statuses[-1] == "finished"
    assert 0 < statuses.count("killed") <= len(log.kills) and "running" not in statuses
    assert (out / "report.html").exists() and (out / "samples.parquet").exists()

    # Paid once: a sample journaled before a kill is never requested again; the requests sent
    # twice are at most those in flight at the kills that landed during requests.
    calls_end = calls_in(calls)
    for journaled, calls_then in log.checkpoints:
        again = [s for s in journaled if calls_end[s] != calls_then[s]]
        assert not again, f"journaled samples requested again: {again}"
    during = sum(1 for k in log.kills if k.mode != "report")
    extra = sum(calls_end.values()) - n
    assert 0 <= extra <= during * CONCURRENCY, (extra, during)

    # The same numbers as a run that was never interrupted (its own, fresh cache).
    reference = tmp_path / "reference"
    run_to_end(
        ["run", str(config), "--out", str(reference), "--cache-dir", str(tmp_path / "cache-ref"), "--quiet"]
    )
    assert comparable(summary_of(out)) == comparable(summary_of(reference))
    assert "Traceback" not in "".join(log.stderr) + final.stderr

    damage_the_cache(tmp_path, config, calls, cache, comparable(summary_of(reference)))


def damage_the_cache(
    tmp_path: Path, config: Path, calls: Path, cache: Path, expected: dict[str, object]
) -> None:
    """Tampered entries are dropped with a warning and asked again; a smashed cache file is
    moved aside and rebuilt with a warning; either way the results do not change."""
    conn = sqlite3.connect(cache / CACHE_FILE)
    cached = int(conn.execute("SELECT count(*) FROM responses").fetchone()[0])
    keys = [k for (k,) in conn.execute("SELECT key FROM responses ORDER BY key LIMIT 5")]
    conn.executemany("UPDATE responses SET value = ? WHERE key = ?", [(b'{"text":"a0"}', k) for k in keys])
    conn.commit()
    conn.close()
    before = calls_in(calls)
    again = run_to_end(
        ["run", str(config), "--out", str(tmp_path / "tampered"), "--cache-dir", str(cache), "--quiet"]
    )
    asked = calls_in(calls) - before
    assert again.stderr.count("is damaged") == len(keys), again.stderr
    refused = [s for s in asked if int(s.lstrip("s")) % 11 == 0]  # errors are never cached
    scored = summary_cell(tmp_path / "tampered")["n_scored"]
    # Asked again: the tampered entries, the errors, and answers a torn cache log lost.
    assert sum(asked.values()) == len(keys) + len(refused) + (scored - cached)
    assert all(asked[s] == 1 for s in asked)
    assert comparable(summary_of(tmp_path / "tampered")) == expected

    path = cache / CACHE_FILE
    for suffix in ("-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    data = bytearray(path.read_bytes())
    data[:100] = b"\x00garbage" * 12 + b"\x00" * 4
    path.write_bytes(bytes(data))
    smashed = run_to_end(
        ["run", str(config), "--out", str(tmp_path / "smashed"), "--cache-dir", str(cache), "--quiet"]
    )
    assert "is damaged" in smashed.stderr and "rebuilt" in smashed.stderr, smashed.stderr
    assert list(cache.glob(f"{CACHE_FILE}.corrupt-*"))
    assert comparable(summary_of(tmp_path / "smashed")) == expected


@pytest.mark.slow  # 20 kills and resumes, ~1 min: pytest -m slow
def test_sigkill_at_20_random_points_then_resume_equals_an_uninterrupted_run(tmp_path: Path) -> None:
    crash_and_compare(tmp_path, n=60, kills=20, seed=2026, deadline_s=70)


@pytest.mark.soak
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_sigkill_at_40_random_points_more_seeds(tmp_path: Path, seed: int) -> None:
    crash_and_compare(tmp_path, n=120, kills=40, seed=seed, deadline_s=240)
