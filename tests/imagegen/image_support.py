"""Helpers for image-generation tests: score inputs, scorer runs, PNG bytes."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Mapping
from typing import Any

from PIL import Image

from evals.records import Request, Response
from evals.scoring import MediaItem, SampleScore, ScoreInput, Scorer, ScoringContext


def png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def item(data: bytes, name: str | None = None) -> MediaItem:
    return MediaItem("image", "image/png", None, name, lambda: data)


def score_input(
    output: bytes | None,
    *,
    inputs: Mapping[str, bytes] | None = None,
    targets: list[str] | None = None,
    metadata: Mapping[str, Any] | None = None,
    sample_id: str = "s1",
    prompt: str | None = None,
    backend: str = "b",
) -> ScoreInput:
    return ScoreInput(
        task="t",
        backend=backend,
        sample_id=sample_id,
        prediction="",
        targets=targets or [],
        metadata=dict(metadata or {}),
        outputs=[item(output, "image")] if output is not None else [],
        inputs=[item(data, name) for name, data in (inputs or {}).items()],
        prompt=prompt if prompt is not None else f"prompt of {sample_id}",
    )


class ScriptedCaller:
    """A judge caller that answers every request with a fixed text, keeping the requests."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.requests: list[tuple[str, Request]] = []

    async def __call__(self, backend: str, request: Request) -> Response:
        self.requests.append((backend, request))
        return Response(text=self.text)


def evaluate(scorer: Scorer, inputs: ScoreInput, caller: Any = None) -> SampleScore:
    return asyncio.run(scorer.evaluate(inputs, ScoringContext(caller=caller)))
