"""The fault soak: every real SDK backend against the fake provider with injected faults, and
the books that prove nothing was lost, paid twice or scored when it failed.

One run holds one task per backend (sample ids carry the backend's prefix, so the server counts
each backend's samples apart). Used by tests/reliability/test_soak.py (small count, and the full
count behind `-m soak`) and by benchmarks/bench_soak.py.
"""

from __future__ import annotations

import io
import json
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import soundfile
from records_support import latest, read_journal

from evals.config import RunConfig
from evals.session import RunOptions, RunOutcome, start_run
from evals.testing.fake_provider import FakeConfig, FakeRequest, Hit

KEYS = {
    "OPENAI_API_KEY": "sk-soak-openai-0123456789",
    "ANTHROPIC_API_KEY": "sk-ant-soak-0123456789",
    "GEMINI_API_KEY": "gm-soak-0123456789",
}

# The fault mix of the issue: 10% 429 with Retry-After, 5% 500/503, 2% hangs past the
# backend's timeout, 1% dropped connections, 1% malformed bodies (each drawn per request).
MAX_RETRIES = 4
# Hangs last HANG_S, far past the timeout. An answer takes ms, but under full load (five SDKs
# and the fake server in one process on two shared cores) one can take seconds; the server
# labels an answer it finished after the client gave up "late" (never received, so asking again
# is not paying twice), and the timeout leaves room for the slow ones.
TIMEOUT_S = 8.0
HANG_S = 30.0
RETRY_AFTER_S = 0.05


def soak_faults(seed: int = 7) -> FakeConfig:
    return FakeConfig(
        seed=seed,
        rate_limit=0.10,
        server_error=0.025,
        unavailable=0.025,
        hang=0.02,
        drop=0.01,
        malformed=0.01,
        retry_after_s=RETRY_AFTER_S,
        hang_s=HANG_S,
    )


# Every error a fault can end in (the last request's outcome → the journal's error kind).
KIND_OF_FAULT = {
    "429": "rate_limit",
    "500": "server",
    "503": "server",
    "529": "server",
    "hang": "timeout",
    "late": "timeout",  # an answer the server finished after the client had given up
    "drop": "connection",
    "malformed": "bad_response",
    "empty": "bad_response",
    "400": "bad_request",
    "401": "auth",
    "403": "permission",
    "404": "not_found",
}
# Final (never retried) client errors, scripted onto a few samples of every backend, and what
# each message must say to fix it.
FINAL_FAULTS = {"400": "bad_request", "401": "auth", "403": "permission", "404": "not_found"}


@dataclass(frozen=True)
class SoakBackend:
    """One backend of the soak: its config (URL filled in later) and the media its task sends."""

    name: str
    type: str
    model: str
    media: str  # "image" or "audio"
    key_env: str | None
    options: dict[str, Any] = field(default_factory=dict)

    def config(self, server_url: str) -> dict[str, Any]:
        url = f"{server_url}/v1" if self.type.startswith("openai") else server_url
        return {
            "name": self.name,
            "type": self.type,
            "model": self.model,
            "base_url": url,
            "concurrency": 32,
            "timeout": TIMEOUT_S,
            "max_retries": MAX_RETRIES,
            "max_retry_wait": 0.1,
            "tasks": [self.name],
            "options": self.options,
        }


BACKENDS = (
    SoakBackend("openai", "openai", "gpt-4o-mini", "image", "OPENAI_API_KEY"),
    SoakBackend("anthropic", "anthropic", "claude-haiku-4-5", "image", "ANTHROPIC_API_KEY"),
    SoakBackend("gemini", "gemini", "gemini-2.5-flash", "image", "GEMINI_API_KEY"),
    SoakBackend("openai-compatible", "openai-compatible", "llava-test", "image", None, {"free": True}),
    SoakBackend(
        "openai-transcribe",
        "openai-transcribe",
        "whisper-1",
        "audio",
        "OPENAI_API_KEY",
        {"prompt_from_text": True},
    ),
)


def sample_ids(backend: str, n: int) -> list[str]:
    return [f"{backend}-{i:05d}" for i in range(n)]


def expected_answer(sample_id: str) -> str:
    """The fake model answers every fifth sample wrong: scores are not all 1."""
    return "no" if int(sample_id.rsplit("-", 1)[1]) % 5 == 0 else "yes"


def answer(request: FakeRequest) -> str:
    return expected_answer(request.sample) if "-" in request.sample else "fake answer"


def _png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (24, 16), (30, 120, 200)).save(buffer, format="PNG")
    return buffer.getvalue()


def _wav() -> bytes:
    buffer = io.BytesIO()
    soundfile.write(buffer, np.zeros(1600, dtype="float32"), 16_000, format="WAV", subtype="PCM_16")
    return buffer.getvalue()


def write_task(folder: Path, backend: SoakBackend, n: int) -> Path:
    """A JSONL task of `n` samples sharing one small media file; the reference is always "yes"."""
    data = folder / backend.name
    data.mkdir(parents=True, exist_ok=True)
    media_file = "clip.wav" if backend.media == "audio" else "pic.png"
    (data / media_file).write_bytes(_wav() if backend.media == "audio" else _png())
    lines = [
        json.dumps({"id": sid, "media": media_file, "q": f"Is it blue? [sample:{sid}]", "answer": "yes"})
        for sid in sample_ids(backend.name, n)
    ]
    (data / "rows.jsonl").write_text("\n".join(lines) + "\n")
    listing = "audio" if backend.media == "audio" else "images"
    task = folder / f"{backend.name}.yaml"
    task.write_text(
        f"name: {backend.name}\n"
        "kind: custom\n"
        f"dataset: {{source: jsonl, path: {backend.name}/rows.jsonl, {listing}: [media]}}\n"
        "prompt:\n"
        "  parts:\n"
        f"    - {{{backend.media}: media}}\n"
        '    - text: "{{ q }}"\n'
        "scorers: [exact_match]\n"
        "generation: {max_tokens: 4, temperature: 0}\n"
    )
    return task


def soak_config(folder: Path, server_url: str, n: int, backends: tuple[SoakBackend, ...]) -> RunConfig:
    tasks = [str(write_task(folder, b, n)) for b in backends]
    return RunConfig.model_validate(
        {
            "name": "soak",
            "tasks": tasks,
            "backends": [b.config(server_url) for b in backends],
            "max_error_rate": 0.05,
        }
    )


def script_final_faults(script: dict[str, list[str]], backends: tuple[SoakBackend, ...]) -> None:
    """Samples 1..4 of every backend answer 400, 401, 403, 404 on their first request."""
    for backend in backends:
        for index, fault in enumerate(FINAL_FAULTS, start=1):
            script[f"{backend.name}-{index:05d}"] = [fault]


# --- the books --------------------------------------------------------------------------------


@dataclass
class BackendBooks:
    """What one backend's samples did, from the server's counts and the journal."""

    name: str
    samples: int  # in the dataset
    journaled: int = 0
    scored: int = 0
    errors: Counter[str] = field(default_factory=Counter)  # error kind → samples
    requests: int = 0
    faults: Counter[str] = field(default_factory=Counter)  # outcome served → requests
    duplicates: int = 0  # samples whose successful answer was requested again
    over_bound: int = 0  # samples with more than max_retries + 1 requests
    max_requests: int = 0
    attempts_mismatch: int = 0  # journal attempts ≠ the server's count
    kind_mismatch: int = 0  # error kind ≠ the last fault served
    scored_errors: int = 0  # errors that carry a score or a prediction
    final_retried: int = 0  # 400/401/403/404 asked more than once

    @property
    def lost(self) -> int:
        return self.samples - self.journaled

    @property
    def retries(self) -> int:
        return self.requests - self.journaled

    @property
    def error_rate(self) -> float:
        return sum(self.errors.values()) / self.journaled if self.journaled else 0.0


def books(
    hits: list[Hit], outcome: RunOutcome, n: int, backends: tuple[SoakBackend, ...]
) -> dict[str, BackendBooks]:
    records, _ = read_journal(outcome.rundir.journal)
    final = latest(records)
    by_sample: dict[str, list[Hit]] = {}
    for hit in hits:
        by_sample.setdefault(hit.sample, []).append(hit)
    out: dict[str, BackendBooks] = {}
    for backend in backends:
        entry = BackendBooks(backend.name, n)
        for sid in sample_ids(backend.name, n):
            record = final.get((backend.name, backend.name, sid))
            served = sorted(by_sample.get(sid, []), key=lambda h: h.attempt)
            entry.requests += len(served)
            entry.faults.update(h.outcome for h in served)
            entry.max_requests = max(entry.max_requests, len(served))
            entry.over_bound += len(served) > MAX_RETRIES + 1
            entry.duplicates += sum(h.outcome == "ok" for h in served) > 1
            if record is None:
                continue
            entry.journaled += 1
            entry.attempts_mismatch += record["attempts"] != len(served)
            if record["status"] == "ok":
                entry.scored += 1
                entry.kind_mismatch += not served or served[-1].outcome != "ok"
                continue
            kind = record["error"]["kind"]
            entry.errors[kind] += 1
            entry.scored_errors += bool(record["scores"]) or record["prediction"] is not None
            last = served[-1].outcome if served else None
            entry.kind_mismatch += KIND_OF_FAULT.get(last or "") != kind
            if last in FINAL_FAULTS:
                entry.final_retried += len(served) != 1
        out[backend.name] = entry
    return out


@dataclass
class SoakResult:
    outcome: RunOutcome
    books: dict[str, BackendBooks]
    wall_s: float


def run_soak(
    folder: Path,
    server_url: str,
    n: int,
    hits: Any,
    backends: tuple[SoakBackend, ...] = BACKENDS,
) -> SoakResult:
    """Run the soak once; `hits()` returns what the server saw (after the run)."""
    config = soak_config(folder / "tasks", server_url, n, backends)
    options = RunOptions(reports=folder / "reports", quiet=True, use_cache=False)
    started = time.perf_counter()
    outcome = start_run(config, folder, options)
    wall = time.perf_counter() - started
    return SoakResult(outcome, books(hits(), outcome, n, backends), wall)


def table(result: SoakResult) -> list[str]:
    """The soak's figures as a Markdown table (one row per backend)."""
    faults = ("429", "500", "503", "hang", "late", "drop", "malformed", "400", "401", "403", "404")
    head = ["backend", "samples", "requests", *faults, "retries", "max req/sample", "scored"]
    head += ["errors by kind (rate)", "lost", "duplicates", "wall s"]
    lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    for entry in result.books.values():
        errors = ", ".join(f"{k} {v} ({v / entry.journaled:.2%})" for k, v in sorted(entry.errors.items()))
        cells = [entry.name, entry.samples, entry.requests, *(entry.faults.get(f, 0) for f in faults)]
        cells += [entry.retries, entry.max_requests, entry.scored, errors or "none", entry.lost]
        cells += [entry.duplicates, f"{result.wall_s:.1f}"]
        lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    return lines
