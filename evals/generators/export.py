"""Write a generator's rows to a folder: `samples.jsonl` plus one media file per value.

Media files are named after a column of the row (its id by default) inside one folder per media
column; rows that share a picture (several questions about one chart) name the same file once.
JSON lines keep the generator's column order, so the same rows give the same bytes.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from evals.media import sniff_mime

_EXTENSIONS = {
    "image/png": "png",
    "image/jpeg": "jpg",
    "audio/flac": "flac",
    "audio/wav": "wav",
    "audio/ogg": "ogg",
    "audio/mpeg": "mp3",
}
SAMPLES_FILE = "samples.jsonl"


def media_bytes(value: Any) -> bytes:
    """The bytes of a generator's media value: bytes as they are, a callable rendered now."""
    data = value() if callable(value) else value
    if not isinstance(data, bytes | bytearray):
        raise TypeError(f"media value is {type(data).__name__}, not bytes")
    return bytes(data)


def clear_export(folder: Path, media_folders: Iterable[str]) -> None:
    """Remove what a previous export wrote (the samples file and media folders), nothing else."""
    (folder / SAMPLES_FILE).unlink(missing_ok=True)
    for name in media_folders:
        shutil.rmtree(folder / name, ignore_errors=True)


def export_rows(
    rows: Iterable[dict[str, Any]],
    folder: Path,
    media: Mapping[str, str],
    *,
    stem: str = "id",
    on_row: Callable[[dict[str, Any]], None] | None = None,
) -> list[dict[str, Any]]:
    """Write rows to `folder`; `media` maps each media column to the sub-folder for its files.

    Returns the rows as written (media replaced by their relative paths).
    """
    folder.mkdir(parents=True, exist_ok=True)
    written: dict[str, bytes] = {}
    lines: list[str] = []
    out_rows: list[dict[str, Any]] = []
    for row in rows:
        out = dict(row)
        for column, subfolder in media.items():
            data = media_bytes(row[column])
            extension = _EXTENSIONS.get(sniff_mime(data) or "", "bin")
            relative = f"{subfolder}/{row[stem]}.{extension}"
            digest = hashlib.sha256(data).digest()
            if relative in written:
                if written[relative] != digest:
                    raise ValueError(f"two different {column} files would both be {relative}")
            else:
                target = folder / relative
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
                written[relative] = digest
            out[column] = relative
        lines.append(json.dumps(out, ensure_ascii=False))
        out_rows.append(out)
        if on_row is not None:
            on_row(out)
    (folder / SAMPLES_FILE).write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return out_rows
