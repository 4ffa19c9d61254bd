"""A test backend that answers right except on the sample ids it is told, and a toy corpus
metric (word errors over reference words) whose details carry the numerator and denominator."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import Field

from evals.backends.base import Backend, BackendOptions
from evals.records import Request, Response, Sample, Usage
from evals.scoring import Metric, SampleScore, TextScorer


class ScriptedOptions(BackendOptions):
    wrong: list[str] = Field(default_factory=list)  # sample ids answered wrong
    wrong_answer: str = "nope"
    cost_per_call: float = 0.002


class ScriptedBackend(Backend):
    type_name = "scripted"
    kind = "provider"
    cacheable = False
    modalities = frozenset({"text", "image", "audio", "video"})
    options: ScriptedOptions
    Options = ScriptedOptions

    async def answer(self, request: Request, sample: Sample) -> Response:
        text = self.options.wrong_answer if sample.id in self.options.wrong else sample.targets[0]
        return Response(text=text, usage=Usage(input_tokens=10, output_tokens=2))

    async def generate(self, request: Request) -> Response:  # pragma: no cover - answer() is used
        raise NotImplementedError

    def cost(self, usage: Usage) -> float | None:
        return self.options.cost_per_call


class ToyWER(TextScorer):
    """Word errors (position-wise mismatches plus length difference) over reference words."""

    name = "toy_wer"

    @property
    def metrics(self) -> tuple[Metric, ...]:
        return (Metric(name="toy_wer", higher_is_better=False, ratio_of=("errors", "words")),)

    def score(
        self,
        prediction: str,
        targets: Sequence[str],
        *,
        choices: Sequence[str] | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> SampleScore:
        hyp, ref = prediction.split(), targets[0].split()
        errors = sum(1 for a, b in zip(hyp, ref, strict=False) if a != b) + abs(len(hyp) - len(ref))
        words = max(len(ref), 1)
        return SampleScore({"toy_wer": errors / words}, details={"errors": errors, "words": words})
