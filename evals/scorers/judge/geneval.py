"""`geneval`: GenEval-style checks of a generated image, clause by clause, through the judge.

A row lists its requirements (`requirements`: [{kind, question}], e.g. kind count, colour,
position, each a yes/no question); the vision judge is asked each one apart, as a pass/fail
verdict with the image shown, and the sample's score is the share of requirements met. Per-kind
shares (`geneval_count`, `geneval_colour`, `geneval_position`) show which kind of clause a model
gets wrong; a sample without a clause of a kind has no value for that kind.

Everything else is the judge scorer's: judges, structured verdicts, the strict parser, cost
kept apart, --dry-run estimates (one request per requirement).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any, ClassVar

from pydantic import Field, model_validator

from evals.records import Request
from evals.rundata import MetricDecl
from evals.scorers.judge.rubrics import inline_rubric
from evals.scorers.judge.scorer import JudgeOptions, JudgeScorer, _with
from evals.scorers.judge.verdict import VerdictError
from evals.scoring import SampleScore, ScoreInput, ScorerFailed, ScoringContext

KINDS: tuple[str, ...] = ("count", "colour", "position")
TEMPLATE = (
    "An image was generated for this prompt:\n{{ prompt }}\n\n"
    "Look at the image and answer one question about it, and only this one:\n{{ question }}\n"
    "Pass if the answer is yes, fail if it is no."
)


class GenEvalOptions(JudgeOptions):
    mode: Any = "pass_fail"
    requirements: str = Field("requirements", description="metadata field with [{kind, question}]")

    @model_validator(mode="after")
    def _pass_fail(self) -> GenEvalOptions:
        if self.mode != "pass_fail":
            raise ValueError("geneval asks yes/no questions: mode must be pass_fail")
        if self.rubric is not None:
            raise ValueError("geneval has its own question template; use template to change it")
        return self


class GenEvalScorer(JudgeScorer):
    name: ClassVar[str] = "geneval"
    Options = GenEvalOptions
    options: GenEvalOptions
    needs_outputs: ClassVar[frozenset[str]] = frozenset({"image"})

    def __init__(self, options: GenEvalOptions | None = None) -> None:
        chosen = options if options is not None else GenEvalOptions()
        if chosen.template is None:
            chosen = chosen.model_copy(update={"template": TEMPLATE})
        super().__init__(chosen)
        self.rubric = inline_rubric(chosen.template or TEMPLATE, name="geneval", scale=(0, 1))

    @property
    def metrics(self) -> tuple[MetricDecl, ...]:
        main = MetricDecl(
            name="geneval", scorer=self.name, description="share of the prompt's requirements met"
        )
        parts = tuple(
            MetricDecl(
                name=f"geneval_{kind}", scorer=self.name, description=f"share of {kind} requirements met"
            )
            for kind in KINDS
        )
        return (main, *parts)

    def _requirements(self, item: ScoreInput) -> list[tuple[str, str]]:
        raw = item.metadata.get(self.options.requirements)
        if not isinstance(raw, list) or not raw:
            raise ScorerFailed(f"the sample has no requirements in metadata {self.options.requirements!r}")
        out = []
        for entry in raw:
            if not isinstance(entry, dict) or not isinstance(entry.get("question"), str):
                raise ScorerFailed(f"a requirement must be {{kind, question}}; got {entry!r}")
            out.append((str(entry.get("kind") or "other"), entry["question"]))
        return out

    def requests(self, item: ScoreInput) -> list[tuple[str, Request]]:
        """(kind, judge request) for each requirement of the sample."""
        images = self._images(item.inputs, [item])
        out = []
        for k, (kind, question) in enumerate(self._requirements(item)):
            variables = self._variables(item)
            variables.update(prompt=item.prompt or "", question=question)
            sample_id = f"geneval:{item.backend}:{item.sample_id}:{k}"
            out.append((kind, self._request(item.task, sample_id, variables, images)))
        return out

    async def evaluate(self, item: ScoreInput, context: ScoringContext) -> SampleScore:
        if item.output("image") is None:
            return SampleScore({"geneval": 0.0}, flags=("no_image",))
        asked = self.requests(item)
        judge = self.judge_names[0]
        responses = await asyncio.gather(*(context.call(judge, request) for _, request in asked))
        met: dict[str, list[float]] = {}
        answers = []
        for (kind, request), response in zip(asked, responses, strict=True):
            try:
                verdict = self._read(response)
            except VerdictError as exc:
                raise ScorerFailed(f"requirement {request.sample_id.rsplit(':', 1)[1]}: {exc}") from None
            value = float(verdict.value) if isinstance(verdict.value, float) else 0.0
            met.setdefault(kind, []).append(value)
            answers.append({"kind": kind, "met": value, "reason": verdict.reason})
        every = [v for values in met.values() for v in values]
        scores = {"geneval": sum(every) / len(every)}
        for kind in KINDS:
            if kind in met:
                scores[f"geneval_{kind}"] = sum(met[kind]) / len(met[kind])
        return SampleScore(scores, details={"requirements": answers})

    def estimate_calls(
        self, item: ScoreInput, backends: Sequence[str], answer_tokens: int | None = None
    ) -> list[tuple[str, Request]]:
        try:
            return [
                (self.judge_names[0], request)
                for backend in backends
                for _, request in self.requests(_with(item, backend=backend, prediction=""))
            ]
        except ScorerFailed:
            return []
