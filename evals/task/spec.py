"""The whole task file as one typed model: what a task can say has one answer."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, field_validator, model_validator

from evals.media import MediaKind

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
]
NAME_PATTERN = r"^[a-z0-9][a-z0-9_.-]*$"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TextPartSpec(Strict):
    text: str = Field(description="Jinja2 template (sandboxed; undefined variables are errors)")


class ImagePartSpec(Strict):
    image: str = Field(description="name of the media field holding the image(s)")
    detail: Literal["low", "high", "auto"] | None = None


class AudioPartSpec(Strict):
    audio: str = Field(description="name of the media field holding the audio")


class VideoPartSpec(Strict):
    video: str = Field(description="name of the media field holding the video")


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


class SampleSpec(Strict):
    n: int = Field(ge=1, description="how many samples to draw")
    seed: int = 0


class _DatasetBase(Strict):
    """Field mapping shared by every source. Column paths: `a`, `a.b`, `a[0]`, `a[*].b`."""

    id: str | None = Field("id", description="column with a unique id; null uses the row number")
    target: str | None = Field(
        "answer", description="column with the reference (a string or a list of references)"
    )
    choices: str | None = Field(None, description="column with the options of a multiple-choice item")
    images: list[str] = Field(default_factory=list, description="columns that hold images")
    audio: list[str] = Field(default_factory=list, description="columns that hold audio")
    video: list[str] = Field(default_factory=list, description="columns that hold video")
    fields: dict[str, str] = Field(
        default_factory=dict, description="template variable → column path, for renames"
    )
    metadata: list[str] = Field(
        default_factory=list, description="columns kept with each result, for breakdowns"
    )
    limit: int | None = Field(None, ge=1, description="keep only the first N rows")
    sample: SampleSpec | None = Field(None, description="a seeded random subset")
    gather: dict[str, list[str]] = Field(
        default_factory=dict,
        description="field → columns: one field holding the values of several columns in order, "
        "empty ones skipped (MMMU's image_1…image_7, MMBench's options A…D)",
    )
    target_map: dict[str, str] = Field(
        default_factory=dict,
        description="reference values renamed: an option's index to its letter (AI2D, ScienceQA: "
        "{'0': A, '1': B}), 1/0 to yes/no (HallusionBench); other values are kept",
    )
    circular: bool = Field(
        False,
        description="ask each multiple-choice row once per rotation of its options (MMBench's "
        "circular evaluation); ids become ID@rot=K",
    )

    @field_validator("gather")
    @classmethod
    def _gathered_columns(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for name, columns in value.items():
            if not columns:
                raise ValueError(f"gather.{name} names no columns; list the columns to gather")
        return value

    @property
    def media_columns(self) -> dict[str, MediaKind]:
        out: dict[str, MediaKind] = {}
        kinds: tuple[tuple[MediaKind, list[str]], ...] = (
            ("image", self.images),
            ("audio", self.audio),
            ("video", self.video),
        )
        for kind, columns in kinds:
            out.update(dict.fromkeys(columns, kind))
        for name, columns in self.gather.items():
            kinds_seen = {out[c] for c in columns if c in out}
            if len(kinds_seen) == 1:  # a gathered field of media columns holds media too
                out[name] = kinds_seen.pop()
        return out


class JsonlSource(_DatasetBase):
    source: Literal["jsonl"]
    path: str = Field(description="JSONL file, relative to the task file; media relative to it")


class CsvSource(_DatasetBase):
    source: Literal["csv"]
    path: str


class JoinSpec(Strict):
    """Columns taken from another config of the same hub dataset, matched on a key: lmms-lab/GQA
    keeps its images in a config of their own, joined to the questions by image id."""

    config: str = Field(description="the config holding the extra columns")
    split: str
    by: str = Field(description="column of the main rows holding the key")
    key: str = Field(description="column of the joined rows holding the same key")
    columns: list[str] = Field(min_length=1, description="columns to bring over (media stay undecoded)")


class HubSource(_DatasetBase):
    source: Literal["hf"]
    hub_id: str = Field(description="Hugging Face dataset id, e.g. lmms-lab/textvqa")
    config: str | None = None
    split: str = "test"
    revision: str | None = Field(None, description="a commit sha or tag, pinned for reproducibility")
    streaming: bool = Field(True, description="stream rows instead of downloading the split")
    join: JoinSpec | None = Field(None, description="columns from another config, matched on a key")


class DiskSource(_DatasetBase):
    source: Literal["hf_disk"]
    path: str = Field(description="folder written by datasets' save_to_disk")
    split: str | None = None


class FolderSource(_DatasetBase):
    """The imagefolder/audiofolder layout: files plus metadata.csv/jsonl (file_name), or one
    folder per label. The media column is `image` or `audio`; a folder label is `label`."""

    source: Literal["imagefolder", "audiofolder"]
    path: str
    split: str = "train"


class GeneratorSource(_DatasetBase):
    source: Literal["generator"]
    name: str = Field(description="a built-in generator (run-eval list shows them)")
    n: int = Field(100, ge=1, le=1_000_000)
    seed: int = 0
    params: dict[str, Any] = Field(default_factory=dict)


DatasetSpec = Annotated[
    JsonlSource | CsvSource | HubSource | DiskSource | FolderSource | GeneratorSource,
    Field(discriminator="source"),
]


_REVISION = r"^[0-9a-f]{40}$"
_SCALAR_FEATURES = {
    "string",
    "large_string",
    "bool",
    "int8",
    "int16",
    "int32",
    "int64",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "float16",
    "float32",
    "float64",
    "binary",
    "image",
    "audio",
}
_CLASS_LABEL = re.compile(r"class_label\(([^()]+)\)")


def check_feature(value: Any, where: str) -> None:
    """A dataset card's feature type, as written in `provenance.features`: a scalar name
    (`string`, `int64`, `image`, `audio`, `class_label(a,b)`…), `[type]` for a list, or a
    mapping of field → type for a struct."""
    if isinstance(value, str):
        if value not in _SCALAR_FEATURES and not _CLASS_LABEL.fullmatch(value):
            raise ValueError(
                f"{where}: unknown feature type {value!r}; use one of "
                f"{', '.join(sorted(_SCALAR_FEATURES))}, class_label(a,b), [type] or a mapping"
            )
    elif isinstance(value, list):
        if len(value) != 1:
            raise ValueError(f"{where}: a list type holds exactly one item type; write [string]")
        check_feature(value[0], f"{where}[]")
    elif isinstance(value, dict) and value:
        for key, inner in value.items():
            check_feature(inner, f"{where}.{key}")
    else:
        raise ValueError(f"{where}: not a feature type; write string, [string] or {{field: type}}")


class ProvenanceSpec(Strict):
    """Where a hub task's data comes from exactly, and how its official score is computed."""

    hub_id: str = Field(description="the dataset id the revision belongs to")
    former_ids: list[str] = Field(default_factory=list, description="older ids that now redirect to hub_id")
    revision: str = Field(pattern=_REVISION, description="the full 40-hex commit evaluated")
    revision_confirmed: str = Field(
        min_length=10, description="where that commit was confirmed (a page or file anyone can open)"
    )
    rows: dict[str, int] = Field(
        min_length=1, description="split → number of rows at that revision; checked on load"
    )
    rows_confirmed: str = Field(min_length=10, description="where the row counts come from")
    features: dict[str, Any] = Field(
        min_length=1, description="column → type, as the dataset's card declares them"
    )
    official_scoring: str = Field(min_length=10, description="the paper or script that defines the score")
    our_scoring: str = Field(min_length=10, description="how this task's scorers reproduce it")
    peer_differences: list[str] = Field(
        default_factory=list, description="known differences from peers' scoring (lmms-eval, VLMEvalKit)"
    )

    @field_validator("features")
    @classmethod
    def _feature_types(cls, value: dict[str, Any]) -> dict[str, Any]:
        for name, feature in value.items():
            check_feature(feature, f"features.{name}")
        return value

    @field_validator("rows")
    @classmethod
    def _positive_rows(cls, value: dict[str, int]) -> dict[str, int]:
        for split, count in value.items():
            if count < 1:
                raise ValueError(f"rows.{split} is {count}; give the number of rows in the split")
        return value


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


AggregateSpec = Annotated[
    GroupedMean | PairedAccuracyPlus | Circular | CappedSum | F1PerGroup | AllOfGroup,
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
