"""Built-in video tasks through the real runner against the fake provider, on every vision
backend: frames as images (each after its timestamp) for OpenAI Chat and Responses, Anthropic
and OpenAI-compatible servers; the file itself for Gemini. The fake counts the parts of every
request it receives; the counts equal the sampling plan."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("av")

from backend_support import journal, run_options
from video_support import broken_files

from evals.config import RunConfig
from evals.session import start_run
from evals.testing.fake_provider import FakeProvider

ROOT = Path(__file__).resolve().parents[2]
TASKS = ROOT / "tasks"


def backends(fake: FakeProvider) -> list[dict[str, Any]]:
    openai = {"base_url": fake.openai_url}
    return [
        {"name": "gpt", "type": "openai", "model": "gpt-4o", **openai},
        {
            "name": "gpt-responses",
            "type": "openai",
            "model": "gpt-4o",
            "options": {"api": "responses"},
            **openai,
        },
        {"name": "claude", "type": "anthropic", "model": "claude-haiku-4-5", "base_url": fake.url},
        {"name": "gemini", "type": "gemini", "model": "gemini-2.5-flash", "base_url": fake.url},
        {"name": "llava", "type": "openai-compatible", "model": "llava", **openai},
    ]


def config(tasks: list[Path], backends: list[dict[str, Any]], **fields: Any) -> RunConfig:
    return RunConfig.model_validate(
        {"name": "video", "tasks": [str(t) for t in tasks], "backends": backends, "limit": 3, **fields}
    )


def test_a_builtin_video_task_runs_on_every_backend_with_the_planned_frames(
    fake: FakeProvider, tmp_path: Path
) -> None:
    tasks = [TASKS / "video-motion-direction.yaml", TASKS / "video-box-counting.yaml"]
    outcome = start_run(config(tasks, backends(fake)), ROOT, run_options(tmp_path))
    lines = journal(outcome)
    assert outcome.summary is not None
    for cell in outcome.summary.cells:
        assert cell.n_errors == 0 and cell.n_total == 3, (cell.task, cell.backend)
    hits = fake.state.snapshot()
    by_endpoint = Counter((h.provider, h.endpoint) for h in hits)
    # 2 tasks × 3 samples: openai chat twice (gpt and llava), Responses, Anthropic, Gemini.
    assert by_endpoint == {
        ("openai", "chat"): 12,
        ("openai", "responses"): 6,
        ("anthropic", "messages"): 6,
        ("gemini", "generateContent"): 6,
    }
    # frames: 6 over a 3 s clip; fps: 2 over a 6 s clip = 12 frames. Gemini gets the file.
    images = Counter((h.endpoint, h.images, h.videos) for h in hits)
    assert images == {
        ("chat", 6, 0): 6,
        ("chat", 12, 0): 6,
        ("responses", 6, 0): 3,
        ("responses", 12, 0): 3,
        ("messages", 6, 0): 3,
        ("messages", 12, 0): 3,
        ("generateContent", 0, 1): 6,
    }
    assert all(h.outcome == "ok" for h in hits)
    assert lines  # journaled


def test_frames_carry_their_timestamps_and_the_decode_is_shared(fake: FakeProvider, tmp_path: Path) -> None:
    seen: list[str] = []

    def answer(request: Any) -> str:
        seen.append(request.text)
        return "A"

    fake.answer = answer
    task = TASKS / "video-motion-direction.yaml"
    two = [b for b in backends(fake) if b["name"] in ("gpt", "claude")]
    start_run(config([task], two, limit=1), ROOT, run_options(tmp_path))
    assert len(seen) == 2
    for text in seen:  # frames: 6 over 3 s: centres of six half-second spans
        for stamp in ("[0:00.2]", "[0:00.8]", "[0:01.2]", "[0:01.8]", "[0:02.2]", "[0:02.8]"):
            assert stamp in text


def test_the_single_middle_frame_ablation_sends_one_frame(fake: FakeProvider, tmp_path: Path) -> None:
    """A backend's own `video:` changes win over the task's plan: {frames: 1} is the ablation."""
    task = TASKS / "video-box-counting.yaml"
    both = [
        {"name": "gpt", "type": "openai", "model": "gpt-4o", "base_url": fake.openai_url},
        {
            "name": "gpt-middle-frame",
            "type": "openai",
            "model": "gpt-4o",
            "base_url": fake.openai_url,
            "video": {"frames": 1},
        },
    ]
    outcome = start_run(config([task], both), ROOT, run_options(tmp_path))
    assert outcome.summary is not None and all(c.n_errors == 0 for c in outcome.summary.cells)
    assert sorted(h.images for h in fake.state.snapshot()) == [1, 1, 1, 12, 12, 12]


def test_every_bad_video_is_a_per_sample_media_error(fake: FakeProvider, tmp_path: Path) -> None:
    import json

    names = broken_files(tmp_path / "data")
    rows = [{"id": name, "video": file, "answer": "A"} for name, file in names.items()]
    (tmp_path / "data" / "rows.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    task = tmp_path / "clips.yaml"
    task.write_text(
        "name: clips\nkind: custom\n"
        "dataset: {source: jsonl, path: data/rows.jsonl, video: [video]}\n"
        "prompt:\n  parts:\n    - {video: video, frames: 4}\n    - text: What happens?\n"
        "scorers: [exact_match]\n"
    )
    chosen = [b for b in backends(fake) if b["name"] in ("gpt", "gemini")]
    outcome = start_run(config([task], chosen, limit=None, max_error_rate=1.0), ROOT, run_options(tmp_path))
    lines = journal(outcome)
    assert lines["good"]["status"] == "ok"
    for name in ("truncated", "zero-length", "ten-hour-header", "unsupported-codec", "garbage"):
        assert lines[name]["status"] == "error" and lines[name]["error"]["kind"] == "media", name
    # Nothing broken was sent: one request per backend, for the good file only.
    assert len(fake.state.snapshot()) == 2
