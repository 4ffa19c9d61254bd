"""PDF input: a dataset row that names a PDF where an image is expected sends its pages, each
rendered to a PNG by pypdfium2, in order; an unreadable PDF is the sample's media error."""

from __future__ import annotations

import io
import json
from pathlib import Path

from backend_support import journal, run_config, run_options
from extract_support import answers, write_extract_task
from PIL import Image, ImageDraw

from evals.pdf_pages import is_pdf, page_count, render_page
from evals.session import start_run
from evals.testing.fake_provider import FakeProvider, FakeRequest


def _pdf(sizes: list[tuple[int, int]]) -> bytes:
    pages = []
    for number, size in enumerate(sizes, 1):
        page = Image.new("RGB", size, "white")
        ImageDraw.Draw(page).rectangle((10, 10, 10 + 20 * number, 30), fill="black")
        pages.append(page)
    out = io.BytesIO()
    pages[0].save(out, format="PDF", save_all=True, append_images=pages[1:], resolution=72)
    return out.getvalue()


def test_pages_render_at_the_set_resolution() -> None:
    data = _pdf([(200, 100), (100, 300)])
    assert is_pdf(data) and page_count(data, "test") == 2
    first = Image.open(io.BytesIO(render_page(data, 0, "test", dpi=144)))
    second = Image.open(io.BytesIO(render_page(data, 1, "test", dpi=72)))
    assert first.size == (400, 200) and second.size == (100, 300)  # 72-dpi pages, scaled by dpi / 72
    assert first.getpixel((30, 40)) == (0, 0, 0) and first.getpixel((300, 150)) == (255, 255, 255)


def test_a_pdf_row_sends_its_pages_and_a_broken_one_is_a_media_error(
    fake: FakeProvider, tmp_path: Path
) -> None:
    seen: list[FakeRequest] = []

    def answer(request: FakeRequest) -> str:
        seen.append(request)
        return answers(0)

    fake.answer = answer
    task = write_extract_task(tmp_path, n=2)
    data = tmp_path / "data"
    (data / "doc0.pdf").write_bytes(_pdf([(200, 100), (100, 300)]))
    (data / "doc1.pdf").write_bytes(b"%PDF-1.4 this is not a PDF")
    rows = [json.loads(line) for line in (data / "docs.jsonl").read_text().splitlines()]
    rows = [{**row, "image": f"doc{i}.pdf"} for i, row in enumerate(rows)]
    (data / "docs.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    backend = {"name": "m", "type": "openai", "model": "gpt-4o-mini", "base_url": fake.openai_url}
    outcome = start_run(run_config(task, backend), tmp_path, run_options(tmp_path))
    (request,) = seen  # the broken PDF never reached the model
    sizes = [Image.open(io.BytesIO(image)).size for image in request.images]
    assert sizes == [(417, 209), (209, 625)]  # two pages in order, at 150 dpi (PDFium rounds up)
    lines = journal(outcome)
    assert lines["s0"]["status"] == "ok" and lines["s0"]["scores"]["doc_exact"] == 1.0
    assert [ref["path"].rsplit("#", 1)[1] for ref in lines["s0"]["inputs"]] == ["page=1", "page=2"]
    assert lines["s1"]["status"] == "error" and lines["s1"]["error"]["kind"] == "media"
    assert "not a readable PDF" in lines["s1"]["error"]["message"]
