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
    JsonlSource,
    SampleSpec,
    Strict,
)

__all__ = [
    "CsvSource",
    "DatasetSpec",
    "DiskSource",
    "FolderSource",
    "GeneratorSource",
    "HubSource",
    "JsonlSource",
    "SampleSpec",
    "TaskSpec",
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
]
NAME_PATTERN = r"^[a-z0-9][a-z0-9_.-]*$"


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
