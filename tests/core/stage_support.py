"""Scorers and a backend for the scoring-stage tests: one scorer needs the output image, one
calls a judge backend, and a backend draws images (a test double, labelled as a baseline)."""

from __future__ import annotations

import io
from typing import ClassVar

import numpy as np
from PIL import Image

from evals.backends.base import Backend, BackendKind
from evals.records import Message, OutputMedia, Request, Response, Sample, TextPart, Usage
from evals.rundata import MetricDecl
from evals.scoring import SampleScore, ScoreInput, Scorer, ScorerFailed, ScorerOptions, ScoringContext


class PainterBackend(Backend):
    """Draws a square whose grey level is the first reference (0–255), as a PNG output; every
    fifth sample (ids ending in 0 or 5) it paints 50 levels too bright."""

    type_name = "painter"
    kind: ClassVar[BackendKind] = "baseline"
    modalities = frozenset({"text", "image"})
    outputs = frozenset({"text", "image"})

    async def answer(self, request: Request, sample: Sample) -> Response:
        level = int(sample.targets[0]) + (50 if sample.id.endswith(("0", "5")) else 0)
        buffer = io.BytesIO()
        Image.new("L", (8, 8), level).save(buffer, format="PNG")
        return Response(
            text=f"painted {level}",
            outputs=[OutputMedia(kind="image", data=buffer.getvalue(), mime="image/png", name="painting")],
        )

    async def generate(self, request: Request) -> Response:
        raise NotImplementedError


class Brightness(Scorer):
    """1 when the output image's mean grey level is within 2 of the reference, else 0."""

    name = "brightness"
    needs_outputs = frozenset({"image"})

    @property
    def metrics(self) -> tuple[MetricDecl, ...]:
        return (MetricDecl(name="bright_match", binary=True),)

    async def evaluate(self, item: ScoreInput, context: ScoringContext) -> SampleScore:
        image = item.output("image")
        if image is None:
            raise ScorerFailed("no image was produced")
        pixels = np.asarray(Image.open(io.BytesIO(image.read())).convert("L"), dtype=np.float64)
        mean = float(pixels.mean())
        hit = abs(mean - float(item.targets[0])) <= 2
        return SampleScore({"bright_match": 1.0 if hit else 0.0}, {"mean": mean})


class JudgeOptions(ScorerOptions):
    judge: str = "judge"


class AskJudge(Scorer):
    """Asks a judge backend whether the answer matches the reference; the judge says yes or no.
    Anything else is a verdict that cannot be read: the sample is not scored (never a 0)."""

    name = "ask_judge"
    Options = JudgeOptions
    options: JudgeOptions

    @property
    def metrics(self) -> tuple[MetricDecl, ...]:
        return (MetricDecl(name="judged_correct", binary=True),)

    def calls(self) -> list[str]:
        return [self.options.judge]

    async def evaluate(self, item: ScoreInput, context: ScoringContext) -> SampleScore:
        text = (
            f"Reference: {item.targets[0]}\nAnswer: {item.prediction}\nSame? Reply yes or no."
            f" [sample:{item.backend}-{item.sample_id}]"
        )
        request = Request(
            task=item.task,
            sample_id=f"judge:{item.backend}:{item.sample_id}",
            messages=(Message("user", (TextPart(text),)),),
        )
        response = await context.call(self.options.judge, request)
        if response.error is not None:
            raise ScorerFailed(f"the judge failed: {response.error.kind}")
        verdict = response.text.strip().lower()
        if verdict not in ("yes", "no"):
            raise ScorerFailed(f"unreadable verdict {verdict[:40]!r}", details={"verdict": verdict[:200]})
        return SampleScore({"judged_correct": 1.0 if verdict == "yes" else 0.0}, {"reason": verdict})


__all__ = ["AskJudge", "Brightness", "PainterBackend", "Usage"]
