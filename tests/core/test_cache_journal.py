"""The cache and the journal survive damage: bad entries are dropped, never trusted."""

from __future__ import annotations

import logging
import multiprocessing
import sqlite3
from pathlib import Path

import pytest

from evals.cache import CACHE_FILE, ResponseCache
from evals.errors import InputError
from evals.journal import JournalWriter, latest, read_journal
from evals.records import OutputMedia, Response, Usage
from evals.rundata import SampleRecord, Status


def test_round_trip_with_usage_and_audio(tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path)
    spoken = OutputMedia(kind="audio", data=b"RIFF", mime="audio/wav", name="speech")
    cache.put("k", Response(text="hi", usage=Usage(input_tokens=3), model="m", outputs=[spoken], ttft_s=0.25))
    got = cache.get("k")
    assert got is not None and got.text == "hi" and got.usage.input_tokens == 3 and got.audio == b"RIFF"
    assert got.outputs == [spoken] and got.ttft_s == 0.25
    assert cache.get("other") is None and (cache.hits, cache.misses) == (1, 1)


def test_a_tampered_entry_is_dropped_with_a_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    cache = ResponseCache(tmp_path)
    cache.put("k", Response(text="right"))
    cache.close()
    conn = sqlite3.connect(tmp_path / CACHE_FILE)
    conn.execute("UPDATE responses SET value = ? WHERE key = 'k'", (b'{"text": "wrong"}',))
    conn.commit()
    conn.close()
    cache = ResponseCache(tmp_path)
    with caplog.at_level(logging.WARNING):
        assert cache.get("k") is None
    assert "damaged" in caplog.text and cache.dropped == 1 and len(cache) == 0


def test_a_corrupted_cache_file_is_moved_aside_and_rebuilt(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / CACHE_FILE).write_bytes(b"this is not a database" * 100)
    with caplog.at_level(logging.WARNING):
        cache = ResponseCache(tmp_path)
    assert "damaged" in caplog.text
    cache.put("k", Response(text="ok"))
    assert cache.get("k") is not None
    assert list(tmp_path.glob(f"{CACHE_FILE}.corrupt-*"))


def _writer(folder: str, worker: int) -> None:
    cache = ResponseCache(Path(folder))
    for i in range(200):
        cache.put(f"{worker}-{i}", Response(text=str(i)))
    cache.close()


def test_two_processes_share_a_cache(tmp_path: Path) -> None:
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_writer, args=(str(tmp_path), w)) for w in range(2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=60)
        assert w.exitcode == 0
    cache = ResponseCache(tmp_path)
    assert len(cache) == 400
    assert all(cache.get(f"{w}-{i}") is not None for w in range(2) for i in (0, 199))


def record(sample: str, status: Status = "ok") -> SampleRecord:
    return SampleRecord(task="t", backend="b", sample_id=sample, status=status)


def test_journal_appends_lines_and_the_last_record_wins(tmp_path: Path) -> None:
    writer = JournalWriter(tmp_path / "j.jsonl")
    writer.append(record("a", "error"))
    writer.append(record("b"))
    writer.append(record("a"))
    writer.close()
    records, _ = read_journal(tmp_path / "j.jsonl")
    assert len(records) == 3
    assert latest(records)[("t", "b", "a")].status == "ok"


def test_a_damaged_line_in_the_middle_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "j.jsonl"
    path.write_text(
        '{"task":"t","backend":"b","sample_id":"a","status":"ok"}\n{garbage\n'
        '{"task":"t","backend":"b","sample_id":"c","status":"ok"}\n'
    )
    with pytest.raises(InputError) as info:
        read_journal(path)
    assert info.value.line == 2


def test_writer_cuts_a_torn_tail_before_appending(tmp_path: Path) -> None:
    path = tmp_path / "j.jsonl"
    path.write_text('{"task":"t","backend":"b","sample_id":"a","status":"ok"}\n{"task":"t","back')
    writer = JournalWriter(path)
    writer.append(record("b"))
    writer.close()
    assert [r.sample_id for r in read_journal(path)[0]] == ["a", "b"]
