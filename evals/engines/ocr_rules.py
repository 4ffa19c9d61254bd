"""The offline extraction baseline: tesseract reads the page, the task's regular expressions
(`extract.patterns`) pick the fields, the target schema types them. Labelled `baseline`
everywhere (it is a rules stand-in, not a model), so the document pipeline runs with no keys."""

from __future__ import annotations

import json
from typing import Any

from evals.backends._errors import BadResponse
from evals.engines.regex_extract import HINT, extract
from evals.engines.tesseract import TesseractBackend
from evals.records import Request, Response


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
        read = await super().generate(request)
        record = extract(read.text, patterns, schema)
        raw = dict(read.raw or {})
        raw["ocr_text"] = read.text[:4000]
        return Response(text=json.dumps(record, ensure_ascii=False), model=self.model, raw=raw)
