"""A deterministic test backend for crash tests, loaded by path (`crash_backend:Scripted`) in
the `run-eval` child process: it answers after a short wait, logs every call to a file (so the
test can count requests across processes), and answers by the sample's number: most right,
every 7th wrong, every 11th a final `bad_request` error. While `hold_file` exists, answers wait
(at most a minute), so a test can keep a run holding its lock for as long as it needs."""

from __future__ import annotations

import asyncio
import fcntl
import time
from collections import Counter
from pathlib import Path

from evals.backends.base import Backend, BackendOptions
from evals.records import ErrorInfo, Request, Response, Sample, Usage


class ScriptedOptions(BackendOptions):
    calls_file: str
    delay_s: float = 0.05
    errors: bool = True  # every 11th sample answers a final error
    hold_file: str = ""  # while this file exists, answers wait


class Scripted(Backend):
    type_name = "scripted"
    kind = "provider"
    modalities = frozenset({"text", "image", "audio", "video"})
    Options = ScriptedOptions
    options: ScriptedOptions

    async def answer(self, request: Request, sample: Sample) -> Response:
        with Path(self.options.calls_file).open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            handle.write(sample.id + "\n")
        await asyncio.sleep(self.options.delay_s)
        held_until = time.monotonic() + 60
        while (
            self.options.hold_file and Path(self.options.hold_file).exists() and time.monotonic() < held_until
        ):
            await asyncio.sleep(0.02)
        number = int(sample.id.lstrip("s"))
        if self.options.errors and number % 11 == 0:
            return Response(error=ErrorInfo(kind="bad_request", message="scripted refusal", retryable=False))
        text = "wrong" if number % 7 == 0 else sample.targets[0]
        return Response(text=text, usage=Usage(input_tokens=20 + number, output_tokens=2))

    async def generate(self, request: Request) -> Response:
        raise NotImplementedError

    def cost(self, usage: Usage) -> float | None:
        return 0.001 * (usage.input_tokens or 0) / 20


def calls_in(path: Path) -> Counter[str]:
    if not path.exists():
        return Counter()
    return Counter(line for line in path.read_text().splitlines() if line)
