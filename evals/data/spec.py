"""What a task file says about its dataset: where the rows come from and how they map to
samples (`dataset:` in a task file). Kept in the data layer so data sources never reach up to
the task layer."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from evals.media import MediaKind


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


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
