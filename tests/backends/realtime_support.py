"""Helpers for the realtime and cascade tests: spoken-question clips, a task over them, and a
fake provider that answers each sample with its reference (realtime, chat) or a transcript."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import numpy as np
import soundfile

from evals.testing.fake_provider import FakeRequest
from evals.testing.fake_provider.state import SAMPLE_MARKER

ANSWERS = ("Paris", "four", "blue", "seven", "Mars")


def clip(seconds: float, rate: int = 16_000, pitch: float = 180.0) -> bytes:
    """A WAV 'question': a quiet tone of `seconds` (the fake does not listen to it)."""
    t = np.arange(int(seconds * rate), dtype=np.float32) / rate
    buffer = io.BytesIO()
    soundfile.write(buffer, 0.1 * np.sin(2 * np.pi * pitch * t), rate, format="WAV", subtype="PCM_16")
    return buffer.getvalue()


def answer_for(sample: str) -> str:
    return ANSWERS[int(sample.lstrip("q")) % len(ANSWERS)]


def answer(request: FakeRequest) -> str:
    """Realtime and chat answer the sample's reference; transcription returns the question."""
    found = SAMPLE_MARKER.search(request.text)
    sample = found.group(1) if found else "q0"
    if request.endpoint == "transcriptions":
        return "what is the answer to question " + sample
    return answer_for(sample)


def write_spoken_task(folder: Path, n: int = 20, seconds: float = 0.3, name: str = "spoken") -> Path:
    """A JSONL task of `n` spoken questions (WAV) whose prompt carries the `[sample:ID]` marker."""
    data = folder / "data"
    data.mkdir(parents=True, exist_ok=True)
    rows: list[dict[str, Any]] = []
    for i in range(n):
        (data / f"q{i}.wav").write_bytes(clip(seconds, pitch=150.0 + 7 * i))
        rows.append({"id": f"q{i:02d}", "audio": f"q{i}.wav", "answer": answer_for(f"q{i}")})
    (data / "questions.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    task = folder / f"{name}.yaml"
    task.write_text(
        f"name: {name}\n"
        "kind: custom\n"
        "dataset: {source: jsonl, path: data/questions.jsonl, audio: [audio]}\n"
        "prompt:\n"
        "  parts:\n"
        "    - audio: audio\n"
        '    - text: "Answer the spoken question in one word. [sample:{{ sample_id }}]"\n'
        "scorers: [{name: exact_match, options: {case_sensitive: false}}]\n"
        "generation: {max_tokens: 64, temperature: 0}\n"
    )
    return task


def realtime_backend(url: str, name: str = "realtime", **options: Any) -> dict[str, Any]:
    settings = {k: options.pop(k) for k in list(options) if k in ("concurrency", "max_retries", "timeout")}
    return {
        "name": name,
        "type": "openai-realtime",
        "model": "gpt-realtime",
        "base_url": url,
        "max_retry_wait": 0.05,
        **settings,
        "options": options,
    }


def cascade_backend(url: str, name: str = "cascade") -> dict[str, Any]:
    return {
        "name": name,
        "type": "cascade",
        "max_retry_wait": 0.05,
        "options": {
            "asr": {"type": "openai-transcribe", "model": "whisper-1", "base_url": url},
            "chat": {"type": "openai", "model": "gpt-4o-mini", "base_url": url},
            "tts": {"type": "openai-tts", "model": "gpt-4o-mini-tts", "base_url": url},
        },
    }
