"""The process pool: separate worker processes, one model load per worker, a free event loop."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

import pytest
from engine_samples import LINES, make, media_request, needs, render_line, run

from evals.backends.base import Backend, BackendConfig
from evals.engines.backend import EngineBackend
from evals.engines.pocketsphinx import PocketSphinxBackend
from evals.engines.pool import EngineFailure, machine_workers
from evals.engines.tesseract import TesseractBackend

pytestmark = [pytest.mark.engines, needs("tesseract")]


def line_request(index: int) -> object:
    return media_request("image", render_line(LINES[index % len(LINES)]), {"text_layout": "line"})


async def stamps_of(backend: Backend, count: int) -> list[dict[str, float]]:
    responses = await asyncio.gather(*(backend.generate(line_request(i)) for i in range(count)))  # type: ignore[arg-type]
    return [stamp for r in responses for stamp in (r.raw or {})["workers"]]


def test_workers_are_separate_processes_that_load_the_model_once() -> None:
    backend = make(TesseractBackend, workers=2)
    try:
        first = run(stamps_of(backend, 8))
        second = run(stamps_of(backend, 4))  # a new event loop: the pool and its models remain
    finally:
        run(backend.aclose())
    pids = {s["worker_pid"] for s in first + second}
    assert len(pids) == 2 and os.getpid() not in pids
    assert {s["model_loads"] for s in first + second} == {1}  # loaded once per worker, never per sample


def test_the_event_loop_runs_while_engines_work() -> None:
    backend = make(TesseractBackend)

    async def ticks_during_work() -> int:
        work = asyncio.ensure_future(asyncio.gather(*(backend.generate(line_request(i)) for i in range(4))))  # type: ignore[arg-type]
        ticks = 0
        while not work.done():
            await asyncio.sleep(0.005)
            ticks += 1
        await work
        return ticks

    try:
        ticks = run(ticks_during_work())
    finally:
        run(backend.aclose())
    # Four OCR calls take well over 100 ms; a blocked loop would tick once or not at all.
    assert ticks >= 5


def test_pool_size_and_default_concurrency() -> None:
    backend = make(TesseractBackend)
    assert isinstance(backend, EngineBackend)
    assert backend.workers == machine_workers() == len(os.sched_getaffinity(0))
    assert backend.concurrency == backend.workers  # unset: the pool size
    chosen = TesseractBackend(BackendConfig(name="t", type="tesseract", concurrency=3))
    assert chosen.concurrency == 3  # a concurrency the config chose is kept
    small = make(TesseractBackend, workers=1)
    assert isinstance(small, EngineBackend)
    assert (small.workers, small.concurrency) == (1, 1)


def test_a_dead_worker_fails_one_sample_then_a_new_pool_starts() -> None:
    backend = make(TesseractBackend, workers=1)
    try:
        (stamp,) = run(stamps_of(backend, 1))
        os.kill(int(stamp["worker_pid"]), signal.SIGKILL)
        with pytest.raises(EngineFailure, match="worker process died"):
            run(stamps_of(backend, 1))
        (fresh,) = run(stamps_of(backend, 1))
    finally:
        run(backend.aclose())
    assert fresh["worker_pid"] != stamp["worker_pid"]


def test_a_model_that_cannot_load_fails_each_sample_with_the_reason(tmp_path: Path) -> None:
    (tmp_path / "empty-model").mkdir()
    backend = make(PocketSphinxBackend, hmm=str(tmp_path / "empty-model"), workers=1)
    backend.check()  # the folder exists: only loading it can tell
    try:
        with pytest.raises(EngineFailure, match="could not load its model"):
            run(backend.generate(media_request("audio", b"RIFF")))
    finally:
        run(backend.aclose())
