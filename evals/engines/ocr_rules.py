"""The offline extraction baseline: tesseract reads the page, the task's regular expressions
(`extract.patterns`) pick the fields, the target schema types them. Labelled `baseline`
everywhere (it is a rules stand-in, not a model), so the document pipeline runs with no keys.

Its confidence in a record (for review routing, evals/review.py) is tesseract's mean word
confidence times the share of the schema's fields its patterns found: a page read poorly or a
field not found is a document to send to a person.
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping
from typing import Any

from evals.backends._errors import BadResponse
from evals.engines.backend import media_of, ocr_raw
from evals.engines.pool import model
from evals.engines.regex_extract import HINT, extract
from evals.engines.tesseract import TesseractBackend
from evals.records import Request, Response


def _read_words(image: bytes, lang: str, config: str) -> tuple[str, list[float]]:
    """The page's text, one line per tesseract line (as `image_to_string` then `tidy` give it),
    and each word's confidence (0–100), from one pass of `image_to_data`."""
    import pytesseract
    from PIL import Image

    pytesseract.pytesseract.tesseract_cmd = model()
    with Image.open(io.BytesIO(image)) as picture:
        data = pytesseract.image_to_data(
            picture, lang=lang, config=config, output_type=pytesseract.Output.DICT
        )
    lines: dict[tuple[int, int, int], list[str]] = {}
    confidences: list[float] = []
    for index, word in enumerate(data["text"]):
        if not str(word).strip():
            continue
        key = (data["block_num"][index], data["par_num"][index], data["line_num"][index])
        lines.setdefault(key, []).append(str(word).strip())
        confidences.append(max(0.0, float(data["conf"][index])))
    return "\n".join(" ".join(words) for words in lines.values()), confidences


def found_share(record: Mapping[str, Any]) -> float:
    """The share of the record's fields the patterns filled (an empty list is not filled)."""
    if not record:
        return 0.0
    filled = sum(1 for value in record.values() if value not in (None, [], ""))
    return filled / len(record)


class OcrRulesBackend(TesseractBackend):
    """OCR + regular expressions → a JSON record (a baseline for `extract` tasks)."""

    type_name = "ocr-rules"
    default_model = "tesseract+regex"
    kind = "baseline"  # type: ignore[assignment]  # an engine, labelled a baseline

    async def generate(self, request: Request) -> Response:
        schema = request.params.response_schema
        raw_patterns = request.hints.get(HINT)
        if schema is None or not isinstance(raw_patterns, str):
            raise BadResponse(
                f"backend {self.name!r} extracts records only: "
                "the task needs kind extract with extract.patterns"
            )
        patterns: dict[str, Any] = json.loads(raw_patterns)
        config = self.tesseract_args(request)
        texts: list[str] = []
        words: list[float] = []
        stamps: list[dict[str, Any]] = []
        for image in media_of(request, "image", self.name):
            (text, confidences), stamp = await self.pool.run(
                _read_words, image.data, self.options.lang, config
            )
            texts.append(text)
            words += confidences
            stamps.append(stamp.as_dict())
        page = "\n".join(t for t in texts if t)
        record = extract(page, patterns, schema)
        ocr_confidence = sum(words) / (100.0 * len(words)) if words else 0.0
        raw = ocr_raw(page, stamps, psm=self.psm(request))
        raw["ocr_text"] = page[:4000]
        raw["ocr_confidence"] = round(ocr_confidence, 4)
        return Response(
            text=json.dumps(record, ensure_ascii=False),
            model=self.model,
            raw=raw,
            confidence=round(ocr_confidence * found_share(record), 6),
        )
