"""A test backend that counts its calls (in memory and, across processes, in a file)."""

from __future__ import annotations

import asyncio
import fcntl
from collections import Counter
from pathlib import Path
from typing import ClassVar

from evals.backends.base import Backend, BackendOptions
from evals.records import ErrorInfo, Request, Response, Sample, Usage


class CountingOptions(BackendOptions):
    calls_file: str | None = None
    delay_s: float = 0.0
    answer: str = "reference"  # "reference" answers the first target; anything else is said as is
    fail_first: int = 0  # fail this many attempts per sample before answering
    fail_kind: str = "rate_limit"
    fail_message: str = "injected failure"
    retry_after: float | None = None
    cost_per_call: float | None = 0.0
    cacheable: bool = True


class CountingBackend(Backend):
    type_name = "counting"
    kind = "provider"
    modalities = frozenset({"text", "image", "audio", "video"})
    calls: ClassVar[Counter[str]] = Counter()
    options: CountingOptions
    Options = CountingOptions

    @property
    def cacheable(self) -> bool:  # type: ignore[override]
        return self.options.cacheable

    def _log(self, sample_id: str) -> None:
        CountingBackend.calls[sample_id] += 1
        if self.options.calls_file:
            with Path(self.options.calls_file).open("a") as handle:
                fcntl.flock(handle, fcntl.LOCK_EX)
                handle.write(sample_id + "\n")

    async def answer(self, request: Request, sample: Sample) -> Response:
        self._log(sample.id)
        if self.options.delay_s:
            await asyncio.sleep(self.options.delay_s)
        if CountingBackend.calls[sample.id] <= self.options.fail_first:
            retryable = self.options.fail_kind in ("rate_limit", "server", "timeout", "connection")
            return Response(
                error=ErrorInfo(
                    kind=self.options.fail_kind,  # type: ignore[arg-type]
                    message=self.options.fail_message,
                    retryable=retryable,
                    retry_after=self.options.retry_after,
                )
            )
        text = sample.targets[0] if self.options.answer == "reference" else self.options.answer
        return Response(text=text, usage=Usage(input_tokens=10, output_tokens=2))

    async def generate(self, request: Request) -> Response:
        raise NotImplementedError

    def cost(self, usage: Usage) -> float | None:
        return self.options.cost_per_call


def calls_in(path: Path) -> Counter[str]:
    if not path.exists():
        return Counter()
    return Counter(line for line in path.read_text().splitlines() if line)
