"""`text_rendering`: did the generated image show the requested text? The image is read by an
OCR engine of the project (tesseract, rapidocr), called as a judge backend, and the reading is
compared with the row's reference text: character error rate, the share of the requested words
found, and whether the whole text matches.

The OCR engine is a judge in the run config (`judges: [{name: ocr, type: tesseract}]`), so its
calls go through the runner's pool, cache and limits like any judge's, and rescoring reuses them.
Case and spacing are ignored by default (a sign in small capitals still says its words); line
breaks count as spaces.
"""

from __future__ import annotations

import io
from collections import Counter
from typing import ClassVar

import jiwer
from pydantic import Field

from evals.media import Media
from evals.records import MediaPart, Message, Request, TextPart
from evals.scorers._images import produced
from evals.scoring import Metric, SampleScore, ScoreInput, Scorer, ScorerFailed, ScorerOptions, ScoringContext


class TextRenderingOptions(ScorerOptions):
    ocr: str = Field("ocr", description="the judge backend that reads the image (type tesseract or rapidocr)")
    case_sensitive: bool = Field(False, description="count a change of case as an error")


def normalise(text: str, *, case_sensitive: bool) -> str:
    joined = " ".join(text.split())
    return joined if case_sensitive else joined.casefold()


def words_found(reference: str, reading: str) -> float:
    """Share of the reference's words that the reading contains (each as often as asked)."""
    wanted = Counter(reference.split())
    seen = Counter(reading.split())
    total = sum(wanted.values())
    return sum(min(n, seen[w]) for w, n in wanted.items()) / total if total else 1.0


class TextRendering(Scorer):
    name: ClassVar[str] = "text_rendering"
    Options = TextRenderingOptions
    options: TextRenderingOptions
    needs_outputs: ClassVar[frozenset[str]] = frozenset({"image"})

    @property
    def metrics(self) -> tuple[Metric, ...]:
        return (
            Metric(
                name="text_cer",
                scorer=self.name,
                higher_is_better=False,
                description="character error rate of the OCR reading against the text asked for (at most 1)",
            ),
            Metric(
                name="text_words",
                scorer=self.name,
                description="share of the requested words found in the image",
            ),
            Metric(
                name="text_exact",
                scorer=self.name,
                binary=True,
                description="the whole requested text read back exactly",
            ),
        )

    def calls(self) -> list[str]:
        return [self.options.ocr]

    def _request(self, item: ScoreInput, data: bytes) -> Request:
        image = Media.from_bytes("image", data, mime="image/png")
        text = TextPart("Transcribe all the text in this image.")
        return Request(
            task=item.task,
            sample_id=f"ocr:{item.backend}:{item.sample_id}",
            messages=(Message("user", (MediaPart(image), text)),),
            hints={"text_layout": "block"},
        )

    async def evaluate(self, item: ScoreInput, context: ScoringContext) -> SampleScore:
        if not item.targets or not item.targets[0].strip():
            raise ScorerFailed("the sample has no reference text to look for")
        flat = self.options.case_sensitive
        reference = normalise(item.targets[0], case_sensitive=flat)
        image = produced(item)
        if image is None:
            return SampleScore({"text_cer": 1.0, "text_words": 0.0, "text_exact": 0.0}, flags=("no_image",))
        buffer = io.BytesIO()
        image.convert("RGB").save(buffer, format="PNG")
        response = await context.call(self.options.ocr, self._request(item, buffer.getvalue()))
        if response.error is not None:
            raise ScorerFailed(f"the OCR call failed ({response.error.kind}): {response.error.message}")
        reading = normalise(response.text, case_sensitive=flat)
        cer = min(1.0, float(jiwer.cer(reference, reading))) if reading else 1.0
        values = {
            "text_cer": cer,
            "text_words": words_found(reference, reading),
            "text_exact": float(reading == reference),
        }
        return SampleScore(values, details={"ocr": response.text, "reference": item.targets[0]})
