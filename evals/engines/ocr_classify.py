"""An offline document classifier, labelled a baseline: tesseract reads the top of the page and
the answer is the first document type whose keywords it shows (by default the type's own name: a
page headed INVOICE is an invoice). The classify stage of the offline document pipeline
(evals/backends/document_pipeline.py), so the demo runs classify → extract with no keys."""

from __future__ import annotations

import io
import re
from typing import Any

from pydantic import Field

from evals.engines.backend import media_of, ocr_raw
from evals.engines.pool import model
from evals.engines.tesseract import TesseractBackend, TesseractOptions, tidy
from evals.records import Request, Response

UNKNOWN = "unknown"


class OcrClassifyOptions(TesseractOptions):
    keywords: dict[str, list[str]] = Field(
        default_factory=dict,
        description="words that mark each document type (default: the type's own name)",
    )
    top_share: float = Field(
        0.4,
        gt=0.0,
        le=1.0,
        description="the share of the page read, from the top (titles sit there; less is faster)",
    )


def keyword_type(text: str, types: list[str], keywords: dict[str, list[str]]) -> str:
    """The type whose keyword appears first in the text (whole words, any case); `unknown`."""
    best: tuple[int, str] | None = None
    for name in types:
        for word in keywords.get(name) or [name]:
            match = re.search(rf"\b{re.escape(word)}\b", text, re.IGNORECASE)
            if match and (best is None or match.start() < best[0]):
                best = (match.start(), name)
    return best[1] if best else UNKNOWN


def _read_top(image: bytes, lang: str, config: str, share: float) -> str:
    import pytesseract
    from PIL import Image

    pytesseract.pytesseract.tesseract_cmd = model()
    with Image.open(io.BytesIO(image)) as picture:
        top = picture.crop((0, 0, picture.width, max(1, round(picture.height * share))))
        text: str = pytesseract.image_to_string(top, lang=lang, config=config)
    return tidy(text)


class OcrClassifyBackend(TesseractBackend):
    """OCR + keywords → a document type (a baseline for a pipeline's classify stage). The types
    are the request's `choices` hint (the pipeline sets it), else the keys of `keywords`."""

    type_name = "ocr-classify"
    default_model = "tesseract+keywords"
    kind = "baseline"  # type: ignore[assignment]  # an engine, labelled a baseline
    Options = OcrClassifyOptions
    options: OcrClassifyOptions

    async def generate(self, request: Request) -> Response:
        config = self.tesseract_args(request)
        texts: list[str] = []
        stamps: list[dict[str, Any]] = []
        for image in media_of(request, "image", self.name)[:1]:  # the first page decides
            text, stamp = await self.pool.run(
                _read_top, image.data, self.options.lang, config, self.options.top_share
            )
            texts.append(text)
            stamps.append(stamp.as_dict())
        page = "\n".join(texts)
        choices = request.hints.get("choices")
        types = [str(c) for c in choices] if isinstance(choices, list) else list(self.options.keywords)
        answer = keyword_type(page, types, self.options.keywords)
        return Response(text=answer, model=self.model, raw=ocr_raw(page, stamps, psm=self.psm(request)))
