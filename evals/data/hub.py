"""Hugging Face `datasets` sources: a hub id (pinned revision) and `save_to_disk` folders.

Media columns are read undecoded (bytes), so no image is decoded and re-encoded and no audio
codec is needed."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from evals.data.sources import RowSource
from evals.errors import InputError
from evals.media import Media, MediaKind
from evals.media_check import check_media


def _require_datasets() -> Any:
    try:
        import datasets
    except ImportError as exc:
        raise InputError(
            "the Hugging Face 'datasets' package is not installed",
            fix="pip install 'multimodal-evals[hf]'",
        ) from exc
    return datasets


class HubRowSource(RowSource):
    def __init__(
        self,
        *,
        label: str,
        loader: Any,
        media_columns: dict[str, MediaKind],
    ) -> None:
        self.label = label
        self._loader = loader
        self._media_columns = media_columns
        self._dataset: Any = None

    @classmethod
    def from_hub(
        cls,
        hub_id: str,
        config: str | None,
        split: str,
        revision: str | None,
        streaming: bool,
        media_columns: dict[str, MediaKind],
    ) -> HubRowSource:
        def load() -> Any:
            datasets = _require_datasets()
            try:
                return datasets.load_dataset(
                    hub_id, config, split=split, revision=revision, streaming=streaming
                )
            except Exception as exc:
                raise InputError(
                    f"cannot load {hub_id} (config {config}, split {split}, revision {revision}): {exc}",
                    field="dataset.hub_id",
                    fix="check the id, config and split, and network access or HF_HUB_OFFLINE",
                ) from exc

        return cls(label=f"hf:{hub_id}", loader=load, media_columns=media_columns)

    @classmethod
    def from_disk(cls, path: Path, split: str | None, media_columns: dict[str, MediaKind]) -> HubRowSource:
        def load() -> Any:
            datasets = _require_datasets()
            if not path.exists():
                raise InputError("dataset folder not found", file=str(path), fix="check dataset.path")
            try:
                loaded = datasets.load_from_disk(str(path))
            except Exception as exc:
                raise InputError(f"not a saved dataset: {exc}", file=str(path)) from exc
            if isinstance(loaded, datasets.DatasetDict):
                if split is None or split not in loaded:
                    raise InputError(
                        f"the folder holds splits {sorted(loaded)}",
                        file=str(path),
                        field="dataset.split",
                        fix="set dataset.split to one of them",
                    )
                loaded = loaded[split]
            return loaded

        return cls(label=str(path), loader=load, media_columns=media_columns)

    def _data(self) -> Any:
        if self._dataset is None:
            self._dataset = _undecoded(self._loader(), self._media_columns)
        return self._dataset

    def rows(self) -> Iterator[tuple[int, dict[str, Any]]]:
        yield from enumerate(self._data())

    def columns(self) -> set[str] | None:
        features = getattr(self._data(), "features", None)
        return set(features) if features else super().columns()

    def _one(self, value: Any, kind: MediaKind, where: str) -> Media:
        if isinstance(value, dict):
            if value.get("bytes"):
                data = value["bytes"]
                return Media(kind, lambda: check_media(kind, data, where), path=value.get("path"))
            if value.get("path"):
                file = Path(value["path"])
                return Media(kind, lambda: check_media(kind, file.read_bytes(), where), path=str(file))
            if "array" in value and "sampling_rate" in value:
                array, rate = value["array"], value["sampling_rate"]
                return Media(kind, lambda: check_media(kind, _wav(array, rate), where))
        if hasattr(value, "save") and hasattr(value, "size"):  # a decoded PIL image
            image = value
            return Media(kind, lambda: check_media(kind, _png(image), where))
        return super()._one(value, kind, where)


def _undecoded(dataset: Any, media_columns: dict[str, MediaKind]) -> Any:
    """Cast Image/Audio/Video columns to decode=False so rows carry the original bytes."""
    datasets = _require_datasets()
    features = getattr(dataset, "features", None) or {}
    for column in media_columns:
        feature = features.get(column)
        for name in ("Image", "Audio", "Video"):
            feature_type = getattr(datasets, name, None)
            if feature_type is not None and isinstance(feature, feature_type):
                dataset = dataset.cast_column(column, feature_type(decode=False))
    return dataset


def _png(image: Any) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _wav(array: Any, rate: int) -> bytes:
    import soundfile

    buffer = io.BytesIO()
    soundfile.write(buffer, array, rate, format="WAV", subtype="PCM_16")
    return buffer.getvalue()
