"""Helpers for backend tests: backends pointed at the fake provider, requests, and media."""

from __future__ import annotations

import asyncio
import io
import struct
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import soundfile
from PIL import Image
from records_support import latest, read_journal

from evals.backends.base import Backend, BackendConfig, backend_registry
from evals.config import RunConfig
from evals.media import Media
from evals.records import GenerationParams, MediaPart, Message, Request, TextPart
from evals.session import RunOptions, RunOutcome
from evals.testing.fake_provider import FakeProvider

T = TypeVar("T")
KEYS = {
    "OPENAI_API_KEY": "sk-test-openai-0123456789",
    "ANTHROPIC_API_KEY": "sk-ant-test-0123456789",
    "GEMINI_API_KEY": "gm-test-0123456789",
}


def base_url(fake: FakeProvider, backend_type: str) -> str:
    return fake.openai_url if backend_type.startswith("openai") else fake.url


def make_backend(fake: FakeProvider, backend_type: str, model: str | None = None, **fields: Any) -> Backend:
    data: dict[str, Any] = {
        "name": backend_type,
        "type": backend_type,
        "base_url": base_url(fake, backend_type),
    }
    if model:
        data["model"] = model
    data.update(fields)
    return backend_registry.get(backend_type)(BackendConfig.model_validate(data))


def run(backend: Backend, make: Callable[[], Awaitable[T]]) -> T:
    """Run one coroutine in a fresh loop, closing the backend's client in that same loop."""

    async def body() -> T:
        try:
            return await make()
        finally:
            await backend.aclose()

    return asyncio.run(body())


# --- media ------------------------------------------------------------------------------------


def png(width: int, height: int, color: tuple[int, int, int] = (10, 200, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buffer, format="PNG")
    return buffer.getvalue()


def bmp(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (1, 2, 3)).save(buffer, format="BMP")
    return buffer.getvalue()


def wav(seconds: float, rate: int = 16_000) -> bytes:
    buffer = io.BytesIO()
    frames = int(seconds * rate)
    soundfile.write(buffer, np.zeros(frames, dtype="float32"), rate, format="WAV", subtype="PCM_16")
    return buffer.getvalue()


def mp4(seconds: float, payload: int = 2048, seed: int = 0) -> bytes:
    """A playable MP4 of `seconds` (4 frames a second, 32×32, drawn with PIL and encoded with
    PyAV), padded with a `free` box of `payload` bytes that vary with `seed`: sizes and contents
    for upload tests, a real header for the sniffer, the estimate and the fake's token count."""
    from evals.generators.video_encode import encode_mp4

    frames = [
        Image.new("RGB", (32, 32), (seed * 37 % 255, i * 9 % 255, 90)) for i in range(round(seconds * 4))
    ]
    padding = bytes((seed + i) % 251 for i in range(payload))
    return encode_mp4(frames, 4, (32, 32)) + struct.pack(">I", 8 + len(padding)) + b"free" + padding


def image(data: bytes, path: str | None = None) -> Media:
    return Media("image", lambda: data, path=path)


def request(
    *parts: TextPart | MediaPart,
    sample: str = "s1",
    system: str | None = None,
    params: GenerationParams | None = None,
) -> Request:
    messages = [Message("system", (TextPart(system),))] if system else []
    messages.append(Message("user", tuple(parts)))
    return Request(
        task="t",
        sample_id=sample,
        messages=tuple(messages),
        params=params or GenerationParams(max_tokens=16, temperature=0.0, seed=1),
    )


def text(value: str) -> TextPart:
    return TextPart(value)


def media_part(kind: str, data: bytes, detail: str | None = None, path: str | None = None) -> MediaPart:
    return MediaPart(Media(kind, lambda: data, path=path), detail)  # type: ignore[arg-type]


# --- runs --------------------------------------------------------------------------------------


def write_task(folder: Path, n: int = 6, *, detail: str = "low", name: str = "pics") -> Path:
    """A JSONL task of `n` small images whose prompt carries the `[sample:ID]` marker."""
    import json

    data = folder / "data"
    data.mkdir(parents=True, exist_ok=True)
    rows = []
    for i in range(n):
        (data / f"img{i}.png").write_bytes(png(64, 32 + i, (i * 20 % 255, 0, 0)))
        rows.append(
            {"id": f"s{i:02d}", "image": f"img{i}.png", "question": f"Item {i}?", "answer": "fake answer"}
        )
    (data / "items.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    task = folder / f"{name}.yaml"
    task.write_text(
        f"name: {name}\n"
        "kind: custom\n"
        "dataset: {source: jsonl, path: data/items.jsonl, images: [image]}\n"
        "prompt:\n"
        "  parts:\n"
        f"    - {{image: image, detail: {detail}}}\n"
        '    - text: "{{ question }} [sample:{{ sample_id }}]"\n'
        "scorers: [exact_match]\n"
        "generation: {max_tokens: 8, temperature: 0}\n"
    )
    return task


def run_config(task: Path, backend: dict[str, Any], **fields: Any) -> RunConfig:
    return RunConfig.model_validate({"name": "t", "tasks": [str(task)], "backends": [backend], **fields})


def run_options(folder: Path, **fields: Any) -> RunOptions:
    return RunOptions(reports=folder / "reports", quiet=True, use_cache=False, **fields)


def journal(outcome: RunOutcome) -> dict[str, dict[str, Any]]:
    """The last journal line per sample id."""
    records, _ = read_journal(outcome.rundir.journal)
    return {r["sample_id"]: r for r in latest(records).values()}
