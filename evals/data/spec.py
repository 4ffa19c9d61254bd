"""What a task file says about its dataset: where the rows come from, how they map to samples,
and (for a public benchmark) where the data is pinned (`dataset:` and `provenance:` in a task
file). Kept in the data layer so data sources never reach up to the task layer."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from evals.media import MediaKind


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SampleSpec(Strict):
    n: int = Field(ge=1, description="how many samples to draw")
    seed: int = 0


class MediaFilesSpec(Strict):
    """Media the rows name by file rather than hold: a benchmark's videos, downloaded and
    unpacked apart from its rows. A row's value `v` of a media column is the file
    `root/pattern.format(v)`; files may not leave `root`."""

    root: str = Field(
        description="folder holding the files; relative to the task file; ${VAR} reads the environment"
    )
    pattern: str = Field("{}", description="file path from the column's value, e.g. '{}.mp4'")


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
    media_files: MediaFilesSpec | None = Field(
        None, description="media columns that name files under a local folder (videos downloaded apart)"
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
