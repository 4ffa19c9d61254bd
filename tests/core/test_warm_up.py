"""A backend is warmed up (its SDK imported) once, before its first request is sent, and never
when the cache answers every request (a cached re-run does not pay for the SDK's import)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from counting_backend import CountingBackend

from evals.backends.base import BackendConfig
from evals.cache import ResponseCache
from evals.records import Message, Request, Sample, TextPart
from evals.runner.calls import Caller


class WarmCountingBackend(CountingBackend):
    def __init__(self, config: BackendConfig) -> None:
        super().__init__(config)
        self.events: list[str] = []

    def warm_up(self) -> None:
        self.events.append("warm")

    def _log(self, sample_id: str) -> None:
        self.events.append(f"send {sample_id}")
        super()._log(sample_id)


def _ask(caller: Caller, backend: WarmCountingBackend, ids: list[str]) -> list[bool]:
    async def all_of() -> list[bool]:
        found = []
        for sample_id in ids:
            request = Request(
                task="t", sample_id=sample_id, messages=(Message("user", (TextPart(sample_id),)),)
            )
            sample = Sample(id=sample_id, fields={}, targets=["x"])
            found.append((await caller.call(backend, request, sample)).cached)
        return found

    return asyncio.run(all_of())


def test_warm_up_runs_once_before_the_first_request_and_never_for_cache_hits(tmp_path: Path) -> None:
    first = WarmCountingBackend(BackendConfig(name="b", type="counting"))
    cache = ResponseCache(tmp_path / "cache")
    assert _ask(Caller({"b": first}, cache=cache), first, ["s1", "s2"]) == [False, False]
    assert first.events == ["warm", "send s1", "send s2"]

    again = WarmCountingBackend(BackendConfig(name="b", type="counting"))
    assert _ask(Caller({"b": again}, cache=cache), again, ["s1", "s2"]) == [True, True]
    assert again.events == []  # every answer from the cache: no warm-up, nothing sent
    assert _ask(Caller({"b": again}, cache=cache), again, ["s1", "s3"]) == [True, False]
    assert again.events == ["warm", "send s3"]
    cache.close()
