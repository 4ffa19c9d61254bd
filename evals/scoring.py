"""The scorer interface: what a scorer sees (`ScoreInput`), what it returns (`SampleScore`),
and how it may call a model (`ModelCaller`).

A scorer registers under the entry-point group `evals.scorers` and declares the metrics it
produces (`MetricDecl`, the same record run.json stores). Scoring is a stage of its own: it
turns a journaled response into scores, so `run-eval rescore` can re-run it without the models.

Two base classes:
- `Scorer`: `async evaluate(item, context)`. It sees the prediction, the output media (a
  generated image, a spoken reply), the sample's input media, targets, choices and metadata,
  and may await a model through `context.call(...)` — the runner's own limiter, retries,
  timeout, cache and budget, with the cost kept apart from the model's under test.
- `TextScorer`: the common case, a pure function of the prediction text and the references,
  `score(prediction, targets, *, choices, metadata)`; a `metric` class variable declares its
  one metric when it has only one.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

from pydantic import BaseModel, ConfigDict, JsonValue, ValidationError

from evals.errors import InputError
from evals.records import Request, Response
from evals.registry import Registry
from evals.rundata import MediaKind, MetricDecl, ScorerCalls

# A scorer declares its metrics with the record run.json stores (one definition of a metric).
Metric = MetricDecl


@dataclass(slots=True)
class SampleScore:
    """Per-metric values for one sample, the scorer's details, and flags such as `unparsed`."""

    values: dict[str, float]
    details: dict[str, Any] = field(default_factory=dict)
    flags: tuple[str, ...] = ()


class ScorerFailed(Exception):
    """A scorer could not score this sample (an unparseable judge verdict, a failed judge call).

    Recorded as the scorer's error for the sample — counted apart from the model's errors and
    never turned into a score of 0."""

    def __init__(self, message: str, *, details: Mapping[str, Any] | None = None) -> None:
        super().__init__(message)
        self.details = dict(details or {})


@dataclass(frozen=True, slots=True)
class MediaItem:
    """A medium a scorer may look at: its kind, MIME type, hash, and its bytes on demand."""

    kind: MediaKind
    mime: str | None
    sha256: str | None
    name: str | None
    load: Callable[[], bytes]

    def read(self) -> bytes:
        return self.load()


@dataclass(slots=True)
class ScoreInput:
    """Everything a scorer may use about one sample × backend."""

    task: str
    backend: str
    sample_id: str
    prediction: str
    targets: list[str]
    choices: list[str] | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)
    outputs: list[MediaItem] = field(default_factory=list)
    inputs: list[MediaItem] = field(default_factory=list)
    prompt: str | None = None

    def output(self, kind: MediaKind) -> MediaItem | None:
        return next((o for o in self.outputs if o.kind == kind), None)

    def input_media(self, kind: MediaKind) -> list[MediaItem]:
        return [m for m in self.inputs if m.kind == kind]


class ModelCaller(Protocol):
    """How a scorer calls a model: the runner's limiter, retries, timeout, cache and budget."""

    async def __call__(self, backend: str, request: Request) -> Response:
        """The backend's answer; a failed call returns a Response whose `error` is set."""
        ...


@dataclass(slots=True)
class ScoringContext:
    """What the scoring stage hands a scorer besides the sample: a way to call models and a
    ledger of what those calls cost (filled by the caller, read by the stage)."""

    caller: ModelCaller | None = None
    spend: dict[str, ScorerCalls] = field(default_factory=dict)
    seed: int = 0

    async def call(self, backend: str, request: Request) -> Response:
        if self.caller is None:
            raise ScorerFailed(f"no model can be called here (backend {backend!r} is not configured)")
        return await self.caller(backend, request)


class ScorerOptions(BaseModel):
    """Options a scorer accepts in a task file; subclasses add fields. Unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Scorer(ABC):
    """Scores one response of one sample; see the module docstring."""

    name: ClassVar[str]
    Options: ClassVar[type[ScorerOptions]] = ScorerOptions
    # Kinds of output media the scorer needs from a backend (checked before a run).
    needs_outputs: ClassVar[frozenset[str]] = frozenset()
    # True when the scorer reads the sample's input media (rescore then re-reads the dataset).
    needs_inputs: ClassVar[bool] = False

    def __init__(self, options: ScorerOptions | None = None) -> None:
        self.options = options if options is not None else self.Options()

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> Scorer:
        try:
            parsed = cls.Options.model_validate(dict(options))
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            allowed = ", ".join(cls.Options.model_fields) or "no options"
            raise InputError(
                f"scorer {cls.name!r} option {where!r}: {first['msg']}",
                fix=f"options allowed: {allowed}",
            ) from exc
        return cls(parsed)

    @property
    @abstractmethod
    def metrics(self) -> tuple[MetricDecl, ...]:
        """The metrics this scorer fills in `SampleScore.values`."""

    def calls(self) -> list[str]:
        """Names of the backends this scorer calls (judges); empty for pure scorers."""
        return []

    @property
    def compares_backends(self) -> bool:
        """True for a scorer that needs every backend's answer to a sample at once (a pairwise
        judge): the per-sample stage skips it and the pairwise stage runs it after generation."""
        return False

    def estimate_calls(
        self, item: ScoreInput, backends: Sequence[str], answer_tokens: int | None = None
    ) -> list[tuple[str, Request]]:
        """The model calls (judge name, request) this scorer would make for one sample answered
        by `backends`, with a stand-in answer of `answer_tokens` tokens: for --dry-run's
        estimate. Empty for scorers that call no model."""
        return []

    def options_record(self) -> dict[str, JsonValue]:
        dumped: dict[str, JsonValue] = self.options.model_dump(mode="json")
        return dumped

    @abstractmethod
    async def evaluate(self, item: ScoreInput, context: ScoringContext) -> SampleScore:
        """Score one sample; raise `ScorerFailed` when it cannot be scored (never return 0 for
        that), and never raise for a merely wrong prediction (flag it instead)."""


class TextScorer(Scorer):
    """A scorer that needs only the prediction text and the references.

    Subclasses implement `score`; one-metric scorers set `metric` and need no `metrics`."""

    metric: ClassVar[MetricDecl | None] = None

    @property
    def metrics(self) -> tuple[MetricDecl, ...]:
        if self.metric is None:
            raise NotImplementedError(f"{type(self).__name__} declares neither metric nor metrics")
        return (self.metric,)

    async def evaluate(self, item: ScoreInput, context: ScoringContext) -> SampleScore:
        return self.score(item.prediction, item.targets, choices=item.choices, metadata=item.metadata)

    @abstractmethod
    def score(
        self,
        prediction: str,
        targets: Sequence[str],
        *,
        choices: Sequence[str] | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> SampleScore:
        """Score one prediction; never raise for a bad prediction (flag it instead)."""


scorer_registry: Registry[Scorer] = Registry("evals.scorers", "scorer", Scorer)


def build_scorer(name: str, options: Mapping[str, Any] | None = None) -> Scorer:
    return scorer_registry.get(name).from_options(options or {})
