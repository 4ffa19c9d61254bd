"""The `judge` scorer: a configured judge backend grades an answer against a rubric.

Modes:
- `pointwise`: a score on the rubric's scale (e.g. 1-5), normalised to 0-1 as the metric.
- `pass_fail`: pass or fail; the metric is the pass rate.
- `reference`: graded against the sample's reference answer (a sample without one is a scorer
  error); a score on the scale, normalised to 0-1.
- `pairwise`: two backends' answers to the same sample, compared in both orders. This needs
  every backend's answer at once, so the per-sample stage skips it and the pairwise stage
  (evals/runner/pairwise.py) calls `compare` after generation; results go to pairwise.jsonl.

The judge sees the sample's input images and the output image (as image parts) unless
`images: false`. Each judge request asks for a JSON verdict with the provider's structured
output where the backend supports it (`response_schema`), and every verdict goes through the
strict parser: an unreadable one is a `ScorerFailed` with the reason, never a 0. With several
judges (`judges: [a, b]`), each is asked; the metric is the mean of the verdicts that could be
read, and each judge's verdict is kept in the details for the agreement figures.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, Literal

from pydantic import Field, JsonValue, model_validator

from evals.errors import InputError
from evals.media import Media
from evals.records import GenerationParams, MediaPart, Message, Part, Request, Response, TextPart
from evals.rundata import ErrorInfo, MetricDecl, PairwiseRecord, PairwiseVerdict, ScorerCalls
from evals.scorers.judge.rubrics import Rubric, inline_rubric, load_rubric
from evals.scorers.judge.verdict import (
    Mode,
    Verdict,
    VerdictError,
    format_instruction,
    parse_verdict,
    verdict_schema,
)
from evals.scoring import (
    MediaItem,
    SampleScore,
    ScoreInput,
    Scorer,
    ScorerFailed,
    ScorerOptions,
    ScoringContext,
)
from evals.values import safe_text

DEFAULT_RUBRIC: dict[Mode, str] = {
    "pointwise": "helpfulness",
    "pass_fail": "correctness",
    "reference": "correctness",
    "pairwise": "helpfulness",
}
# A stand-in answer for --dry-run's estimate: as long as the task lets the model answer.
_ESTIMATE_CHARS_PER_TOKEN = 4


class JudgeOptions(ScorerOptions):
    mode: Mode = "pointwise"
    judge: str | None = Field(None, description="the judge backend (a name under judges: in the run config)")
    judges: list[str] = Field(default_factory=list, description="several judges: each is asked")
    rubric: str | None = Field(None, description="a built-in rubric's name or a rubric file's path")
    template: str | None = Field(None, description="an inline rubric (Jinja2) instead of a rubric file")
    system: str | None = Field(None, description="with template: the judge's system prompt")
    scale: tuple[int, int] | None = Field(None, description="[low, high] of a score (default: the rubric's)")
    metric: str | None = Field(None, description="the metric's name (default: judge_<rubric>)")
    images: bool = Field(True, description="show the judge the sample's images and the output image")
    max_tokens: int = Field(300, ge=16, description="the judge's answer length limit")
    structured: bool = Field(True, description="ask for the verdict as structured output (JSON schema)")
    pairs: list[tuple[str, str]] | None = Field(None, description="pairwise: backend pairs (default: all)")

    @model_validator(mode="after")
    def _consistent(self) -> JudgeOptions:
        if self.judge is not None and self.judges:
            raise ValueError("give judge or judges, not both")
        if len(set(self.judges)) != len(self.judges):
            raise ValueError("judges lists a judge twice")
        if self.rubric is not None and self.template is not None:
            raise ValueError("give rubric or template, not both")
        if self.system is not None and self.template is None:
            raise ValueError("system goes with an inline template; a rubric file has its own")
        if self.pairs is not None and self.mode != "pairwise":
            raise ValueError("pairs is for mode pairwise")
        if self.scale is not None and self.scale[0] >= self.scale[1]:
            raise ValueError("scale must be [low, high] with low < high")
        return self


class JudgeScorer(Scorer):
    """A judge backend grades the answer against a rubric (see the module docstring)."""

    name: ClassVar[str] = "judge"
    Options = JudgeOptions
    options: JudgeOptions
    needs_inputs = True

    def __init__(self, options: ScorerOptions | None = None) -> None:
        super().__init__(options)
        opts = self.options
        if opts.template is not None:
            self.rubric: Rubric = inline_rubric(
                opts.template, name="inline", scale=opts.scale or (1, 5), system=opts.system
            )
        else:
            self.rubric = load_rubric(opts.rubric or DEFAULT_RUBRIC[opts.mode])
        self.scale: tuple[int, int] = opts.scale or self.rubric.scale
        self.judge_names: list[str] = list(opts.judges) or [opts.judge or "judge"]

    # ---- declarations ----------------------------------------------------------------------

    @property
    def mode(self) -> Mode:
        return self.options.mode

    @property
    def metric_name(self) -> str:
        if self.options.metric:
            return self.options.metric
        stem = "judge_" + self.rubric.name.replace("-", "_")
        return stem + "_pass" if self.mode == "pass_fail" else stem

    @property
    def metrics(self) -> tuple[MetricDecl, ...]:
        if self.mode == "pairwise":
            return ()  # its figures are win rates (summary.json's judging section)
        what = {
            "pointwise": f"judge's {self.rubric.name} score {self.scale[0]}-{self.scale[1]}, as 0-1",
            "pass_fail": f"share the judge passed ({self.rubric.name})",
            "reference": f"judge's grade against the reference ({self.rubric.name}), as 0-1",
        }[self.mode]
        return (MetricDecl(name=self.metric_name, binary=self.mode == "pass_fail", description=what),)

    def calls(self) -> list[str]:
        return list(self.judge_names)

    @property
    def compares_backends(self) -> bool:
        return self.mode == "pairwise"

    def options_record(self) -> dict[str, JsonValue]:
        record = super().options_record()
        record["resolved_rubric"] = self.rubric.name
        record["rubric_sha256"] = self.rubric.sha256
        record["resolved_scale"] = list(self.scale)
        return record

    # ---- requests --------------------------------------------------------------------------

    def _variables(self, item: ScoreInput) -> dict[str, Any]:
        return {
            "question": item.prompt or "",
            "answer": item.prediction,
            "reference": item.targets[0] if item.targets else "",
            "references": list(item.targets),
            "choices": list(item.choices or []),
            "metadata": dict(item.metadata),
            "scale_low": self.scale[0],
            "scale_high": self.scale[1],
            "mode": self.mode,
        }

    def _images(self, shared: Sequence[MediaItem], answers: Sequence[ScoreInput]) -> list[Part]:
        if not self.options.images:
            return []
        parts: list[Part] = []
        for media in shared:
            if media.kind == "image":
                parts.append(MediaPart(Media.from_bytes("image", media.read(), mime=media.mime)))
        for answer in answers:
            produced = answer.output("image")
            if produced is not None:
                parts.append(MediaPart(Media.from_bytes("image", produced.read(), mime=produced.mime)))
        return parts

    def _request(self, task: str, sample_id: str, variables: dict[str, Any], images: list[Part]) -> Request:
        if self.rubric.needs_reference and not variables["reference"]:
            raise ScorerFailed(f"rubric {self.rubric.name!r} needs a reference answer; this sample has none")
        try:
            system, prompt = self.rubric.render(variables)
        except ValueError as exc:
            raise ScorerFailed(str(exc)) from None
        text = f"{prompt}\n\n{format_instruction(self.mode, self.scale)}"
        messages = []
        if system:
            messages.append(Message("system", (TextPart(system),)))
        messages.append(Message("user", (*images, TextPart(text))))
        params = GenerationParams(
            max_tokens=self.options.max_tokens,
            temperature=0.0,
            seed=0,
            response_schema=verdict_schema(self.mode, self.scale) if self.options.structured else None,
        )
        return Request(task=task, sample_id=sample_id, messages=tuple(messages), params=params)

    def request_for(self, item: ScoreInput) -> Request:
        """The judge request for one answer (pointwise, pass_fail, reference)."""
        if self.mode == "reference" and not item.targets:
            raise ScorerFailed("mode reference needs a reference answer; this sample has none")
        images = self._images(item.inputs, [item])
        return self._request(
            item.task, f"judge:{item.backend}:{item.sample_id}", self._variables(item), images
        )

    def pair_request(self, first: ScoreInput, second: ScoreInput) -> Request:
        """The judge request comparing two answers, `first` shown as answer 1."""
        variables = self._variables(first)
        variables.update(
            answer=None,
            answer_1=first.prediction,
            answer_2=second.prediction,
            backend_1=first.backend,
            backend_2=second.backend,
        )
        images = self._images(first.inputs, [first, second])
        sample_id = f"judge:{first.backend}|{second.backend}:{first.sample_id}"
        return self._request(first.task, sample_id, variables, images)

    # ---- verdicts --------------------------------------------------------------------------

    def _read(self, response: Response) -> Verdict:
        if response.error is not None:
            raise VerdictError(f"the judge call failed ({response.error.kind}): {response.error.message}")
        return parse_verdict(response.text, self.mode, self.scale)

    async def evaluate(self, item: ScoreInput, context: ScoringContext) -> SampleScore:
        if self.mode == "pairwise":
            return SampleScore({})  # judged by the pairwise stage, with every backend's answer
        request = self.request_for(item)
        responses = await asyncio.gather(*(context.call(name, request) for name in self.judge_names))
        verdicts: dict[str, dict[str, JsonValue]] = {}
        read: dict[str, Verdict] = {}
        failures: list[str] = []
        for name, response in zip(self.judge_names, responses, strict=True):
            try:
                verdict = self._read(response)
            except VerdictError as exc:
                reason = f"unparseable verdict from {name}: {exc}" if response.error is None else str(exc)
                verdicts[name] = {"error": reason, "raw": safe_text(response.text)[:500]}
                failures.append(reason)
                continue
            read[name] = verdict
            verdicts[name] = {"value": verdict.value, "reason": verdict.reason}
        details: dict[str, Any] = {"mode": self.mode, "rubric": self.rubric.name, "verdicts": verdicts}
        if not read:
            details["reason"] = failures[0]
            raise ScorerFailed(failures[0], details=details)
        values = [float(v.value) for v in read.values() if isinstance(v.value, float)]
        raw = sum(values) / len(values)
        low, high = self.scale
        normalised = raw if self.mode == "pass_fail" else (raw - low) / (high - low)
        details["value"] = raw
        details["reason"] = (
            next(iter(read.values())).reason
            if len(self.judge_names) == 1
            else "; ".join(f"{name}: {v.reason}" for name, v in read.items())
        )
        flags = ("judge_partial",) if failures else ()
        return SampleScore({self.metric_name: normalised}, details, flags)

    async def compare(
        self, a: ScoreInput, b: ScoreInput, judge: str, context: ScoringContext
    ) -> PairwiseRecord:
        """Ask `judge` about a and b in both orders; combine them into one outcome."""
        a_first, b_first = await asyncio.gather(
            self._pair_verdict(a, b, judge, context), self._pair_verdict(b, a, judge, context)
        )
        outcome, consistent = combine_orders(a_first, b_first)
        preference = a.metadata.get("human_preference")
        return PairwiseRecord(
            task=a.task,
            scorer=self.name,
            judge=judge,
            sample_id=a.sample_id,
            backend_a=a.backend,
            backend_b=b.backend,
            a_first=a_first,
            b_first=b_first,
            outcome=outcome,
            consistent=consistent,
            calls=ScorerCalls(backend=judge),
            human_preference=str(preference) if preference not in (None, "") else None,
        )

    async def _pair_verdict(
        self, first: ScoreInput, second: ScoreInput, judge: str, context: ScoringContext
    ) -> PairwiseVerdict:
        try:
            request = self.pair_request(first, second)
            response = await context.call(judge, request)
            verdict = self._read(response)
        except (ScorerFailed, VerdictError) as exc:
            return PairwiseVerdict(error=ErrorInfo(kind="scorer", message=safe_text(str(exc))[:500]))
        return PairwiseVerdict(winner=verdict.winner, reason=verdict.reason)

    # ---- --dry-run -------------------------------------------------------------------------

    def estimate_calls(
        self, item: ScoreInput, backends: Sequence[str], answer_tokens: int | None = None
    ) -> list[tuple[str, Request]]:
        """The judge requests one sample would cost, with a stand-in answer as long as the
        task's max_tokens allows (an upper bound, like the models' own estimate)."""
        stand_in = "x" * (_ESTIMATE_CHARS_PER_TOKEN * (answer_tokens or 256))
        answers = [_with(item, backend=b, prediction=stand_in) for b in backends]
        try:
            if self.mode == "pairwise":
                pairs = self.pairs_of(backends)
                requests = [
                    self.pair_request(answers[backends.index(x)], answers[backends.index(y)])
                    for a, b in pairs
                    for x, y in ((a, b), (b, a))
                ]
            else:
                requests = [self.request_for(answer) for answer in answers]
        except ScorerFailed:
            return []
        return [(judge, request) for judge in self.judge_names for request in requests]

    def pairs_of(self, backends: Sequence[str]) -> list[tuple[str, str]]:
        """The backend pairs a pairwise judge compares: the listed ones, or every pair in the
        run's order."""
        if self.options.pairs is not None:
            return [(a, b) for a, b in self.options.pairs if a in backends and b in backends]
        return [(a, b) for i, a in enumerate(backends) for b in backends[i + 1 :]]


def combine_orders(
    a_first: PairwiseVerdict, b_first: PairwiseVerdict
) -> tuple[Literal["a", "b", "tie"] | None, bool | None]:
    """One outcome from both orders: the winner when the verdicts agree once the swap is undone,
    a tie when they disagree (position bias cancelled); None when either could not be read."""
    if a_first.winner is None or b_first.winner is None:
        return None, None
    as_a = {"first": "a", "second": "b", "tie": "tie"}[a_first.winner]
    as_b = {"first": "b", "second": "a", "tie": "tie"}[b_first.winner]
    if as_a == as_b:
        return as_a, True  # type: ignore[return-value]
    return "tie", False


def _with(item: ScoreInput, **changes: Any) -> ScoreInput:
    fields = {name: getattr(item, name) for name in ScoreInput.__dataclass_fields__}
    fields.update(changes)
    return ScoreInput(**fields)


class PairwiseJudgeScorer(JudgeScorer):
    """The judge in pairwise mode under its own name, so a task can have a per-answer judge
    (`judge`) and a pairwise one (`judge_pairwise`) side by side."""

    name: ClassVar[str] = "judge_pairwise"

    def __init__(self, options: ScorerOptions | None = None) -> None:
        super().__init__(options if options is not None else JudgeOptions(mode="pairwise"))

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> Scorer:
        if options.get("mode", "pairwise") != "pairwise":
            raise InputError(
                f"scorer {cls.name!r} is always mode pairwise", fix="use scorer judge for other modes"
            )
        return super().from_options({**dict(options), "mode": "pairwise"})


JUDGE_SCORERS = (JudgeScorer.name, PairwiseJudgeScorer.name)
