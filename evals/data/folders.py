"""Folders in the Hugging Face imagefolder/audiofolder layout, read directly.

The layout: media files, optionally under one folder per split, either described by a
`metadata.csv` / `metadata.jsonl` whose `file_name` column names each file, or grouped in one
sub-folder per label. Reading it here needs neither `datasets` nor an audio codec (recent
`datasets` releases need torch to build an audiofolder). One difference from `datasets`: a label
taken from a folder name is that name ("cat"), not a class index.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from evals.data.sources import FileRowSource, read_csv, read_jsonl
from evals.errors import InputError

EXTENSIONS = {
    "image": {".png", ".jpg", ".jpeg", ".gif", ".bmp", ".webp", ".tif", ".tiff"},
    "audio": {".wav", ".flac", ".mp3", ".ogg", ".opus", ".m4a"},
}


class FolderRowSource(FileRowSource):
    def __init__(self, folder: Path, split: str, media: str) -> None:
        if not folder.is_dir():
            raise InputError("dataset folder not found", file=str(folder), fix="check dataset.path")
        split_folder = folder / split
        self.folder = split_folder if split_folder.is_dir() else folder
        self.path = self.folder
        self.root = self.folder
        self.label = str(self.folder)
        self.media_column = media
        self.extensions = EXTENSIONS[media]

    def rows(self) -> Iterator[tuple[int, dict[str, Any]]]:
        metadata = [self.folder / "metadata.jsonl", self.folder / "metadata.csv"]
        found = next((m for m in metadata if m.is_file()), None)
        if found is not None:
            yield from self._described(found)
            return
        files = sorted(
            p for p in self.folder.rglob("*") if p.is_file() and p.suffix.lower() in self.extensions
        )
        for number, file in enumerate(files):
            relative = file.relative_to(self.folder)
            row: dict[str, Any] = {"id": str(relative.with_suffix("")), self.media_column: str(relative)}
            if len(relative.parts) > 1:
                row["label"] = relative.parts[0]
            yield number, row

    def _described(self, metadata: Path) -> Iterator[tuple[int, dict[str, Any]]]:
        if metadata.suffix == ".jsonl":
            rows = read_jsonl(metadata, str(metadata))
        else:
            rows = read_csv(metadata, str(metadata), json_cells=False)
        for number, row in rows:
            name = row.pop("file_name", None)
            if not name:
                raise InputError(
                    "row has no file_name",
                    file=str(metadata),
                    line=number,
                    fix="name each media file in a file_name column",
                )
            row.setdefault("id", str(Path(name).with_suffix("")))
            row[self.media_column] = name
            yield number, row
