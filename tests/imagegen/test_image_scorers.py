"""The objective image scorers: edit preservation (SSIM/PSNR outside the mask), image checks
(size, blank, near-duplicates) and text rendering (OCR reading against the requested text)."""

from __future__ import annotations

import io

import pytest
from image_support import ScriptedCaller, evaluate, png, score_input
from PIL import Image, ImageDraw

from evals.generators.image_prompts import ImageEdit
from evals.generators.picture_spec import edit_mask, parse_spec, render_picture
from evals.scorers.image_checks import ImageChecks, ImageChecksOptions
from evals.scorers.image_edit import PSNR_CAP, EditPreservation
from evals.scorers.image_text import TextRendering, TextRenderingOptions
from evals.scoring import ScorerFailed, ScoringContext
from evals.testing.fake_provider import images_api


def edit_row(index: int = 0) -> dict[str, object]:
    return ImageEdit().row(0, index)


def source_and_mask(row: dict[str, object]) -> tuple[bytes, bytes]:
    image, mask = row["image"], row["mask"]
    assert callable(image) and callable(mask)
    return image(), mask()


def test_a_perfect_edit_keeps_everything_outside_the_mask() -> None:
    row = edit_row()
    source, mask = source_and_mask(row)
    drawn = render_picture(parse_spec(row["spec"]))
    before = Image.open(io.BytesIO(source)).convert("RGB")
    area = Image.open(io.BytesIO(mask)).getchannel("A").point(lambda v: 255 if v < 128 else 0)
    perfect = Image.composite(drawn, before, area)
    scored = evaluate(EditPreservation(), score_input(png(perfect), inputs={"image": source, "mask": mask}))
    assert scored.values == {"edit_ssim": pytest.approx(1.0), "edit_psnr": PSNR_CAP, "edit_kept": 1.0}


def test_a_whole_image_repaint_is_caught() -> None:
    """The fake provider's edit asked to `repaint` returns a new picture of the same size: the
    region outside the mask no longer matches the source."""
    row = edit_row(1)
    source, mask = source_and_mask(row)
    good = images_api.edited(source, mask, "make it blue", "fake answer")
    repainted = images_api.edited(source, mask, "make it blue", images_api.REPAINT)
    inputs = {"image": source, "mask": mask}
    kept = evaluate(EditPreservation(), score_input(png(good), inputs=inputs))
    caught = evaluate(EditPreservation(), score_input(png(repainted), inputs=inputs))
    assert kept.values["edit_kept"] == 1.0 and kept.values["edit_ssim"] > 0.99
    assert caught.values["edit_kept"] == 0.0
    assert caught.values["edit_ssim"] < 0.3 and caught.values["edit_psnr"] < 20


def test_a_flat_image_is_not_a_preserved_background() -> None:
    row = edit_row(2)
    source, mask = source_and_mask(row)
    flat = Image.new("RGB", (256, 256), (255, 255, 255))
    scored = evaluate(EditPreservation(), score_input(png(flat), inputs={"image": source, "mask": mask}))
    assert scored.values["edit_ssim"] < 0.2 and scored.values["edit_kept"] == 0.0


def test_the_declared_box_stands_in_for_a_missing_mask_and_resizes_are_noted() -> None:
    row = edit_row(3)
    source, _ = source_and_mask(row)
    before = Image.open(io.BytesIO(source)).convert("RGB")
    changed = before.copy()
    x0, y0, x1, y1 = row["edit_box"]  # type: ignore[misc]
    ImageDraw.Draw(changed).rectangle((x0 + 2, y0 + 2, x1 - 2, y1 - 2), fill=(0, 0, 0))
    big = changed.resize((512, 512), resample=Image.Resampling.NEAREST)
    scored = evaluate(
        EditPreservation(),
        score_input(png(big), inputs={"image": source}, metadata={"edit_box": row["edit_box"]}),
    )
    assert scored.values["edit_ssim"] > 0.95 and scored.details["resized_from"] == [512, 512]
    with pytest.raises(ScorerFailed, match="no mask"):
        evaluate(EditPreservation(), score_input(png(big), inputs={"image": source}))


def test_mask_conventions_transparent_or_white_mean_editable() -> None:
    from evals.generators.picture_spec import editable_area

    rgba = edit_mask(20, 20, (5, 5, 9, 9))
    assert editable_area(rgba).getpixel((7, 7)) == 255 and editable_area(rgba).getpixel((0, 0)) == 0
    grey = Image.new("L", (20, 20), 0)
    ImageDraw.Draw(grey).rectangle((5, 5, 9, 9), fill=255)
    assert editable_area(grey).getpixel((7, 7)) == 255 and editable_area(grey).getpixel((0, 0)) == 0


def picture(text: str, size: tuple[int, int] = (256, 256)) -> bytes:
    return png(render_picture(parse_spec({"width": size[0], "height": size[1], "text": text})))


def test_image_checks_flag_blank_wrong_aspect_and_duplicates() -> None:
    checks = ImageChecks()
    square = {"width": 256, "height": 256}
    first = evaluate(checks, score_input(picture("ONE"), metadata=square, sample_id="a", prompt="p1"))
    assert first.values == {"image_aspect_ok": 1.0, "image_not_blank": 1.0, "image_distinct": 1.0}
    same_again = evaluate(checks, score_input(picture("ONE"), metadata=square, sample_id="b", prompt="p2"))
    assert same_again.values["image_distinct"] == 0.0 and same_again.details["duplicate_of"] == "a"
    other_backend = evaluate(
        checks, score_input(picture("ONE"), metadata=square, sample_id="b", prompt="p2", backend="other")
    )
    assert other_backend.values["image_distinct"] == 1.0
    blank = png(Image.new("RGB", (256, 128), (255, 255, 255)))
    scored = evaluate(checks, score_input(blank, metadata=square, sample_id="c", prompt="p3"))
    assert scored.values["image_not_blank"] == 0.0 and scored.values["image_aspect_ok"] == 0.0
    assert "blank" in scored.flags


def test_image_checks_use_the_size_option_over_the_row() -> None:
    checks = ImageChecks(ImageChecksOptions(size="256x256"))
    wrong = evaluate(checks, score_input(picture("A", (512, 512)), metadata={"width": 1, "height": 1}))
    assert wrong.values["image_aspect_ok"] == 0.0
    with pytest.raises(Exception, match="WIDTHxHEIGHT"):
        ImageChecks.from_options({"size": "big"})


def test_distinct_prompts_of_the_text_task_are_not_duplicates() -> None:
    from evals.generators.image_prompts import TextInImage

    checks = ImageChecks()
    generator = TextInImage()
    flagged = 0
    for index in range(30):
        row = generator.row(0, index)
        image = png(render_picture(parse_spec(row["spec"])))
        meta = {"width": row["width"], "height": row["height"]}
        scored = evaluate(
            checks, score_input(image, metadata=meta, sample_id=row["id"], prompt=row["prompt"])
        )
        flagged += scored.values["image_distinct"] == 0.0
    assert flagged <= 2


def test_text_rendering_scores_the_reading_against_the_requested_text() -> None:
    scorer = TextRendering(TextRenderingOptions(ocr="reader"))
    reference = "FRESH BREAD\n$3.49"
    caller = ScriptedCaller("Fresh  bread $3.49")
    scored = evaluate(scorer, score_input(picture("x"), targets=[reference]), caller)
    assert scored.values == {"text_cer": 0.0, "text_words": 1.0, "text_exact": 1.0}
    ((backend, request),) = caller.requests
    assert backend == "reader" and request.hints == {"text_layout": "block"}
    assert [p.kind for p in request.media_parts()] == ["image"]
    half = evaluate(scorer, score_input(picture("x"), targets=[reference]), ScriptedCaller("FRESH"))
    assert half.values["text_words"] == pytest.approx(1 / 3) and half.values["text_exact"] == 0.0
    assert 0.5 < half.values["text_cer"] < 1.0
    empty = evaluate(scorer, score_input(picture("x"), targets=[reference]), ScriptedCaller(""))
    assert empty.values == {"text_cer": 1.0, "text_words": 0.0, "text_exact": 0.0}
    strict = TextRendering(TextRenderingOptions(ocr="reader", case_sensitive=True))
    cased = evaluate(strict, score_input(picture("x"), targets=["Bread"]), ScriptedCaller("BREAD"))
    assert cased.values["text_exact"] == 0.0


def test_text_rendering_without_an_image_scores_zero_and_a_failed_ocr_is_unscorable() -> None:
    from evals.records import ErrorInfo, Response

    scorer = TextRendering()
    missing = evaluate(scorer, score_input(None, targets=["HI"]), ScriptedCaller("HI"))
    assert missing.values["text_words"] == 0.0 and missing.flags == ("no_image",)

    async def failing(backend: str, request: object) -> Response:
        return Response(error=ErrorInfo(kind="internal", message="boom"))

    with pytest.raises(ScorerFailed, match="OCR call failed"):
        evaluate(scorer, score_input(picture("HI"), targets=["HI"]), failing)


@pytest.mark.engines
def test_tesseract_reads_what_the_renderer_draws() -> None:
    """The renderer's text, read by the real tesseract backend: the ceiling the demo shows."""
    import asyncio

    from evals.backends.base import BackendConfig
    from evals.engines.tesseract import TesseractBackend
    from evals.generators.image_prompts import TextInImage

    engine = TesseractBackend(BackendConfig(name="ocr", type="tesseract"))
    try:
        engine.check()
    except Exception as exc:  # pragma: no cover - machines without tesseract
        pytest.skip(str(exc))
    scorer = TextRendering()

    async def call(backend: str, request: object) -> object:
        return await engine.generate(request)  # type: ignore[arg-type]

    async def body() -> list[float]:
        words = []
        for index in range(6):
            row = TextInImage().row(0, index)
            image = png(render_picture(parse_spec(row["spec"])))
            inputs = score_input(image, targets=[row["answer"]])
            scored = await scorer.evaluate(inputs, ScoringContext(caller=call))
            words.append(scored.values["text_words"])
        await engine.aclose()
        return words

    assert min(asyncio.run(body())) == 1.0
