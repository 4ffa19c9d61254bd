"""Map a source's rows to `Sample`s by the task's field mapping, and select which to run."""

from __future__ import annotations

import ast
import math
import random
import re
from collections.abc import Callable, Iterator
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

from evals.data.fieldpath import MISSING, get_path, parse_path
from evals.data.folders import FolderRowSource
from evals.data.hub import HubRowSource
from evals.data.shard import Shard
from evals.data.sources import CsvRowSource, GeneratorRowSource, JsonlRowSource, RowSource
from evals.data.spec import (
    CsvSource,
    DatasetSpec,
    DiskSource,
    FolderSource,
    GeneratorSource,
    HubSource,
    JsonlSource,
    ProvenanceSpec,
)
from evals.errors import InputError
from evals.media import MediaKind
from evals.records import Sample


def open_source(
    spec: DatasetSpec,
    base: Path,
    *,
    task_file: Path | None = None,
    provenance: ProvenanceSpec | None = None,
) -> RowSource:
    """The row source a dataset spec names; file paths are relative to `base` (the task's folder).

    A hub source also gets the task file (its errors point into it) and the provenance (the
    declared columns and row counts it checks the real dataset against)."""
    source = _open_source(spec, base, task_file=task_file, provenance=provenance)
    if spec.media_files is not None:
        source.media_files = (base, spec.media_files.root, spec.media_files.pattern)
    return source


def _open_source(
    spec: DatasetSpec, base: Path, *, task_file: Path | None, provenance: ProvenanceSpec | None
) -> RowSource:
    media = spec.media_columns
    match spec:
        case JsonlSource():
            return JsonlRowSource(base / spec.path)
        case CsvSource():
            return CsvRowSource(base / spec.path)
        case HubSource():
            return HubRowSource.from_hub(spec, media, task_file=task_file, provenance=provenance)
        case DiskSource():
            return HubRowSource.from_disk(base / spec.path, spec.split, media)
        case FolderSource():
            kind = "image" if spec.source == "imagefolder" else "audio"
            return FolderRowSource(base / spec.path, spec.split, kind)
        case GeneratorSource():
            return GeneratorRowSource(spec.name, spec.n, spec.seed, spec.params)
    raise AssertionError(spec)


def _as_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _blank(value: Any) -> bool:
    """An empty cell: None, NaN, "" or pandas' written form of a missing value, "nan"."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return True
    return isinstance(value, str) and value.strip() in ("", "nan")


def _gathered(row: dict[str, Any], gather: dict[str, list[str]]) -> dict[str, Any]:
    """The row plus each gathered field: the non-empty values of its columns, in order."""
    if not gather:
        return row
    extra = {
        name: [row[c] for c in columns if c in row and not _blank(row[c])] for name, columns in gather.items()
    }
    return {**row, **extra}


def _option_list(raw: Any) -> Any:
    """Options stored as the text of a Python list ("['a', 'b']", as MMMU keeps them) are read
    as that list, with literal_eval (literals only, nothing runs); other values pass unchanged."""
    if isinstance(raw, str) and raw.lstrip().startswith("["):
        try:
            parsed = ast.literal_eval(raw.strip())
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            return raw
        return parsed if isinstance(parsed, list) else raw
    return raw


class SampleMapper:
    """Turns one row into a Sample; every data problem names the source, the row and the field."""

    def __init__(self, spec: DatasetSpec, source: RowSource) -> None:
        self.spec = spec
        self.source = source
        self.media: dict[str, MediaKind] = spec.media_columns
        for path in [spec.id, spec.target, spec.choices, *spec.fields.values(), *spec.metadata]:
            if path:
                try:
                    parse_path(path)
                except ValueError as exc:
                    raise InputError(str(exc), field="dataset", fix="use a, a.b, a[0] or a[*].b") from exc

    def _error(self, number: int, message: str, field: str, fix: str) -> InputError:
        is_file = isinstance(self.source, JsonlRowSource | CsvRowSource)
        row = "" if is_file else f"row {number}: "
        return InputError(
            row + message,
            file=self.source.label,
            line=number if is_file else None,
            field=field,
            fix=fix,
        )

    def targets(self, number: int, row: dict[str, Any]) -> list[str]:
        spec = self.spec
        if spec.target is None:
            return []
        value = get_path(row, spec.target)
        values = value if isinstance(value, list | tuple) else [value]
        texts = [_as_text(v) for v in values if v is not MISSING and v is not None]
        texts = [spec.target_map.get(t, t) for t in texts]
        if not texts or (all(t == "" for t in texts) and not isinstance(value, str)):
            raise self._error(
                number,
                f"no reference in column {spec.target!r}",
                "dataset.target",
                "give every row a reference, or point dataset.target at the right column",
            )
        return texts

    def __call__(self, number: int, row: dict[str, Any]) -> Sample:
        spec = self.spec
        row = _gathered(row, spec.gather)
        if spec.id is None:
            sample_id = str(number)
        else:
            raw_id = get_path(row, spec.id)
            if raw_id is MISSING or raw_id is None or raw_id == "":
                raise self._error(
                    number,
                    f"no id in column {spec.id!r}",
                    "dataset.id",
                    "give every row an id, or set dataset.id: null to use row numbers",
                )
            sample_id = _as_text(raw_id)
        fields: dict[str, Any] = {}
        renamed = set(spec.fields.values())
        for key, value in row.items():
            if key in self.media:
                where = f"{self.source.label} row {number} column {key!r}"
                fields[key] = None if value is None else self.source.media(value, self.media[key], where)
            elif key not in renamed:
                fields[key] = value
        for name, path in spec.fields.items():
            value = get_path(row, path)
            fields[name] = None if value is MISSING else value
        choices = None
        if spec.choices:
            # A row without options (missing or null) is not multiple choice: tasks may mix forms.
            raw = _option_list(get_path(row, spec.choices))
            if raw is not MISSING and raw is not None and raw != []:
                if not isinstance(raw, list):
                    raise self._error(
                        number,
                        f"column {spec.choices!r} holds no list of options",
                        "dataset.choices",
                        "give the row a list of options, or leave the column empty",
                    )
                choices = [_as_text(c) for c in raw]
        metadata = {}
        for path in spec.metadata:
            value = get_path(row, path)
            metadata[path] = None if value is MISSING else value
        return Sample(sample_id, fields, self.targets(number, row), metadata, choices)


def iter_samples(
    spec: DatasetSpec,
    source: RowSource,
    *,
    limit: int | None = None,
    shard: Shard | None = None,
) -> Iterator[Sample]:
    """Stream samples: the task's limit or seeded sample, then the run's limit, then the shard.

    Ids must be unique; a seeded sample draws indices in one pass over the rows (no media are
    read) and yields them in dataset order in a second.
    """
    mapper = SampleMapper(spec, source)
    chosen: set[int] | None = None
    if spec.sample is not None:
        total = sum(1 for _ in _limited(source.rows(), spec.limit))
        n = min(spec.sample.n, total)
        chosen = set(random.Random(spec.sample.seed).sample(range(total), n))
    seen: set[str] = set()
    kept = 0
    for position, (number, row) in enumerate(_limited(source.rows(), spec.limit)):
        if chosen is not None and position not in chosen:
            continue
        if limit is not None and kept >= limit:
            return
        sample = mapper(number, row)
        if sample.id in seen:
            raise mapper._error(number, f"duplicate id {sample.id!r}", "dataset.id", "ids must be unique")
        seen.add(sample.id)
        index = kept
        kept += 1
        if shard is not None and not shard.takes(index):
            continue
        if spec.circular:
            # Limits and shards count questions: all rotations of a question stay together.
            yield from rotations(sample, partial(mapper, number, row), spec.choices)
        else:
            yield sample


_LETTER_TARGET = re.compile(r"(\(?)([A-Z])(\)?)")


def _rotated_target(target: str, shift: int, count: int) -> str:
    """A letter reference ("B", "(B)") names the same option after the options rotate by
    `shift`; an option's text needs no change."""
    m = _LETTER_TARGET.fullmatch(target.strip())
    if not m or ord(m.group(2)) - ord("A") >= count:
        return target
    index = (ord(m.group(2)) - ord("A") - shift) % count
    return f"{m.group(1)}{chr(ord('A') + index)}{m.group(3)}"


def rotations(
    sample: Sample, remap: Callable[[], Sample], choices_field: str | None = None
) -> Iterator[Sample]:
    """MMBench's circular evaluation: one sample per rotation of the options (rotation K puts
    option K first), with ids `ID@rot=K`; a row without options is yielded as it is.

    Each rotation is mapped afresh (`remap`), so it has media of its own: the runner releases a
    sample's media once it is sent, and the rotations are sent independently."""
    options = sample.choices
    if not options or len(options) < 2:
        yield sample
        return
    count = len(options)
    for shift in range(count):
        if shift:
            sample = remap()
        rotated = options[shift:] + options[:shift]
        fields = sample.fields
        if choices_field and choices_field in fields and isinstance(fields[choices_field], list):
            fields = {**fields, choices_field: rotated}
        yield replace(
            sample,
            id=f"{sample.id}@rot={shift}",
            fields=fields,
            targets=[_rotated_target(t, shift, count) for t in sample.targets],
            metadata={**sample.metadata, "circular_id": sample.id, "rotation": shift, "rotations": count},
            choices=rotated,
        )


def _limited(
    rows: Iterator[tuple[int, dict[str, Any]]], limit: int | None
) -> Iterator[tuple[int, dict[str, Any]]]:
    for position, item in enumerate(rows):
        if limit is not None and position >= limit:
            return
        yield item


def count_samples(
    spec: DatasetSpec, source: RowSource, *, limit: int | None = None, shard: Shard | None = None
) -> int | None:
    """How many samples `iter_samples` will give, cheaply (None for hub datasets: a full pass)."""
    if spec.circular:
        return None  # each question becomes as many samples as it has options: unknown cheaply
    if isinstance(spec, GeneratorSource):
        total = spec.n if spec.limit is None else min(spec.n, spec.limit)
    elif isinstance(spec, JsonlSource | CsvSource | FolderSource):
        total = sum(1 for _ in _limited(source.rows(), spec.limit))
    else:
        return None
    if spec.sample is not None:
        total = min(total, spec.sample.n)
    if limit is not None:
        total = min(total, limit)
    if shard is not None:
        total = len(range(shard.index, total, shard.count))
    return total


def iter_targets(spec: DatasetSpec, source: RowSource) -> Iterator[list[str]]:
    """References of every selected row, without building samples or touching media."""
    mapper = SampleMapper(spec, source)
    for number, row in _limited(source.rows(), spec.limit):
        yield mapper.targets(number, row)
