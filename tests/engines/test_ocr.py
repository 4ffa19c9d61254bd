"""Tesseract and RapidOCR, really run on text rendered here with DejaVu Sans."""

from __future__ import annotations

import asyncio

import jiwer
import pytest
from engine_samples import LINES, make, media_request, needs, render_block, render_line, run

from evals.backends.base import Backend
from evals.engines.rapidocr import RapidOCRBackend
from evals.engines.tesseract import TesseractBackend

pytestmark = [pytest.mark.engines, needs("tesseract")]

# Bounds, from measurements on this machine (tesseract 5.3.0, rapidocr-onnxruntime 1.4.4), text
# rendered at 28 px. The six LINES: tesseract CER 0.000 (every line exact), rapidocr 0.008 (a
# dropped space, a dropped digit). The 3-line block: tesseract 0.000, rapidocr 0.047 (its
# detector splits and merges words: "thelazy", "lnvoice4821", "0n"). The bounds leave room for a
# few characters of change across font rendering or engine versions, and stay far below what a
# wrong segmentation mode, a lost line or a wrong reading order costs (one line out of place in
# the block alone costs over 0.3).
TESSERACT_LINE_CER = 0.02
RAPIDOCR_LINE_CER = 0.03
BLOCK_CER = {"tesseract": 0.02, "rapidocr": 0.08}


@pytest.fixture(scope="module")
def tesseract(close_later: list[Backend]) -> Backend:
    backend = make(TesseractBackend)
    backend.check()
    close_later.append(backend)
    return backend


@pytest.fixture(scope="module")
def rapidocr(close_later: list[Backend]) -> Backend:
    backend = make(RapidOCRBackend)
    backend.check()
    close_later.append(backend)
    return backend


async def read_all(backend: Backend, images: list[bytes], layout: str) -> list[str]:
    requests = [media_request("image", image, {"text_layout": layout}) for image in images]
    responses = await asyncio.gather(*(backend.generate(r) for r in requests))
    assert all(r.error is None for r in responses)
    return [r.text for r in responses]


@pytest.mark.parametrize(
    ("engine", "bound"), [("tesseract", TESSERACT_LINE_CER), ("rapidocr", RAPIDOCR_LINE_CER)]
)
def test_clean_lines_are_read(engine: str, bound: float, request: pytest.FixtureRequest) -> None:
    backend: Backend = request.getfixturevalue(engine)
    read = run(read_all(backend, [render_line(t) for t in LINES], "line"))
    cer = jiwer.cer(LINES, read)
    print(f"{engine} line CER {cer:.4f}: {read}")
    assert cer <= bound
    assert all(text.count("\n") == 0 for text in read)  # one line in, one line out


@pytest.mark.parametrize("engine", ["tesseract", "rapidocr"])
def test_a_block_comes_out_in_reading_order(engine: str, request: pytest.FixtureRequest) -> None:
    backend: Backend = request.getfixturevalue(engine)
    block = LINES[:3]
    (text,) = run(read_all(backend, [render_block(block)], "block"))
    print(f"{engine} block: {text!r}")
    assert len(text.splitlines()) == 3
    assert jiwer.cer("\n".join(block), text) <= BLOCK_CER[engine]
    # Each line of the output is closest to the line at the same place in the image.
    for got, expected in zip(text.splitlines(), block, strict=True):
        assert min(block, key=lambda line: jiwer.cer(line, got)) == expected


def test_responses_carry_worker_and_speed(tesseract: Backend) -> None:
    response = run(tesseract.generate(media_request("image", render_line(LINES[0]), {"text_layout": "line"})))
    assert response.raw is not None
    assert response.raw["psm"] == 7
    assert response.raw["lines"] == 1
    assert response.raw["lines_per_s"] > 0
    assert tesseract.cost(response.usage) == 0.0


def test_layout_hint_picks_the_segmentation_mode() -> None:
    backend = make(TesseractBackend)
    assert isinstance(backend, TesseractBackend)
    modes = {
        layout: backend.psm(media_request("image", b"", {"text_layout": layout}))
        for layout in ("line", "block", "sparse", "word")
    }
    assert modes == {"line": 7, "block": 6, "sparse": 11, "word": 8}
    assert backend.psm(media_request("image", b"")) == 3  # no hint: tesseract's automatic mode
    forced = make(TesseractBackend, psm=13)
    assert isinstance(forced, TesseractBackend)
    assert forced.psm(media_request("image", b"", {"text_layout": "line"})) == 13


def test_rapidocr_skips_detection_on_single_lines_only() -> None:
    backend = make(RapidOCRBackend)
    assert isinstance(backend, RapidOCRBackend)
    assert backend.detect(media_request("image", b"", {"text_layout": "line"})) is False
    assert backend.detect(media_request("image", b"", {"text_layout": "block"})) is True
    assert backend.detect(media_request("image", b"")) is True
    forced = make(RapidOCRBackend, detect=True)
    assert isinstance(forced, RapidOCRBackend)
    assert forced.detect(media_request("image", b"", {"text_layout": "line"})) is True


def test_versions_name_the_engines() -> None:
    assert make(TesseractBackend).versions()["tesseract"].startswith("5.")
    assert "pytesseract" in make(TesseractBackend).versions()
    assert set(make(RapidOCRBackend).versions()) == {"rapidocr-onnxruntime", "onnxruntime"}
