"""Image generation and editing end to end: the offline baselines (renderer, blank) and the
OpenAI and Gemini image backends on their real SDKs against the fake provider."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from backend_support import journal, run_options

from evals.config import RunConfig
from evals.estimate import estimate_plan
from evals.plan import make_plan
from evals.session import RunOutcome, start_run
from evals.testing.fake_provider import FakeProvider, FakeRequest, images_api

TASKS = Path(__file__).resolve().parents[2] / "tasks"


def config(tasks: list[str], backends: list[dict[str, Any]], **fields: Any) -> RunConfig:
    paths = [str(TASKS / f"{name}.yaml") if "/" not in name else name for name in tasks]
    return RunConfig.model_validate({"name": "img", "tasks": paths, "backends": backends, **fields})


def value(outcome: RunOutcome, task: str, backend: str, metric: str) -> float:
    cell = outcome.summary.cell(task, backend)
    assert cell is not None, (task, backend)
    found = cell.metrics[metric].value
    assert found is not None
    return found


BASELINES = [{"name": "renderer", "type": "renderer"}, {"name": "blank", "type": "blank"}]


def test_renderer_keeps_everything_outside_the_mask_and_blank_does_not(tmp_path: Path) -> None:
    outcome = start_run(config(["image-edit"], BASELINES, limit=6), tmp_path, run_options(tmp_path))
    assert value(outcome, "image-edit", "renderer", "edit_ssim") == pytest.approx(1.0)
    assert value(outcome, "image-edit", "renderer", "edit_kept") == 1.0
    assert value(outcome, "image-edit", "blank", "edit_ssim") < 0.2
    assert value(outcome, "image-edit", "blank", "edit_kept") == 0.0
    assert value(outcome, "image-edit", "blank", "image_not_blank") == 0.0
    assert value(outcome, "image-edit", "renderer", "image_distinct") == 1.0
    cell = outcome.summary.cell("image-edit", "blank")
    assert cell is not None and cell.backend_kind == "baseline" and cell.cost_usd == 0.0


def test_outputs_are_stored_once_in_the_run_directory(tmp_path: Path) -> None:
    outcome = start_run(config(["image-edit"], BASELINES, limit=4), tmp_path, run_options(tmp_path))
    lines = [line for line in journal(outcome).values()]
    stored = {o["stored"] for line in lines for o in line["outputs"]}
    blank = {o["sha256"] for line in lines if line["backend"] == "blank" for o in line["outputs"]}
    assert len(blank) == 1  # one flat 256×256 image for every sample: one file
    media = outcome.rundir.path / "media"
    for name in stored:
        assert (outcome.rundir.path / name).is_file()
    outputs = {o["sha256"] for line in lines for o in line["outputs"]}
    assert {p.stem for p in media.iterdir()} >= outputs


@pytest.mark.engines
def test_renderer_text_reads_back_and_blank_reads_nothing(tmp_path: Path) -> None:
    judges = [{"name": "ocr", "type": "tesseract"}]
    outcome = start_run(
        config(["text-in-image"], BASELINES, limit=6, judges=judges), tmp_path, run_options(tmp_path)
    )
    assert value(outcome, "text-in-image", "renderer", "text_words") == 1.0
    assert value(outcome, "text-in-image", "renderer", "text_cer") < 0.05
    assert value(outcome, "text-in-image", "blank", "text_words") == 0.0
    assert value(outcome, "text-in-image", "blank", "text_cer") == 1.0


def images_backend(fake: FakeProvider, name: str, model: str, **options: Any) -> dict[str, Any]:
    return {
        "name": name,
        "type": "openai-images",
        "model": model,
        "base_url": fake.openai_url,
        "max_retry_wait": 0.05,
        "options": options,
    }


def test_openai_edit_that_repaints_the_whole_image_is_caught(fake: FakeProvider, tmp_path: Path) -> None:
    """Two models through the fake's /v1/images/edits: one edits inside the mask, the other
    (scripted to repaint) returns a new picture; edit_preservation tells them apart."""

    def answer(request: FakeRequest) -> str:
        return images_api.REPAINT if request.model == "dall-e-2" else "fake answer"

    fake.answer = answer
    backends = [
        images_backend(fake, "gpt-image-1", "gpt-image-1", quality="low"),
        images_backend(fake, "dall-e-2", "dall-e-2", size="256x256"),
    ]
    outcome = start_run(config(["image-edit"], backends, limit=4), tmp_path, run_options(tmp_path))
    assert value(outcome, "image-edit", "gpt-image-1", "edit_kept") == 1.0
    assert value(outcome, "image-edit", "gpt-image-1", "edit_ssim") > 0.99
    assert value(outcome, "image-edit", "dall-e-2", "edit_kept") == 0.0
    assert value(outcome, "image-edit", "dall-e-2", "edit_ssim") < 0.3
    gpt = outcome.summary.cell("image-edit", "gpt-image-1")
    dalle = outcome.summary.cell("image-edit", "dall-e-2")
    assert gpt is not None and dalle is not None
    assert gpt.cost_usd == pytest.approx(4 * 0.011)  # low quality, 1024x1024 (the default size)
    assert dalle.cost_usd == pytest.approx(4 * 0.016)  # 256x256
    hits = [h for h in fake.state.hits if h.endpoint == "image_edits"]
    assert len(hits) == 8 and all(h.outcome == "ok" for h in hits)
    line = journal(outcome)["edit-0000"]
    assert line["usage"]["output_images"] == 1


def test_openai_generation_sends_the_settings_and_prices_each_image(
    fake: FakeProvider, tmp_path: Path
) -> None:
    task = tmp_path / "gen.yaml"
    task.write_text(
        "name: gen\nkind: text_to_image\n"
        "dataset: {source: generator, name: compositional, n: 3, metadata: [width, height, category]}\n"
        "scorers: [image_checks]\n"
        "generation: {output_options: {size: 1024x1024}}\n"
    )
    seen: list[dict[str, Any]] = []
    fake.answer = lambda request: seen.append(request.body) or "fake answer"
    backends = [images_backend(fake, "dall-e-3", "dall-e-3", quality="hd", style="natural")]
    outcome = start_run(config([str(task)], backends), tmp_path, run_options(tmp_path))
    cell = outcome.summary.cell("gen", "dall-e-3")
    assert cell is not None and cell.n_scored == 3
    assert cell.cost_usd == pytest.approx(3 * 0.080)
    assert value(outcome, "gen", "dall-e-3", "image_aspect_ok") == 1.0
    assert value(outcome, "gen", "dall-e-3", "image_distinct") == 1.0
    bodies = [h for h in fake.state.hits if h.endpoint == "images"]
    assert len(bodies) == 3
    body = seen[0]
    assert {k: body[k] for k in ("model", "size", "quality", "style", "response_format")} == {
        "model": "dall-e-3",
        "size": "1024x1024",
        "quality": "hd",
        "style": "natural",
        "response_format": "b64_json",
    }
    assert journal(outcome)["comp-0000"]["usage"]["output_images"] == 1
    estimate = estimate_plan(make_plan(config([str(task)], backends), tmp_path))
    (estimated,) = estimate.cells
    assert estimated.usd == pytest.approx(3 * 0.080)


def gemini_backend(fake: FakeProvider) -> dict[str, Any]:
    return {"name": "nano", "type": "gemini-image", "base_url": fake.url, "max_retry_wait": 0.05}


def test_gemini_image_output_for_generation_and_edits(fake: FakeProvider, tmp_path: Path) -> None:
    task = tmp_path / "gen.yaml"
    task.write_text(
        "name: gen\nkind: text_to_image\n"
        "dataset: {source: generator, name: text_in_image, n: 2, metadata: [width, height]}\n"
        "scorers: [{name: image_checks, options: {aspect: '1:1'}}]\n"
    )
    outcome = start_run(
        config([str(task), "image-edit"], [gemini_backend(fake)], limit=2), tmp_path, run_options(tmp_path)
    )
    gen = outcome.summary.cell("gen", "nano")
    edit = outcome.summary.cell("image-edit", "nano")
    assert gen is not None and edit is not None
    assert gen.n_scored == 2 and edit.n_scored == 2
    assert gen.cost_usd == pytest.approx(2 * 0.039) and edit.cost_usd == pytest.approx(2 * 0.039)
    assert value(outcome, "gen", "nano", "image_aspect_ok") == 1.0
    assert value(outcome, "image-edit", "nano", "image_not_blank") == 1.0
    lines = journal(outcome)
    assert lines["text-0000"]["outputs"][0]["mime"] == "image/png"
    assert lines["text-0000"]["usage"]["output_images"] == 1
    edits = [h for h in fake.state.hits if h.endpoint == "generateContent" and h.images]
    assert len(edits) == 2 and all(h.images == 1 for h in edits)  # the source; the mask is not sent


def test_geneval_asks_one_question_per_requirement(fake: FakeProvider, tmp_path: Path) -> None:
    """Clause by clause through the judge: a judge that fails every position question leaves
    counts and colours at 1 and positions at 0."""
    import json

    def judge(request: FakeRequest) -> str:
        question = request.text.split("only this one:")[-1]
        failed = any(f"{where} the " in question for where in ("left of", "right of", "above", "below"))
        return json.dumps({"pass": not failed, "reason": "scripted"})

    fake.answer = judge
    task = tmp_path / "comp.yaml"
    task.write_text(
        "name: comp\nkind: text_to_image\n"
        "dataset: {source: generator, name: compositional, n: 8, "
        "metadata: [width, height, category, requirements]}\n"
        "breakdowns: [category]\n"
        "scorers: [image_checks, {name: geneval, options: {judge: vision}}]\n"
    )
    judges = [{"name": "vision", "type": "openai", "model": "gpt-4o", "base_url": fake.openai_url}]
    cfg = config([str(task)], [{"name": "renderer", "type": "renderer"}], judges=judges)
    outcome = start_run(cfg, tmp_path, run_options(tmp_path))
    assert value(outcome, "comp", "renderer", "geneval_count") == 1.0
    assert value(outcome, "comp", "renderer", "geneval_colour") == 1.0
    assert value(outcome, "comp", "renderer", "geneval_position") == 0.0
    lines = journal(outcome)
    asked = sum(len(line["metadata"]["requirements"]) for line in lines.values())
    chats = [h for h in fake.state.hits if h.endpoint == "chat"]
    assert len(chats) == asked and all(h.images == 1 for h in chats)  # the generated image, shown
    estimate = estimate_plan(make_plan(cfg, tmp_path))
    (judged,) = estimate.judges
    assert judged.samples == asked


def test_dry_run_prints_the_cost_per_image_of_each_task_and_backend(tmp_path: Path) -> None:
    from rich.console import Console

    from evals.cli.dry_run import print_plan

    backends = [
        {
            "name": "gpt-image-1",
            "type": "openai-images",
            "model": "gpt-image-1",
            "options": {"quality": "medium"},
        },
        {"name": "dall-e-3", "type": "openai-images", "model": "dall-e-3", "options": {"n": 1}},
        {"name": "nano", "type": "gemini-image"},
    ]
    console = Console(record=True, width=200)
    assert (
        print_plan(config(["compositional", "image-edit"], backends, limit=5), tmp_path, console=console) == 0
    )
    text = console.export_text()
    assert "compositional · gpt-image-1: 5 image(s) at $0.0420 each" in text
    assert "image-edit · dall-e-3: 5 image(s) at $0.0400 each" in text
    assert "image-edit · nano: 5 image(s) at $0.0390 each" in text
