"""`--dry-run` on the video tasks: tokens and dollars per backend, against hand calculations of
each provider's rule (docs/cost.md), and the warning naming the task whose video dominates."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

pytest.importorskip("av")

from evals.backends import _tokens
from evals.config import RunConfig
from evals.estimate import estimate_plan, video_warning
from evals.plan import make_plan

ROOT = Path(__file__).resolve().parents[2]
TASK = ROOT / "tasks" / "video-motion-direction.yaml"  # frames: 6 of a 3 s, 128×96 clip
N = 3

BACKENDS = [
    {"name": "gpt-4o", "type": "openai", "model": "gpt-4o"},
    {"name": "gpt-4o-mini", "type": "openai", "model": "gpt-4o-mini"},
    {"name": "claude", "type": "anthropic", "model": "claude-haiku-4-5"},
    {"name": "gemini", "type": "gemini", "model": "gemini-2.5-flash"},
    {"name": "gemini-frames", "type": "gemini", "model": "gemini-2.5-flash", "video": {"send": "frames"}},
    {"name": "llava", "type": "openai-compatible", "model": "llava", "base_url": "http://127.0.0.1:9/v1"},
]

# Per sample, by hand from each provider's published rule (docs/cost.md):
VIDEO_TOKENS = {
    # OpenAI gpt-4o tile rule, detail unset (high): 128×96 fits one 512-px tile: 85 + 170 = 255
    "gpt-4o": 6 * (85 + 170),
    # gpt-4o-mini's own tile constants: 2833 + 5667 per tile
    "gpt-4o-mini": 6 * (2833 + 5667),
    # Anthropic: ceil(128 × 96 / 750) = ceil(16.38) = 17 a frame
    "claude": 6 * 17,
    # Gemini, the file itself: 3 s × 263 a second (no audio track)
    "gemini": 3 * 263,
    # Gemini, as frames: each frame ≤ 384 px a side is one 258-token tile
    "gemini-frames": 6 * 258,
    # An OpenAI-compatible server: OpenAI's rule as a stand-in
    "llava": 6 * (85 + 170),
}
PRICES = {  # $ per million input / output tokens (configs/pricing.yaml)
    "gpt-4o": (2.50, 10.00),
    "gpt-4o-mini": (0.15, 0.60),
    "claude": (1.00, 5.00),
    "gemini": (0.30, 2.50),
    "gemini-frames": (0.30, 2.50),
}


@pytest.fixture(scope="module")
def estimate():  # type: ignore[no-untyped-def]
    config = RunConfig.model_validate({"name": "v", "tasks": [str(TASK)], "backends": BACKENDS, "limit": N})
    plan = make_plan(config, ROOT, check_backends=False)
    task = plan.tasks[0]
    texts = []
    for sample in task.samples(limit=N):
        request = task.builder.build(sample)
        texts.append("\n".join(m.text for m in request.messages))
        sample.release_media()
    return estimate_plan(plan, limit=N), texts


def test_video_tokens_per_backend_match_the_hand_calculation(estimate) -> None:  # type: ignore[no-untyped-def]
    result, _ = estimate
    cells = {c.backend: c for c in result.cells}
    for name, per_sample in VIDEO_TOKENS.items():
        assert cells[name].video_tokens == N * per_sample, name
        assert cells[name].samples == N and not cells[name].unsized


def test_dollars_per_backend_match_the_hand_calculation(estimate) -> None:  # type: ignore[no-untyped-def]
    result, texts = estimate
    cells = {c.backend: c for c in result.cells}
    # Frames' timestamps ("[0:00.2]" = 8 characters → 2 tokens each, 6 frames) are text too.
    stamps = 6 * math.ceil(len("[0:00.2]") / 4)
    for name, (price_in, price_out) in PRICES.items():
        text = sum(_tokens.text_tokens(t) for t in texts) + (0 if name == "gemini" else N * stamps)
        tokens_in = text + N * VIDEO_TOKENS[name]
        tokens_out = N * 16  # the task's max_tokens, an upper bound
        assert cells[name].input_tokens == tokens_in, name
        assert cells[name].usd == pytest.approx((tokens_in * price_in + tokens_out * price_out) / 1e6), name
    assert cells["llava"].usd is None  # an open model has no price: unknown, never $0


def test_dry_run_prints_tokens_and_dollars_per_backend(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from evals.cli.main import main

    monkeypatch.setenv("COLUMNS", "220")  # the table on one line per row
    code = main(
        [
            "run",
            str(TASK),
            "--backends",
            "gpt-4o=openai:gpt-4o,claude=anthropic:claude-haiku-4-5,gemini=gemini:gemini-2.5-flash",
            "--limit",
            str(N),
            "--dry-run",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "video tok" in out
    for name in ("gpt-4o", "claude", "gemini"):
        assert f"{N * VIDEO_TOKENS[name]:,}" in out, name
    for line in out.splitlines():  # each backend's row shows its dollars
        if line.startswith("│video-motion-direction"):
            assert "$0.00" in line, line


def test_the_warning_names_the_task_whose_video_dominates(estimate) -> None:  # type: ignore[no-untyped-def]
    result, _ = estimate
    warning = video_warning(result)
    assert warning is not None and "'video-motion-direction'" in warning and "video is" in warning
