"""The run directory's records, typed and versioned: the only way in or out of a run.

Every reader and writer (runner, finalize, report, compare, gate, baseline, `load_run`, the
viewer) goes through these models, so "what can a journal line say?" has one answer. They live
at the lowest layer: they import nothing from the rest of the package.

Schema 2 (this one) adds to schema 1: typed usage, latency (time to first token and to first
audio, per-stage times), output media stored in `media/`, input media references with stored
previews, the row's choices, scorer errors kept apart from model errors, and the cost of
scorers that call models (judges). Schema 1 files still load: `upgrade_*` turns their dicts into
schema 2 records (the fields they lack are empty).
"""

from __future__ import annotations

import math
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue, PrivateAttr, field_validator, model_validator

SCHEMA_VERSION = 2
READABLE_VERSIONS = (1, 2)

ErrorKind = Literal[
    "rate_limit",  # 429
    "server",  # 5xx, overloaded
    "timeout",  # no answer within the request timeout
    "connection",  # refused, reset, dropped
    "bad_request",  # 400, 413, 422: the request must change
    "auth",  # 401: the key is missing or wrong
    "permission",  # 403
    "not_found",  # 404: wrong model or URL
    "bad_response",  # malformed or empty body
    "refusal",  # the model declined or its answer was blocked (a content filter)
    "media",  # the sample's media could not be read or decoded
    "unsupported",  # the backend cannot take this input
    "budget",  # not sent: the run's budget was spent
    "scorer",  # a scorer could not score (an unparseable judge verdict, a failed judge call)
    "internal",  # a bug in a backend or scorer; see the message
]
Status = Literal["ok", "error", "not_run"]
RunStatus = Literal["running", "finalizing", "finished", "failed", "interrupted", "killed"]
MediaKind = Literal["image", "audio", "video"]

# Usage figures above this are not believed (issue: a provider reporting 1e300 tokens).
MAX_USAGE = 10**12


class Record(BaseModel):
    """Strict on what it accepts; frozen is left off so writers can fill records in steps."""

    model_config = ConfigDict(extra="forbid", validate_assignment=False)


class ErrorInfo(Record):
    """Why a sample (or one of its scorers) has no answer: an error is never a wrong answer."""

    kind: ErrorKind
    message: str
    retryable: bool = False
    status: int | None = None
    retry_after: float | None = None


USAGE_TOKEN_FIELDS = (
    "input_tokens",
    "output_tokens",
    "cached_input_tokens",
    "image_tokens",
    "audio_tokens",
    "output_audio_tokens",
    "reasoning_tokens",
    "video_tokens",
)


MAX_COUNT = 10**12  # no answer uses a trillion tokens (or seconds, or characters)


def _sane_count(value: Any) -> bool:
    """A count a provider could really report: a non-negative, finite, whole-ish number."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return math.isfinite(value) and 0 <= value <= MAX_COUNT


class Usage(Record):
    """What the provider reported (None where it did not). Token fields are input unless named
    output; `image_tokens`/`audio_tokens` are input tokens of that modality."""

    input_tokens: int | None = None
    output_tokens: int | None = None
    cached_input_tokens: int | None = None
    image_tokens: int | None = None
    audio_tokens: int | None = None
    output_audio_tokens: int | None = None
    reasoning_tokens: int | None = None
    audio_seconds: float | None = None
    input_characters: int | None = None  # services priced by characters (text to speech)
    output_images: int | None = None  # images generated
    # Input tokens spent on video: as the provider reports them (Gemini), or for a video sent as
    # frames, the frames' share by the provider's image rule (APIs that report only a total).
    video_tokens: int | None = None
    output_audio_seconds: float | None = None  # length of produced speech (a realtime reply)
    # Fields the provider reported as something no count can be (negative, absurd, not a
    # number): dropped to None here, where usage enters, and named so the cost is unknown.
    _invalid: tuple[str, ...] = PrivateAttr(default=())

    @model_validator(mode="wrap")
    @classmethod
    def _sane_counts(cls, data: Any, handler: Any) -> Usage:
        bad: list[str] = []
        if isinstance(data, dict):
            data = dict(data)
            for name, value in data.items():
                fractional = (
                    isinstance(value, float) and not name.endswith("_seconds") and not value.is_integer()
                )
                if name in cls.model_fields and value is not None and (fractional or not _sane_count(value)):
                    bad.append(name)
                    data[name] = None
        usage: Usage = handler(data)
        if bad:
            usage._invalid = tuple(bad)
        return usage

    @property
    def invalid(self) -> tuple[str, ...]:
        """Fields the provider reported as impossible values (so the cost is unknown)."""
        return self._invalid

    def is_empty(self) -> bool:
        return all(getattr(self, name) is None for name in type(self).model_fields)

    def total(self, name: str) -> int:
        value = getattr(self, name)
        return int(value) if value is not None else 0

    def plus(self, other: Usage) -> Usage:
        """Field-wise sum; a field stays None only when both are None."""
        summed: dict[str, int | float | None] = {}
        for name in type(self).model_fields:
            a, b = getattr(self, name), getattr(other, name)
            summed[name] = None if a is None and b is None else (a or 0) + (b or 0)
        return Usage.model_validate(summed)


class Latency(Record):
    """Seconds. `ttft_s`: first text token; `ttfa_s`: first audio byte after the end of the
    input speech; `stages`: per-stage totals of a composed backend (a cascade)."""

    total_s: float | None = None
    queue_s: float | None = None
    ttft_s: float | None = None
    ttfa_s: float | None = None
    stages: dict[str, float] = Field(default_factory=dict)

    def is_empty(self) -> bool:
        return self.total_s is None and self.ttft_s is None and self.ttfa_s is None and not self.stages


class MediaRef(Record):
    """A medium named by its content. `stored` is its path inside the run directory
    (`media/<sha256>.<ext>`) when the run keeps a copy (every output; input previews); `path`
    is where an input was read from (may be gone later)."""

    kind: MediaKind
    sha256: str | None = None
    mime: str | None = None
    path: str | None = None
    stored: str | None = None
    name: str | None = None  # the field it came from, or the output's role
    bytes: int | None = None
    seconds: float | None = None  # a video's duration (its header's), for length breakdowns
    frames: MediaRef | None = None  # a video's poster frame and strip of sampled frames (an image)


class ScorerCalls(Record):
    """What one scorer spent calling models (a judge) for one sample: kept apart from the cost
    of the model under test."""

    backend: str
    calls: int = 0
    cached: int = 0
    usage: Usage = Field(default_factory=Usage)
    cost_usd: float | None = 0.0  # what the answers cost, cached or not (unknown: None)
    spent_usd: float = 0.0  # what this run paid (cache hits are free)
    latency_s: float = 0.0


class SampleRecord(Record):
    """One line of the journal (`samples.jsonl`): one sample's outcome on one backend."""

    task: str
    backend: str
    sample_id: str
    status: Status
    prediction: str | None = None
    outputs: list[MediaRef] = Field(default_factory=list)
    targets: list[str] = Field(default_factory=list)
    choices: list[str] | None = None
    metadata: dict[str, JsonValue] = Field(default_factory=dict)
    scores: dict[str, float] = Field(default_factory=dict)
    details: dict[str, dict[str, JsonValue]] = Field(default_factory=dict)
    flags: list[str] = Field(default_factory=list)
    scorer_errors: dict[str, ErrorInfo] = Field(default_factory=dict)
    scorer_calls: dict[str, ScorerCalls] = Field(default_factory=dict)
    usage: Usage = Field(default_factory=Usage)
    cost_usd: float | None = None
    latency: Latency = Field(default_factory=Latency)
    cached: bool = False
    attempts: int = 0
    error: ErrorInfo | None = None
    finish_reason: str | None = None
    # The backend's confidence in its answer, 0–1: exp(mean token log-probability) where the
    # provider returned log-probabilities, an engine's own estimate otherwise (evals/review.py).
    confidence: float | None = None
    # Per stage of a composite backend: its cost (`cost_usd`) and a routing stage's `answer` (the
    # document type a pipeline's classifier chose); the seconds are in `latency.stages`.
    stages: dict[str, dict[str, JsonValue]] = Field(default_factory=dict)
    request_hash: str | None = None
    prompt: str | None = None
    inputs: list[MediaRef] = Field(default_factory=list)
    model: str | None = None
    finished_at: float | None = None

    @field_validator("scores")
    @classmethod
    def _finite_scores(cls, scores: dict[str, float]) -> dict[str, float]:
        for name, value in scores.items():
            if not math.isfinite(value):
                raise ValueError(f"score {name!r} is not a finite number")
        return scores

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.task, self.backend, self.sample_id)

    @property
    def judge_cost_usd(self) -> float | None:
        costs = [c.cost_usd for c in self.scorer_calls.values()]
        return None if any(c is None for c in costs) else float(sum(c or 0.0 for c in costs))


# ---- run.json -------------------------------------------------------------------------------


class MetricDecl(Record):
    """A metric as a task declares it: its scorer, direction and how it aggregates.

    `ratio_of=(num, den)` names two keys of the scorer's per-sample details; the headline is
    sum(num) / sum(den) over samples. `corpus` names a combiner (evals/corpus.py) of summed
    per-sample statistics (`corpus_stats`, keys of the details), e.g. corpus BLEU.
    """

    name: str
    scorer: str = ""
    higher_is_better: bool = True
    ratio_of: tuple[str, str] | None = None
    corpus: str | None = None
    corpus_stats: tuple[str, ...] = ()
    binary: bool = False
    description: str = ""

    @property
    def aggregation(self) -> Literal["mean", "corpus"]:
        return "corpus" if self.ratio_of or self.corpus else "mean"


class ScorerDecl(Record):
    """A scorer of a task, as configured, and the backends it calls (judges), if any."""

    name: str
    options: dict[str, JsonValue] = Field(default_factory=dict)
    calls: list[str] = Field(default_factory=list)


class TaskInfo(Record):
    name: str
    kind: str | None = None
    path: str | None = None
    sha256: str | None = None
    # Hash of what decides the requests (the task minus its scorers, description and tags):
    # `rescore` refuses a task whose requests would differ from the ones the run sent.
    request_sha256: str | None = None
    metrics: list[MetricDecl] = Field(default_factory=list)
    scorers: list[ScorerDecl] = Field(default_factory=list)
    breakdowns: list[str] = Field(default_factory=list)
    backends: list[str] = Field(default_factory=list)
    aggregate: dict[str, JsonValue] | None = None  # a benchmark's own headline (task YAML)
    review: dict[str, JsonValue] | None = None  # an extract task's review routing (extract.review)

    def metric(self, name: str) -> MetricDecl | None:
        return next((m for m in self.metrics if m.name == name), None)


BackendRole = Literal["model", "judge"]


class BackendInfo(Record):
    name: str
    type: str | None = None
    kind: str | None = None  # provider | engine | baseline
    model: str | None = None
    role: BackendRole = "model"
    base_url: str | None = None
    modalities: list[str] = Field(default_factory=list)
    outputs: list[str] = Field(default_factory=list)
    concurrency: int | None = None
    rpm: float | None = None
    timeout: float | None = None
    max_retries: int | None = None
    versions: dict[str, str] = Field(default_factory=dict)


class Attempt(Record):
    """One `run` or `--resume` of the run directory."""

    started_at: float
    finished_at: float | None = None
    status: RunStatus = "running"
    requests: int = 0
    cache_hits: int = 0
    journaled: int = 0
    skipped: int = 0
    not_run: int = 0
    judge_requests: int = 0


class RunInfo(Record):
    """run.json: what ran, with what, when, and how it ended."""

    schema_version: int = SCHEMA_VERSION
    run_id: str
    name: str = "run"
    status: RunStatus = "running"
    started_at: float | None = None
    finished_at: float | None = None
    config: dict[str, JsonValue] = Field(default_factory=dict)
    config_base: str | None = None
    seed: int = 0
    tasks: list[TaskInfo] = Field(default_factory=list)
    backends: list[BackendInfo] = Field(default_factory=list)
    versions: dict[str, str] = Field(default_factory=dict)
    git_commit: str | None = None
    attempts: list[Attempt] = Field(default_factory=list)
    rescored_at: float | None = None
    merged_from: list[str] = Field(default_factory=list)  # the shard run directories joined here

    def task(self, name: str) -> TaskInfo | None:
        return next((t for t in self.tasks if t.name == name), None)

    def backend(self, name: str) -> BackendInfo | None:
        return next((b for b in self.backends if b.name == name), None)

    @property
    def model_backends(self) -> list[BackendInfo]:
        return [b for b in self.backends if b.role == "model"]


# ---- summary.json ---------------------------------------------------------------------------


class MetricSummary(Record):
    value: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    n: int = 0
    higher_is_better: bool = True
    aggregation: Literal["mean", "corpus", "benchmark"] = "mean"
    sample_mean: float | None = None  # the mean per sample, for corpus metrics


class Percentiles(Record):
    p50: float | None = None
    p95: float | None = None
    p99: float | None = None
    mean: float | None = None
    n: int = 0
    # 95% bootstrap intervals of the percentiles, for streamed latencies (TTFT/TTFA).
    p50_ci: tuple[float, float] | None = None
    p95_ci: tuple[float, float] | None = None
    p99_ci: tuple[float, float] | None = None


class BreakdownGroup(Record):
    n: int
    metrics: dict[str, MetricSummary] = Field(default_factory=dict)


class LabelScores(Record):
    precision: float
    recall: float
    f1: float
    support: int


class ClassificationSummary(Record):
    labels: list[str]
    confusion_matrix: list[list[int]]
    per_label: dict[str, LabelScores]
    macro_f1: float | None = None


class BenchmarkSummary(Record):
    """A benchmark's own headline (the task's `aggregate:`), with its bootstrap interval over the
    benchmark's units (questions, images) and its named parts (per group, per total)."""

    kind: str
    value: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    n: int = 0
    unit: str = "samples"
    parts: dict[str, float | None] = Field(default_factory=dict)
    note: str = ""


class JudgeSpend(Record):
    """Cost of the scorers that call models, for one task × backend cell."""

    calls: int = 0
    cached: int = 0
    cost_usd: float | None = 0.0
    tokens: dict[str, int] = Field(default_factory=dict)
    latency_s: Percentiles = Field(default_factory=Percentiles)
    by_scorer: dict[str, float | None] = Field(default_factory=dict)


class SummaryCell(Record):
    task: str
    kind: str | None = None
    backend: str
    backend_type: str | None = None
    backend_kind: str | None = None
    model: str | None = None
    n_total: int = 0
    n_scored: int = 0
    n_errors: int = 0
    n_not_run: int = 0
    error_rate: float = 0.0
    errors_by_kind: dict[str, int] = Field(default_factory=dict)
    scorer_errors: dict[str, int] = Field(default_factory=dict)
    flags: dict[str, int] = Field(default_factory=dict)
    cache_hits: int = 0
    cost_usd: float | None = None
    spent_usd: float = 0.0
    cost_per_sample_usd: float | None = None
    tokens: dict[str, int] = Field(default_factory=dict)
    latency_s: Percentiles = Field(default_factory=Percentiles)
    ttft_s: Percentiles | None = None
    ttfa_s: Percentiles | None = None
    metrics: dict[str, MetricSummary] = Field(default_factory=dict)
    breakdowns: dict[str, dict[str, BreakdownGroup]] = Field(default_factory=dict)
    classification: dict[str, ClassificationSummary] = Field(default_factory=dict)
    judge: JudgeSpend | None = None
    benchmark: BenchmarkSummary | None = None

    @property
    def key(self) -> tuple[str, str]:
        return (self.task, self.backend)

    def headline(self) -> str | None:
        """A task's headline metric is the first one it declares."""
        return next(iter(self.metrics), None)


# ---- model-graded scoring: pairwise verdicts and the judges' own trust figures ---------------

PairwiseWinner = Literal["first", "second", "tie"]


class PairwiseVerdict(Record):
    """What a judge said about one ordering of two answers: whether it prefers the answer shown
    first or second (or a tie), and why; `error` when the verdict could not be had or read."""

    winner: PairwiseWinner | None = None
    reason: str | None = None
    error: ErrorInfo | None = None


class PairwiseRecord(Record):
    """One line of `pairwise.jsonl`: two backends' answers to one sample, judged in both orders
    (A first, then B first) to cancel position bias. `outcome` is the winner once both orders
    are combined (a tie when they disagree); `consistent` says whether the verdict survived the
    swap. `judge` is the judge backend (one record per judge when a scorer lists several)."""

    task: str
    scorer: str
    judge: str
    sample_id: str
    backend_a: str
    backend_b: str
    a_first: PairwiseVerdict
    b_first: PairwiseVerdict
    outcome: Literal["a", "b", "tie"] | None = None
    consistent: bool | None = None
    calls: ScorerCalls
    human_preference: str | None = None  # the row's label: a backend's name or "tie"


class AgreementFigure(Record):
    """One agreement statistic with its 95% bootstrap interval: a judge against human labels
    (`against` "human") or judges against each other (`against` "judges")."""

    statistic: str  # cohen_kappa | weighted_kappa | spearman | accuracy | krippendorff_alpha
    value: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    n: int = 0
    against: Literal["human", "judges"] = "human"
    judge: str | None = None  # which judge (None: all the scorer's judges together)
    backend: str | None = None  # whose answers were judged (None: every backend)
    note: str = ""


class WinRate(Record):
    """Backend A against backend B over the samples both answered: wins, losses and ties after
    both orders; `win_rate` counts a tie as half a win; the interval resamples samples."""

    backend_a: str
    backend_b: str
    n: int = 0
    wins: int = 0
    losses: int = 0
    ties: int = 0
    win_rate: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    position_consistency: float | None = None
    errors: int = 0


class JudgeDisagreement(Record):
    """A sample where judges (or a judge and the human label) disagreed: the values each gave."""

    sample_id: str
    backend: str
    values: dict[str, float | str | None] = Field(default_factory=dict)


class JudgingSummary(Record):
    """One judge scorer of one task: who judged with which rubric, what it cost, how far it can
    be trusted (agreement with human labels, between judges, position consistency), the
    pairwise win-rate matrix, and the samples where judges disagreed."""

    task: str
    scorer: str
    mode: str
    rubric: str | None = None
    judges: list[str] = Field(default_factory=list)
    models: dict[str, str | None] = Field(default_factory=dict)
    calls: int = 0
    cached: int = 0
    cost_usd: float | None = 0.0
    scored: int = 0
    verdict_errors: int = 0
    agreement: list[AgreementFigure] = Field(default_factory=list)
    win_rates: list[WinRate] = Field(default_factory=list)
    position_consistency: float | None = None
    disagreements: list[JudgeDisagreement] = Field(default_factory=list)


class ReplicaSummary(Record):
    """One replica of a backend with several `base_urls` (replicas.json, over every attempt)."""

    backend: str
    url: str
    requests: int = 0
    ok: int = 0
    errors: int = 0
    failovers: int = 0  # requests it failed that another replica then answered
    ejections: int = 0  # times it was taken out after failing in a row
    mean_latency_s: float | None = None
    p95_latency_s: float | None = None


class Summary(Record):
    schema_version: int = SCHEMA_VERSION
    run_id: str | None = None
    cells: list[SummaryCell] = Field(default_factory=list)
    judging: list[JudgingSummary] = Field(default_factory=list)
    replicas: list[ReplicaSummary] = Field(default_factory=list)

    def cell(self, task: str, backend: str) -> SummaryCell | None:
        return next((c for c in self.cells if c.task == task and c.backend == backend), None)


# ---- schema 1 → 2 ---------------------------------------------------------------------------


def upgrade_record(data: dict[str, JsonValue]) -> dict[str, JsonValue]:
    """A schema 1 journal line as schema 2 fields: `media` became `inputs`."""
    out = dict(data)
    if "media" in out:
        media = out.pop("media")
        listed = media if isinstance(media, list) else []
        out["inputs"] = [
            {k: v for k, v in m.items() if k in ("kind", "path", "sha256", "mime") and v is not None}
            for m in listed
            if isinstance(m, dict) and m.get("kind") in ("image", "audio", "video")
        ]
    return out


def upgrade_run(data: dict[str, JsonValue]) -> dict[str, JsonValue]:
    """A schema 1 run.json as schema 2 fields (the version is raised; nothing else is lost)."""
    out = dict(data)
    out["schema_version"] = SCHEMA_VERSION
    return out


# ---- baseline files (run-eval baseline save) ------------------------------------------------

BASELINE_FORMAT: Literal["multimodal-evals-baseline"] = "multimodal-evals-baseline"
BASELINE_SCHEMA_VERSION = 1


class BaselineRun(Record):
    """Which run a baseline was saved from."""

    run_id: str | None = None
    name: str | None = None
    git_commit: str | None = None
    started_at: float | None = None
    finished_at: float | None = None
    status: str | None = None
    source: str | None = None


class BaselineSample(Record):
    """One sample × backend of a baseline: scores, and each corpus metric's per-sample parts
    (e.g. WER's errors and reference words), so paired comparisons can be recomputed."""

    task: str
    backend: str
    id: str
    status: Status
    scores: dict[str, float] = Field(default_factory=dict)
    parts: dict[str, list[float]] = Field(default_factory=dict)
    cost_usd: float | None = None
    latency_s: float | None = None
    error_kind: str | None = None
    prediction: str | None = None
    targets: list[str] | None = None


class BaselineFile(Record):
    """A compact baseline a repository commits: per-sample scores, declarations, summary cells."""

    format: Literal["multimodal-evals-baseline"] = BASELINE_FORMAT
    schema_version: int = BASELINE_SCHEMA_VERSION
    saved_at: str
    run: BaselineRun
    tasks: list[TaskInfo]
    backends: list[BackendInfo] = Field(default_factory=list)
    cells: list[SummaryCell] = Field(default_factory=list)
    samples: list[BaselineSample] = Field(default_factory=list)
