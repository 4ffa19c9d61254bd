"""The whole task file as one typed model: what a task can say has one answer."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import Discriminator, Field, Tag, field_validator, model_validator

from evals.data.spec import (
    CsvSource,
    DatasetSpec,
    DiskSource,
    FolderSource,
    GeneratorSource,
    HubSource,
    JoinSpec,
    JsonlSource,
    ProvenanceSpec,
    SampleSpec,
    Strict,
    check_feature,
)
from evals.perturb.spec import PerturbSpec
from evals.task.extract import ExtractSpec

__all__ = [
    "CsvSource",
    "DatasetSpec",
    "DiskSource",
    "FolderSource",
    "GeneratorSource",
    "HubSource",
    "JoinSpec",
    "JsonlSource",
    "ProvenanceSpec",
    "SampleSpec",
    "TaskSpec",
    "check_feature",
]

TaskKind = Literal[
    "vqa",
    "ocr",
    "chart",
    "counting",
    "asr",
    "spatial",
    "multiple_choice",
    "yes_no",
    "handwriting",
    "tts",
    "custom",
    "speech-translation",
    "diarization",
    "text_to_image",
    "image_edit",
    "extract",
    "image_text_match",
]
NAME_PATTERN = r"^[a-z0-9][a-z0-9_.-]*$"


class TextPartSpec(Strict):
    text: str = Field(description="Jinja2 template (sandboxed; undefined variables are errors)")


class ImagePartSpec(Strict):
    image: str = Field(description="name of the media field holding the image(s)")
    detail: Literal["low", "high", "auto"] | None = None
    role: Literal["source", "mask"] | None = Field(
        None, description="for image_edit: the image to edit (source) or the edit mask (mask)"
    )


class AudioPartSpec(Strict):
    audio: str = Field(description="name of the media field holding the audio")


class SamplingSpec(Strict):
    """How frames are drawn from a video (docs/video.md). At most one of fps, frames, keyframes;
    none of them: 8 frames spread evenly."""

    fps: float | None = Field(None, gt=0, le=120, description="one frame every 1/fps seconds")
    frames: int | None = Field(
        None, ge=1, le=1024, description="N frames at the centres of N equal spans (1: the middle frame)"
    )
    keyframes: bool = Field(False, description="the video's own keyframes")
    max_frames: int = Field(32, ge=1, le=1024, description="cap; more frames are thinned evenly")
    start: float | None = Field(None, ge=0, description="window start, seconds")
    end: float | None = Field(None, gt=0, description="window end, seconds")
    max_side: int = Field(512, ge=16, le=4096, description="frames are scaled down to this longer side")
    detail: Literal["low", "high", "auto"] | None = Field(None, description="image detail of each frame")
    timestamps: bool = Field(True, description="a text part with the frame's time before each frame")
    timestamp_format: str = Field(
        "[{time}]", description="text before each frame: {time} is 0:03.5, {seconds} is 3.5"
    )
    audio_track: bool = Field(
        False, description="also send the audio track (WAV) to backends that take audio"
    )
    send: Literal["auto", "frames", "native"] = Field(
        "auto",
        description="native: the file itself; frames: images; auto: native where the backend takes video",
    )

    @model_validator(mode="after")
    def _one_rule(self) -> SamplingSpec:
        rules = [name for name in ("fps", "frames") if getattr(self, name) is not None]
        rules += ["keyframes"] if self.keyframes else []
        if len(rules) > 1:
            raise ValueError(f"give one of fps, frames, keyframes (got {', '.join(rules)})")
        if self.start is not None and self.end is not None and self.end <= self.start:
            raise ValueError(f"end ({self.end}) must be after start ({self.start})")
        try:
            self.timestamp_format.format(time="0:00.0", seconds="0.0")
        except (KeyError, IndexError, ValueError) as exc:
            raise ValueError(
                f"timestamp_format {self.timestamp_format!r} may use only {{time}} and {{seconds}}"
            ) from exc
        return self


_RULES = ("fps", "frames", "keyframes")


def merge_sampling(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """Sampling fields with changes applied; a change that names a rule (fps, frames,
    keyframes) replaces the base's rule rather than adding a second one."""
    merged = dict(base)
    if any(rule in changes for rule in _RULES):
        merged.update(fps=None, frames=None, keyframes=False)
    merged.update(changes)
    return merged


class VideoPartSpec(SamplingSpec):
    video: str = Field(description="name of the media field holding the video")
    backends: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description="sampling changes for a backend, by its name or type: {gemini: {send: native}}",
    )
    max_seconds: float = Field(4 * 3600.0, gt=0, description="longer videos are a media error")
    max_pixels: int = Field(35_000_000, gt=0, description="larger frames are a media error")

    @model_validator(mode="after")
    def _variants_valid(self) -> VideoPartSpec:
        base = self.sampling_fields()
        for name, changes in self.backends.items():
            try:
                SamplingSpec.model_validate(merge_sampling(base, changes))
            except ValueError as exc:
                raise ValueError(f"backends.{name}: {exc}") from None
        return self

    def sampling_fields(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in SamplingSpec.model_fields}


_PART_KEYS = ("text", "image", "audio", "video")


def _part_kind(value: Any) -> str | None:
    """Which kind of part a YAML mapping (or a built part) is, by the key it carries."""
    keys = value if isinstance(value, dict) else type(value).model_fields
    return next((key for key in _PART_KEYS if key in keys), None)


PartSpec = Annotated[
    Annotated[TextPartSpec, Tag("text")]
    | Annotated[ImagePartSpec, Tag("image")]
    | Annotated[AudioPartSpec, Tag("audio")]
    | Annotated[VideoPartSpec, Tag("video")],
    Discriminator(
        _part_kind,
        custom_error_type="part_kind",
        custom_error_message="a prompt part needs one key of: text, image, audio, video",
    ),
]


class PromptSpec(Strict):
    system: str | None = Field(None, description="system prompt (Jinja2 template)")
    parts: list[PartSpec] = Field(min_length=1, description="ordered content of the user turn")


class ScorerSpec(Strict):
    name: str
    options: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _from_name(cls, value: Any) -> Any:
        return {"name": value} if isinstance(value, str) else value


class GenerationSpec(Strict):
    max_tokens: int | None = Field(256, ge=1)
    temperature: float | None = Field(0.0, ge=0.0, le=2.0)
    seed: int | None = 0
    top_p: float | None = Field(None, gt=0.0, le=1.0)
    stop: list[str] = Field(default_factory=list)
    response_schema: dict[str, Any] | None = Field(
        None, description="JSON schema for structured output, where the backend supports it"
    )
    logprobs: bool = Field(
        False,
        description="ask for the answer tokens' log-probabilities (OpenAI Chat Completions, "
        "OpenAI-compatible servers, Gemini); their mean becomes the answer's confidence (docs/documents.md)",
    )
    output_options: dict[str, str | int | float | bool] = Field(
        default_factory=dict,
        description="options of a produced image: size (1024x1024), quality, style, background, n",
    )


class GroupedMean(Strict):
    """Mean of per-group means over a metadata field; `weights` for a weighted mean, `groups` for
    a mean of means of member groups: CV-Bench's ½·((ADE20K + COCO)/2 + Omni3D) is
    `groups: {2D: [ADE20K, COCO], 3D: [Omni3D]}` over `source`."""

    kind: Literal["grouped_mean"]
    metric: str
    field: str
    weights: dict[str, float] | None = None
    groups: dict[str, list[str]] | None = None

    @model_validator(mode="after")
    def _one_way(self) -> GroupedMean:
        if self.weights is not None and self.groups is not None:
            raise ValueError("give weights or groups, not both; groups average their members equally")
        if self.weights is not None and (not self.weights or any(w <= 0 for w in self.weights.values())):
            raise ValueError("weights must be positive numbers, one per group value")
        if self.groups is not None and (not self.groups or not all(self.groups.values())):
            raise ValueError("every group needs at least one member value")
        return self


class PairedAccuracyPlus(Strict):
    """MME: per subtask, accuracy over questions plus accuracy+ over images (both questions of
    an image right), each in percent; the score sums the subtasks listed under `totals`."""

    kind: Literal["acc_plus"]
    metric: str
    subtask: str = Field(description="metadata field naming the subtask (MME: category)")
    pair: str = Field(description="metadata field shared by the questions of one image")
    totals: dict[str, list[str]] = Field(
        min_length=1, description="named totals → subtasks they sum (MME: perception, cognition)"
    )


class Circular(Strict):
    """MMBench's circular evaluation: a question counts only if every rotation of its options
    is answered right (needs `dataset.circular: true`)."""

    kind: Literal["circular"]
    metric: str
    by: str | None = Field(None, description="metadata field for per-group parts (MMBench: category)")


class CappedSum(Strict):
    """OCRBench: the number of right answers (at most `cap`), per group and in total."""

    kind: Literal["capped_sum"]
    metric: str
    cap: int = Field(ge=1, description="the benchmark's maximum (OCRBench: 1000)")
    by: str | None = None


class F1PerGroup(Strict):
    """POPE: F1 of the `positive` label within each group (sampling setting), then their mean."""

    kind: Literal["f1_per_group"]
    metric: str
    field: str
    positive: str = "yes"


class AllOfGroup(Strict):
    """A group of samples counts only if all are right (MMVP's image pairs, Winoground's groups)."""

    kind: Literal["all_of_group"]
    metric: str
    group: str = Field(description="metadata field shared by the samples of one group")


class WinogroundScores(Strict):
    """Winoground's text, image and group scores (Thrush et al. 2022) over groups of questions:
    a group counts for the text score when its text questions (one image, which caption) are all
    right, for the image score when its image questions (one caption, which image) are, and for
    the group score (the headline) when all are."""

    kind: Literal["winoground"]
    metric: str
    group: str = Field("group", description="metadata field shared by the questions of one group")
    question_type: str = Field(
        "question_type", description="metadata field saying text or image for each question"
    )


AggregateSpec = Annotated[
    GroupedMean | PairedAccuracyPlus | Circular | CappedSum | F1PerGroup | AllOfGroup | WinogroundScores,
    Field(discriminator="kind"),
]


def aggregate_fields(aggregate: AggregateSpec | None) -> list[str]:
    """The metadata fields an aggregate reads (kept with each result, like breakdowns)."""
    match aggregate:
        case GroupedMean() | F1PerGroup():
            return [aggregate.field]
        case PairedAccuracyPlus():
            return [aggregate.subtask, aggregate.pair]
        case Circular() | CappedSum():
            return [aggregate.by] if aggregate.by else []
        case AllOfGroup():
            return [aggregate.group]
        case WinogroundScores():
            return [aggregate.group, aggregate.question_type]
    return []


class TaskSpec(Strict):
    """One task file in `tasks/`. `kind` sets the default prompt and scorers."""

    name: str = Field(pattern=NAME_PATTERN, description="unique task name")
    kind: TaskKind
    description: str = ""
    dataset: DatasetSpec
    prompt: PromptSpec | None = Field(None, description="defaults to the kind's prompt")
    scorers: list[ScorerSpec] | None = Field(None, description="defaults to the kind's scorers")
    breakdowns: list[str] = Field(default_factory=list, description="metadata fields to break scores down by")
    generation: GenerationSpec = Field(default_factory=GenerationSpec)
    hints: dict[str, str | int | float | bool] = Field(
        default_factory=dict,
        description="facts about the input that engines may use, e.g. text_layout: line",
    )
    tags: list[str] = Field(default_factory=list)
    provenance: ProvenanceSpec | None = Field(
        None, description="for hub datasets: exact source, row counts, official scoring"
    )
    aggregate: AggregateSpec | None = Field(
        None, description="the benchmark's own headline, computed from per-sample scores"
    )
    perturb: PerturbSpec | None = Field(
        None, description="perturbations of the media and their severity levels, e.g. {blur: 0..5}"
    )
    extract: ExtractSpec | None = Field(
        None, description="kind extract: target schema, field matchers, business rules (docs/documents.md)"
    )

    @model_validator(mode="after")
    def _extract_block(self) -> TaskSpec:
        if (self.kind == "extract") != (self.extract is not None):
            raise ValueError(
                "kind extract needs an extract: block (schema, fields, rules), and only it takes one"
            )
        return self

    @field_validator("breakdowns")
    @classmethod
    def _plain_names(cls, value: list[str]) -> list[str]:
        for name in value:
            if not re.fullmatch(r"[A-Za-z_][\w.]*", name):
                raise ValueError(
                    f"breakdown {name!r} is not a field name; use a metadata column's name "
                    "(letters, digits, _ and .)"
                )
        return value

    @model_validator(mode="after")
    def _breakdowns_kept(self) -> TaskSpec:
        wanted = [*self.breakdowns, *aggregate_fields(self.aggregate)]
        missing = list(dict.fromkeys(b for b in wanted if b not in self.dataset.metadata))
        if missing:
            # Breakdown fields are metadata by definition: keep them without asking twice.
            kept = [*self.dataset.metadata, *missing]
            object.__setattr__(self.dataset, "metadata", kept)
        return self

    @model_validator(mode="after")
    def _circular_needs_rotations(self) -> TaskSpec:
        if isinstance(self.aggregate, Circular) and not self.dataset.circular:
            raise ValueError(
                "aggregate kind circular needs the rotated questions; set dataset.circular: true"
            )
        if self.dataset.circular and not self.dataset.choices:
            raise ValueError("dataset.circular rotates options; set dataset.choices to their column")
        return self

    @model_validator(mode="after")
    def _provenance_matches(self) -> TaskSpec:
        source, provenance = self.dataset, self.provenance
        if provenance is None or not isinstance(source, HubSource):
            return self
        if source.hub_id != provenance.hub_id:
            raise ValueError(
                f"dataset.hub_id {source.hub_id!r} differs from provenance.hub_id "
                f"{provenance.hub_id!r}; make them the same id"
            )
        if source.revision != provenance.revision:
            raise ValueError(
                f"dataset.revision {source.revision!r} differs from provenance.revision; "
                "pin the dataset to the revision the provenance describes"
            )
        if source.split not in provenance.rows:
            raise ValueError(
                f"provenance.rows has no count for split {source.split!r}; add its number of rows"
            )
        return self
