"""PDF documents as images: each page rendered to a PNG by pypdfium2 (PDFium's Python binding,
the optional extra `documents`), so a dataset row may name a PDF where an image is expected and
a model sees its pages in order, one image each."""

from __future__ import annotations

import io
from typing import Any

from evals.errors import MediaError

PDF_MAGIC = b"%PDF-"
DPI = 150  # enough for 10-pt text to OCR well; an A4 page becomes 1240 × 1754 pixels
MAX_PAGES = 20  # pages of one document sent to a model; the rest are left out (and said so)
FIX = "install the documents extra: pip install 'multimodal-evals[documents]'"


def is_pdf(data: bytes) -> bool:
    return data[:1024].lstrip().startswith(PDF_MAGIC)


def _document(data: bytes, where: str) -> Any:
    try:
        import pypdfium2
    except ImportError:
        raise MediaError(f"{where}: reading a PDF needs pypdfium2 ({FIX})") from None
    try:
        return pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError as exc:
        raise MediaError(f"{where}: not a readable PDF ({exc})") from None


def page_count(data: bytes, where: str) -> int:
    document = _document(data, where)
    try:
        return len(document)
    finally:
        document.close()


def render_page(data: bytes, index: int, where: str, dpi: int = DPI) -> bytes:
    """Page `index` (from 0) as PNG bytes, white background, at `dpi`."""
    document = _document(data, where)
    try:
        if not 0 <= index < len(document):
            raise MediaError(f"{where}: the PDF has no page {index + 1}")
        page = document[index]
        try:
            image = page.render(scale=dpi / 72).to_pil().convert("RGB")
        finally:
            page.close()
    finally:
        document.close()
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=6)
    return out.getvalue()
