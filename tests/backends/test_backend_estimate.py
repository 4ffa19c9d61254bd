"""Pre-run estimates: each provider's published worked examples, and `--dry-run` figures."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from backend_support import mp4, png, run_config, wav, write_task
from rich.console import Console

from evals.backends import _tokens
from evals.cli.dry_run import print_plan
from evals.errors import InputError
from evals.estimate import check_budget, estimate_plan
from evals.plan import make_plan


@pytest.mark.parametrize(
    ("size", "detail", "tokens"),
    [
        ((1024, 1024), "high", 765),
        ((2048, 4096), "high", 1105),
        ((4096, 8192), "high", 1105),
        ((1024, 1024), "low", 85),
        ((512, 512), "high", 255),
        ((300, 200), "auto", 255),
    ],
)
def test_openai_tile_rule(size: tuple[int, int], detail: str, tokens: int) -> None:
    assert _tokens.openai_image_tokens("gpt-4o", *size, detail) == tokens


def test_openai_patch_rule_and_models() -> None:
    assert _tokens.openai_patch_tokens(1024, 1024) == 1024
    assert _tokens.openai_patch_tokens(1800, 2400) == 1452
    assert _tokens.openai_image_tokens("gpt-4.1-mini", 1024, 1024, "high") == int(1024 * 1.62)
    assert _tokens.openai_image_tokens("gpt-4.1-nano-2025-04-14", 1024, 1024, None) == int(1024 * 2.46)
    assert _tokens.openai_image_tokens("o4-mini", 1800, 2400, "low") == int(1452 * 1.72)
    assert _tokens.openai_image_tokens("gpt-4.1", 1024, 1024, "high") == 765  # gpt-4.1 keeps tiles
    assert _tokens.openai_image_tokens("gpt-4o-mini", 1024, 1024, "low") == 2833
    assert _tokens.openai_image_tokens("o1", 1024, 1024, "high") == 75 + 4 * 150


@pytest.mark.parametrize(
    ("size", "tokens"),
    [
        ((200, 200), 54),  # Anthropic's table: ~54, ~1334, ~1590 (w*h/750 rounded up)
        ((1000, 1000), 1334),
        ((1092, 1092), 1590),
        ((4000, 3000), 1600),  # scaled down to the ~1,600-token limit
        ((4000, 500), 410),  # long edge to 1568 px: 1568 x 196 -> 409.8 -> 410
    ],
)
def test_anthropic_rule(size: tuple[int, int], tokens: int) -> None:
    assert _tokens.anthropic_image_tokens(*size) == tokens


def test_openai_tiles_use_whole_pixels() -> None:
    # 735x2936 fits 2048 as 512.7 x 2048; a resizer gives 512 x 2048: 4 tiles, not 8 (EPAM's
    # ai-dial-adapter-openai counts the same; float sizes would say 1445).
    assert _tokens.openai_tile_tokens(735, 2936, "high") == 765
    assert _tokens.openai_tile_tokens(1, 100_000, "high") == 85 + 170 * 4  # never a 0-px side


@pytest.mark.parametrize(
    ("size", "tokens"), [((384, 384), 258), ((100, 300), 258), ((1024, 1024), 1032), ((768, 768), 258)]
)
def test_gemini_rule(size: tuple[int, int], tokens: int) -> None:
    assert _tokens.gemini_image_tokens(*size) == tokens


def test_media_durations_from_headers() -> None:
    assert _tokens.audio_seconds(wav(1.5)) == pytest.approx(1.5)
    assert _tokens.mp4_seconds(mp4(7.25)) == pytest.approx(7.25)
    assert _tokens.image_size(png(33, 44)) == (33, 44)


def _plan(
    tmp_path: Path, backends: list[dict[str, object]], *, n: int = 2, detail: str = "high", size: int = 1024
):
    task = write_task(tmp_path, n, detail=detail)
    for i in range(n):  # overwrite with images of a known size
        (tmp_path / "data" / f"img{i}.png").write_bytes(png(size, size))
    config = run_config(task, backends[0]).model_copy(update={})
    data = config.model_dump(mode="json") | {"backends": backends}
    from evals.config import RunConfig

    config = RunConfig.model_validate(data)
    return config, make_plan(config, tmp_path, check_backends=False)


def test_estimate_per_backend_matches_published_rules(tmp_path: Path) -> None:
    backends = [
        {"name": "oa", "type": "openai", "model": "gpt-4o"},
        {"name": "an", "type": "anthropic", "model": "claude-sonnet-4-5"},
        {"name": "ge", "type": "gemini", "model": "gemini-2.0-flash"},
        {"name": "local", "type": "openai-compatible", "model": "llava", "base_url": "http://127.0.0.1:1/v1"},
    ]
    _, plan = _plan(tmp_path, backends, n=2, size=1024)
    estimate = estimate_plan(plan)
    cells = {c.backend: c for c in estimate.cells}
    assert cells["oa"].image_tokens == 2 * 765
    assert cells["an"].image_tokens == 2 * 1399  # 1024*1024/750 = 1398.1, rounded up; under 1,600
    assert cells["ge"].image_tokens == 2 * 1032
    assert cells["oa"].output_tokens == 2 * 8  # the task's max_tokens
    text = cells["oa"].input_tokens - cells["oa"].image_tokens
    assert cells["oa"].usd == pytest.approx((cells["oa"].input_tokens * 2.5 + 16 * 10.0) / 1e6)
    assert 0 < text < 40
    assert cells["local"].usd is None and estimate.total_usd is None  # no price: unknown, never 0
    assert estimate.known_usd == pytest.approx(sum(cells[n].usd for n in ("oa", "an", "ge")))  # type: ignore[misc]


def test_low_detail_and_limit_and_skip(tmp_path: Path) -> None:
    _, plan = _plan(tmp_path, [{"name": "oa", "type": "openai", "model": "gpt-4o"}], n=5, detail="low")
    assert estimate_plan(plan, limit=3).cells[0].image_tokens == 3 * 85
    skipped = estimate_plan(plan, skip={(plan.tasks[0].name, "oa", "s00")})
    assert skipped.cells[0].samples == 4


def test_dry_run_prints_tokens_and_dollars(tmp_path: Path) -> None:
    config, _ = _plan(tmp_path, [{"name": "oa", "type": "openai", "model": "gpt-4o"}], n=2, size=1024)
    buffer = io.StringIO()
    budgeted = config.model_copy(update={"budget_usd": 0.01})
    code = print_plan(budgeted, tmp_path, console=Console(file=buffer, width=200))
    out = buffer.getvalue()
    assert code == 0
    assert "1,530" in out  # two 1024x1024 high-detail images: 2 x 765
    estimate = estimate_plan(make_plan(config, tmp_path, check_backends=False))
    assert estimate.total_usd is not None and f"${estimate.total_usd:,.4f}" in out
    assert "within" in out


def test_check_budget_refuses_an_estimate_over_it(tmp_path: Path) -> None:
    _, plan = _plan(tmp_path, [{"name": "oa", "type": "openai", "model": "gpt-4o"}], n=2)
    estimate = estimate_plan(plan)
    check_budget(estimate, 1.0)
    check_budget(estimate, None)
    with pytest.raises(InputError, match="over the budget"):
        check_budget(estimate, estimate.known_usd / 2)
    assert json.dumps(estimate.as_dict())


def test_audio_and_video_estimates(tmp_path: Path) -> None:
    from evals.backends.base import BackendConfig, backend_registry
    from evals.media import Media
    from evals.records import MediaPart, Message, Request, TextPart

    def req(kind: str, data: bytes) -> Request:
        part = MediaPart(Media(kind, lambda: data))  # type: ignore[arg-type]
        return Request("t", "s", (Message("user", (part, TextPart("x"))),))

    gemini = backend_registry.get("gemini")(BackendConfig(name="g", type="gemini", model="gemini-2.5-flash"))
    usage = gemini.estimate_usage(req("video", mp4(10.0)))
    assert usage is not None and usage.input_tokens == 2630 + 1
    usage = gemini.estimate_usage(req("audio", wav(60.0)))
    assert usage is not None and usage.audio_tokens == 1920
    whisper = backend_registry.get("openai-transcribe")(BackendConfig(name="w", type="openai-transcribe"))
    usage = whisper.estimate_usage(req("audio", wav(90.0)))
    assert usage is not None and whisper.cost(usage) == pytest.approx(0.009)
