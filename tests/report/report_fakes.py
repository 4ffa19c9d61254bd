"""Fake models, an engine and two scorers for building realistic run directories in tests.

The models answer from the sample (like the oracle) with chosen mistakes, errors and injected
markup, report token usage by modality, and cost what their per-token price says.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import Field

from evals.backends.base import Backend, BackendOptions
from evals.generators import IndexedGenerator
from evals.records import ErrorInfo, Request, Response, Sample, Usage
from evals.scoring import Metric, SampleScore, TextScorer

INJECTION = "<script>document.title='pwned';document.body.append('INJECTED-RAN')</script> | a\nb"


class FakeOptions(BackendOptions):
    wrong: list[str] = Field(default_factory=list)  # sample ids answered wrongly
    fail: list[str] = Field(default_factory=list)  # sample ids that end in a (non-retryable) error
    inject: list[str] = Field(default_factory=list)  # sample ids answered with INJECTION
    garble: list[str] = Field(default_factory=list)  # sample ids answered with an unparseable label
    price_per_token: float | None = 1e-6  # None: the cost is unknown
    delay_s: float = 0.004
    image_tokens: int = 85
    audio_tokens: int = 40


class FakeModel(Backend):
    type_name = "fake-model"
    kind = "provider"
    modalities = frozenset({"text", "image", "audio"})
    cacheable = False
    Options = FakeOptions
    options: FakeOptions

    async def answer(self, request: Request, sample: Sample) -> Response:
        spread = hashlib.sha256(f"{self.name}/{sample.id}".encode()).digest()[0] / 255
        await asyncio.sleep(self.options.delay_s * (1 + 3 * spread))
        if sample.id in self.options.fail:
            return Response(
                error=ErrorInfo(kind="bad_request", message=f"image too large for {self.name} <b>(413)</b>")
            )
        text = sample.targets[0] if sample.targets else ""
        if sample.id in self.options.inject:
            text = INJECTION
        elif sample.id in self.options.garble:
            text = "maybe?"
        elif sample.id in self.options.wrong:
            text = "no" if text == "yes" else "yes" if text == "no" else f"not {text}"
        kinds = [p.kind for p in request.media_parts()]
        image = self.options.image_tokens * kinds.count("image")
        audio = self.options.audio_tokens * kinds.count("audio")
        usage = Usage(
            input_tokens=30 + image + audio,
            output_tokens=len(text.split()) + 1,
            image_tokens=image or None,
            audio_tokens=audio or None,
        )
        return Response(text=text, usage=usage, model=f"{self.model}-2026")

    async def generate(self, request: Request) -> Response:
        raise NotImplementedError

    def cost(self, usage: Usage) -> float | None:
        price = self.options.price_per_token
        return None if price is None else price * ((usage.input_tokens or 0) + (usage.output_tokens or 0))


class FakeEngine(FakeModel):
    type_name = "fake-engine"
    kind = "engine"

    def cost(self, usage: Usage) -> float | None:
        return 0.0


class LabelScorer(TextScorer):
    """yes/no accuracy that records the labels, so the summary carries a classification report."""

    name = "label_accuracy"

    @property
    def metrics(self) -> tuple[Metric, ...]:
        return (Metric(name="label_accuracy", binary=True),)

    def score(
        self,
        prediction: str,
        targets: Sequence[str],
        *,
        choices: Sequence[str] | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> SampleScore:
        guess = prediction.strip().lower()
        label = guess if guess in ("yes", "no") else None
        hit = 1.0 if label is not None and label == targets[0] else 0.0
        details = {"reference_label": targets[0], "predicted_label": label}
        return SampleScore({"label_accuracy": hit}, details, () if label else ("unparsed",))


def _edits(a: str, b: str) -> int:
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        previous, row[0] = row[0], i
        for j, cb in enumerate(b, start=1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (ca != cb))
    return row[-1]


class EditRate(TextScorer):
    """Characters edited over reference characters, corpus-level: lower is better (like CER)."""

    name = "edit_rate"

    @property
    def metrics(self) -> tuple[Metric, ...]:
        return (Metric(name="edit_rate", higher_is_better=False, ratio_of=("edits", "chars")),)

    def score(
        self,
        prediction: str,
        targets: Sequence[str],
        *,
        choices: Sequence[str] | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> SampleScore:
        edits, chars = _edits(prediction, targets[0]), max(1, len(targets[0]))
        return SampleScore({"edit_rate": edits / chars}, {"edits": edits, "chars": chars})


class Swatches(IndexedGenerator):
    """Plain colour squares rendered on demand: media with no file behind them."""

    name = "swatches"
    columns = ("id", "image", "answer")

    def row(self, seed: int, index: int) -> dict[str, Any]:
        colour = ("red", "green", "blue")[index % 3]

        def render() -> bytes:
            from PIL import Image

            out = io.BytesIO()
            Image.new("RGB", (300, 200), colour).save(out, "PNG")
            return out.getvalue()

        return {"id": f"g{index}", "image": render, "answer": colour}
