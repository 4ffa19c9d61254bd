"""Row sources: each yields (row number, row dict) lazily and turns raw media values into
`Media` that read their bytes only when a request needs them."""

from __future__ import annotations

import csv
import io
import json
import logging
import stat
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

from evals import pdf_pages
from evals.data.paths import resolve_inside
from evals.errors import InputError, MediaError
from evals.media import Media, MediaKind
from evals.media_check import check_media, check_video_file
from evals.values import safe_value

log = logging.getLogger(__name__)


class RowSource(ABC):
    """Where rows come from. `label` names the source in error messages."""

    label: str
    # (task folder, root as written, pattern): media columns that name files (dataset.media_files)
    media_files: tuple[Path, str, str] | None = None

    @abstractmethod
    def rows(self) -> Iterator[tuple[int, dict[str, Any]]]:
        """Rows with their number (the line for files, the index otherwise)."""

    def columns(self) -> set[str] | None:
        """Known column names, for checking a task before running; None if unknown."""
        for _, row in self.rows():
            return set(row)
        return set()

    def media(self, value: Any, kind: MediaKind, where: str) -> Media | list[Media]:
        """Wrap a raw media value (path, bytes, encoded dict) as lazy, checked `Media`."""
        if isinstance(value, list | tuple):
            return [self._one(v, kind, f"{where}[{i}]") for i, v in enumerate(value)]
        return self._one(value, kind, where)

    def _one(self, value: Any, kind: MediaKind, where: str) -> Media:
        if isinstance(value, str | int) and self.media_files is not None:
            base, root, pattern = self.media_files
            relative = pattern.format(value)
            locate = _locator(base, relative, where, root=root, kind=kind)
            if kind == "video":
                return Media.from_file(kind, locate, path=relative)
            return Media(
                kind,
                lambda: check_media(kind, read_media_file(locate(), relative, kind, where), where),
                path=relative,
            )
        if isinstance(value, bytes | bytearray):
            data = bytes(value)
            return Media(kind, lambda: check_media(kind, data, where))
        if callable(value):  # generators render media only when a request needs them
            render = value
            return Media(kind, lambda: check_media(kind, render(), where))
        return Media(kind, _failing(f"{where}: unsupported {kind} value {type(value).__name__}"))


# An image or audio file is read whole: refuse one larger than this before reading it (videos
# are streamed, never read whole). Far above any benchmark's media, far below a machine's memory.
MAX_MEDIA_BYTES = 256 * 1024 * 1024


def read_media_file(target: Path, relative: str, kind: MediaKind, where: str) -> bytes:
    """A media file's bytes, after checking it is a regular file (a FIFO or a device would
    block forever) of a size that can be held in memory."""
    try:
        info = target.stat()
    except FileNotFoundError:
        raise MediaError(f"{where}: {kind} file {relative!r} not found") from None
    except OSError as exc:
        raise MediaError(f"{where}: cannot read {relative!r}: {exc.strerror}") from None
    if not stat.S_ISREG(info.st_mode):
        what = "a folder" if stat.S_ISDIR(info.st_mode) else "not a regular file (a FIFO, socket or device)"
        raise MediaError(f"{where}: cannot read {relative!r}: {what}")
    if info.st_size > MAX_MEDIA_BYTES:
        raise MediaError(
            f"{where}: {kind} file {relative!r} is {info.st_size / 2**20:,.0f} MB; "
            f"the limit is {MAX_MEDIA_BYTES // 2**20} MB"
        )
    try:
        with target.open("rb") as handle:
            data = handle.read(MAX_MEDIA_BYTES + 1)  # bounded even if the file grew since stat
    except OSError as exc:
        raise MediaError(f"{where}: cannot read {relative!r}: {exc.strerror}") from None
    if len(data) > MAX_MEDIA_BYTES:
        raise MediaError(f"{where}: {kind} file {relative!r} is over the {MAX_MEDIA_BYTES // 2**20} MB limit")
    return data


def _checked_page(data: bytes, index: int, where: str) -> bytes:
    return check_media("image", pdf_pages.render_page(data, index, where), where)


def _failing(message: str) -> Callable[[], bytes]:
    def fail() -> bytes:
        raise MediaError(message)

    return fail


class FileRowSource(RowSource):
    """Rows from a file whose media paths are relative to the file's folder."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.root = path.parent
        self.label = str(path)
        if not path.is_file():
            raise InputError(
                "dataset file not found",
                file=str(path),
                field="dataset.path",
                fix="check dataset.path (it is relative to the task file)",
            )

    def media(self, value: Any, kind: MediaKind, where: str) -> Media | list[Media]:
        named_pdf = isinstance(value, str) and value.lower().endswith(".pdf")
        if kind == "image" and named_pdf and self.media_files is None:
            return self._pdf_pages(value, where)
        return super().media(value, kind, where)

    def _pdf_pages(self, relative: str, where: str) -> list[Media]:
        """A PDF named where an image is expected: one image per page (up to MAX_PAGES), each
        rendered when a request needs it. A PDF that cannot be read is a media error of the
        sample, as a missing image is."""
        path = str(self.root / relative)
        try:
            data = read_media_file(resolve_inside(self.root, relative), relative, "image", where)
            count = pdf_pages.page_count(data, where)
        except MediaError as exc:
            return [Media("image", _failing(str(exc) if where in str(exc) else f"{where}: {exc}"), path=path)]
        if count > pdf_pages.MAX_PAGES:
            log.warning(
                "%s: %s has %d pages; the first %d are sent", where, relative, count, pdf_pages.MAX_PAGES
            )
        return [
            Media(
                "image",
                partial(_checked_page, data, index, where),
                path=f"{path}#page={index + 1}",
                mime="image/png",
            )
            for index in range(min(count, pdf_pages.MAX_PAGES))
        ]

    def _one(self, value: Any, kind: MediaKind, where: str) -> Media:
        if self.media_files is not None:
            return super()._one(value, kind, where)
        if isinstance(value, str) and kind == "video":
            return Media.from_file(kind, _locator(self.root, value, where), path=str(self.root / value))
        if isinstance(value, str):
            root, relative = self.root, value

            def load() -> bytes:
                try:
                    target = resolve_inside(root, relative)
                except MediaError as exc:
                    raise MediaError(f"{where}: {exc}") from None
                return check_media(kind, read_media_file(target, relative, kind, where), where)

            return Media(kind, load, path=str(self.root / value))
        return super()._one(value, kind, where)


def _media_root(base: Path, written: str, where: str) -> Path:
    """dataset.media_files.root with ${VAR} read from the environment, relative to the task."""
    import os
    import re

    missing = [name for name in re.findall(r"\$\{(\w+)\}", written) if not os.environ.get(name)]
    if missing:
        raise MediaError(
            f"{where}: dataset.media_files.root needs ${{{missing[0]}}}; "
            f"export {missing[0]}=/folder/of/the/files"
        )
    return base / os.path.expandvars(written)


def _locator(
    base: Path, relative: str, where: str, *, root: str | None = None, kind: MediaKind = "video"
) -> Callable[[], Path]:
    """The checked path of a file-backed medium (a video: read as it is decoded, never whole);
    checked once, on first use."""
    checked: list[Path] = []

    def locate() -> Path:
        if checked:
            return checked[0]
        folder = _media_root(base, root, where) if root is not None else base
        try:
            target = resolve_inside(folder, relative)
        except MediaError as exc:
            raise MediaError(f"{where}: {exc}") from None
        if not target.exists():
            raise MediaError(f"{where}: {kind} file {relative!r} not found")
        if not target.is_file():
            raise MediaError(f"{where}: cannot read {relative!r}: not a file")
        checked.append(check_video_file(target, where) if kind == "video" else target)
        return checked[0]

    return locate


def _row_error(label: str, number: int | None, what: str, fix: str) -> InputError:
    return InputError(what, file=label, line=number, fix=fix)


def _clean(row: dict[str, Any], label: str, number: int) -> dict[str, Any]:
    """Text that cannot be encoded (lone surrogates, from a `\\ud800` escape) is replaced where
    it enters, so it never reaches a writer; the row is named in a warning."""
    cleaned, replaced = safe_value(row)
    if replaced:
        log.warning("%s:%d: text with unpaired surrogates; replaced by U+FFFD", label, number)
    return cleaned if isinstance(cleaned, dict) else row


def read_jsonl(path: Path, label: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """One JSON object per line (lines split on \\n only: U+2028 may sit inside a string)."""
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            fix = "each line must be one JSON object"
            try:
                row = json.loads(raw.decode("utf-8-sig" if number == 1 else "utf-8"))
            except UnicodeDecodeError as exc:
                raise _row_error(
                    label, number, "the line is not UTF-8 text", "save the file as UTF-8"
                ) from exc
            except json.JSONDecodeError as exc:
                raise _row_error(
                    label, number, f"invalid JSON: {exc.msg} at column {exc.colno}", fix
                ) from exc
            except RecursionError:
                raise _row_error(label, number, "the JSON is nested too deeply to read", fix) from None
            except ValueError as exc:  # an integer of more than 4,300 digits
                raise _row_error(
                    label, number, f"unreadable number: {exc}", "write very long numbers as strings"
                ) from None
            if not isinstance(row, dict):
                raise _row_error(label, number, f"expected a JSON object, got {type(row).__name__}", fix)
            yield number, _clean(row, label, number)


def read_csv(path: Path, label: str, *, json_cells: bool = True) -> Iterator[tuple[int, dict[str, Any]]]:
    """CSV with a header row (a BOM is dropped); with `json_cells`, a cell holding a JSON list
    (`["a", "b"]`) becomes a list."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError("the file is not UTF-8 text", file=label, fix="save the file as UTF-8") from exc
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        for row in reader:
            if None in row:
                raise _row_error(
                    label,
                    reader.line_num,
                    "the row has more cells than the header",
                    "quote cells that contain commas",
                )
            cells = {k: _cell(v) if json_cells else v for k, v in row.items()}
            yield reader.line_num, _clean(cells, label, reader.line_num)
    except csv.Error as exc:
        raise _row_error(
            label,
            reader.line_num,
            f"unreadable CSV: {exc}",
            f"a cell holds at most {csv.field_size_limit():,} characters; check the quoting, "
            "or move long values to a JSONL file",
        ) from None


class JsonlRowSource(FileRowSource):
    def rows(self) -> Iterator[tuple[int, dict[str, Any]]]:
        return read_jsonl(self.path, self.label)


class CsvRowSource(FileRowSource):
    """CSV with a header row; a cell holding a JSON list (`["a", "b"]`) becomes a list."""

    def rows(self) -> Iterator[tuple[int, dict[str, Any]]]:
        return read_csv(self.path, self.label)


def _cell(value: str | None) -> Any:
    if value is not None and value.startswith("[") and value.endswith("]"):
        try:
            return json.loads(value)
        except (ValueError, RecursionError):
            return value
    return value


class GeneratorRowSource(RowSource):
    """Rows from a built-in, seeded generator; media arrive as bytes or as zero-argument
    callables that render them on demand (so counting or scanning rows draws nothing)."""

    def __init__(self, name: str, n: int, seed: int, params: dict[str, Any]) -> None:
        from evals.generators import build_generator

        self.generator = build_generator(name, params)
        self.n = n
        self.seed = seed
        self.label = f"generator {name}"

    def rows(self) -> Iterator[tuple[int, dict[str, Any]]]:
        yield from enumerate(self.generator.rows(self.n, self.seed))

    def columns(self) -> set[str] | None:
        return set(self.generator.columns)
