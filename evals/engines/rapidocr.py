"""RapidOCR (`rapidocr-onnxruntime` 1.4): PP-OCRv4 detection and recognition on ONNX Runtime.

The wheel ships its ONNX models, so it runs offline. On a page it detects text boxes, reads each,
and we join them in reading order. On a single cropped line (the task's `text_layout: line` hint)
it skips detection and reads the crop directly: that is what detection would hand to the
recogniser anyway, and detection upscales a thin strip so its short side is 736 px, which on a
line crop costs ~25× the recognition time (measured: ~1 s against ~40 ms on one core).
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from evals.engines import install
from evals.engines.backend import EngineBackend, EngineOptions, media_of, ocr_raw
from evals.engines.pool import model
from evals.engines.reading_order import TextBox, join_text
from evals.records import Request, Response


class RapidOCROptions(EngineOptions):
    detect: bool | None = Field(
        None, description="run text detection; default: yes, except on single lines (text_layout: line)"
    )
    text_score: float = Field(
        0.5, ge=0.0, le=1.0, description="drop detected boxes read with less confidence"
    )


def _load(text_score: float) -> Any:
    from rapidocr_onnxruntime import RapidOCR

    # One ONNX Runtime thread per worker: the pool already runs one worker per core.
    return RapidOCR(text_score=text_score, intra_op_num_threads=1, inter_op_num_threads=1)


def _recognise(image: bytes, detect: bool) -> str:
    result, _ = model()(image, use_det=detect)
    if not result:
        return ""
    if not detect:  # [[text, score], ...]: the crop read as one line
        return " ".join(str(item[0]).strip() for item in result if str(item[0]).strip())
    boxes = [TextBox.from_points(str(text), points) for points, text, _score in result if str(text).strip()]
    return join_text(boxes)


class RapidOCRBackend(EngineBackend):
    """RapidOCR on each image of the request; their texts joined by newlines."""

    type_name = "rapidocr"
    default_model = "rapidocr-ppocrv4"
    modalities = frozenset({"text", "image"})
    outputs = frozenset({"text"})
    Options = RapidOCROptions
    options: RapidOCROptions

    def loader(self) -> tuple[Any, tuple[Any, ...]]:
        return _load, (self.options.text_score,)

    def detect(self, request: Request) -> bool:
        if self.options.detect is not None:
            return self.options.detect
        return request.hints.get("text_layout") not in ("line", "char")

    def check(self) -> None:
        install.require_module(self.name, "rapidocr_onnxruntime")
        install.require_module(self.name, "onnxruntime")

    def versions(self) -> dict[str, str]:
        found = {
            "rapidocr-onnxruntime": install.package_version("rapidocr-onnxruntime"),
            "onnxruntime": install.package_version("onnxruntime"),
        }
        return {name: version for name, version in found.items() if version}

    async def generate(self, request: Request) -> Response:
        detect = self.detect(request)
        texts: list[str] = []
        stamps: list[dict[str, Any]] = []
        for image in media_of(request, "image", self.name):
            text, stamp = await self.pool.run(_recognise, image.data, detect)
            texts.append(text)
            stamps.append(stamp.as_dict())
        answer = "\n".join(t for t in texts if t)
        return Response(text=answer, model=self.model, raw=ocr_raw(answer, stamps, detect=detect))
