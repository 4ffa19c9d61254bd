"""In-process backends and a generator for the benchmarks (loaded by `module:Class` path)."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
from PIL import Image

from evals.backends.base import Backend, BackendOptions
from evals.generators import Generator, GeneratorParams
from evals.records import Request, Response, Sample, Usage


class SleepOptions(BackendOptions):
    latency_s: float = 0.0


class SleepBackend(Backend):
    """Waits `latency_s` then answers the reference: a provider with a fixed latency, in-process."""

    type_name = "sleep"
    modalities = frozenset({"text", "image", "audio"})
    Options = SleepOptions
    options: SleepOptions
    calls = 0

    async def answer(self, request: Request, sample: Sample) -> Response:
        SleepBackend.calls += 1
        if self.options.latency_s:
            await asyncio.sleep(self.options.latency_s)
        return Response(text=sample.targets[0], usage=Usage(input_tokens=100, output_tokens=2))

    async def generate(self, request: Request) -> Response:
        raise NotImplementedError

    def cost(self, usage: Usage) -> float | None:
        return 0.0


class NoiseParams(GeneratorParams):
    size: int = 512


class NoiseImages(Generator):
    """Random 8×8-pixel blocks as RGB PNGs (≈ 21 KB at 512×512), rendered on demand."""

    name = "noise_images"
    columns = ("id", "image", "question", "answer")
    Params = NoiseParams
    params: NoiseParams

    def rows(self, n: int, seed: int) -> Iterator[dict[str, Any]]:
        size = self.params.size
        for i in range(n):
            yield {
                "id": f"n{i}",
                "image": _renderer(seed, i, size),
                "question": f"What is {i}?",
                "answer": "x",
            }


def _renderer(seed: int, i: int, size: int) -> Callable[[], bytes]:
    def render() -> bytes:
        blocks = np.random.default_rng([seed, i]).integers(0, 256, (size // 8, size // 8, 3), dtype=np.uint8)
        buffer = io.BytesIO()
        Image.fromarray(blocks.repeat(8, axis=0).repeat(8, axis=1)).save(buffer, format="PNG")
        return buffer.getvalue()

    return render
