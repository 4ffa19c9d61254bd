"""Hugging Face `datasets` sources: a hub id (pinned revision) and `save_to_disk` folders.

Media columns are read undecoded (bytes), so no image is decoded and re-encoded and no audio
codec is needed. A hub source checks what it loads against the task's provenance: the declared
columns are there, and a split has the declared number of rows (from the card on load, and by
counting when the rows have all been read). Without network it fails at once with the fix,
instead of waiting through the hub client's retries."""

from __future__ import annotations

import io
import os
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from evals.data.sources import RowSource
from evals.data.spec import HubSource, ProvenanceSpec
from evals.errors import InputError
from evals.media import Media, MediaKind
from evals.media_check import check_media
from evals.yamlfile import line_of, load_yaml

_PROBE_SECONDS = 3.0
OFFLINE_FIX = (
    "set HF_HUB_OFFLINE=1 to read the dataset from the local Hugging Face cache, or point the "
    "task at a local copy: dataset: {source: hf_disk, path: FOLDER} (a save_to_disk folder)"
)


def _require_datasets() -> Any:
    try:
        import datasets
    except ImportError as exc:
        raise InputError(
            "the Hugging Face 'datasets' package is not installed",
            fix="pip install 'multimodal-evals[hf]'",
        ) from exc
    return datasets


def hub_offline() -> bool:
    """Whether the user asked for the local cache only (HF_HUB_OFFLINE / HF_DATASETS_OFFLINE)."""
    return any(
        os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")
        for name in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE")
    )


def hub_endpoint() -> str:
    """The hub the client talks to (HF_ENDPOINT, or huggingface.co)."""
    try:
        from huggingface_hub import constants

        return str(constants.ENDPOINT)
    except ImportError:
        return os.environ.get("HF_ENDPOINT", "https://huggingface.co")


def unreachable(endpoint: str, timeout: float = _PROBE_SECONDS) -> str | None:
    """Why the hub cannot be reached (one TCP connect, bounded in time), or None if it can."""
    parts = urlsplit(endpoint)
    host = parts.hostname
    if not host:
        return f"bad hub address {endpoint!r}"
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return None
    except OSError as exc:
        return exc.strerror or str(exc) or type(exc).__name__


class _Where:
    """The task file a hub source belongs to, and the line of a key in it, for errors."""

    def __init__(self, task_file: Path | None) -> None:
        self.file = task_file
        self._lines: dict[tuple[str | int, ...], int] | None = None

    def error(self, message: str, field: str, fix: str, loc: tuple[str | int, ...]) -> InputError:
        line = None
        if self.file is not None:
            if self._lines is None:
                try:
                    self._lines = load_yaml(self.file)[1]
                except InputError:
                    self._lines = {}
            line = line_of(self._lines, loc)
        return InputError(
            message, file=str(self.file) if self.file else None, line=line, field=field, fix=fix
        )


class HubRowSource(RowSource):
    def __init__(
        self,
        *,
        label: str,
        loader: Callable[[], Any],
        media_columns: dict[str, MediaKind],
        declared: set[str] | None = None,
        check_count: Callable[[int], None] | None = None,
        joined: Callable[[Iterator[dict[str, Any]]], Iterator[dict[str, Any]]] | None = None,
    ) -> None:
        self.label = label
        self._loader = loader
        self._media_columns = media_columns
        self._declared = declared
        self._check_count = check_count
        self._joined = joined
        self._dataset: Any = None

    @classmethod
    def from_hub(
        cls,
        spec: HubSource,
        media_columns: dict[str, MediaKind],
        *,
        task_file: Path | None = None,
        provenance: ProvenanceSpec | None = None,
    ) -> HubRowSource:
        where = _Where(task_file)
        what = f"{spec.hub_id} (split {spec.split}"
        what += f", config {spec.config}" if spec.config else ""
        what += f", revision {spec.revision})" if spec.revision else ")"
        expected = provenance.rows.get(spec.split) if provenance else None
        declared = set(provenance.features) if provenance else None
        rows_loc = ("provenance", "rows", spec.split)

        def load() -> Any:
            datasets = _require_datasets()
            offline = hub_offline()
            if not offline:
                reason = unreachable(hub_endpoint())
                if reason is not None:
                    raise where.error(
                        f"cannot reach the Hugging Face hub ({hub_endpoint()}: {reason}) to load {what}",
                        "dataset.hub_id",
                        OFFLINE_FIX,
                        ("dataset", "hub_id"),
                    )
            try:
                loaded = datasets.load_dataset(
                    spec.hub_id,
                    spec.config,
                    split=spec.split,
                    revision=spec.revision,
                    streaming=spec.streaming,
                )
            except Exception as exc:
                reason = f"{type(exc).__name__}: {_first_line(exc)}"
                if offline:
                    raise where.error(
                        f"{what} is not in the local Hugging Face cache (HF_HUB_OFFLINE is set): {reason}",
                        "dataset.hub_id",
                        "load it once with network access (unset HF_HUB_OFFLINE), or use a local "
                        "copy: dataset: {source: hf_disk, path: FOLDER}",
                        ("dataset", "hub_id"),
                    ) from None
                raise where.error(
                    f"cannot load {what}: {reason}",
                    "dataset.hub_id",
                    "check the id, config, split and revision against the dataset's page",
                    ("dataset", "hub_id"),
                ) from None
            joined_columns = set(spec.join.columns) if spec.join else set()
            _check_columns(loaded, declared - joined_columns if declared else None, what, where)
            card = _card_rows(loaded, spec.split)
            if expected is not None and card is not None and card != expected:
                raise _count_error(where, what, spec.split, card, expected, "its card declares", rows_loc)
            return loaded

        def load_join() -> dict[str, dict[str, Any]]:
            join = spec.join
            assert join is not None
            datasets = _require_datasets()
            try:
                table = datasets.load_dataset(
                    spec.hub_id,
                    join.config,
                    split=join.split,
                    revision=spec.revision,
                    streaming=spec.streaming,
                )
            except Exception as exc:
                raise where.error(
                    f"cannot load {spec.hub_id} config {join.config} split {join.split} to join: "
                    f"{type(exc).__name__}: {_first_line(exc)}",
                    "dataset.join",
                    "check the join's config and split against the dataset's page",
                    ("dataset", "join"),
                ) from None
            table = _undecoded(table, {c: k for c, k in media_columns.items() if c in join.columns})
            return {str(row[join.key]): {c: row.get(c) for c in join.columns} for row in table}

        def check_count(count: int) -> None:
            if expected is not None and count != expected:
                raise _count_error(where, what, spec.split, count, expected, "it has", rows_loc)

        joined = None
        if spec.join is not None:
            join = spec.join

            def joined(rows: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
                table = load_join()
                for row in rows:
                    extra = table.get(str(row.get(join.by)))
                    if extra is None:
                        raise where.error(
                            f"{what}: no row of config {join.config} has {join.key} = {row.get(join.by)!r}",
                            "dataset.join",
                            "check join.by and join.key name the same id in both configs",
                            ("dataset", "join"),
                        )
                    yield {**row, **extra}

        return cls(
            label=f"hf:{spec.hub_id}",
            loader=load,
            media_columns=media_columns,
            declared=declared,
            check_count=check_count,
            joined=joined,
        )

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
        count = 0
        rows: Iterator[dict[str, Any]] = iter(self._data())
        if self._joined is not None:
            rows = self._joined(rows)
        for number, row in enumerate(rows):
            count = number + 1
            yield number, row
        if self._check_count is not None:
            self._check_count(count)  # reached only when every row was read

    def columns(self) -> set[str] | None:
        """The provenance's declared columns when there are some: checking a task's structure
        then needs no network (the real columns are checked against them on load)."""
        if self._declared is not None:
            return set(self._declared)
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


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else "no message"


def _check_columns(dataset: Any, declared: set[str] | None, what: str, where: _Where) -> None:
    features = getattr(dataset, "features", None)
    if declared is None or not features:
        return
    missing = sorted(declared - set(features))
    if missing:
        raise where.error(
            f"{what} has no column {', '.join(map(repr, missing))}; it has {', '.join(sorted(features))}",
            "provenance.features",
            "check the revision and config, or correct provenance.features from the dataset's card",
            ("provenance", "features"),
        )


def _card_rows(dataset: Any, split: str) -> int | None:
    """The split's row count as the dataset's card declares it (None when it declares none)."""
    splits = getattr(getattr(dataset, "info", None), "splits", None)
    if not splits or split not in splits:
        return None
    count = getattr(splits[split], "num_examples", None)
    return int(count) if count else None


def _count_error(
    where: _Where, what: str, split: str, found: int, expected: int, how: str, loc: tuple[str | int, ...]
) -> InputError:
    return where.error(
        f"{what}: {how} {found} rows in split {split!r}, the provenance expects {expected}",
        f"provenance.rows.{split}",
        "the pinned revision is not the one the provenance describes (or the copy is incomplete): "
        "pin a revision whose split has the expected rows, or correct provenance.rows after "
        "checking the dataset's page",
        loc,
    )


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
