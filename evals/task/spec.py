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
        return out


class JsonlSource(_DatasetBase):
    source: Literal["jsonl"]
    path: str = Field(description="JSONL file, relative to the task file; media relative to it")


class CsvSource(_DatasetBase):
    source: Literal["csv"]
    path: str


class HubSource(_DatasetBase):
    source: Literal["hf"]
    hub_id: str = Field(description="Hugging Face dataset id, e.g. lmms-lab/textvqa")
    config: str | None = None
    split: str = "test"
    revision: str | None = Field(None, description="a commit sha or tag, pinned for reproducibility")
    streaming: bool = Field(True, description="stream rows instead of downloading the split")


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
        missing = [b for b in self.breakdowns if b not in self.dataset.metadata]
        if missing:
            # Breakdown fields are metadata by definition: keep them without asking twice.
            kept = [*self.dataset.metadata, *missing]
            object.__setattr__(self.dataset, "metadata", kept)
        return self
